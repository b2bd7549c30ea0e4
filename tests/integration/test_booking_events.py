"""Booking reaches the letters and the waiting list through events in its own transaction: a
subscriber that fails rolls the whole booking back - no appointment, no letter, no work item,
no audit row of the write, the slot still free and the patient still waiting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser import events
from kulisser.audit.models import AuditEvent
from kulisser.booking.events import AppointmentBooked
from kulisser.booking.models import Appointment, Slot
from kulisser.db import Database
from kulisser.letters.models import Letter
from kulisser.waitlist import service as waitlist
from kulisser.worklist.models import WorkItem
from tests import factories
from tests.booking.helpers import future_schedule


class SubscriberFailed(RuntimeError):
    """A subscriber's fault (a bug, a lost connection)."""


@pytest.fixture()
def client(app: FastAPI, database: Database, world: factories.World) -> Iterator[TestClient]:
    """The world's secretary; a fault answers 500 instead of raising into the test."""
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as c:
        factories.login_client(c, database, world.secretary_id)
        yield c


def _state(database: Database, world: factories.World, *, slot_id: int, patient_id: int, entry_id: int,
           since: datetime) -> dict[str, Any]:
    """What a booking of the slot for the patient would have stored."""
    with database.session() as s:
        slot = s.get(Slot, slot_id)
        entry = waitlist.get_entry(s, actor=factories.actor(s, world.secretary_id), entry_id=entry_id)
        s.rollback()  # the read above logs itself; only the booking's own rows are counted
        return {
            "appointments": s.scalar(select(func.count()).select_from(Appointment)
                                     .where(Appointment.slot_id == slot_id)),
            "slot": slot.status if slot else None,
            "letters": s.scalar(select(func.count()).select_from(Letter)
                                .where(Letter.patient_id == patient_id)),
            "items": s.scalar(select(func.count()).select_from(WorkItem)
                              .where(WorkItem.patient_id == patient_id, WorkItem.kind == "letter")),
            "writes": s.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.patient_id == patient_id, AuditEvent.at >= since,
                AuditEvent.action.in_(("create", "update")))),
            "entry": entry.status,
        }


def _arrange(database: Database, world: factories.World) -> tuple[int, int, int]:
    """A free future slot and a waiting patient (with an address, so the letter is made ready)."""
    with database.session() as s:
        actor = factories.actor(s, world.secretary_id)
        patient = factories.make_patient(s, world.unit_id)
        patient.address, patient.postal_code, patient.city = "Storgatan 1", "752 36", "Uppsala"
        _sched, slots = future_schedule(s, world, days=3)
        entry = waitlist.add_entry(s, actor=actor, patient_id=patient.id, wait_kind="first_visit",
                                   clock_start=datetime.now(UTC).date() - timedelta(days=10))
        return slots[0].id, patient.id, entry.id


def test_a_failing_subscriber_rolls_back_the_booking_and_everything_else(
        client: TestClient, database: Database, world: factories.World,
        monkeypatch: pytest.MonkeyPatch) -> None:
    slot_id, patient_id, entry_id = _arrange(database, world)
    ran: list[str] = []

    def boom(_session: Any, event: AppointmentBooked) -> None:
        ran.append(type(event).__name__)
        raise SubscriberFailed("the last subscriber failed")

    # After the real ones (the waiting list and the letters have done their part by then).
    monkeypatch.setitem(events._handlers, AppointmentBooked,
                        [*events._handlers.get(AppointmentBooked, []), boom])
    since = datetime.now(UTC)  # after the arrangement's own rows
    before = _state(database, world, slot_id=slot_id, patient_id=patient_id, entry_id=entry_id, since=since)
    answer = client.post("/api/v1/appointments", json={"slot_id": slot_id, "waitlist_entry_id": entry_id})
    assert answer.status_code == 500
    assert ran == ["AppointmentBooked"]  # the booking got as far as publishing
    after = _state(database, world, slot_id=slot_id, patient_id=patient_id, entry_id=entry_id, since=since)
    assert after == before == {"appointments": 0, "slot": "free", "letters": 0, "items": 0,
                               "writes": 0, "entry": "waiting"}

    # The same request with the subscribers as installed stores all of it (what was undone above).
    monkeypatch.undo()
    booked = client.post("/api/v1/appointments", json={"slot_id": slot_id, "waitlist_entry_id": entry_id})
    assert booked.status_code == 201, booked.text
    done = _state(database, world, slot_id=slot_id, patient_id=patient_id, entry_id=entry_id, since=since)
    assert done["appointments"] == 1 and done["slot"] == "booked" and done["entry"] == "booked"
    assert done["letters"] == 1 and done["items"] == 1 and done["writes"] >= 2
