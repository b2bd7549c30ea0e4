"""The patient JSON API: auth (bearer and cookie+CSRF), validation, protected identity, PDL access."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.audit.models import AuditEvent, EmergencyAccess
from kulisser.db import Database
from kulisser.identity import PERSONNUMMER_SYSTEM, parse_identifier
from kulisser.patients.models import CareRelation, Patient
from kulisser.staff import service as staff
from kulisser.staff.models import User
from kulisser.worklist import service as worklist
from tests import factories
from tests.factories import World


def api_token(database: Database, user_id: int) -> str:
    """A bearer token for the user in their first unit."""
    with database.session() as s:
        user = s.get(User, user_id)
        assert user is not None
        return staff.create_api_token(s, user=user, label="test")


@pytest.fixture()
def api(app: FastAPI, database: Database, world: World) -> Iterator[TestClient]:
    """A client that calls the API as the world's secretary with a bearer token."""
    with TestClient(app, base_url="http://testserver") as c:
        c.headers["Authorization"] = f"Bearer {api_token(database, world.secretary_id)}"
        yield c


def _patient_count(database: Database) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(Patient)) or 0


def _audit(database: Database, *, user_id: int, patient_id: int, outcome: str,
           action: str | None = None) -> list[AuditEvent]:
    with database.session() as s:
        stmt = select(AuditEvent).where(AuditEvent.user_id == user_id,
                                        AuditEvent.patient_id == patient_id,
                                        AuditEvent.outcome == outcome)
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        return list(s.scalars(stmt))


def _new_pnr() -> str:
    value = factories.new_personnummer()
    return f"{value[:8]}-{value[8:]}"


# -- authentication ------------------------------------------------------------------------

def test_bearer_token_works_and_a_bad_one_is_401(api: TestClient, client: TestClient,
                                                  world: World) -> None:
    pid = world.patient_ids[0]
    ok = api.get(f"/api/v1/patients/{pid}")
    assert ok.status_code == 200 and ok.json()["id"] == pid
    bad = client.get(f"/api/v1/patients/{pid}", headers={"Authorization": "Bearer kul_not-a-token"})
    assert bad.status_code == 401 and bad.json()["error"] == "unauthenticated"
    assert client.get(f"/api/v1/patients/{pid}").status_code == 401
    assert client.get("/api/v1/work-items").status_code == 401


def test_cookie_session_post_needs_csrf_header(secretary_client: TestClient,
                                               database: Database) -> None:
    body = {"identifier": _new_pnr(), "given_name": "Csrf", "family_name": "Testsson",
            "care_reason": "seeks_care"}
    before = _patient_count(database)
    csrf = secretary_client.headers.pop("X-CSRF-Token")
    refused = secretary_client.post("/api/v1/patients", json=body)
    assert refused.status_code == 403 and refused.json()["error"] == "csrf"
    assert _patient_count(database) == before
    # A cookie session reads without the header, and writes with it.
    assert secretary_client.get("/api/v1/patients", params={"q": "Testsson"}).status_code == 200
    ok = secretary_client.post("/api/v1/patients", json=body, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201
    assert _patient_count(database) == before + 1


# -- register, read, change ------------------------------------------------------------------

def test_register_patient(api: TestClient, database: Database, world: World) -> None:
    pnr = _new_pnr()
    r = api.post("/api/v1/patients", json={
        "identifier": pnr, "given_name": "Tolvan", "family_name": "Tolvansson",
        "address": "Storgatan 1", "postal_code": "123 45", "city": "Visby", "phone": "0498-12 34 56",
        "care_reason": "seeks_care"})
    assert r.status_code == 201, r.text
    body = r.json()
    value = parse_identifier(pnr).value
    assert body["identifier"] == {"kind": "personnummer", "value": value,
                                  "system": PERSONNUMMER_SYSTEM, "display": pnr}
    assert body["address"] == "Storgatan 1" and body["city"] == "Visby"
    with database.session() as s:
        patient = s.get(Patient, body["id"])
        assert patient is not None and patient.id_value == value
        assert s.scalar(select(CareRelation).where(CareRelation.patient_id == patient.id,
                                                   CareRelation.unit_id == world.unit_id))
    assert _audit(database, user_id=world.secretary_id, patient_id=body["id"], outcome="allowed",
                  action="create")


def test_bad_personnummer_is_422_with_swedish_messages_and_nothing_stored(
        api: TestClient, database: Database) -> None:
    before = _patient_count(database)
    r = api.post("/api/v1/patients", json={"identifier": "19121212-1213", "given_name": "",
                                           "family_name": "Fel", "postal_code": "12"})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "validation"
    assert body["errors"]["identifier"] == "Kontrollsiffran stämmer inte."
    assert body["errors"]["given_name"] == "Ange förnamn."
    assert "postal_code" in body["errors"]
    assert _patient_count(database) == before
    # A body of the wrong shape is refused as JSON too.
    shape = api.post("/api/v1/patients", json={"given_name": "Utan nummer"})
    assert shape.status_code == 422 and "identifier" in shape.json()["errors"]
    assert _patient_count(database) == before


def test_patch_changes_only_the_fields_given(api: TestClient, database: Database,
                                             world: World) -> None:
    pid = world.patient_ids[1]
    with database.session() as s:
        p = s.get(Patient, pid)
        assert p is not None
        given, address = p.given_name, p.address
    r = api.patch(f"/api/v1/patients/{pid}", json={"phone": "08-123 456 78", "city": "Kiruna"})
    assert r.status_code == 200, r.text
    assert r.json()["phone"] == "08-123 456 78"
    with database.session() as s:
        p = s.get(Patient, pid)
        assert p is not None
        assert (p.phone, p.city, p.given_name, p.address) == ("08-123 456 78", "Kiruna", given, address)
    bad = api.patch(f"/api/v1/patients/{pid}", json={"postal_code": "abc", "phone": "070-1"})
    assert bad.status_code == 422 and "postal_code" in bad.json()["errors"]
    with database.session() as s:
        p = s.get(Patient, pid)
        assert p is not None and p.phone == "08-123 456 78" and p.postal_code == "123 45"
    assert api.patch("/api/v1/patients/999999999", json={"city": "X"}).status_code == 404


def test_search_returns_only_the_units_patients_and_logs_each(api: TestClient, database: Database,
                                                            world: World) -> None:
    family = factories.unique("Sökfamilj")
    with database.session() as s:
        mine = factories.make_patient(s, world.unit_id, family=family).id
        theirs = factories.make_patient(s, world.other_unit_id, family=family).id
    r = api.get("/api/v1/patients", params={"q": family})
    assert r.status_code == 200
    assert [p["id"] for p in r.json()["items"]] == [mine]
    assert _audit(database, user_id=world.secretary_id, patient_id=mine, outcome="allowed",
                  action="list")
    assert not _audit(database, user_id=world.secretary_id, patient_id=theirs, outcome="allowed")


# -- protected identity -----------------------------------------------------------------------

def test_protected_identity_never_shows_the_address(api: TestClient, database: Database,
                                                    world: World) -> None:
    secret = factories.unique("Hemligvägen ")
    family = factories.unique("Skyddad")
    with database.session() as s:
        pid = factories.make_patient(s, world.unit_id, family=family, protected=True,
                                     address=secret).id
        open_pid = factories.make_patient(s, world.unit_id, address=secret + "B").id
        actor = factories.actor(s, world.secretary_id)
        worklist.create_item(s, actor=actor, kind="task", title="Skicka brev", patient_id=pid)
    one = api.get(f"/api/v1/patients/{pid}")
    assert one.status_code == 200
    assert one.json()["protected_identity"] is True
    assert one.json()["address"] is None and one.json()["postal_code"] is None
    found = api.get("/api/v1/patients", params={"q": family})
    assert [p["id"] for p in found.json()["items"]] == [pid]
    listed = api.get("/api/v1/work-items", params={"scope": "unit", "q": family})
    assert [i["patient"]["id"] for i in listed.json()["items"]] == [pid]
    items = api.get(f"/api/v1/patients/{pid}/work-items")
    assert len(items.json()["open"]) == 1
    for response in (one, found, listed, items):
        assert secret not in response.text and "Teststad" not in response.text
    # The same fields are shown for a patient without protection.
    assert api.get(f"/api/v1/patients/{open_pid}").json()["address"] == secret + "B"


# -- access control (PDL) ---------------------------------------------------------------------

def test_other_units_patient_is_denied_and_logged(api: TestClient, database: Database,
                                                  world: World) -> None:
    pid = world.stranger_patient_id
    r = api.get(f"/api/v1/patients/{pid}")
    assert r.status_code == 403
    assert r.json()["error"] == "access_denied" and r.json()["patient_id"] == pid
    assert "address" not in r.json()
    assert _audit(database, user_id=world.secretary_id, patient_id=pid, outcome="denied",
                  action="read")
    assert api.get(f"/api/v1/patients/{pid}/work-items").status_code == 403
    assert api.patch(f"/api/v1/patients/{pid}", json={"city": "Ändrad"}).status_code == 403
    with database.session() as s:
        p = s.get(Patient, pid)
        assert p is not None and p.city != "Ändrad"


def test_emergency_access_then_allows_reading(api: TestClient, database: Database,
                                              world: World) -> None:
    pid = world.stranger_patient_id
    short = api.post(f"/api/v1/patients/{pid}/emergency-access", json={"reason": "akut"})
    assert short.status_code == 422 and "reason" in short.json()["errors"]
    with database.session() as s:
        assert s.scalar(select(EmergencyAccess).where(EmergencyAccess.patient_id == pid)) is None
    assert api.get(f"/api/v1/patients/{pid}").status_code == 403
    granted = api.post(f"/api/v1/patients/{pid}/emergency-access",
                       json={"reason": "Medvetslös patient på akuten"})
    assert granted.status_code == 201, granted.text
    g = granted.json()
    minutes = (datetime.fromisoformat(g["expires_at"]) - datetime.fromisoformat(g["granted_at"]))
    assert minutes.total_seconds() == 240 * 60
    r = api.get(f"/api/v1/patients/{pid}")
    assert r.status_code == 200 and r.json()["id"] == pid
    rows = _audit(database, user_id=world.secretary_id, patient_id=pid, outcome="emergency",
                  action="read")
    assert len(rows) == 1 and rows[0].reason == "Medvetslös patient på akuten"
    missing = api.post("/api/v1/patients/999999999/emergency-access", json={"reason": "Akut fall"})
    assert missing.status_code == 404


def test_patient_work_items_open_and_closed(api: TestClient, database: Database,
                                            world: World) -> None:
    with database.session() as s:
        pid = factories.make_patient(s, world.unit_id).id
        actor = factories.actor(s, world.secretary_id)
        open_id = worklist.create_item(s, actor=actor, kind="task", title="Öppen", patient_id=pid).id
        done = worklist.create_item(s, actor=actor, kind="task", title="Klar", patient_id=pid)
        worklist.perform(s, actor=actor, item_id=done.id, operation="complete")
        done_id = done.id
    r = api.get(f"/api/v1/patients/{pid}/work-items")
    assert r.status_code == 200
    assert [i["id"] for i in r.json()["open"]] == [open_id]
    assert [i["id"] for i in r.json()["closed"]] == [done_id]
    assert r.json()["closed"][0]["status"] == "completed"
    assert api.get("/api/v1/patients/999999999/work-items").status_code == 404
