"""Schedules for booking tests: a clinician's schedule with a template and generated slots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.booking import service as booking
from kulisser.booking.calendar import local
from kulisser.booking.models import Appointment, Slot
from kulisser.staff.models import Role
from tests import factories

# A fixed "now" well before the test dates, so slots are in the future whatever day it is.
NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


@dataclass
class Schedule:
    """A clinician's schedule in a world's unit."""

    resource_id: int
    visit_type_id: int
    template_id: int
    clinician_id: int


def make_schedule(
    session: Session,
    world: factories.World,
    *,
    weekdays: str = "1-5",
    start: time = time(8, 0),
    end: time = time(12, 0),
    minutes: int = 30,
    valid_from: date = date(2027, 1, 1),
    clinician_id: int | None = None,
) -> Schedule:
    """A new clinician (or the given one) with a schedule, a visit type and one template."""
    actor = factories.actor(session, world.secretary_id)
    if clinician_id is None:
        clinician_id = factories.make_user(session, world.unit_id, Role.CLINICIAN).id
    resource = booking.create_resource(session, actor=actor, kind="clinician", user_id=clinician_id)
    visit = booking.create_visit_type(
        session, actor=actor, code=factories.unique("vt").lower(), name="Nybesök", minutes=minutes
    )
    template = booking.add_template(
        session,
        actor=actor,
        resource_id=resource.id,
        visit_type_id=visit.id,
        weekdays=weekdays,
        start_time=start,
        end_time=end,
        valid_from=valid_from,
    )
    return Schedule(
        resource_id=resource.id, visit_type_id=visit.id, template_id=template.id, clinician_id=clinician_id
    )


def generate(
    session: Session, world: factories.World, sched: Schedule, start: date, end: date, **kwargs: object
) -> booking.Generated:
    """Generate the schedule's slots for a range, as the world's secretary."""
    actor = factories.actor(session, world.secretary_id)
    return booking.generate_slots(
        session, actor=actor, start=start, end=end, resource_id=sched.resource_id, now=NOW, **kwargs
    )  # type: ignore[arg-type]


def slots(session: Session, sched: Schedule, start: date | None = None, days: int = 400) -> list[Slot]:
    """The schedule's slots (from a day on), by start."""
    stmt = select(Slot).where(Slot.resource_id == sched.resource_id)
    if start is not None:
        lo = datetime.combine(start, time(0), tzinfo=UTC) - timedelta(hours=2)
        stmt = stmt.where(Slot.start_at >= lo, Slot.start_at < lo + timedelta(days=days))
    return list(session.scalars(stmt.order_by(Slot.start_at)))


def future_schedule(
    session: Session, world: factories.World, *, days: int = 14
) -> tuple[Schedule, list[Slot]]:
    """A schedule with slots from tomorrow on (for web and API tests that use the real clock)."""
    today = datetime.now(UTC).date()
    sched = make_schedule(session, world, weekdays="1-7", start=time(9, 0), end=time(11, 0), valid_from=today)
    actor = factories.actor(session, world.secretary_id)
    booking.generate_slots(
        session,
        actor=actor,
        start=today + timedelta(days=1),
        end=today + timedelta(days=days),
        resource_id=sched.resource_id,
        public_holidays=False,
    )
    return sched, slots(session, sched)


# -- for tests/web/test_route_coverage.py: records about its Env's patient -------------------


def env_slots(e: Any) -> list[int]:
    """Free future slots of a new schedule in the Env's unit."""
    with e.database.session() as s:
        _sched, found = future_schedule(s, e.world, days=2)
        return [x.id for x in found]


def env_appointment(e: Any, *, started: bool = False) -> int:
    """A booked visit of the Env's patient (started: its time has begun, for no-show)."""
    slot_id = env_slots(e)[0]
    with e.database.session() as s:
        actor = factories.actor(s, e.world.secretary_id)
        appt = booking.book(s, actor=actor, slot_id=slot_id, patient_id=e.patient_id)
        if started:
            appt.start_at = datetime.now(UTC) - timedelta(minutes=5)
        return appt.id


def env_day(e: Any) -> str:
    """The day-view URL of a schedule where the Env's patient is booked."""
    appt_id = env_appointment(e)
    with e.database.session() as s:
        appt = s.get(Appointment, appt_id)
        assert appt is not None
        return f"/tidbok/resurs/{appt.resource_id}?datum={local(appt.start_at).date().isoformat()}"
