"""Schedules (resources, visit types, templates, exceptions), their slots, appointments and history.

A slot is never booked twice, and the database says so, not only the code: an appointment
that occupies its slot (status booked or noshow) is unique per slot by a partial unique index
(`ix_appointment_slot_occupied`), and the service takes a slot with a conditional
`UPDATE slot SET status='booked' WHERE id=:id AND status='free'`, which on PostgreSQL makes
concurrent bookers of one slot wait for the first and then find it taken.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kulisser.booking.states import (
    APPOINTMENT_STATUS_LABELS,
    CANCELLED_BY_LABELS,
    EXCEPTION_KIND_LABELS,
    OCCUPYING,
    RESOURCE_KIND_LABELS,
    AppointmentStatus,
    CancelledBy,
    ExceptionKind,
    ResourceKind,
    SlotStatus,
)
from kulisser.db import Base, BigId, UTCDateTime, utcnow
from kulisser.i18n import _
from kulisser.patients.service import Patient
from kulisser.staff.service import CareUnit, User

_OCCUPYING_SQL = "status IN (" + ", ".join(f"'{s}'" for s in OCCUPYING) + ")"


class Resource(Base):
    """Whose schedule it is: a clinician (a user) or a room or piece of equipment of a unit."""

    __tablename__ = "schedule_resource"
    __table_args__ = (UniqueConstraint("unit_id", "name"), UniqueConstraint("unit_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[CareUnit] = relationship()
    user: Mapped[User | None] = relationship()

    @property
    def kind_label(self) -> str:
        """The kind in Swedish."""
        return _(RESOURCE_KIND_LABELS.get(ResourceKind(self.kind), self.kind))


class VisitType(Base):
    """A kind of visit a unit books (new visit, follow-up ...) and how long it takes."""

    __tablename__ = "visit_type"
    __table_args__ = (UniqueConstraint("unit_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    minutes: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The kind of wait on the waiting list this visit ends (waitlist.service.wait_kinds()), so
    # that booking from an entry offers the right visit type first; None: not tied to one.
    wait_kind: Mapped[str | None] = mapped_column(String(20), default=None)


class ScheduleTemplate(Base):
    """A recurring session: on these weekdays, from start to end (Stockholm time), one visit type."""

    __tablename__ = "schedule_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("schedule_resource.id"), index=True)
    visit_type_id: Mapped[int] = mapped_column(ForeignKey("visit_type.id"))
    # ISO weekday digits, 1 = Monday ... 7 = Sunday: "12345" is Monday to Friday.
    weekdays: Mapped[str] = mapped_column(String(7))
    start_time: Mapped[time] = mapped_column(Time)  # local wall-clock time
    end_time: Mapped[time] = mapped_column(Time)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    resource: Mapped[Resource] = relationship()
    visit_type: Mapped[VisitType] = relationship(lazy="joined")

    def applies_on(self, day: date) -> bool:
        """Whether the template yields slots on this calendar day."""
        return (self.active and str(day.isoweekday()) in self.weekdays and self.valid_from <= day
                and (self.valid_to is None or day <= self.valid_to))


class ScheduleException(Base):
    """No slots for a while: a resource's leave or meeting, or (resource NULL) the unit closed."""

    __tablename__ = "schedule_exception"
    __table_args__ = (Index("ix_schedule_exception_unit_dates", "unit_id", "start_date", "end_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("schedule_resource.id"))
    kind: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    # Both NULL: whole days. Otherwise the same hours (local time) on each day of the range.
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def kind_label(self) -> str:
        """The kind in Swedish."""
        return _(EXCEPTION_KIND_LABELS.get(ExceptionKind(self.kind), self.kind))


class Slot(Base):
    """A bookable stretch of a resource's time; start and end are aware UTC instants."""

    __tablename__ = "slot"
    __table_args__ = (
        # Generating twice creates nothing new: one slot per resource and start.
        UniqueConstraint("resource_id", "start_at"),
        Index("ix_slot_unit_status_start", "unit_id", "status", "start_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    resource_id: Mapped[int] = mapped_column(ForeignKey("schedule_resource.id"))
    visit_type_id: Mapped[int] = mapped_column(ForeignKey("visit_type.id"))
    template_id: Mapped[int | None] = mapped_column(ForeignKey("schedule_template.id"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default=SlotStatus.FREE.value)
    # The exception that blocked this slot after it was generated (removing it frees the slot).
    exception_id: Mapped[int | None] = mapped_column(ForeignKey("schedule_exception.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    resource: Mapped[Resource] = relationship(lazy="joined", innerjoin=True)
    visit_type: Mapped[VisitType] = relationship(lazy="joined", innerjoin=True)

    @property
    def minutes(self) -> int:
        """The slot's length in minutes."""
        return int((self.end_at - self.start_at).total_seconds() // 60)


class Appointment(Base):
    """A patient's visit in a slot; rebooking moves it to another slot, keeping its history."""

    __tablename__ = "appointment"
    __table_args__ = (
        # The database's promise: at most one appointment holds a slot.
        Index("ix_appointment_slot_occupied", "slot_id", unique=True,
              postgresql_where=text(_OCCUPYING_SQL), sqlite_where=text(_OCCUPYING_SQL)),
        Index("ix_appointment_patient_start", "patient_id", "start_at"),
        Index("ix_appointment_unit_start", "unit_id", "start_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    slot_id: Mapped[int] = mapped_column(BigId, ForeignKey("slot.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    resource_id: Mapped[int] = mapped_column(ForeignKey("schedule_resource.id"))
    visit_type_id: Mapped[int] = mapped_column(ForeignKey("visit_type.id"))
    # The slot's times, copied so that the visit keeps them when the slot is freed.
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default=AppointmentStatus.BOOKED.value)
    # Printed in the calling letter (merge field besok_meddelande): meant for the patient.
    patient_message: Mapped[str] = mapped_column(Text, default="")
    # For staff only (an interpreter to book, a wheelchair): kept on the visit, never printed.
    internal_note: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    # The waiting-list entry the patient was booked from (kulisser.waitlist), if any.
    waitlist_entry_id: Mapped[int | None] = mapped_column(Integer)
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rebook_count: Mapped[int] = mapped_column(Integer, default=0)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by: Mapped[str | None] = mapped_column(String(10))  # patient, clinic
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    no_show_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    slot: Mapped[Slot] = relationship()
    patient: Mapped[Patient] = relationship()
    unit: Mapped[CareUnit] = relationship()
    resource: Mapped[Resource] = relationship()
    visit_type: Mapped[VisitType] = relationship()
    events: Mapped[list[AppointmentEvent]] = relationship(
        back_populates="appointment", order_by="AppointmentEvent.id", cascade="all, delete-orphan")

    def __init__(self, **kwargs: Any) -> None:
        # Column defaults apply only at INSERT; the status must be right in memory too.
        kwargs.setdefault("status", AppointmentStatus.BOOKED.value)
        kwargs.setdefault("rebook_count", 0)
        super().__init__(**kwargs)

    @property
    def status_label(self) -> str:
        """The status in Swedish."""
        return _(APPOINTMENT_STATUS_LABELS.get(AppointmentStatus(self.status), self.status))

    @property
    def cancelled_by_label(self) -> str:
        """Who cancelled, in Swedish."""
        return _(CANCELLED_BY_LABELS.get(CancelledBy(self.cancelled_by), "")) if self.cancelled_by else ""

    def record(self, type_: str, *, actor_id: int | None, now: datetime, reason: str | None = None,
               **data: Any) -> None:
        """Append an event to the appointment's (and so the patient's) history."""
        self.updated_at = now
        self.events.append(AppointmentEvent(**self.history_row(type_, actor_id=actor_id, now=now,
                                                               reason=reason, **data)))

    def history_row(self, type_: str, *, actor_id: int | None, now: datetime, reason: str | None = None,
                    **data: Any) -> dict[str, Any]:
        """The values of a history row about the visit as it is now (without the appointment's id)."""
        return {"type": type_, "actor_id": actor_id, "at": now, "patient_id": self.patient_id,
                "slot_id": self.slot_id, "start_at": self.start_at, "end_at": self.end_at,
                "reason": reason, "data": {k: v for k, v in data.items() if v is not None}}

    def move_to(self, slot: Slot, *, actor_id: int, now: datetime, reason: str | None) -> None:
        """Rebook into another slot; the history keeps where it was."""
        before_slot, before_start, before_end = self.slot_id, self.start_at, self.end_at
        self.slot_id, self.start_at, self.end_at = slot.id, slot.start_at, slot.end_at
        self.resource_id, self.visit_type_id = slot.resource_id, slot.visit_type_id
        self.rebook_count += 1
        self.record("rebooked", actor_id=actor_id, now=now, reason=reason, from_slot_id=before_slot,
                    from_start_at=before_start.isoformat(), from_end_at=before_end.isoformat())

    def cancel(self, *, actor_id: int, now: datetime, by: CancelledBy, reason: str) -> None:
        """Call the visit off, saying who did and why."""
        self.status = AppointmentStatus.CANCELLED.value
        self.cancelled_at, self.cancelled_by, self.cancel_reason = now, by.value, reason
        self.record("cancelled", actor_id=actor_id, now=now, reason=reason, by=by.value)

    def mark_no_show(self, *, actor_id: int, now: datetime, reason: str | None) -> None:
        """The patient did not come."""
        self.status = AppointmentStatus.NOSHOW.value
        self.no_show_at = now
        self.record("no_show", actor_id=actor_id, now=now, reason=reason)

    def mark_fulfilled(self, *, actor_id: int, now: datetime) -> None:
        """The visit took place (FHIR fulfilled); its slot stays taken."""
        self.status = AppointmentStatus.FULFILLED.value
        self.record("fulfilled", actor_id=actor_id, now=now)


class AppointmentEvent(Base):
    """One entry in an appointment's history, and so in the patient's booking history."""

    __tablename__ = "appointment_event"
    __table_args__ = (Index("ix_appointment_event_patient_at", "patient_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    appointment_id: Mapped[int] = mapped_column(BigId, ForeignKey("appointment.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    type: Mapped[str] = mapped_column(String(20))  # booked, rebooked, cancelled, no_show
    slot_id: Mapped[int] = mapped_column(BigId)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    appointment: Mapped[Appointment] = relationship(back_populates="events")
