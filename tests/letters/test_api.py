"""The letters JSON API: write, read, PDF, actions, print runs, texts and SMS opt-out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.db import Database
from kulisser.letters.merge import TZ
from kulisser.letters.models import LetterTemplate
from tests import factories
from tests.letters.conftest import Clinic, pdf_text


def test_write_read_and_send_a_result_letter(database: Database, clinic: Clinic,
                                             secretary_client: TestClient, tmp_path: Path) -> None:
    w = clinic.world
    created = secretary_client.post("/api/v1/letters", json={
        "patient_id": w.patient_ids[0], "kind": "result",
        "fields": {"undersokning": "dina blodprover", "meddelande": "Allt är bra.\n\nHälsningar"}})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "draft" and body["route"] == "post"
    assert body["subject"] == "Svar på dina blodprover"
    assert "Allt är bra.\n\nHälsningar" in body["text"] and body["events"][0]["type"] == "created"
    letter_id = body["id"]
    listed = secretary_client.get("/api/v1/letters", params={"status": "draft"}).json()
    assert letter_id in [x["id"] for x in listed["items"]] and listed["total"] >= 1
    bad = secretary_client.patch(f"/api/v1/letters/{letter_id}", json={"subject": "S", "body": "{{ x }}"})
    assert bad.status_code == 422 and "Okänt fält" in bad.json()["errors"]["body"]
    ready = secretary_client.post(f"/api/v1/letters/{letter_id}/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    pdf = secretary_client.get(body["pdf_url"])
    assert pdf.headers["content-type"] == "application/pdf"
    assert "Allt är bra." in pdf_text(pdf.content, tmp_path)
    sent = secretary_client.post(f"/api/v1/letters/{letter_id}/sent").json()
    assert sent["status"] == "sent" and "returned" in sent["allowed_actions"]
    again = secretary_client.post(f"/api/v1/letters/{letter_id}/sent")
    assert again.status_code == 409 and again.json()["error"] == "illegal_transition"
    returned = secretary_client.post(f"/api/v1/letters/{letter_id}/returned", json={"reason": "Flyttat"})
    assert returned.json()["status"] == "returned"
    assert secretary_client.post("/api/v1/letters", json={
        "patient_id": w.patient_ids[0], "kind": "calling"}).status_code == 422


def test_a_protected_patients_letter_never_carries_the_address(
        database: Database, clinic: Clinic, secretary_client: TestClient) -> None:
    w = clinic.world
    with database.session() as s:
        hidden = factories.make_patient(s, w.unit_id, protected=True, address="Lönnvägen 99")
        hidden_id = hidden.id
    r = secretary_client.post("/api/v1/letters", json={
        "patient_id": hidden_id, "kind": "result", "ready": True,
        "fields": {"undersokning": "prover", "meddelande": "Bra"}})
    assert r.status_code == 201 and r.json()["route"] == "forwarding" and r.json()["status"] == "ready"
    detail = secretary_client.get(f"/api/v1/letters/{r.json()['id']}").text
    listing = secretary_client.get("/api/v1/letters").text
    assert "Lönnvägen" not in detail and "Lönnvägen" not in listing
    assert json.loads(detail)["route_label"] == "Skyddad identitet – via Skatteverket"


def test_print_batch_through_the_api(database: Database, clinic: Clinic,
                                     secretary_client: TestClient, tmp_path: Path) -> None:
    w = clinic.world
    for pid in w.patient_ids:
        assert secretary_client.post("/api/v1/letters", json={
            "patient_id": pid, "kind": "result", "ready": True,
            "fields": {"undersokning": "prover", "meddelande": f"Till patient {pid}."}}).status_code == 201
    today = datetime.now(UTC).astimezone(TZ).date().isoformat()
    batch = secretary_client.post("/api/v1/letters/print-batches", json={"day": today})
    assert batch.status_code == 201, batch.text
    data = batch.json()
    assert len(data["letters"]) == len(w.patient_ids)
    text = pdf_text(secretary_client.get(data["pdf_url"]).content, tmp_path)
    assert all(f"Till patient {pid}." in text for pid in w.patient_ids)
    confirmed = secretary_client.post(f"/api/v1/letters/print-batches/{data['id']}/confirm").json()
    assert sorted(confirmed["sent_letter_ids"]) == sorted(x["id"] for x in data["letters"])
    assert secretary_client.get(f"/api/v1/letters/print-batches/{data['id']}").json()["confirmed_at"]


def test_texts_need_a_manager_and_bad_ones_are_refused(database: Database, clinic: Clinic,
                                                       secretary_client: TestClient,
                                                       manager_client: TestClient) -> None:
    w = clinic.world
    texts = secretary_client.get("/api/v1/letters/templates").json()
    assert {t["kind"] for t in texts} == {"calling", "rebooking", "cancellation", "result", "referral_reply",
                                              "record_decision", "record_copy"}
    assert any(f["name"] == "besok_datum" for f in texts[0]["fields"])
    forbidden = secretary_client.put("/api/v1/letters/templates/result", json={"subject": "S", "body": "B"})
    assert forbidden.status_code == 403
    bad = manager_client.put("/api/v1/letters/templates/result", json={"subject": "S", "body": "{% for %}"})
    assert bad.status_code == 422 and "syntaxfel" in bad.json()["errors"]["body"]
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(LetterTemplate)
                        .where(LetterTemplate.unit_id == w.unit_id)) == 0
    ok = manager_client.put("/api/v1/letters/templates/result", json={"subject": "Provsvar", "body": "Hej"})
    assert ok.status_code == 200 and ok.json()["own"] is True
    assert manager_client.delete("/api/v1/letters/templates/result").json()["own"] is False


def test_sms_opt_out_api(clinic: Clinic, secretary_client: TestClient) -> None:
    pid = clinic.world.patient_ids[0]
    assert secretary_client.get(f"/api/v1/letters/sms-opt-out/{pid}").json() == {"patient_id": pid,
                                                                                   "opted_out": False}
    r = secretary_client.put(f"/api/v1/letters/sms-opt-out/{pid}", json={"opted_out": True})
    assert r.json()["opted_out"] is True
    assert secretary_client.get(f"/api/v1/letters/sms-opt-out/{pid}").json()["opted_out"] is True
    stranger = clinic.world.stranger_patient_id
    assert secretary_client.put(f"/api/v1/letters/sms-opt-out/{stranger}",
                                json={"opted_out": True}).status_code == 403
