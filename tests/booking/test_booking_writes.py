"""What one booking with its calling letter sends to the database (issue 11 item 10): every row
it must write, each written once, and nothing read or written twice. The speed of a booking is
the benchmark's (benchmarks/booking.py); this guards the shape that speed depends on."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from kulisser.booking import service as booking
from kulisser.booking.models import AppointmentEvent, Slot
from kulisser.letters.models import Letter, LetterEvent
from kulisser.packages import setup
from kulisser.worklist.models import WorkItem, WorkItemEvent
from tests import factories
from tests.booking.helpers import NOW, generate, make_schedule, slots

_VERB = re.compile(r"^\s*(SELECT|INSERT INTO|UPDATE|DELETE FROM)\s+\"?(\w+)", re.IGNORECASE)


@contextmanager
def statements(session: Session) -> Iterator[list[tuple[str, str, int]]]:
    """The (verb, table, rows) of each statement the session's engine sends meanwhile."""
    engine = session.get_bind()
    sent: list[tuple[str, str, int]] = []

    def before(_conn: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, many: bool) -> None:
        found = _VERB.match(sql)
        if found is None:  # a SAVEPOINT or the like: not the booking's own work
            return
        verb = found.group(1).split()[0].upper()
        table = found.group(2) if verb != "SELECT" else (re.search(r"\bFROM\s+\"?(\w+)", sql)
                                                         or found).group(1)
        # One statement may carry several rows (executemany, or PostgreSQL's INSERT ... VALUES).
        rows = len(params) if many and isinstance(params, (list, tuple)) else 1
        if not many and isinstance(params, dict) and verb == "INSERT":
            rows = max(1, len({k.rsplit("__", 1)[-1] for k in params if "__" in k}))
        sent.append((verb, table.lower(), rows))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", before)


def test_a_booking_with_its_letter_writes_each_row_once(db: Session, world: factories.World) -> None:
    setup()  # the letters' subscriber makes the calling letter, as in the app (idempotent)
    schedule = make_schedule(db, world)
    generate(db, world, schedule, date(2027, 2, 1), date(2027, 2, 1))
    slot = slots(db, schedule)[0]
    actor = factories.actor(db, world.secretary_id)
    db.flush()
    db.expire_all()  # as in a request: nothing of the booking is in the session yet
    with statements(db) as sent:
        appt = booking.book(db, actor=actor, slot_id=slot.id, patient_id=world.patient_ids[0], now=NOW)
        db.flush()
    writes = Counter((verb, table) for verb, table, _rows in sent if verb != "SELECT")
    # The slot taken by its conditional UPDATE; nothing else is updated (no row is written and
    # then written again), and each new record with its first history row is one INSERT each.
    assert writes == Counter({
        ("UPDATE", "slot"): 1,
        ("INSERT", "audit_event"): 3,  # the slot's, the letter's and the work item's access
        ("INSERT", "appointment"): 1, ("INSERT", "appointment_event"): 1,
        ("INSERT", "letter"): 1, ("INSERT", "letter_event"): 1,  # both its rows (created, ready)
        ("INSERT", "work_item"): 1, ("INSERT", "work_item_event"): 1,
    }), sent
    reads = Counter(table for verb, table, _rows in sent if verb == "SELECT")
    # The slot (with its resource and visit type), the care relation once for the three checks,
    # the patient's clashing visits, the patient for the letter, the unit's letter text, the
    # item's due-time rule: each once.
    assert reads == Counter({"slot": 1, "care_relation": 1, "appointment": 1, "patient": 1,
                             "letter_template": 1, "deadline_rule": 1}), sent
    # And every row is there, in this transaction: the history rows written without ORM objects
    # are found through their records.
    letter = db.scalars(select(Letter).where(Letter.source_id == appt.id)).one()
    item = db.scalars(select(WorkItem).where(WorkItem.ref_type == "letter",
                                             WorkItem.ref_id == letter.id)).one()
    assert [e.type for e in appt.events] == ["booked"]
    assert [(e.type, e.to_status) for e in letter.events] == [("created", "draft"), ("ready", "ready")]
    assert [(e.type, e.to_status) for e in item.events] == [("created", "requested")]
    assert db.scalars(select(AppointmentEvent.actor_id).where(
        AppointmentEvent.appointment_id == appt.id)).all() == [world.secretary_id]
    assert {e.actor_id for e in letter.events} | {e.actor_id for e in item.events} == {world.secretary_id}
    assert db.get(Slot, slot.id) is not None
    assert db.scalars(select(LetterEvent.letter_id).where(LetterEvent.letter_id == letter.id)).all() \
        == [letter.id, letter.id]
    assert db.scalars(select(WorkItemEvent.work_item_id).where(
        WorkItemEvent.work_item_id == item.id)).all() == [item.id]
