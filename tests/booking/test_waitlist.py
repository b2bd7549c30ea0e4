"""Booking from the waiting list ends the wait on the visit date (through the waitlist service)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from kulisser.audit.service import AccessDenied
from kulisser.booking import service as booking
from kulisser.booking.calendar import local
from kulisser.errors import ValidationFailed
from kulisser.waitlist import service as waitlist
from tests import factories
from tests.booking.helpers import NOW, generate, make_schedule, slots


def _entry(db: Session, world: factories.World, patient_id: int, unit_id: int | None = None) -> int:
    user = world.secretary_id if unit_id is None else factories.make_user(db, unit_id).id
    actor = factories.actor(db, user)
    return waitlist.add_entry(
        db,
        actor=actor,
        patient_id=patient_id,
        wait_kind="first_visit",
        clock_start=date(2026, 12, 1),
        now=NOW,
    ).id


def test_booking_from_an_entry_ends_the_wait_on_the_visit_date(db: Session, world: factories.World) -> None:
    sched = make_schedule(db, world)
    generate(db, world, sched, date(2027, 2, 1), date(2027, 2, 12))
    free = slots(db, sched)
    entry_id = _entry(db, world, world.patient_ids[0])
    actor = factories.actor(db, world.secretary_id)
    appt = booking.book(db, actor=actor, slot_id=free[3].id, waitlist_entry_id=entry_id, now=NOW)
    assert appt.patient_id == world.patient_ids[0] and appt.waitlist_entry_id == entry_id
    entry = waitlist.get_entry(db, actor=actor, entry_id=entry_id)
    assert entry.status == "booked"
    assert entry.end_date == local(free[3].start_at).date() == date(2027, 2, 1)
    # Days counted run to the visit date, as the care guarantee counts them.
    assert entry.figures(date(2027, 1, 10)).days_counted == (date(2027, 2, 1) - date(2026, 12, 1)).days
    # Rebooked to another day: the wait ends on the new date.
    later = next(s for s in free if local(s.start_at).date() == date(2027, 2, 9))
    booking.rebook(db, actor=actor, appointment_id=appt.id, slot_id=later.id, now=NOW)
    db.refresh(entry)
    assert entry.end_date == date(2027, 2, 9) and entry.status == "booked"
    # Cancelled: the patient waits again, from the same clock start.
    booking.cancel(db, actor=actor, appointment_id=appt.id, by="clinic", reason="Läkaren sjuk", now=NOW)
    db.refresh(entry)
    assert entry.status == "waiting" and entry.clock_start == date(2026, 12, 1)


def test_one_entry_books_one_visit(db: Session, world: factories.World) -> None:
    sched = make_schedule(db, world)
    generate(db, world, sched, date(2027, 2, 1), date(2027, 2, 1))
    free = slots(db, sched)
    entry_id = _entry(db, world, world.patient_ids[1])
    actor = factories.actor(db, world.secretary_id)
    booking.book(db, actor=actor, slot_id=free[0].id, waitlist_entry_id=entry_id, now=NOW)
    with pytest.raises(ValidationFailed) as again:
        booking.book(db, actor=actor, slot_id=free[1].id, waitlist_entry_id=entry_id, now=NOW)
    assert "waitlist_entry_id" in again.value.errors
    with pytest.raises(ValidationFailed) as mismatch:
        booking.book(
            db,
            actor=actor,
            slot_id=free[2].id,
            patient_id=world.patient_ids[2],
            waitlist_entry_id=_entry(db, world, world.patient_ids[0]),
            now=NOW,
        )
    assert "patient_id" in mismatch.value.errors


def test_an_entry_of_another_unit_cannot_be_booked_here(db: Session, world: factories.World) -> None:
    sched = make_schedule(db, world)
    generate(db, world, sched, date(2027, 2, 1), date(2027, 2, 1))
    # The patient is cared for by both units; the entry is the other unit's.
    db.add(factories.CareRelation(unit_id=world.other_unit_id, patient_id=world.patient_ids[0]))
    db.flush()
    entry_id = _entry(db, world, world.patient_ids[0], unit_id=world.other_unit_id)
    actor = factories.actor(db, world.secretary_id)
    # The waitlist refuses (and logs) a read of another unit's entry; nothing is booked.
    with pytest.raises(AccessDenied):
        booking.book(db, actor=actor, slot_id=slots(db, sched)[0].id, waitlist_entry_id=entry_id, now=NOW)
    assert slots(db, sched)[0].status == "free"
