"""What the session holds after a booking whose rows went in as Core statements (issue 11 item
10): the visit, its calling letter and the letter's work item are written without the unit of
work's flush, and each is then in the session exactly as stored - nothing stale, nothing left
to load - and a slot the session held already shows that it is booked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from kulisser.booking import service as booking
from kulisser.booking.models import Appointment, Slot
from kulisser.letters.models import Letter
from kulisser.packages import setup
from kulisser.worklist import service as worklist
from kulisser.worklist.models import WorkItem
from tests import factories
from tests.booking.helpers import NOW, generate, make_schedule, slots


@contextmanager
def counting(session: Session) -> Iterator[dict[str, int]]:
    """How many flushes the session ran and statements its engine sent meanwhile."""
    seen = {"flushes": 0, "statements": 0}

    def flushed(*_args: Any) -> None:
        seen["flushes"] += 1

    def sent(*_args: Any) -> None:
        seen["statements"] += 1

    engine = session.get_bind()
    event.listen(session, "after_flush", flushed)
    event.listen(engine, "before_cursor_execute", sent)
    try:
        yield seen
    finally:
        event.remove(session, "after_flush", flushed)
        event.remove(engine, "before_cursor_execute", sent)


def _slot(db: Session, world: factories.World, *, expire: bool = True) -> Slot:
    """A free slot; with expire, nothing of the schedule is loaded, as in a fresh request."""
    setup()  # the letters' subscriber makes the calling letter, as in the app (idempotent)
    schedule = make_schedule(db, world)
    generate(db, world, schedule, date(2027, 2, 1), date(2027, 2, 1))
    slot = slots(db, schedule)[0]
    db.flush()
    if expire:
        db.expire_all()
    return slot


def _book(db: Session, world: factories.World, slot_id: int) -> Appointment:
    actor = factories.actor(db, world.secretary_id)
    return booking.book(db, actor=actor, slot_id=slot_id, patient_id=world.patient_ids[0], now=NOW)


def _as_stored(db: Session, obj: Any) -> None:
    """Every column of the object as the database has it, read without touching the object."""
    mapper = inspect(type(obj))
    table = mapper.local_table
    row = db.connection().execute(select(table).where(table.c.id == obj.id)).mappings().one()
    state = inspect(obj)
    assert state.persistent and not state.modified
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        assert prop.key not in state.unloaded, f"{type(obj).__name__}.{prop.key} not loaded"
        assert getattr(obj, prop.key) == row[column.key], f"{type(obj).__name__}.{prop.key}"


def test_the_booking_writes_its_records_without_a_flush(db: Session, world: factories.World) -> None:
    slot_id = _slot(db, world).id
    with counting(db) as seen:
        appt = _book(db, world, slot_id)
    # The visit, the letter and the work item were inserted as statements of their own; had
    # any gone through the unit of work, a flush would have run.
    assert seen["flushes"] == 0
    with counting(db) as after:
        db.flush()
    assert after == {"flushes": 0, "statements": 0}  # nothing left pending or dirty
    assert db.get(Appointment, appt.id) is appt


def test_each_record_is_in_the_session_as_stored(db: Session, world: factories.World) -> None:
    appt = _book(db, world, _slot(db, world).id)
    letter = db.scalars(select(Letter).where(Letter.source_id == appt.id)).one()
    item = db.scalars(select(WorkItem).where(WorkItem.ref_type == "letter",
                                             WorkItem.ref_id == letter.id)).one()
    with counting(db) as seen:
        for obj in (appt, letter, item):
            _as_stored(db, obj)
    assert seen["statements"] == 3  # the three reads of the rows above, no load of the objects
    assert (appt.status, appt.rebook_count, appt.internal_note) == ("booked", 0, "")
    assert (letter.status, item.status, item.version) == ("ready", "requested", 1)
    # The item's version is the stored one: acting on it with the version seen succeeds once.
    actor = factories.actor(db, world.secretary_id)
    worklist.perform(db, actor=actor, item_id=item.id, operation="claim", expected_version=1, now=NOW)
    db.flush()
    assert db.scalar(select(WorkItem.version).where(WorkItem.id == item.id)) == 2


def test_a_slot_the_session_held_is_booked_in_it_too(db: Session, world: factories.World) -> None:
    slot = _slot(db, world, expire=False)  # the slot stays loaded, as on the booking page
    appt = _book(db, world, slot.id)
    assert inspect(slot).persistent
    assert slot.status == "booked" and db.get(Slot, slot.id) is slot
    with counting(db) as seen:
        db.flush()
    assert seen["statements"] == 0  # told as stored: no second UPDATE of the slot
    assert db.scalar(select(Slot.status).where(Slot.id == appt.slot_id)) == "booked"
