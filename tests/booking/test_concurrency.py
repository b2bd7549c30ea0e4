"""A slot is never booked twice: 32 threads race for one slot, exactly one wins (both databases).

The service takes the slot with a conditional UPDATE (free -> booked); on PostgreSQL the losers
wait for the winner's row lock and then find the slot taken, on SQLite writers are serialised
(busy timeout) and the losers find it taken. Behind that, the partial unique index on
appointment(slot_id) refuses a second occupying appointment even without the UPDATE.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from kulisser.booking import service as booking
from kulisser.booking.models import Appointment
from kulisser.booking.states import AppointmentStatus
from kulisser.db import Database
from tests import factories
from tests.booking.helpers import NOW, future_schedule, generate, make_schedule, slots
from tests.factories import login_client

THREADS = 32


@pytest.fixture()
def racing_db(database: Database) -> Iterator[Database]:
    """A second engine on the run's database with a connection for every thread."""
    extra = Database(database.url, pool_size=THREADS + 2) if database.is_postgres else Database(database.url)
    yield extra
    extra.engine.dispose()


def _patients(database: Database, world: factories.World, n: int) -> list[int]:
    with database.session() as s:
        return [factories.make_patient(s, world.unit_id).id for _ in range(n)]


def test_32_threads_one_slot_exactly_one_wins(
    database: Database, racing_db: Database, world: factories.World
) -> None:
    with database.session() as s:
        sched = make_schedule(s, world)
        generate(s, world, sched, date(2027, 2, 1), date(2027, 2, 1))
        slot_id = slots(s, sched)[0].id
    patient_ids = _patients(database, world, THREADS)
    barrier = threading.Barrier(THREADS)
    outcomes: list[tuple[str, str]] = []
    lock = threading.Lock()

    def attempt(patient_id: int) -> None:
        barrier.wait()
        try:
            with racing_db.session() as session:
                actor = factories.actor(session, world.secretary_id)
                booking.book(session, actor=actor, slot_id=slot_id, patient_id=patient_id, now=NOW)
            result = ("won", "")
        except booking.SlotTaken as exc:
            result = ("lost", exc.message)
        except Exception as exc:  # anything else is a failure of the promise
            result = ("error", f"{type(exc).__name__}: {exc}")
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(pid,)) for pid in patient_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    counts = Counter(kind for kind, _ in outcomes)
    assert counts == {"won": 1, "lost": THREADS - 1}, outcomes
    assert {msg for kind, msg in outcomes if kind == "lost"} == {
        "Tiden hann bokas av någon annan. Välj en annan tid."
    }
    with database.session() as s:
        held = s.scalars(select(Appointment).where(Appointment.slot_id == slot_id)).all()
        assert len(held) == 1 and held[0].status == "booked" and held[0].patient_id in patient_ids


def test_the_database_itself_refuses_a_second_appointment_for_a_slot(
    database: Database, world: factories.World
) -> None:
    with database.session() as s:
        sched = make_schedule(s, world)
        generate(s, world, sched, date(2027, 2, 1), date(2027, 2, 1))
        slot = slots(s, sched)[0]
        actor = factories.actor(s, world.secretary_id)
        first = booking.book(s, actor=actor, slot_id=slot.id, patient_id=world.patient_ids[0], now=NOW)
        row = {
            "slot_id": slot.id,
            "patient_id": world.patient_ids[1],
            "unit_id": first.unit_id,
            "resource_id": first.resource_id,
            "visit_type_id": first.visit_type_id,
            "start_at": first.start_at,
            "end_at": first.end_at,
            "status": "booked",
            "patient_message": "",
            "booked_at": NOW,
            "updated_at": NOW,
            "rebook_count": 0,
        }
    # Written straight to the table, past the service and its conditional UPDATE.
    with database.session() as s, pytest.raises(IntegrityError):
        s.execute(insert(Appointment), [row])
    # A cancelled appointment does not hold the slot, so history rows may share it.
    with database.session() as s:
        s.execute(insert(Appointment), [{**row, "status": AppointmentStatus.CANCELLED.value}])
        assert (
            s.scalar(select(func.count()).select_from(Appointment).where(Appointment.slot_id == slot.id)) == 2
        )


def test_32_concurrent_api_calls_one_201_and_31_clear_409s(
    app: FastAPI, database: Database, world: factories.World
) -> None:
    with database.session() as s:
        _sched, found = future_schedule(s, world, days=2)
    slot_id = found[0].id
    patient_ids = _patients(database, world, THREADS)
    clients = []
    for _ in range(THREADS):
        c = TestClient(app)
        login_client(c, database, world.secretary_id)
        clients.append(c)
    barrier = threading.Barrier(THREADS)
    answers: list[tuple[int, dict[str, object]]] = []
    lock = threading.Lock()

    def call(client: TestClient, patient_id: int) -> None:
        barrier.wait()
        r = client.post("/api/v1/appointments", json={"slot_id": slot_id, "patient_id": patient_id})
        with lock:
            answers.append((r.status_code, r.json()))

    threads = [threading.Thread(target=call, args=(c, p)) for c, p in zip(clients, patient_ids, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    statuses = Counter(code for code, _ in answers)
    assert statuses == {201: 1, 409: THREADS - 1}, answers
    for code, body in answers:
        if code == 409:
            assert body["error"] == "slot_taken"
            assert body["detail"] == "Tiden hann bokas av någon annan. Välj en annan tid."
    with database.session() as s:
        assert (
            s.scalar(select(func.count()).select_from(Appointment).where(Appointment.slot_id == slot_id)) == 1
        )
