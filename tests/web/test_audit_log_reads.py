"""Reads of the access log are themselves logged, and refusals of another unit's records too.

The route walk (test_route_coverage.py) proves that every such route writes its row; these
tests look at what the rows say: the filter without an identity number, the row count, the
patient the filter names, and what the log review shows of them.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from kulisser.audit import service as audit
from kulisser.audit.models import AuditEvent
from kulisser.db import Database
from kulisser.patients.models import Patient
from kulisser.staff.models import Role
from kulisser.worklist import service as worklist
from tests import factories
from tests.booking import helpers as bh
from tests.factories import World, login_client


def log_reads(database: Database, user_id: int) -> list[AuditEvent]:
    """The user's audit_log rows, oldest first."""
    with database.session() as s:
        rows = list(s.scalars(select(AuditEvent).where(
            AuditEvent.user_id == user_id, AuditEvent.object_type == audit.AUDIT_LOG)
            .order_by(AuditEvent.id)))
        s.expunge_all()
        return rows


def denied(database: Database, user_id: int) -> list[AuditEvent]:
    """The user's denied rows, oldest first."""
    with database.session() as s:
        rows = list(s.scalars(select(AuditEvent).where(
            AuditEvent.user_id == user_id, AuditEvent.outcome == "denied").order_by(AuditEvent.id)))
        s.expunge_all()
        return rows


def read_patient(database: Database, world: World, patient_id: int) -> None:
    """The world's secretary reads a patient (one allowed audit row)."""
    with database.session() as s:
        audit.check_access(s, actor=factories.actor(s, world.secretary_id), patient_id=patient_id,
                           action="read", object_type="patient", object_id=patient_id)


def test_a_log_read_stores_the_filter_without_the_identity_number(
        manager_client: TestClient, database: Database, world: World) -> None:
    pid = world.patient_ids[0]
    read_patient(database, world, pid)
    read_patient(database, world, pid)
    with database.session() as s:
        patient = s.get(Patient, pid)
        assert patient is not None
        number = patient.display_id
    r = manager_client.get("/logg", params={"identifier": number, "date_from": ""})
    assert r.status_code == 200
    row = log_reads(database, world.manager_id)[-1]
    assert row.action == "read" and row.outcome == "allowed"
    assert row.patient_id == pid  # the filter's patient, by id: their own extract shows it
    assert row.reason is not None
    assert number not in row.reason and patient.id_value not in row.reason
    assert f"patient-id {pid}" in row.reason
    assert row.reason.endswith("; 2 rader"), row.reason


def test_an_unknown_identity_number_in_the_filter_is_not_stored(
        manager_client: TestClient, database: Database, world: World) -> None:
    number = factories.new_personnummer()  # valid, but nobody's
    r = manager_client.get("/api/v1/audit-events", params={"identifier": number})
    assert r.status_code == 200 and r.json()["items"] == []
    row = log_reads(database, world.manager_id)[-1]
    assert row.patient_id is None
    assert row.reason is not None
    assert number not in row.reason and number.replace("-", "") not in row.reason
    assert number[:8] not in row.reason.replace("-", "")
    assert "inte finns i registret" in row.reason and row.reason.endswith("; 0 rader")


def test_the_csv_export_is_logged_with_the_rows_it_holds(
        manager_client: TestClient, database: Database, world: World) -> None:
    for pid in world.patient_ids:
        read_patient(database, world, pid)
    r = manager_client.get("/logg.csv", params={"user_id": str(world.secretary_id)})
    assert r.status_code == 200
    lines = [line for line in r.text.splitlines() if line.strip()]
    row = log_reads(database, world.manager_id)[-1]
    assert row.action == "export"
    assert row.reason is not None and row.reason.endswith(f"; {len(lines) - 1} rader")
    assert len(lines) - 1 == len(world.patient_ids)


def test_the_log_review_shows_reads_of_the_log_in_swedish(
        manager_client: TestClient, database: Database, world: World) -> None:
    assert manager_client.get("/api/v1/audit-events").status_code == 200
    page = manager_client.get("/logg", params={"user_id": str(world.manager_id)})
    assert page.status_code == 200
    assert "Åtkomstloggen" in page.text  # the object, not "audit_log"
    assert ">audit_log" not in page.text
    csv_text = manager_client.get("/logg.csv", params={"user_id": str(world.manager_id)}).text
    assert "Åtkomstloggen" in csv_text and ";audit_log;" not in csv_text


def test_another_units_work_item_is_not_found_and_the_refusal_logged(
        app: FastAPI, database: Database, world: World) -> None:
    pid = world.patient_ids[0]
    with database.session() as s:
        item = worklist.create_item(s, actor=factories.actor(s, world.secretary_id), kind="task",
                                    title="Ring patienten", patient_id=pid)
        item_id = item.id
        other = factories.make_user(s, world.other_unit_id, Role.SECRETARY).id
    with TestClient(app) as c:
        login_client(c, database, other)
        r = c.post(f"/api/v1/work-items/{item_id}/claim")
        assert r.status_code == 404 and r.json()["error"] == "not_found"
        assert "Ring patienten" not in r.text
        missing = c.get(f"/api/v1/work-items/{item_id + 10_000}")
        assert missing.status_code == 404
    rows = denied(database, other)
    # One row, for the item that exists; a missing id is nobody's record.
    assert [(x.object_type, x.object_id, x.patient_id, x.action) for x in rows] == [
        ("work_item", str(item_id), pid, "update")]
    with database.session() as s:
        stored = s.get(type(item), item_id)
        assert stored is not None and stored.owner_id is None  # nothing else was stored


def test_booking_another_units_slot_is_refused_and_logged(
        app: FastAPI, database: Database, world: World) -> None:
    with database.session() as s:
        _sched, slots = bh.future_schedule(s, world, days=2)
        slot_id = slots[0].id
        other = factories.make_user(s, world.other_unit_id, Role.SECRETARY).id
    with TestClient(app) as c:
        login_client(c, database, other)
        r: Any = c.post("/api/v1/appointments",
                        json={"slot_id": slot_id, "patient_id": world.stranger_patient_id})
    assert r.status_code == 404
    assert [(x.object_type, x.object_id) for x in denied(database, other)] == [("slot", str(slot_id))]
