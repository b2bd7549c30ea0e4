"""Waiting-list entries with their offers, excluded periods and history; guarantee limits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kulisser.db import Base, UTCDateTime, utcnow
from kulisser.history import HistoryRow, history_values
from kulisser.i18n import _
from kulisser.waitlist import guarantee as g
from kulisser.waitlist.states import (
    ACTIVE_STATUSES,
    STATUS_LABELS,
    EntryStatus,
)

TZ = ZoneInfo("Europe/Stockholm")


def local_today(now: datetime | None = None) -> date:
    """Today's date in Sweden (the guarantee counts Swedish calendar days)."""
    return (now or utcnow()).astimezone(TZ).date()


class WaitlistEntry(Base):
    """A patient waiting at a unit for a first visit, a treatment or a follow-up."""

    __tablename__ = "waitlist_entry"
    __table_args__ = (
        Index("ix_waitlist_entry_unit_status", "unit_id", "status"),
        Index("ix_waitlist_entry_source", "source_type", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    wait_kind: Mapped[str] = mapped_column(String(20))
    clock_start: Mapped[date] = mapped_column(Date)
    # The limit promised when the wait began (unit or region rule then); None for follow-ups.
    limit_days: Mapped[int | None] = mapped_column(Integer)
    source_type: Mapped[str | None] = mapped_column(String(40))
    source_id: Mapped[int | None] = mapped_column(Integer)
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    status: Mapped[str] = mapped_column(String(20), default=EntryStatus.WAITING.value)
    medical_target_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    # The visit date once booked or done; the day the wait ended without one when removed.
    end_date: Mapped[date | None] = mapped_column(Date)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    offers: Mapped[list[Offer]] = relationship(
        back_populates="entry", order_by="[Offer.offered_on, Offer.id]", cascade="all, delete-orphan")
    periods: Mapped[list[ExcludedPeriod]] = relationship(
        back_populates="entry", order_by="[ExcludedPeriod.start_date, ExcludedPeriod.id]",
        cascade="all, delete-orphan")
    events: Mapped[list[WaitlistEvent]] = relationship(
        back_populates="entry", order_by="WaitlistEvent.id", cascade="all, delete-orphan")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("status", EntryStatus.WAITING.value)
        super().__init__(**kwargs)

    @property
    def kind_label(self) -> str:
        """The kind of wait in Swedish."""
        return _(g.WAIT_KIND_LABELS.get(g.WaitKind(self.wait_kind), self.wait_kind))

    @property
    def status_label(self) -> str:
        """The status in Swedish."""
        return _(STATUS_LABELS.get(EntryStatus(self.status), self.status))

    @property
    def is_active(self) -> bool:
        """Waiting or booked (not yet done or removed)."""
        return self.status in ACTIVE_STATUSES

    def offer_facts(self) -> list[g.OfferFact]:
        """The offers as the clock sees them."""
        return [g.OfferFact(offered_on=o.offered_on, visit_date=o.visit_date, response=o.response,
                            informed=o.informed, responded_on=o.responded_on, key=o.id)
                for o in self.offers]

    def period_facts(self) -> list[g.PeriodFact]:
        """The excluded periods still in force, as the clock sees them."""
        return [g.PeriodFact(start=p.start_date, end=p.end_date, reason=p.reason,
                             offer_key=p.offer_id, key=p.id)
                for p in self.periods if p.removed_at is None]

    def figures(self, today: date | None = None, *,
                at_risk_days: int = g.DEFAULT_AT_RISK_DAYS) -> g.Figures:
        """The waiting-time figures as of today (or the end date once the wait has ended)."""
        return g.compute(wait_kind=self.wait_kind, clock_start=self.clock_start,
                         limit_days=self.limit_days, today=today or local_today(),
                         offers=self.offer_facts(), periods=self.period_facts(),
                         end_date=self.end_date, medical_target_date=self.medical_target_date,
                         at_risk_days=at_risk_days)

    def qualifications(self) -> dict[int | None, g.Qualification]:
        """Per offer id: whether its decline makes patient-chosen waiting count, and why not."""
        return g.qualify_offers(wait_kind=self.wait_kind, clock_start=self.clock_start,
                                limit_days=self.limit_days, offers=self.offer_facts(),
                                periods=self.period_facts())

    # -- status changes: each records an event ------------------------------------------

    def record(self, type_: str, *, actor_id: int | None, now: datetime, **data: Any) -> None:
        """Append an event to the entry's history."""
        self.updated_at = now
        self.events.append(WaitlistEvent(**history_values(type_, actor_id=actor_id, now=now, **data)))

    def _move(self, to: EntryStatus, *, actor_id: int | None, now: datetime, type_: str,
              **data: Any) -> None:
        before = self.status
        self.status = to.value
        self.record(type_, actor_id=actor_id, now=now, from_status=before, to_status=to.value,
                    **data)

    def book(self, *, actor_id: int | None, visit_date: date, now: datetime) -> None:
        """A visit is booked: the clock stops at the visit date."""
        before = self.end_date
        self.end_date = visit_date
        self.ended_at = now
        self._move(EntryStatus.BOOKED, actor_id=actor_id, now=now, type_="booked",
                   visit_date=visit_date.isoformat(),
                   previous_visit_date=before.isoformat() if before else None)

    def mark_done(self, *, actor_id: int | None, visit_date: date, now: datetime) -> None:
        """The visit or treatment took place on visit_date."""
        self.end_date = visit_date
        self.ended_at = now
        self._move(EntryStatus.DONE, actor_id=actor_id, now=now, type_="done",
                   visit_date=visit_date.isoformat())

    def reopen(self, *, actor_id: int | None, reason: str, now: datetime) -> None:
        """The booked visit fell through: the patient waits again and the clock runs on."""
        before = self.end_date
        self.end_date = None
        self.ended_at = None
        self._move(EntryStatus.WAITING, actor_id=actor_id, now=now, type_="reopened",
                   reason=reason, previous_visit_date=before.isoformat() if before else None)

    def remove(self, *, actor_id: int | None, reason: str, end_date: date, now: datetime) -> None:
        """Take the patient off the list without a visit, with a reason."""
        self.end_date = end_date
        self.ended_at = now
        self.removed_reason = reason
        self._move(EntryStatus.REMOVED, actor_id=actor_id, now=now, type_="removed", reason=reason)


class Offer(Base):
    """A time offered to the patient and their answer (the basis of patient-chosen waiting)."""

    __tablename__ = "waitlist_offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("waitlist_entry.id"), index=True)
    offered_on: Mapped[date] = mapped_column(Date)
    visit_date: Mapped[date] = mapped_column(Date)
    # Whether the patient had been told about the care guarantee when the time was offered.
    informed: Mapped[bool] = mapped_column(Boolean, default=False)
    response: Mapped[str] = mapped_column(String(10), default=g.OfferResponse.PENDING.value)
    responded_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    entry: Mapped[WaitlistEntry] = relationship(back_populates="offers")

    @property
    def response_label(self) -> str:
        """The answer in Swedish."""
        return _(g.RESPONSE_LABELS.get(g.OfferResponse(self.response), self.response))


class ExcludedPeriod(Base):
    """Days not counted: medically caused or patient-chosen waiting, with dates and a reason."""

    __tablename__ = "waitlist_excluded_period"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("waitlist_entry.id"), index=True)
    reason: Mapped[str] = mapped_column(String(10))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)  # None: until further notice
    # The declined offer a patient-chosen period rests on.
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("waitlist_offer.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # A period recorded by mistake is withdrawn, never deleted: the history shows it.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_reason: Mapped[str | None] = mapped_column(Text)

    entry: Mapped[WaitlistEntry] = relationship(back_populates="periods")

    @property
    def reason_label(self) -> str:
        """The reason in Swedish."""
        return _(g.REASON_LABELS.get(g.Reason(self.reason), self.reason))


class WaitlistEvent(HistoryRow, Base):
    """One entry in a wait's history."""

    __tablename__ = "waitlist_event"
    STATUS_LENGTH = 20

    entry_id: Mapped[int] = mapped_column(ForeignKey("waitlist_entry.id"), index=True)

    entry: Mapped[WaitlistEntry] = relationship(back_populates="events")


class GuaranteeLimit(Base):
    """Days allowed for a kind of wait: a unit's own rule, or a region's (exactly one of them)."""

    __tablename__ = "guarantee_limit"
    __table_args__ = (
        UniqueConstraint("unit_id", "wait_kind"),
        UniqueConstraint("region", "wait_kind"),
        CheckConstraint("(unit_id IS NULL) <> (region IS NULL)", name="one_scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("care_unit.id"))
    region: Mapped[str | None] = mapped_column(String(40))
    wait_kind: Mapped[str] = mapped_column(String(20))
    days: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class WaitlistSetting(Base):
    """A unit's waiting-list settings: its region (whose limits apply) and the risk margin."""

    __tablename__ = "waitlist_setting"

    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), primary_key=True)
    region: Mapped[str] = mapped_column(String(40), default="")
    # An entry whose due date is this close is "at risk", and its work item falls due.
    at_risk_days: Mapped[int] = mapped_column(Integer, default=g.DEFAULT_AT_RISK_DAYS)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
