"""The pages' reads: a unit's week (no patient data) and a schedule's day (patients, logged)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from kulisser.audit import service as audit
from kulisser.booking.calendar import local, local_day_bounds
from kulisser.booking.models import Appointment, Resource, Slot
from kulisser.booking.schedules import get_resource
from kulisser.booking.states import HOLDS_SLOT, SlotStatus
from kulisser.staff.service import Actor


@dataclass
class Cell:
    """One schedule's day in the week view: its slots (times and statuses only)."""

    slots: list[Slot] = field(default_factory=list)

    def count(self, status: str) -> int:
        """How many slots have this status."""
        return sum(1 for s in self.slots if s.status == status)

    @property
    def free(self) -> int:
        """Free slots."""
        return self.count(SlotStatus.FREE.value)

    @property
    def booked(self) -> int:
        """Booked slots."""
        return self.count(SlotStatus.BOOKED.value)


@dataclass
class Week:
    """A unit's week: days across, schedules down."""

    monday: date
    days: list[date]
    resources: list[Resource]
    cells: dict[tuple[int, date], Cell]

    def cell(self, resource_id: int, day: date) -> Cell:
        """The cell of a schedule and a day (empty where nothing is planned)."""
        return self.cells.get((resource_id, day), Cell())


def week(session: Session, *, actor: Actor, monday: date, days: int = 7) -> Week:
    """The actor's unit's schedules for a week: every slot's time and status, no patients."""
    resources = list(session.scalars(select(Resource).where(
        Resource.unit_id == actor.unit_id, Resource.active.is_(True)).order_by(Resource.kind, Resource.name)))
    lo, _ = local_day_bounds(monday)
    _, hi = local_day_bounds(monday + timedelta(days=days - 1))
    cells: dict[tuple[int, date], Cell] = {}
    for slot in session.scalars(select(Slot).where(Slot.unit_id == actor.unit_id, Slot.start_at >= lo,
                                                   Slot.start_at < hi).order_by(Slot.start_at)):
        cells.setdefault((slot.resource_id, local(slot.start_at).date()), Cell()).slots.append(slot)
    return Week(monday=monday, days=[monday + timedelta(days=i) for i in range(days)],
                resources=resources, cells=cells)


@dataclass
class DayRow:
    """A slot of the day view and the visit that holds it, if any."""

    slot: Slot
    appointment: Appointment | None


@dataclass
class Day:
    """A schedule's day: its slots with their visits, and the day's cancelled visits."""

    resource: Resource
    day: date
    rows: list[DayRow]
    cancelled: list[Appointment]


def day(session: Session, *, actor: Actor, resource_id: int, day: date, now: datetime | None = None) -> Day:
    """A schedule's day with the patients booked; each patient shown is logged (PDL)."""
    resource = get_resource(session, actor=actor, resource_id=resource_id)
    lo, hi = local_day_bounds(day)
    slots = list(session.scalars(select(Slot).where(Slot.resource_id == resource.id, Slot.start_at >= lo,
                                                    Slot.start_at < hi).order_by(Slot.start_at)))
    appts = list(session.scalars(
        select(Appointment).options(joinedload(Appointment.patient), joinedload(Appointment.visit_type))
        .where(Appointment.resource_id == resource.id, Appointment.start_at >= lo,
               Appointment.start_at < hi).order_by(Appointment.start_at, Appointment.id)))
    holding = {a.slot_id: a for a in appts if a.status in HOLDS_SLOT}
    cancelled = [a for a in appts if a.status not in HOLDS_SLOT]
    audit.log_listing(session, actor=actor, patient_ids=[a.patient_id for a in appts],
                      object_type="booking_day", now=now)
    return Day(resource=resource, day=day, rows=[DayRow(s, holding.get(s.id)) for s in slots],
               cancelled=cancelled)
