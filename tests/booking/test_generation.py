"""Slot generation: local times across the daylight-saving changes, holidays, exceptions, idempotence."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kulisser.booking import service as booking
from kulisser.booking.calendar import local
from kulisser.booking.models import Slot
from kulisser.booking.states import SlotStatus
from kulisser.db import Database
from kulisser.errors import Forbidden, ValidationFailed
from tests import factories
from tests.booking.helpers import NOW, generate, make_schedule, slots


def _first_of_day(found: list[Slot], day: date) -> Slot:
    return next(s for s in found if local(s.start_at).date() == day)


def test_an_0800_slot_stays_0800_local_across_the_march_change(db: Session, world: factories.World) -> None:
    # Last Sunday of March 2027 is the 28th: 08:00 is 07:00Z before, 06:00Z after.
    sched = make_schedule(db, world, weekdays="1-7", start=time(8, 0), end=time(9, 0), minutes=20)
    generate(db, world, sched, date(2027, 3, 27), date(2027, 3, 29), public_holidays=False)
    found = slots(db, sched)
    assert _first_of_day(found, date(2027, 3, 27)).start_at == datetime(2027, 3, 27, 7, 0, tzinfo=UTC)
    assert _first_of_day(found, date(2027, 3, 28)).start_at == datetime(2027, 3, 28, 6, 0, tzinfo=UTC)
    assert _first_of_day(found, date(2027, 3, 29)).start_at == datetime(2027, 3, 29, 6, 0, tzinfo=UTC)
    assert {local(s.start_at).strftime("%H:%M") for s in found} == {"08:00", "08:20", "08:40"}
    assert all(s.end_at - s.start_at == timedelta(minutes=20) for s in found)
    assert len(found) == 9


def test_an_0800_slot_stays_0800_local_across_the_october_change(db: Session, world: factories.World) -> None:
    # Last Sunday of October 2027 is the 31st: 08:00 is 06:00Z before, 07:00Z after.
    sched = make_schedule(db, world, weekdays="1-7", start=time(8, 0), end=time(8, 30), minutes=30)
    generate(db, world, sched, date(2027, 10, 30), date(2027, 11, 1), public_holidays=False)
    found = slots(db, sched)
    assert [s.start_at for s in found] == [
        datetime(2027, 10, 30, 6, 0, tzinfo=UTC),
        datetime(2027, 10, 31, 7, 0, tzinfo=UTC),
        datetime(2027, 11, 1, 7, 0, tzinfo=UTC),
    ]
    assert all(s.end_at - s.start_at == timedelta(minutes=30) for s in found)


def test_no_slot_in_the_skipped_hour(db: Session, world: factories.World) -> None:
    sched = make_schedule(db, world, weekdays="7", start=time(1, 0), end=time(4, 0), minutes=30)
    generate(db, world, sched, date(2027, 3, 28), date(2027, 3, 28), public_holidays=False)
    found = slots(db, sched)
    assert [local(s.start_at).strftime("%H:%M") for s in found] == ["01:00", "01:30", "03:00", "03:30"]
    assert [s.start_at.strftime("%H:%M") for s in found] == ["00:00", "00:30", "01:00", "01:30"]
    assert all(s.end_at - s.start_at == timedelta(minutes=30) for s in found)


def test_public_holidays_give_no_slots(db: Session, world: factories.World) -> None:
    # Easter 2027: Good Friday 26 March and Easter Monday 29 March are holidays; Thursday and
    # Tuesday are not.
    sched = make_schedule(db, world, weekdays="1-5", start=time(8, 0), end=time(9, 0))
    done = generate(db, world, sched, date(2027, 3, 25), date(2027, 3, 30))
    days = {local(s.start_at).date() for s in slots(db, sched)}
    assert days == {date(2027, 3, 25), date(2027, 3, 30)}
    assert done.created == 4
    assert done.holidays[date(2027, 3, 26)] == "Långfredagen"


def test_entered_holiday_and_leave_give_no_slots(db: Session, world: factories.World) -> None:
    sched = make_schedule(db, world, weekdays="1-5", start=time(8, 0), end=time(12, 0))
    actor = factories.actor(db, world.secretary_id)
    # The unit closes on a Wednesday of its own; the clinician has a meeting 09-10 on Thursday.
    booking.add_exception(
        db,
        actor=actor,
        resource_id=None,
        kind="holiday",
        start_date=date(2027, 2, 3),
        end_date=None,
        reason="Flytt av mottagningen",
        now=NOW,
    )
    booking.add_exception(
        db,
        actor=actor,
        resource_id=sched.resource_id,
        kind="meeting",
        start_date=date(2027, 2, 4),
        end_date=date(2027, 2, 4),
        start_time=time(9, 0),
        end_time=time(10, 0),
        reason="APT",
        now=NOW,
    )
    done = generate(db, world, sched, date(2027, 2, 2), date(2027, 2, 4))
    by_day: dict[date, list[str]] = {}
    for s in slots(db, sched):
        by_day.setdefault(local(s.start_at).date(), []).append(local(s.start_at).strftime("%H:%M"))
    assert date(2027, 2, 3) not in by_day
    assert len(by_day[date(2027, 2, 2)]) == 8
    assert "09:00" not in by_day[date(2027, 2, 4)] and "09:30" not in by_day[date(2027, 2, 4)]
    assert len(by_day[date(2027, 2, 4)]) == 6
    assert done.closed_days == 1


def test_generating_twice_creates_no_duplicates(db: Session, world: factories.World) -> None:
    sched = make_schedule(db, world)
    first = generate(db, world, sched, date(2027, 2, 1), date(2027, 2, 14))
    second = generate(db, world, sched, date(2027, 2, 1), date(2027, 2, 14))
    assert first.created == 80 and second.created == 0 and second.existing == 80
    assert len(slots(db, sched)) == 80


def test_the_database_refuses_a_second_slot_at_the_same_start(
    database: Database, world: factories.World
) -> None:
    with database.session() as s:
        sched = make_schedule(s, world)
        generate(s, world, sched, date(2027, 2, 1), date(2027, 2, 1))
        first = slots(s, sched)[0]
        row = {
            "unit_id": first.unit_id,
            "resource_id": first.resource_id,
            "visit_type_id": first.visit_type_id,
            "start_at": first.start_at,
            "end_at": first.end_at,
            "status": SlotStatus.FREE.value,
            "created_at": NOW,
        }
    with database.session() as s, pytest.raises(IntegrityError):
        s.execute(insert(Slot), [row])


def test_leave_after_generation_blocks_free_slots_and_flags_booked_visits(
    db: Session, world: factories.World
) -> None:
    sched = make_schedule(db, world)
    generate(db, world, sched, date(2027, 2, 1), date(2027, 2, 5))
    actor = factories.actor(db, world.secretary_id)
    monday = [s for s in slots(db, sched) if local(s.start_at).date() == date(2027, 2, 1)]
    appt = booking.book(db, actor=actor, slot_id=monday[0].id, patient_id=world.patient_ids[0], now=NOW)
    exc, conflicts = booking.add_exception(
        db,
        actor=actor,
        resource_id=sched.resource_id,
        kind="leave",
        start_date=date(2027, 2, 1),
        end_date=date(2027, 2, 2),
        reason="Kurs",
        now=NOW,
    )
    assert [a.id for a in conflicts] == [appt.id]
    for s in monday[1:]:
        db.refresh(s)
        assert s.status == SlotStatus.BLOCKED.value
    from kulisser.booking import items

    assert len(items.open_items(db, appointment_id=appt.id)) == 1
    # Removing the leave frees the blocked slots again.
    booking.remove_exception(db, actor=actor, exception_id=exc.id)
    db.refresh(monday[1])
    assert monday[1].status == SlotStatus.FREE.value


def test_template_rules(db: Session, world: factories.World) -> None:
    sched = make_schedule(db, world, weekdays="1-5", start=time(8, 0), end=time(12, 0))
    actor = factories.actor(db, world.secretary_id)
    with pytest.raises(ValidationFailed) as clash:
        booking.add_template(
            db,
            actor=actor,
            resource_id=sched.resource_id,
            visit_type_id=sched.visit_type_id,
            weekdays="3",
            start_time=time(11, 0),
            end_time=time(13, 0),
            valid_from=date(2027, 1, 1),
        )
    assert "start_time" in clash.value.errors
    with pytest.raises(ValidationFailed) as bad:
        booking.add_template(
            db,
            actor=actor,
            resource_id=sched.resource_id,
            visit_type_id=sched.visit_type_id,
            weekdays="9",
            start_time=time(14, 0),
            end_time=time(13, 0),
            valid_from=None,
        )
    assert set(bad.value.errors) == {"weekdays", "end_time", "valid_from"}
    clinician = factories.actor(db, world.clinician_id)
    with pytest.raises(Forbidden):
        booking.generate_slots(db, actor=clinician, start=date(2027, 2, 1), end=date(2027, 2, 2))
