"""The dictation pages over HTTP: roles, upload errors, the editor, autosave, sign-off, escaping."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.db import Database, utcnow
from kulisser.dictation import service as dictations
from kulisser.dictation.models import Dictation
from kulisser.dictation.storage import AudioStore
from kulisser.patients.models import Patient
from kulisser.staff.models import Role
from kulisser.worklist.models import WorkItem
from tests import factories
from tests.conftest import Client
from tests.dictation import helpers
from tests.dictation.audio import unique_tone, wav_bytes

XSS = "<script>alert('x')</script>"
WORDS = [("Patienten", 0.95, False), ("har", 0.9, False), ("hjärtlyuden", 0.9, True),
         ("feber.", 0.4, True)]



@pytest.fixture()
def store(app: FastAPI) -> AudioStore:
    """The app's own audio store (the pages serve audio from it)."""
    return AudioStore(data_dir=Path(app.state.settings.data_dir))


def _dictation(database: Database, world: factories.World, store: AudioStore, *,
               status: str = "dictated", draft: bool = False, patient: int = 0) -> int:
    with database.session() as s:
        d = helpers.upload(s, world, store=store, patient_id=world.patient_ids[patient])
        if draft:
            words = [{"start": 0.2 * i, "end": 0.2 * i + 0.15, "text": t, "probability": p,
                      "attention": a} for i, (t, p, a) in enumerate(WORDS)]
            d.store_draft(text=" ".join(w[0] for w in WORDS), words=words, model="fake",
                          language="sv", now=utcnow())
        helpers.bring_to(s, world, d, status)
        return d.id


def _load(database: Database, did: int) -> Dictation:
    with database.session() as s:
        d = s.get(Dictation, did)
        assert d is not None
        s.expunge(d)
        return d


def _csrf(client: TestClient) -> str:
    token: str = client.csrf  # type: ignore[attr-defined]
    return token


def _count(database: Database) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(Dictation)) or 0


# -- roles -----------------------------------------------------------------------------------

def test_each_page_is_for_its_role(client_as: Client, world: factories.World, database: Database,
                                   store: AudioStore) -> None:
    did = _dictation(database, world, store, status="awaiting_signature")
    secretary, clinician = client_as(world.secretary_id), client_as(world.clinician_id)
    with database.session() as s:
        admin_id = factories.make_user(s, world.unit_id, Role.ADMIN).id
        other_clinician = factories.make_user(s, world.unit_id, Role.CLINICIAN).id
    for path in ("/diktat", f"/diktat/{did}"):
        assert secretary.get(path).status_code == 200, path
        assert client_as(world.manager_id).get(path).status_code == 200, path
        refused = clinician.get(path)
        assert refused.status_code == 403 and "medicinska sekreterare" in refused.text, path
    for path in ("/signera", f"/signera/{did}"):
        assert clinician.get(path).status_code == 200, path
        assert secretary.get(path).status_code == 403, path
    assert client_as(other_clinician).get(f"/signera/{did}").status_code == 403
    assert clinician.get("/diktat/ny").status_code == 200
    assert secretary.get("/diktat/ny").status_code == 200
    assert client_as(admin_id).get("/diktat/ny").status_code == 403
    # The menu offers each role its own page.
    assert 'href="/diktat"' in secretary.get("/arbetslista").text
    nav = clinician.get("/arbetslista").text
    assert 'href="/signera"' in nav and 'href="/diktat"' not in nav


# -- upload ----------------------------------------------------------------------------------

def _upload_form(client: TestClient, *, audio: bytes | None, name: str = "diktat.wav",
                 **fields: str) -> object:
    data = {"note_type": "referral", "priority": "high", **fields}
    files = {"file": (name, audio, "audio/wav")} if audio is not None else None
    return client.post("/diktat/ny", data=data, files=files, follow_redirects=False)


@pytest.mark.parametrize(("audio", "fields", "message", "field"), [
    (b"tone", {"identifier": ""}, "Ange patientens personnummer.", "identifier"),
    (b"tone", {"identifier": "19121212-1213"}, "Kontrollsiffran stämmer inte.", "identifier"),
    (None, {"identifier": "PID"}, "Välj en ljudfil eller spela in diktatet.", "file"),
    (b"\x02dss" + bytes(3000), {"identifier": "PID"}, "DSS", "file"),
    (wav_bytes(np.zeros(16_000, dtype=np.float32)), {"identifier": "PID"}, "Inspelningen är tyst", "file"),
    (b"", {"identifier": "PID"}, "Ljudfilen är tom", "file"),
])
def test_bad_upload_keeps_the_values_and_shows_the_swedish_message(
        client_as: Client, world: factories.World, database: Database, audio: bytes | None,
        fields: dict[str, str], message: str, field: str) -> None:
    with database.session() as s:
        patient = s.get(Patient, world.patient_ids[0])
        assert patient is not None
        pnr = patient.display_id
    fields = {k: (pnr if v == "PID" else v) for k, v in fields.items()}
    before = _count(database)
    body = unique_tone() if audio == b"tone" else audio
    response = _upload_form(client_as(world.clinician_id), audio=body, **fields)
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    html = response.text  # type: ignore[attr-defined]
    assert message in html
    assert f'id="e-{field}"' in html  # the message sits at its field
    assert re.search(r'<option value="referral"\s+selected>', html)  # typed values kept
    assert re.search(r'<option value="high"\s+selected>', html)
    if fields.get("identifier"):
        assert f'value="{fields["identifier"]}"' in html
    assert _count(database) == before  # nothing half-stored


def test_upload_from_the_patient_link_goes_to_the_dictation(
        client_as: Client, world: factories.World, database: Database) -> None:
    clinician = client_as(world.clinician_id)
    form = clinician.get(f"/diktat/ny?patient_id={world.patient_ids[1]}")
    assert form.status_code == 200 and 'name="patient_id"' in form.text
    assert 'id="recorder"' in form.text and "/static/dictation.js" in form.text
    response = _upload_form(clinician, audio=unique_tone(), patient_id=str(world.patient_ids[1]))
    assert response.status_code == 303  # type: ignore[attr-defined]
    location = response.headers["location"]  # type: ignore[attr-defined]
    did = int(location.rsplit("/", 1)[1])
    assert location == f"/signera/{did}"
    d = _load(database, did)
    assert (d.patient_id, d.author_id, d.note_type.code, d.priority) == (
        world.patient_ids[1], world.clinician_id, "referral", "high")
    page = clinician.get(location)
    assert page.status_code == 200 and "Sekreterarna skriver anteckningen" in page.text
    # A secretary uploads on a clinician's behalf and must name who dictated.
    secretary = client_as(world.secretary_id)
    nameless = _upload_form(secretary, audio=unique_tone(), patient_id=str(world.patient_ids[1]))
    assert nameless.status_code == 422 and "Välj vilken läkare" in nameless.text  # type: ignore[attr-defined]
    named = _upload_form(secretary, audio=unique_tone(), patient_id=str(world.patient_ids[1]),
                         author_id=str(world.clinician_id))
    assert named.headers["location"].startswith("/diktat/")  # type: ignore[attr-defined]


# -- queue and editor ------------------------------------------------------------------------

def test_queue_lists_the_units_dictations_with_their_state(
        client_as: Client, world: factories.World, database: Database, store: AudioStore) -> None:
    waiting = _dictation(database, world, store)
    drafted = _dictation(database, world, store, draft=True, patient=1)
    html = client_as(world.secretary_id).get("/diktat").text
    rows = re.findall(r'<tr data-href="/diktat/(\d+)"', html)
    assert str(waiting) in rows and str(drafted) in rows
    assert "Väntar på taligenkänning" in html  # the app's jobs wait for a worker here
    assert f'hx-get="/diktat/taligenkanning?ids={waiting}"' in html  # polled while queued
    assert "Utkast klart" in html and "Utkast finns" in html
    signature = _dictation(database, world, store, status="awaiting_signature", patient=2)
    by_status = client_as(world.secretary_id).get("/diktat?status=awaiting_signature").text
    assert re.findall(r'<tr data-href="/diktat/(\d+)"', by_status) == [str(signature)]


def test_the_state_poll_swaps_states_and_stops_when_done(
        client_as: Client, world: factories.World, database: Database, store: AudioStore) -> None:
    waiting = _dictation(database, world, store)
    secretary = client_as(world.secretary_id)
    polled = secretary.get(f"/diktat/taligenkanning?ids={waiting}")
    assert polled.status_code == 200
    assert f'id="ts-{waiting}"' in polled.text and 'hx-swap-oob="true"' in polled.text
    with database.session() as s:
        d = s.get(Dictation, waiting)
        assert d is not None
        d.store_draft(text="Hej", words=[], model="fake", language="sv", now=utcnow())
    done = secretary.get(f"/diktat/taligenkanning?ids={waiting}")
    assert done.status_code == 286 and "Utkast klart" in done.text
    # Another unit's dictation is not shown.
    with database.session() as s:
        stranger = factories.make_user(s, world.other_unit_id, Role.SECRETARY).id
    assert f"ts-{waiting}" not in client_as(stranger).get(f"/diktat/taligenkanning?ids={waiting}").text


def test_editor_shows_audio_words_marks_and_the_template(
        client_as: Client, world: factories.World, database: Database, store: AudioStore) -> None:
    did = _dictation(database, world, store, draft=True)
    secretary = client_as(world.secretary_id)
    html = secretary.get(f"/diktat/{did}").text
    assert f'<audio id="audio" src="/diktat/{did}/ljud"' in html
    spans = re.findall(r'<span class="w( att)?" data-start="([\d.]+)" data-end="([\d.]+)"', html)
    assert [(bool(a), float(s)) for a, s, _e in spans] == [
        (False, 0.0), (False, 0.2), (True, 0.4), (True, 0.6)]
    assert "osäker taligenkänning (40 %)" in html and "finns inte i ordlistan" in html
    text = re.search(r'<textarea id="note-text"[^>]*>(.*?)</textarea>', html, re.S)
    assert text is not None
    # The draft (no heading spoken) opens under the note type's first heading.
    assert text.group(1) == "Anamnes:\nPatienten har hjärtlyuden feber.\n\nStatus:\n\nBedömning:\n\nÅtgärd:\n"
    for key in ('accesskey="s"', 'accesskey="f"', 'accesskey="o"', 'data-key-for="playPause">F4'):
        assert key in html
    # The unit's glossary clears a spelling mark at once; low confidence stays marked.
    with database.session() as s:
        dictations.add_term(s, actor=factories.actor(s, world.secretary_id), term="hjärtlyuden")
    html = secretary.get(f"/diktat/{did}").text
    flags = re.findall(r'<span class="w( att)?" data-start', html)
    assert [bool(a) for a in flags] == [False, False, False, True]
    # The page's audio route serves the recording with Range support.
    part = secretary.get(f"/diktat/{did}/ljud", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.content) == 100


def test_editor_without_a_draft_offers_a_retry_after_failure(
        client_as: Client, world: factories.World, database: Database, store: AudioStore) -> None:
    did = _dictation(database, world, store)
    with database.session() as s:
        from kulisser.jobs.models import Job
        job = s.scalar(select(Job).where(Job.dedupe_key == f"transcribe:{did}"))
        assert job is not None
        job.status, job.attempts, job.last_error = "failed", 3, "RuntimeError: modellen saknas"
    secretary = client_as(world.secretary_id)
    html = secretary.get(f"/diktat/{did}").text
    assert "Taligenkänningen misslyckades" in html and "modellen saknas" in html
    assert 'id="retry-transcription"' in html and 'id="note-text"' in html  # write from audio
    retried = secretary.post(f"/diktat/{did}/taligenkanning", follow_redirects=False)
    assert retried.status_code == 303
    assert "Väntar på taligenkänning" in secretary.get(f"/diktat/{did}").text


# -- autosave --------------------------------------------------------------------------------

def test_autosave_form_post_stores_the_text_and_refuses_a_stale_revision(
        client_as: Client, world: factories.World, database: Database, store: AudioStore) -> None:
    did = _dictation(database, world, store, draft=True)
    secretary = client_as(world.secretary_id)
    token = _csrf(secretary)
    del secretary.headers["X-CSRF-Token"]  # as sendBeacon: the token in the form only
    saved = secretary.post(f"/diktat/{did}/text", data={
        "text": "Anamnes:\nHosta.", "base_revision": "0", "csrf_token": token})
    assert saved.status_code == 200, saved.text
    assert saved.json()["revision"] == 1 and saved.json()["message"].startswith("Sparat ")
    assert re.fullmatch(r"Sparat \d\d:\d\d", saved.json()["message"])
    d = _load(database, did)
    assert (d.text, d.status) == ("Anamnes:\nHosta.", "in_review")
    html = secretary.get(f"/diktat/{did}").text  # survives a reload
    assert '<textarea id="note-text" name="text" rows="26" lang="sv" spellcheck="true" accesskey="t">' \
           "Anamnes:\nHosta.</textarea>" in html
    assert 'data-revision="1"' in html
    stale = secretary.post(f"/diktat/{did}/text", data={
        "text": "Gammal kopia", "base_revision": "0", "csrf_token": token})
    assert stale.status_code == 409
    assert stale.json()["error"] == "edit_conflict" and "ändrats av någon annan" in stale.json()["detail"]
    assert _load(database, did).text == "Anamnes:\nHosta."
    refused = secretary.post(f"/diktat/{did}/text", data={"text": "Utan token", "base_revision": "1"})
    assert refused.status_code == 403 and _load(database, did).text == "Anamnes:\nHosta."


# -- actions and sign-off --------------------------------------------------------------------

def test_sign_off_flow_over_the_pages(client_as: Client, world: factories.World,
                                      database: Database, store: AudioStore) -> None:
    did = _dictation(database, world, store, draft=True)
    secretary, clinician = client_as(world.secretary_id), client_as(world.clinician_id)
    # Send straight from the prefilled text: it is saved first.
    sent = secretary.post(f"/diktat/{did}/skicka", data={
        "text": "Anamnes:\nHosta sedan en vecka.", "base_revision": "0"}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/diktat?klart=")
    assert "skickat för signering" in secretary.get(sent.headers["location"]).text
    listed = clinician.get("/signera").text
    to_sign = re.search(r'<table id="to-sign">.*?</table>', listed, re.S)
    assert to_sign is not None and f'href="/signera/{did}"' in to_sign.group(0)
    page = clinician.get(f"/signera/{did}").text
    assert "Anamnes:\nHosta sedan en vecka.</textarea>" in page and 'id="sign-button"' in page
    assert secretary.post(f"/signera/{did}/signera", follow_redirects=False).status_code == 403
    signed = clinician.post(f"/signera/{did}/signera", data={
        "text": "Anamnes:\nHosta sedan en vecka. Ingen feber.", "base_revision": "1"},
        follow_redirects=False)
    assert signed.status_code == 303
    d = _load(database, did)
    assert d.status == "signed" and d.signed_by_id == world.clinician_id
    assert d.text == "Anamnes:\nHosta sedan en vecka. Ingen feber."  # the edit before signing
    blank = clinician.post(f"/signera/{did}/ratta", data={"text": "Ny text", "reason": " "})
    assert blank.status_code == 422 and "Ange varför anteckningen rättas." in blank.text
    assert 'value="Ny text"' not in blank.text and ">Ny text</textarea>" in blank.text
    corrected = clinician.post(f"/signera/{did}/ratta", data={
        "text": "Anamnes:\nHosta i två veckor.", "reason": "Fel tid"}, follow_redirects=False)
    assert corrected.status_code == 303
    page = clinician.get(f"/signera/{did}").text
    assert re.findall(r'<li data-version="(\d)"', page) == ["2", "1"]
    assert "Fel tid" in page and "Ingen feber." in page  # version 1 is kept
    with database.session() as s:
        items = helpers.items_of(s, did)
        assert [(i.kind, i.status) for i in items] == [("dictation", "completed"),
                                                        ("signature", "completed")]


def test_question_unusable_and_escaping(client_as: Client, world: factories.World,
                                        database: Database, store: AudioStore) -> None:
    did = _dictation(database, world, store, draft=True)
    secretary, clinician = client_as(world.secretary_id), client_as(world.clinician_id)
    empty = secretary.post(f"/diktat/{did}/fraga", data={"question": "  "})
    assert empty.status_code == 422 and "Skriv frågan till diktatören." in empty.text
    secretary.post(f"/diktat/{did}/text", data={"text": f"Anamnes: {XSS}", "base_revision": "0"})
    asked = secretary.post(f"/diktat/{did}/fraga", data={"question": f"Vilken dos? {XSS}"},
                           follow_redirects=False)
    assert asked.status_code == 303
    for html in (secretary.get(f"/diktat/{did}").text, clinician.get(f"/signera/{did}").text,
                 clinician.get("/signera").text):
        assert XSS not in html
    page = clinician.get(f"/signera/{did}").text
    assert "Vilken dos? &lt;script&gt;" in page and "Anamnes: &lt;script&gt;" in page
    answered = clinician.post(f"/signera/{did}/svar", data={"answer": "5 mg"}, follow_redirects=False)
    assert answered.status_code == 303 and _load(database, did).status == "in_review"
    assert "Svar från diktatören" in secretary.get(f"/diktat/{did}").text
    blank = secretary.post(f"/diktat/{did}/oanvandbart", data={"reason": ""})
    assert blank.status_code == 422 and "Ange varför ljudet inte går att använda." in blank.text
    gone = secretary.post(f"/diktat/{did}/oanvandbart", data={"reason": "Bara brus"},
                          follow_redirects=False)
    assert gone.status_code == 303 and _load(database, did).status == "unusable"
    with database.session() as s:
        redo = s.scalar(select(WorkItem).where(WorkItem.ref_type == "dictation",
                                               WorkItem.ref_id == did,
                                               WorkItem.kind == "dictation-redo"))
        assert redo is not None and redo.owner_id == world.clinician_id
        redo_id = redo.id
    # The worklist item page shows the dictation detail with a way to dictate again.
    item = clinician.get(f"/arenden/{redo_id}").text
    assert "Ljudet går inte att använda" in item and f"/diktat/ny?patient_id={world.patient_ids[0]}" in item


def test_the_worklist_item_links_to_the_editor(client_as: Client, world: factories.World,
                                               database: Database, store: AudioStore) -> None:
    did = _dictation(database, world, store, draft=True)
    with database.session() as s:
        item_id = helpers.items_of(s, did)[0].id
    html = client_as(world.secretary_id).get(f"/arenden/{item_id}").text
    assert f'id="open-dictation" href="/diktat/{did}"' in html and "Utkast klart" in html


def test_forms_without_the_csrf_token_are_refused(client_as: Client, world: factories.World,
                                                  database: Database, store: AudioStore) -> None:
    did = _dictation(database, world, store, status="in_review")
    secretary = client_as(world.secretary_id)
    del secretary.headers["X-CSRF-Token"]
    for path, data in ((f"/diktat/{did}/skicka", {"text": "x"}), (f"/diktat/{did}/fraga", {"question": "?"}),
                       (f"/diktat/{did}/oanvandbart", {"reason": "brus"})):
        response = secretary.post(path, data=data, follow_redirects=False)
        assert response.status_code == 403 and "Formuläret har gått ut" in response.text
    assert _load(database, did).status == "in_review"


def test_an_unmatched_import_is_matched_on_the_editor(
        client_as: Client, world: factories.World, database: Database, store: AudioStore) -> None:
    with database.session() as s:
        d = dictations.import_dictation(
            s, actor=factories.actor(s, world.secretary_id), store=store, audio=io.BytesIO(unique_tone()),
            filename="REC0001.WAV", patient_id=None, author_id=None, note_type=None, priority="normal",
            import_note="Filnamnet saknar personnummer.")
        did = d.id
        patient = s.get(Patient, world.patient_ids[2])
        assert patient is not None
        pnr = patient.display_id
    secretary = client_as(world.secretary_id)
    html = secretary.get(f"/diktat/{did}").text
    assert "Matcha patient och diktatör" in html and "Filnamnet saknar personnummer." in html
    assert "Okänd patient – matcha" in secretary.get("/diktat").text
    wrong = secretary.post(f"/diktat/{did}/uppgifter", data={"identifier": "19121212-1212",
                                                             "author_id": str(world.clinician_id)})
    assert wrong.status_code == 422 and "Ingen patient med det numret hos din enhet." in wrong.text
    assert 'value="19121212-1212"' in wrong.text
    assert _load(database, did).patient_id is None
    matched = secretary.post(f"/diktat/{did}/uppgifter", data={
        "identifier": pnr, "author_id": str(world.clinician_id), "note_type": "letter",
        "priority": "high"}, follow_redirects=False)
    assert matched.status_code == 303 and matched.headers["location"] == f"/diktat/{did}"
    d2 = _load(database, did)
    assert (d2.patient_id, d2.author_id, d2.note_type.code, d2.priority) == (
        world.patient_ids[2], world.clinician_id, "letter", "high")


def test_the_queue_sorts_by_due_time_priority_or_age(
        client_as: Client, world: factories.World, database: Database, store: AudioStore) -> None:
    with database.session() as s:
        old = helpers.upload(s, world, store=store, priority="low").id
        acute = helpers.upload(s, world, store=store, priority="acute").id
        # The low-priority dictation's item was given an earlier due time by hand.
        item = helpers.items_of(s, old)[0]
        item.due_at = utcnow()
    secretary = client_as(world.secretary_id)

    def order(sort: str) -> list[int]:
        html = secretary.get(f"/diktat?status=to_write&sort={sort}").text
        return [int(i) for i in re.findall(r'<tr data-href="/diktat/(\d+)"', html) if int(i) in (old, acute)]

    assert order("due") == [old, acute]
    assert order("priority") == [acute, old]
    assert order("age") == [old, acute]
