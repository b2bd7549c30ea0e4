"""Letters with their history, the units' own letter texts, print batches and SMS reminders."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kulisser.db import Base, UTCDateTime, utcnow
from kulisser.history import HistoryRow, history_values
from kulisser.letters.states import LetterOp, LetterStatus, Route, check


class Letter(Base):
    """One letter to (or about) a patient: its text, where it goes, and where it is."""

    __tablename__ = "letter"
    __table_args__ = (
        # The list and the day's print run: a unit's letters by status and ready time.
        Index("ix_letter_unit_status_ready", "unit_id", "status", "ready_at"),
        Index("ix_letter_source", "source_type", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=LetterStatus.DRAFT.value)
    route: Mapped[str] = mapped_column(String(20), default=Route.POST.value)
    # The text as a template (the unit's text when the letter was made, editable as a draft)
    # and the letter's own merge values; patient and unit fields are filled in when rendered.
    subject_template: Mapped[str] = mapped_column(String(200))
    body_template: Mapped[str] = mapped_column(Text)
    fields: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # The visit time this letter tells the patient (a rebooking letter names the old one).
    visit_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the letter is about: ("appointment", id), ("result", id), ("referral", id) ...
    source_type: Mapped[str | None] = mapped_column(String(20))
    source_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mailbox_ref: Mapped[str | None] = mapped_column(String(100))

    events: Mapped[list[LetterEvent]] = relationship(
        back_populates="letter", order_by="LetterEvent.id", cascade="all, delete-orphan")

    def __init__(self, **kwargs: Any) -> None:
        # Column defaults apply at INSERT only; a new letter is a draft in memory too.
        kwargs.setdefault("status", LetterStatus.DRAFT.value)
        kwargs.setdefault("route", Route.POST.value)
        kwargs.setdefault("fields", {})
        super().__init__(**kwargs)

    def record(self, type_: str, *, actor_id: int | None, now: datetime, **data: Any) -> None:
        """Append an event to the letter's history."""
        self.events.append(LetterEvent(**history_values(type_, actor_id=actor_id, now=now, **data)))

    def move(self, op: LetterOp, *, actor_id: int | None, now: datetime, reason: str = "",
             **data: Any) -> None:
        """Carry out a status operation (checked) and record it."""
        self.events.append(LetterEvent(**self.step(op, actor_id=actor_id, now=now, reason=reason,
                                                   **data)))

    def step(self, op: LetterOp, *, actor_id: int | None, now: datetime, reason: str = "",
             **data: Any) -> dict[str, Any]:
        """Carry out a status operation (checked); return its history row's values, not yet recorded."""
        to = check(self.status, op, reason=reason)
        before = self.status
        self.status = to.value
        if to is LetterStatus.READY:
            self.ready_at = now
        elif to is LetterStatus.DRAFT:
            self.ready_at = None
        elif to is LetterStatus.SENT:
            self.sent_at = now
        return history_values(op.value, actor_id=actor_id, now=now, from_status=before,
                              to_status=to.value, reason=reason.strip() or None, **data)


class LetterEvent(HistoryRow, Base):
    """One entry in a letter's history."""

    __tablename__ = "letter_event"
    TYPE_LENGTH = 20
    STATUS_LENGTH = 20

    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id"), index=True)

    letter: Mapped[Letter] = relationship(back_populates="events")


class LetterTemplate(Base):
    """A unit's own text for a kind of letter, replacing the default text."""

    __tablename__ = "letter_template"
    __table_args__ = (UniqueConstraint("unit_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class PrintBatch(Base):
    """One print run of a unit's ready letters; confirming it marks exactly those as sent."""

    __tablename__ = "letter_print_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), index=True)
    for_date: Mapped[date] = mapped_column(Date)
    letter_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # in print order
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class SmsOptOut(Base):
    """The patient does not want SMS reminders."""

    __tablename__ = "sms_opt_out"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), primary_key=True)
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class SmsReminder(Base):
    """A reminder sent for a visit: at most one per appointment and visit time (unique)."""

    __tablename__ = "sms_reminder"
    __table_args__ = (UniqueConstraint("appointment_id", "visit_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(BigInteger)  # booking's appointment.id
    visit_start: Mapped[datetime] = mapped_column(UTCDateTime)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reference: Mapped[str] = mapped_column(String(100))
