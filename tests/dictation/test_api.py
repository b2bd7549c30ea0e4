"""The dictation JSON API over HTTP: upload, queue, audio with Range, text, actions, access."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.db import Database
from kulisser.dictation.models import Dictation
from kulisser.staff.models import Role
from tests import factories
from tests.conftest import Client
from tests.dictation.audio import unique_tone
from tests.dictation.helpers import audit_rows


def _upload(client: TestClient, world: factories.World, *, audio: bytes | None = None,
            **fields: object) -> dict[str, object]:
    data = {"patient_id": str(world.patient_ids[0]), "note_type": "visit", "priority": "high",
            **{k: str(v) for k, v in fields.items()}}
    response = client.post("/api/v1/dictations", data=data,
                           files={"file": ("../../etc/passwd.wav", audio or unique_tone(), "audio/wav")})
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def _count(database: Database) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(Dictation)) or 0


def test_upload_answers_the_new_dictation(client_as: Client, world: factories.World,
                                          app: FastAPI) -> None:
    audio = unique_tone(1.2)
    body = _upload(client_as(world.clinician_id), world, audio=audio)
    assert body["status"] == "dictated" and body["status_label"] == "Dikterad"
    assert body["hl7_completion"] == {"code": "DI", "display": "Dictated"}
    assert body["priority"] == "high" and body["note_type"] == "visit"
    assert body["author"]["id"] == world.clinician_id  # type: ignore[index]
    assert body["patient"]["id"] == world.patient_ids[0]  # type: ignore[index]
    assert body["original_filename"] == "passwd.wav"
    assert body["transcription"]["status"] == "queued"  # type: ignore[index]
    assert body["draft"] is None and body["text"] == "" and body["text_revision"] == 0
    assert body["template"].startswith("Anamnes:")  # type: ignore[union-attr]
    assert body["allowed_actions"] == ["save_text", "cancel"]
    audio_out = body["audio"]
    assert audio_out["media_type"] == "audio/wav" and audio_out["size"] == len(audio)  # type: ignore[index]
    stored = Path(app.state.settings.data_dir) / "audio"
    sha = audio_out["sha256"]  # type: ignore[index]
    assert (stored / sha[:2] / sha[2:4] / sha).read_bytes() == audio


@pytest.mark.parametrize(("audio", "word"), [
    (b"", "tom"), (b"\x02dss" + bytes(3000), "DSS"), (b"fLaC" + bytes(range(256)) * 40, "skadad")])
def test_bad_audio_is_422_with_a_swedish_message_and_nothing_stored(
        client_as: Client, world: factories.World, database: Database, audio: bytes, word: str) -> None:
    before = _count(database)
    response = client_as(world.clinician_id).post(
        "/api/v1/dictations", data={"patient_id": str(world.patient_ids[0]), "note_type": "visit"},
        files={"file": ("x.dss", audio, "application/octet-stream")})
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation" and word in response.json()["errors"]["audio"]
    assert _count(database) == before


def test_a_secretary_must_name_the_author(client_as: Client, world: factories.World) -> None:
    secretary = client_as(world.secretary_id)
    response = secretary.post("/api/v1/dictations",
                              data={"patient_id": str(world.patient_ids[0]), "note_type": "visit"},
                              files={"file": ("a.wav", unique_tone(), "audio/wav")})
    assert response.status_code == 422 and "author_id" in response.json()["errors"]
    body = _upload(secretary, world, author_id=world.clinician_id)
    assert body["author"]["id"] == world.clinician_id  # type: ignore[index]
    assert body["uploaded_by"]["id"] == world.secretary_id  # type: ignore[index]


def test_audio_streams_with_range_and_every_request_is_logged(
        client_as: Client, world: factories.World, database: Database) -> None:
    audio = unique_tone(1.0)
    body = _upload(client_as(world.clinician_id), world, audio=audio)
    secretary = client_as(world.secretary_id)
    url = f"/api/v1/dictations/{body['id']}/audio"
    whole = secretary.get(url)
    assert whole.status_code == 200 and whole.content == audio
    assert whole.headers["content-type"] == "audio/wav"
    assert whole.headers["accept-ranges"] == "bytes"
    assert "passwd" not in whole.headers.get("content-disposition", "")
    part = secretary.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == audio[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(audio)}"
    with database.session() as s:
        assert audit_rows(s, user_id=world.secretary_id, object_type="dictation_audio",
                          patient_id=world.patient_ids[0], outcome="allowed") == 2


def test_the_whole_path_over_http(client_as: Client, world: factories.World) -> None:
    clinician, secretary = client_as(world.clinician_id), client_as(world.secretary_id)
    did = _upload(clinician, world)["id"]
    base = f"/api/v1/dictations/{did}"
    queue = secretary.get("/api/v1/dictations", params={"status": "to_write"}).json()
    assert did in [d["id"] for d in queue["items"]] and queue["total"] >= 1
    saved = secretary.put(f"{base}/text", json={"text": "Anamnes:\nHosta.", "base_revision": 0})
    assert saved.status_code == 200 and saved.json()["status"] == "in_review"
    assert saved.json()["text_revision"] == 1
    detail = secretary.get(base).json()
    assert detail["text"] == "Anamnes:\nHosta." and detail["text_saved_by"]["id"] == world.secretary_id
    stale = secretary.put(f"{base}/text", json={"text": "Gammal", "base_revision": 0})
    assert stale.status_code == 409 and stale.json()["error"] == "edit_conflict"
    asked = secretary.post(f"{base}/return", json={"question": "Vilken sida?"})
    assert asked.status_code == 200 and asked.json()["status"] == "returned"
    assert secretary.post(f"{base}/answer", json={"answer": "Höger"}).status_code == 403
    answered = clinician.post(f"{base}/answer", json={"answer": "Höger sida."})
    assert answered.json()["status"] == "in_review" and answered.json()["answer"] == "Höger sida."
    sent = secretary.post(f"{base}/send-for-signature")
    assert sent.status_code == 200 and sent.json()["status"] == "awaiting_signature"
    assert sent.json()["hl7_completion"]["code"] == "AU"
    mine = clinician.get("/api/v1/dictations", params={"mine": "true",
                                                       "status": "awaiting_signature"}).json()
    assert [d["id"] for d in mine["items"]] == [did]
    refused = secretary.post(f"{base}/sign")
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    signed = clinician.post(f"{base}/sign").json()
    assert signed["status"] == "signed" and signed["hl7_completion"]["code"] == "LA"
    assert [(v["version"], v["text"]) for v in signed["versions"]] == [(1, "Anamnes:\nHosta.")]
    assert signed["allowed_actions"] == ["correct"]
    locked = secretary.put(f"{base}/text", json={"text": "Efteråt"})
    assert locked.status_code == 409 and locked.json()["error"] == "illegal_transition"
    corrected = clinician.post(f"{base}/correct", json={"text": "Anamnes:\nHosta, feber.",
                                                        "reason": "Feber glömdes"}).json()
    assert [(v["version"], v["correction_reason"]) for v in corrected["versions"]] == [
        (1, None), (2, "Feber glömdes")]
    assert [e["type"] for e in corrected["events"]] == [
        "uploaded", "review_started", "returned", "answered", "sent_for_signature", "signed",
        "corrected"]


def test_unusable_cancel_and_details(client_as: Client, world: factories.World) -> None:
    clinician, secretary = client_as(world.clinician_id), client_as(world.secretary_id)
    first = _upload(clinician, world)["id"]
    blank = secretary.post(f"/api/v1/dictations/{first}/unusable", json={"reason": " "})
    assert blank.status_code == 409 and blank.json()["error"] == "reason_required"
    gone = secretary.post(f"/api/v1/dictations/{first}/unusable", json={"reason": "Bara brus"})
    assert gone.json()["status"] == "unusable" and gone.json()["unusable_reason"] == "Bara brus"
    second = _upload(clinician, world)["id"]
    changed = secretary.patch(f"/api/v1/dictations/{second}", json={"note_type": "brev",
                                                                     "priority": "low"})
    assert changed.status_code == 200 and changed.json()["note_type"] == "letter"
    assert changed.json()["priority"] == "low"
    swap = secretary.patch(f"/api/v1/dictations/{second}", json={"patient_id": world.patient_ids[1]})
    assert swap.status_code == 422 and "patient_id" in swap.json()["errors"]
    cancelled = clinician.post(f"/api/v1/dictations/{second}/cancel", json={"reason": "Dubblett"})
    assert cancelled.json()["status"] == "cancelled"
    again = secretary.post(f"/api/v1/dictations/{second}/transcribe")
    assert again.status_code == 409


def test_another_unit_is_refused_and_logged(client_as: Client, world: factories.World,
                                            database: Database) -> None:
    did = _upload(client_as(world.clinician_id), world)["id"]
    with database.session() as s:
        stranger_id = factories.make_user(s, world.other_unit_id, Role.SECRETARY).id
    stranger = client_as(stranger_id)
    for method, path, kwargs in (("GET", "", {}), ("GET", "/audio", {}),
                                 ("PUT", "/text", {"json": {"text": "x"}})):
        response = stranger.request(method, f"/api/v1/dictations/{did}{path}", **kwargs)
        assert response.status_code == 403, (path, response.text)
        assert response.json()["error"] == "access_denied"
        assert response.json()["patient_id"] == world.patient_ids[0]
    with database.session() as s:
        assert audit_rows(s, user_id=stranger_id, patient_id=world.patient_ids[0],
                          outcome="denied") == 3
    listed = stranger.get("/api/v1/dictations").json()
    assert did not in [d["id"] for d in listed["items"]]


def test_note_types_and_glossary(client_as: Client, world: factories.World,
                                 database: Database) -> None:
    secretary = client_as(world.secretary_id)
    types = secretary.get("/api/v1/note-types").json()["items"]
    assert [(t["code"], t["name"]) for t in types] == [
        ("visit", "Besöksanteckning"), ("discharge", "Epikris"), ("referral", "Remiss"),
        ("letter", "Brev")]
    assert types[0]["headings"] == ["Anamnes", "Status", "Bedömning", "Åtgärd"]
    added = secretary.post("/api/v1/glossary", json={"term": "förmaksflimmer"})
    assert added.status_code == 201
    assert secretary.post("/api/v1/glossary", json={"term": "Förmaksflimmer"}).json()["id"] == \
        added.json()["id"]
    assert [t["term"] for t in secretary.get("/api/v1/glossary").json()["items"]] == ["förmaksflimmer"]
    with database.session() as s:
        other_id = factories.make_user(s, world.other_unit_id, Role.SECRETARY).id
    other = client_as(other_id)
    assert other.get("/api/v1/glossary").json()["items"] == []
    assert other.delete(f"/api/v1/glossary/{added.json()['id']}").status_code == 404
    assert secretary.delete(f"/api/v1/glossary/{added.json()['id']}").status_code == 204
