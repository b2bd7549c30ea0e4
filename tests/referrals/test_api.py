"""The referral API: multipart registration with PDFs, the inbox, decisions with their replies,
outgoing referrals sent once and answered, and the same refusals as the pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.audit.models import AuditEvent
from kulisser.db import Database
from kulisser.jobs.models import Job
from kulisser.referrals.models import Referral
from kulisser.waitlist.models import WaitlistEntry
from tests import factories
from tests.factories import World, login_client
from tests.referrals import helpers as h


@pytest.fixture()
def clinician_api(app: FastAPI, database: Database, world: World) -> Iterator[TestClient]:
    """A client of the world's clinician (session cookie plus the X-CSRF-Token header)."""
    with TestClient(app, base_url="http://testserver") as c:
        login_client(c, database, world.clinician_id)
        yield c


def _fields(database: Database, world: World, **changes: str) -> dict[str, str]:
    with database.session() as s:
        identifier = h.identifier_of(s, world.patient_ids[0])
    values = {"sender_name": "Vårdcentralen Norr", "sender_hsa_id": h.HSA,
              "issued_on": (h.today() - timedelta(days=15)).isoformat(),
              "received_on": (h.today() - timedelta(days=1)).isoformat(),
              "identifier": identifier, "question": "Yrsel sedan en månad.",
              "priority": "high", "assessor_id": str(world.clinician_id)}
    values.update(changes)
    return values


def test_register_read_and_list(secretary_client: TestClient, database: Database,
                                world: World) -> None:
    pdfs = [h.pdf_bytes(), h.pdf_bytes()]
    r = secretary_client.post("/api/v1/referrals", data=_fields(database, world), files=[
        ("files", ("a.pdf", pdfs[0], "application/pdf")),
        ("files", ("b.pdf", pdfs[1], "application/pdf"))])
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "received" and body["priority"] == "high"
    assert body["sender"] == {"name": "Vårdcentralen Norr", "hsa_id": h.HSA}
    assert body["assessor"]["id"] == world.clinician_id and body["due_at"]
    assert [m["kind"] for m in body["messages"]] == ["receipt"]
    assert [e["type"] for e in body["events"]] == ["registered", "confirm"]
    assert [a["filename"] for a in body["attachments"]] == ["a.pdf", "b.pdf"]
    assert "address" not in r.text
    pdf = secretary_client.get(body["attachments"][1]["url"])
    assert pdf.status_code == 200 and pdf.content == pdfs[1]
    assert body["allowed_actions"] == ["cancel", "handover"]  # a secretary does not decide
    read = secretary_client.get(f"/api/v1/referrals/{body['id']}")
    assert read.json()["question"] == "Yrsel sedan en månad."
    listed = secretary_client.get("/api/v1/referrals", params={"status": "to_assess",
                                                               "priority": "high"}).json()
    assert body["id"] in [i["id"] for i in listed["items"]]


def test_bad_pdf_is_refused_with_nothing_stored(secretary_client: TestClient, database: Database,
                                                world: World) -> None:
    with database.session() as s:
        before = s.scalar(select(func.count()).select_from(Referral))
    r = secretary_client.post("/api/v1/referrals", data=_fields(database, world), files=[
        ("files", ("ok.pdf", h.pdf_bytes(), "application/pdf")),
        ("files", ("bild.pdf", b"\x89PNG\r\n\x1a\n", "application/pdf"))])
    assert r.status_code == 422
    assert r.json()["error"] == "validation" and "”bild.pdf” är inte en PDF" in r.json()[
        "errors"]["attachments"]
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Referral)) == before


def test_bad_fields_are_field_errors(secretary_client: TestClient, database: Database,
                                     world: World) -> None:
    r = secretary_client.post("/api/v1/referrals", data=_fields(
        database, world, issued_on=h.today().isoformat(),
        received_on=(h.today() - timedelta(days=3)).isoformat()))
    assert r.status_code == 422 and "received_on" in r.json()["errors"]
    missing = secretary_client.post("/api/v1/referrals", data={"sender_name": "x"})
    assert missing.status_code == 422 and "issued_on" in missing.json()["errors"]


def test_decisions_through_the_api(clinician_api: TestClient, secretary_client: TestClient,
                                   database: Database, world: World) -> None:
    created = secretary_client.post("/api/v1/referrals", data=_fields(database, world)).json()
    rid, issued = created["id"], created["issued_on"]
    asked = clinician_api.post(f"/api/v1/referrals/{rid}/request-information",
                               json={"question": "Blodtryck?"})
    assert asked.status_code == 200 and asked.json()["status"] == "waiting_for_info"
    assert clinician_api.post(f"/api/v1/referrals/{rid}/accept", json={}).status_code == 409
    answered = secretary_client.post(f"/api/v1/referrals/{rid}/answer",
                                     data={"text": "130/80", "received_on": h.today().isoformat()},
                                     files=[("files", ("bt.pdf", h.pdf_bytes(), "application/pdf"))])
    assert answered.status_code == 200, answered.text
    assert answered.json()["messages"][-1]["direction"] == "in"
    assert answered.json()["attachments"][-1]["message_id"] == answered.json()["messages"][-1]["id"]
    done = clinician_api.post(f"/api/v1/referrals/{rid}/accept", json={"note": ""}).json()
    assert done["status"] == "replied" and done["outcome"] == "accepted"
    assert done["waitlist_entry_id"] and done["allowed_actions"] == []
    with database.session() as s:
        entry = s.get(WaitlistEntry, done["waitlist_entry_id"])
        assert entry is not None and entry.clock_start.isoformat() == issued


def test_forward_and_reject_validation(clinician_api: TestClient, secretary_client: TestClient,
                                       database: Database, world: World) -> None:
    rid = secretary_client.post("/api/v1/referrals", data=_fields(database, world)).json()["id"]
    bad = clinician_api.post(f"/api/v1/referrals/{rid}/forward",
                             json={"to_name": "Orto", "to_hsa_id": "orto", "reason": "Knä"})
    assert bad.status_code == 422 and "to_hsa_id" in bad.json()["errors"]
    assert clinician_api.post(f"/api/v1/referrals/{rid}/reject",
                              json={"reason": ""}).status_code == 422
    assert secretary_client.post(f"/api/v1/referrals/{rid}/reject",
                                 json={"reason": "Nej"}).status_code == 403
    ok = clinician_api.post(f"/api/v1/referrals/{rid}/forward", json={
        "to_name": "Ortopeden", "to_hsa_id": "SE2321000016-ORTO", "reason": "Knä"}).json()
    assert ok["forwarded_to"] == {"name": "Ortopeden", "hsa_id": "SE2321000016-ORTO"}
    assert "Ortopeden" in ok["messages"][-1]["text"]


def test_outgoing_through_the_api(clinician_api: TestClient, database: Database,
                                  world: World) -> None:
    r = clinician_api.post("/api/v1/referrals/outgoing", json={
        "patient_id": world.patient_ids[1], "receiver_name": "Lungkliniken",
        "receiver_hsa_id": "SE2321000016-LUNG", "question": "Spirometri?", "anamnesis": "Hosta."})
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    assert r.json()["status"] == "draft" and "Spirometri?" in r.json()["body"]
    assert clinician_api.patch(f"/api/v1/referrals/outgoing/{oid}",
                               json={"body": "Kortare text"}).json()["body"] == "Kortare text"
    first = clinician_api.post(f"/api/v1/referrals/outgoing/{oid}/send").json()
    second = clinician_api.post(f"/api/v1/referrals/outgoing/{oid}/send").json()
    assert first["status"] == second["status"] == "sent" and first["sent_at"] == second["sent_at"]
    assert [e["type"] for e in second["events"]] == ["created", "edit", "send"]
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Job).where(
            Job.dedupe_key == f"referral-deliver:{oid}")) == 1
    listed = clinician_api.get("/api/v1/referrals/outgoing", params={"status": "sent"}).json()
    assert oid in [i["id"] for i in listed["items"]]
    replied = clinician_api.post(f"/api/v1/referrals/outgoing/{oid}/reply",
                                 data={"text": "Normal spirometri."})
    assert replied.status_code == 200 and replied.json()["reply"]["text"] == "Normal spirometri."
    assert clinician_api.patch(f"/api/v1/referrals/outgoing/{oid}",
                               json={"body": "x"}).status_code == 409
    templates = clinician_api.get("/api/v1/referrals/templates").json()
    assert templates["items"][0]["id"] is None and "fragestallning" in templates["merge_fields"]


def test_unauthenticated_is_401(client: TestClient) -> None:
    assert client.get("/api/v1/referrals").status_code == 401


def test_other_unit_gets_403_and_a_denied_row(app: FastAPI, database: Database,
                                              world: World) -> None:
    with database.session() as s:
        rid = h.register(s, world).id
        stranger = factories.make_user(s, world.other_unit_id).id
    with TestClient(app) as c:
        login_client(c, database, stranger)
        r = c.get(f"/api/v1/referrals/{rid}")
        assert r.status_code == 403 and r.json()["error"] == "access_denied"
        assert rid not in [i["id"] for i in c.get("/api/v1/referrals?status=all").json()["items"]]
    with database.session() as s:
        denied = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.user_id == stranger, AuditEvent.outcome == "denied",
            AuditEvent.object_type == "referral", AuditEvent.object_id == str(rid)))
        assert denied == 1
