"""Work items, their history of events, and the due-time rule table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.attributes import flag_modified

from kulisser.db import Base, BigId, UTCDateTime, utcnow
from kulisser.history import HistoryRow, history_values
from kulisser.worklist.states import (
    OPEN_STATUSES,
    Operation,
    Status,
    check_transition,
)

_OPEN_SQL = "status IN (" + ", ".join(f"'{s.value}'" for s in OPEN_STATUSES) + ")"
_QUEUE_SQL = f"owner_id IS NULL AND {_OPEN_SQL}"
# History events that can move an item from one owner to another (read by the stats package).
OWNER_EVENTS = ("handed_over", "assigned", "claimed")
_OWNER_MOVES_SQL = "type IN (" + ", ".join(f"'{t}'" for t in OWNER_EVENTS) + ")"


class WorkItem(Base):
    """One tracked task: kind, patient, unit, owner, priority, due time, status, history."""

    __tablename__ = "work_item"
    __table_args__ = (
        # The worklist's hot queries: my open items and the unit's open queue (owner NULL),
        # each read in due order straight off this partial index.
        Index(
            "ix_work_item_open_owner_due",
            "unit_id",
            "owner_id",
            "due_at",
            "id",
            # The kind rides along so PostgreSQL counts per kind from the index alone.
            postgresql_include=["kind"],
            postgresql_where=text(_OPEN_SQL),
            sqlite_where=text(_OPEN_SQL),
        ),
        # The unit's queue (no owner) in due order: PostgreSQL cannot read the owner index
        # above in due order for "owner_id IS NULL", so the queue gets its own.
        Index(
            "ix_work_item_open_queue_due",
            "unit_id",
            "due_at",
            "id",
            postgresql_where=text(_QUEUE_SQL),
            sqlite_where=text(_QUEUE_SQL),
        ),
        Index(
            "ix_work_item_open_unit_due",
            "unit_id",
            "due_at",
            "id",
            postgresql_where=text(_OPEN_SQL),
            sqlite_where=text(_OPEN_SQL),
        ),
        Index("ix_work_item_patient", "patient_id", "status"),
        # Items closed in a period by status (completed, entered in error): the team's daily
        # aggregate per person and its readers (kulisser.stats.person_days, migration 0039).
        Index("ix_work_item_closed_status_at", "status", "closed_at",
              postgresql_where=text("closed_at IS NOT NULL"),
              sqlite_where=text("closed_at IS NOT NULL")),
        Index("ix_work_item_ref", "ref_type", "ref_id"),
        # A unit's items open now (closed_at NULL) or closed since a moment: the daily
        # aggregate's refresh (kulisser.stats.aggregate, migration 0040).
        Index("ix_work_item_unit_closed", "unit_id", "closed_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    priority: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default=Status.REQUESTED.value)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # The record this item is about (a phone message, a dictation, a referral ...).
    ref_type: Mapped[str | None] = mapped_column(String(40))
    ref_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where resume returns to after on-hold.
    status_before_hold: Mapped[str | None] = mapped_column(String(20))
    # Optimistic concurrency: every UPDATE of the row is "... WHERE version = <the one read>"
    # and sets version + 1, so two colleagues acting on what they saw cannot both win.
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))

    events: Mapped[list[WorkItemEvent]] = relationship(
        back_populates="work_item", order_by="WorkItemEvent.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read once by the mapper

    def __init__(self, **kwargs: Any) -> None:
        # The column default only applies at INSERT; a new item must be "requested" in memory
        # too, or the "created" event and an assign before the first flush see status None.
        kwargs.setdefault("status", Status.REQUESTED.value)
        super().__init__(**kwargs)

    # -- domain methods: each checks the transition and records an event ---------------

    def record(self, type_: str, *, actor_id: int | None, now: datetime, **data: Any) -> None:
        """Append an event to the history."""
        self.updated_at = now
        # Every event is a change of the item: the row is written (and its version bumped)
        # even when the time is the same as the last change's.
        flag_modified(self, "updated_at")
        self.events.append(WorkItemEvent(**history_values(type_, actor_id=actor_id, now=now, **data)))

    def _move(self, to: Status, *, actor_id: int | None, now: datetime, type_: str, **data: Any) -> None:
        before = self.status
        self.status = to.value
        if to not in OPEN_STATUSES:
            self.closed_at = now
        self.record(type_, actor_id=actor_id, now=now, from_status=before, to_status=to.value, **data)

    def claim(self, *, actor_id: int, now: datetime) -> None:
        """The actor takes the item (from the queue, or from a colleague's on-hold pile)."""
        check_transition(self.status, Operation.CLAIM)
        previous = self.owner_id
        self.owner_id = actor_id
        self.status_before_hold = None
        self._move(Status.ACCEPTED, actor_id=actor_id, now=now, type_="claimed",
                   from_owner=previous, to_owner=actor_id)

    def assign(self, *, actor_id: int, to_user_id: int, now: datetime) -> None:
        """Give a new item to a named user."""
        check_transition(self.status, Operation.ASSIGN)
        previous = self.owner_id
        self.owner_id = to_user_id
        self.record("assigned", actor_id=actor_id, now=now, from_owner=previous, to_owner=to_user_id)

    def hand_over(self, *, actor_id: int, to_user_id: int | None, reason: str, now: datetime) -> None:
        """Move responsibility to another user (or the unit's queue); the old owner loses it."""
        check_transition(self.status, Operation.HANDOVER, reason=reason)
        previous = self.owner_id
        self.owner_id = to_user_id
        self.status_before_hold = None
        self._move(Status.REQUESTED, actor_id=actor_id, now=now, type_="handed_over",
                   reason=reason.strip(), from_owner=previous, to_owner=to_user_id)

    def start(self, *, actor_id: int, now: datetime) -> None:
        """Begin work; an unowned item becomes the actor's."""
        check_transition(self.status, Operation.START)
        if self.owner_id is None:
            self.owner_id = actor_id
        self._move(Status.IN_PROGRESS, actor_id=actor_id, now=now, type_="status_changed")

    def hold(self, *, actor_id: int | None, reason: str, now: datetime) -> None:
        """Put the item on hold with a reason (waiting for someone else)."""
        check_transition(self.status, Operation.HOLD, reason=reason)
        self.status_before_hold = self.status
        self._move(Status.ON_HOLD, actor_id=actor_id, now=now, type_="status_changed",
                   reason=reason.strip())

    def resume(self, *, actor_id: int | None, now: datetime) -> None:
        """Take the item off hold, back to where it was."""
        check_transition(self.status, Operation.RESUME)
        back = Status(self.status_before_hold or Status.ACCEPTED)
        self.status_before_hold = None
        self._move(back, actor_id=actor_id, now=now, type_="status_changed")

    def complete(self, *, actor_id: int | None, now: datetime, reason: str = "") -> None:
        """Mark the work done; whoever completes an unowned item becomes its owner."""
        check_transition(self.status, Operation.COMPLETE)
        if self.owner_id is None:
            self.owner_id = actor_id
        self._move(Status.COMPLETED, actor_id=actor_id, now=now, type_="status_changed",
                   reason=reason.strip() or None)

    def cancel(self, *, actor_id: int | None, reason: str, now: datetime) -> None:
        """Cancel an item that no longer needs doing, with a reason."""
        check_transition(self.status, Operation.CANCEL, reason=reason)
        self._move(Status.CANCELLED, actor_id=actor_id, now=now, type_="status_changed",
                   reason=reason.strip())

    def mark_entered_in_error(self, *, actor_id: int, reason: str, now: datetime) -> None:
        """Mark an item that should never have existed, with a reason."""
        check_transition(self.status, Operation.ENTERED_IN_ERROR, reason=reason)
        self._move(Status.ENTERED_IN_ERROR, actor_id=actor_id, now=now, type_="status_changed",
                   reason=reason.strip())

    def comment(self, *, actor_id: int, text_: str, now: datetime) -> None:
        """Add a comment to the history."""
        self.record("commented", actor_id=actor_id, now=now, reason=text_.strip())

    def change_due(self, *, actor_id: int | None, due_at: datetime, reason: str, now: datetime) -> None:
        """Move the due time, with a reason, keeping the old one in the history."""
        before = self.due_at
        self.due_at = due_at
        self.record("due_changed", actor_id=actor_id, now=now, reason=reason.strip() or None,
                    due_before=before.isoformat(), due_after=due_at.isoformat())


class WorkItemEvent(HistoryRow, Base):
    """One entry in a work item's history."""

    __tablename__ = "work_item_event"
    __table_args__ = (
        # The changes of owner in a period (the team's hand-overs in and out, kulisser.stats.team)
        # without reading the whole history: a small partial index on the time.
        Index("ix_work_item_event_owner_moves", "at",
              postgresql_where=text(_OWNER_MOVES_SQL), sqlite_where=text(_OWNER_MOVES_SQL)),
    )
    TYPE_LENGTH = 20
    STATUS_LENGTH = 20

    work_item_id: Mapped[int] = mapped_column(BigId, ForeignKey("work_item.id"), index=True)

    work_item: Mapped[WorkItem] = relationship(back_populates="events")


class DeadlineRule(Base):
    """How long a kind of item at a priority may take; a unit's row overrides the default."""

    __tablename__ = "deadline_rule"
    __table_args__ = (UniqueConstraint("unit_id", "kind", "priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    kind: Mapped[str] = mapped_column(String(40))
    priority: Mapped[str] = mapped_column(String(10))
    hours: Mapped[int] = mapped_column(Integer)
