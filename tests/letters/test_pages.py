"""The letter pages: list, letter (preview escapes, PDF opens), print run, texts, access."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.audit.models import AuditEvent
from kulisser.db import Database
from kulisser.letters.models import Letter, LetterTemplate, SmsOptOut
from kulisser.staff.models import Role
from tests import factories
from tests.factories import login_client
from tests.letters.conftest import Clinic, pdf_text, result_letter


def _audit(database: Database, *, user_id: int, patient_id: int, object_type: str,
           outcome: str = "allowed") -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.user_id == user_id, AuditEvent.patient_id == patient_id,
            AuditEvent.object_type == object_type, AuditEvent.outcome == outcome)) or 0


def test_the_list_shows_the_units_letters_with_the_forwarding_marker(
        database: Database, clinic: Clinic, secretary_client: TestClient) -> None:
    w = clinic.world
    with database.session() as s:
        hidden = factories.make_patient(s, w.unit_id, family="Dold", protected=True, address="Gömd 1")
        open_letter = result_letter(s, w, w.patient_ids[0]).id
        hidden_letter = result_letter(s, w, hidden.id).id
        hidden_id = hidden.id
        other = factories.make_user(s, w.other_unit_id, Role.SECRETARY)
        theirs = result_letter(s, w, w.stranger_patient_id, user_id=other.id).id
    page = secretary_client.get("/brev")
    assert page.status_code == 200
    assert f'data-letter="{open_letter}"' in page.text and f'data-letter="{hidden_letter}"' in page.text
    assert f'data-letter="{theirs}"' not in page.text
    row = re.search(rf'<tr data-href="/brev/{hidden_letter}".*?</tr>', page.text, re.S)
    assert row and "Skyddad identitet – via Skatteverket" in row.group(0) and "Gömd" not in page.text
    assert _audit(database, user_id=w.secretary_id, patient_id=hidden_id, object_type="letter") >= 1
    sent = secretary_client.get("/brev?status=sent", headers={"HX-Request": "true"})
    assert sent.status_code == 200 and "<html" not in sent.text and "Inga brev." in sent.text


def test_the_letter_page_escapes_and_its_pdf_opens_and_is_logged(
        database: Database, clinic: Clinic, secretary_client: TestClient, tmp_path: Path) -> None:
    w = clinic.world
    with database.session() as s:
        p = factories.make_patient(s, w.unit_id, given="<script>alert(1)</script>", family="Åström")
        letter = result_letter(s, w, p.id, message="Svar: <img src=x onerror=alert(2)>")
        letter_id, patient_id = letter.id, p.id
    page = secretary_client.get(f"/brev/{letter_id}")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert f'href="/brev/{letter_id}/pdf"' in page.text
    before = _audit(database, user_id=w.secretary_id, patient_id=patient_id, object_type="letter_pdf")
    pdf = secretary_client.get(f"/brev/{letter_id}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == f'inline; filename="brev-{letter_id}.pdf"'
    assert pdf.headers["cache-control"] == "no-store"
    assert "Hej <script>alert(1)</script>!" in pdf_text(pdf.content, tmp_path)
    assert _audit(database, user_id=w.secretary_id, patient_id=patient_id,
                  object_type="letter_pdf") == before + 1


def test_a_stranger_is_refused_and_the_refusal_is_logged(
        app: FastAPI, database: Database, clinic: Clinic) -> None:
    w = clinic.world
    with database.session() as s:
        letter_id = result_letter(s, w, w.patient_ids[0]).id
        stranger = factories.make_user(s, w.other_unit_id, Role.SECRETARY).id
    with TestClient(app) as c:
        login_client(c, database, stranger)
        for method, url in [("GET", f"/brev/{letter_id}"), ("GET", f"/brev/{letter_id}/pdf"),
                            ("POST", f"/brev/{letter_id}/atgard/sent"),
                            ("GET", f"/api/v1/letters/{letter_id}/pdf")]:
            response = c.request(method, url)
            assert response.status_code == 403, (url, response.status_code)
    assert _audit(database, user_id=stranger, patient_id=w.patient_ids[0], object_type="letter_pdf",
                  outcome="denied") == 2
    with database.session() as s:
        assert s.get(Letter, letter_id).status == "ready"  # type: ignore[union-attr]


def test_actions_move_the_letter_and_errors_show_on_the_page(
        database: Database, clinic: Clinic, secretary_client: TestClient) -> None:
    w = clinic.world
    with database.session() as s:
        letter_id = result_letter(s, w, w.patient_ids[0]).id
    csrf = secretary_client.csrf  # type: ignore[attr-defined]
    bad = secretary_client.post(f"/brev/{letter_id}/atgard/cancel", data={"csrf_token": csrf, "reason": ""})
    assert bad.status_code == 422 and "Ange en orsak." in bad.text
    back = secretary_client.post(f"/brev/{letter_id}/atgard/draft", data={"csrf_token": csrf},
                                 follow_redirects=False)
    assert back.status_code == 303
    edit = secretary_client.post(f"/brev/{letter_id}/andra", data={
        "csrf_token": csrf, "subject": "Svar", "body": "Hej {{ fornamn }", "meddelande": "Kvar"})
    assert edit.status_code == 422 and "syntaxfel" in edit.text
    assert "Hej {{ fornamn }" in edit.text and ">Kvar</textarea>" in edit.text  # typed values kept
    ok = secretary_client.post(f"/brev/{letter_id}/andra", follow_redirects=False, data={
        "csrf_token": csrf, "subject": "Svar på prover", "body": "Hej {{ fornamn }}!\n\n{{ meddelande }}",
        "meddelande": "Allt väl.", "undersokning": "prover"})
    assert ok.status_code == 303
    page = secretary_client.get(f"/brev/{letter_id}")
    assert "Allt väl." in page.text and 'data-status="draft"' in page.text
    refused = secretary_client.post(f"/brev/{letter_id}/atgard/sent", data={"csrf_token": csrf})
    assert refused.status_code == 409


def test_new_letter_form_keeps_typed_values_and_creates_a_draft(
        database: Database, clinic: Clinic, secretary_client: TestClient) -> None:
    w = clinic.world
    csrf = secretary_client.csrf  # type: ignore[attr-defined]
    form = secretary_client.get(f"/brev/nytt?patient_id={w.patient_ids[0]}")
    assert form.status_code == 200 and 'name="undersokning"' in form.text
    bad = secretary_client.post("/brev/nytt", data={"csrf_token": csrf, "patient_id": str(w.patient_ids[0]),
                                                    "kind": "result", "undersokning": "Blodfetter"})
    assert bad.status_code == 422 and 'value="Blodfetter"' in bad.text and "Fyll i fältet." in bad.text
    ok = secretary_client.post("/brev/nytt", follow_redirects=False, data={
        "csrf_token": csrf, "patient_id": str(w.patient_ids[0]), "kind": "result",
        "undersokning": "Blodfetter", "meddelande": "Normala värden."})
    assert ok.status_code == 303
    letter_id = int(ok.headers["location"].rsplit("/", 1)[1])
    with database.session() as s:
        letter = s.get(Letter, letter_id)
        assert letter is not None and letter.status == "draft"
        assert letter.fields["undersokning"] == "Blodfetter"


def test_printing_the_days_letters_and_confirming_marks_them_sent(
        database: Database, clinic: Clinic, secretary_client: TestClient, tmp_path: Path) -> None:
    w = clinic.world
    with database.session() as s:
        ids = [result_letter(s, w, pid, message=f"Brev nummer {n}.").id
               for n, pid in enumerate(w.patient_ids)]
    csrf = secretary_client.csrf  # type: ignore[attr-defined]
    day = secretary_client.get("/brev/utskrift")
    assert day.status_code == 200 and all(f'href="/brev/{i}"' in day.text for i in ids)
    made = secretary_client.post("/brev/utskrift", data={"csrf_token": csrf}, follow_redirects=False)
    assert made.status_code == 303
    batch_url = made.headers["location"]
    pdf = secretary_client.get(batch_url + "/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content, tmp_path)
    assert all(f"Brev nummer {n}." in text for n in range(len(ids)))
    done = secretary_client.post(batch_url + "/bekrafta", data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith(f"?skickade={len(ids)}")
    with database.session() as s:
        assert {s.get(Letter, i).status for i in ids} == {"sent"}  # type: ignore[union-attr]
    again = secretary_client.post(batch_url + "/bekrafta", data={"csrf_token": csrf})
    assert again.status_code == 409 and "redan bekräftad" in again.text
    empty = secretary_client.post("/brev/utskrift", data={"csrf_token": csrf})
    assert empty.status_code == 422 and "inga brev att skriva ut" in empty.text


def test_managers_edit_the_units_texts_and_bad_ones_are_not_stored(
        database: Database, clinic: Clinic, manager_client: TestClient,
        secretary_client: TestClient) -> None:
    w = clinic.world
    assert secretary_client.get("/brev/mallar").status_code == 403
    assert manager_client.get("/brev/mallar").status_code == 200
    csrf = manager_client.csrf  # type: ignore[attr-defined]
    bad = manager_client.post("/brev/mallar/calling", data={
        "csrf_token": csrf, "subject": "Kallelse", "body": "Hej {{ fornamn }}, tid {{ klockan }}"})
    assert bad.status_code == 422 and "Okänt fält: {{ klockan }}" in bad.text
    assert "tid {{ klockan }}</textarea>" in bad.text
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(LetterTemplate)
                        .where(LetterTemplate.unit_id == w.unit_id)) == 0
    ok = manager_client.post("/brev/mallar/calling", follow_redirects=False, data={
        "csrf_token": csrf, "subject": "Välkommen", "body": "Hej {{ fornamn }}, kom {{ besok_datum }}."})
    assert ok.status_code == 303
    assert "Enhetens egen" in manager_client.get("/brev/mallar").text
    manager_client.post("/brev/mallar/calling/aterstall", data={"csrf_token": csrf})
    assert "Enhetens egen" not in manager_client.get("/brev/mallar").text
    assert manager_client.get("/brev/mallar/nonsense").status_code == 422


def test_sms_opt_out_from_the_letter_page(database: Database, clinic: Clinic,
                                          secretary_client: TestClient) -> None:
    w = clinic.world
    with database.session() as s:
        letter_id = result_letter(s, w, w.patient_ids[0]).id
    csrf = secretary_client.csrf  # type: ignore[attr-defined]
    r = secretary_client.post(f"/brev/patient/{w.patient_ids[0]}/sms", follow_redirects=False,
                              data={"csrf_token": csrf, "opt_out": "1", "back": f"/brev/{letter_id}"})
    assert r.status_code == 303 and r.headers["location"] == f"/brev/{letter_id}"
    with database.session() as s:
        assert s.get(SmsOptOut, w.patient_ids[0]) is not None
    assert "avböjt SMS-påminnelser" in secretary_client.get(f"/brev/{letter_id}").text
    evil = secretary_client.post(f"/brev/patient/{w.patient_ids[0]}/sms", follow_redirects=False,
                                 data={"csrf_token": csrf, "opt_out": "0", "back": "https://evil.example/"})
    assert evil.headers["location"] == "/brev"


def test_the_patient_page_lists_the_patients_letters_and_reminders(
        database: Database, clinic: Clinic, secretary_client: TestClient) -> None:
    w = clinic.world
    pid, other = w.patient_ids[0], w.patient_ids[1]
    with database.session() as s:
        mine = result_letter(s, w, pid).id
        theirs = result_letter(s, w, other).id
    page = secretary_client.get(f"/patienter/{pid}")
    assert f'hx-get="/brev/patient/{pid}"' in page.text
    # The section logs what it reads: the patient's letters (the page itself read the patient).
    before = _audit(database, user_id=w.secretary_id, patient_id=pid, object_type="patient_letters")
    part = secretary_client.get(f"/brev/patient/{pid}", headers={"HX-Request": "true"})
    assert part.status_code == 200 and "<html" not in part.text
    assert f'data-letter="{mine}"' in part.text and f'data-letter="{theirs}"' not in part.text
    assert "Patienten får SMS-påminnelse före besök." in part.text
    assert "Inga påminnelser skickade." in part.text
    assert _audit(database, user_id=w.secretary_id, patient_id=pid,
                  object_type="patient_letters") == before + 1
    # The opt-out from this page comes back to it.
    r = secretary_client.post(f"/brev/patient/{pid}/sms", follow_redirects=False, data={
        "csrf_token": secretary_client.csrf,  # type: ignore[attr-defined]
        "opt_out": "1", "back": f"/brev/patient/{pid}"})
    assert r.headers["location"] == f"/brev/patient/{pid}"
    assert "avböjt SMS-påminnelser" in secretary_client.get(f"/brev/patient/{pid}").text
    stranger = secretary_client.get(f"/brev/patient/{w.stranger_patient_id}")
    assert stranger.status_code == 403
