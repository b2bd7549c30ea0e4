"""The coding pages and the API: the queue, a contact's page (the note beside the form), a
picked suggestion that only fills the form, the checks shown where the user acted, CSV, JSON."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from kulisser import workdays
from kulisser.booking.calendar import local
from kulisser.booking.models import Appointment
from kulisser.db import Database
from tests import factories
from tests.coding.helpers import coding_items, contacts_of, signed_note, started_visit

NOTE = "Anamnes: känd hypertension. Bedömning: essential hypertension, välbehandlad."


def _contact_with_note(database: Database, world: factories.World, tmp_path: Path) -> int:
    with database.session() as s:
        signed_note(s, world, world.patient_ids[0], NOTE, tmp_path)
        [contact] = contacts_of(s, world.patient_ids[0])
        return contact.id


def _form(html: str) -> dict[str, str]:
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    version = re.search(r'name="version" value="(\d+)"', html)
    assert token and version
    return {"csrf_token": token.group(1), "version": version.group(1)}


def test_the_queue_lists_the_units_contacts_and_exports_csv(
        secretary_client: TestClient, database: Database, world: factories.World,
        tmp_path: Path) -> None:
    contact_id = _contact_with_note(database, world, tmp_path)
    page = secretary_client.get("/kodning")
    assert page.status_code == 200
    assert f'id="contact-{contact_id}"' in page.text and "Läkarbesök" in page.text
    assert 'id="suggestion-figures"' in page.text
    coded = secretary_client.get("/kodning?status=coded")
    assert f'id="contact-{contact_id}"' not in coded.text
    bad = secretary_client.get("/kodning?fran=igår")
    assert bad.status_code == 422 and "Ogiltigt datum" in bad.text
    exported = secretary_client.get("/kodning.csv")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Id", "Datum", "Identitetsnummer"]
    assert [r[0] for r in rows[1:]] == [str(contact_id)]


def test_the_page_shows_the_note_and_a_picked_suggestion_only_fills_the_form(
        secretary_client: TestClient, database: Database, world: factories.World,
        tmp_path: Path) -> None:
    contact_id = _contact_with_note(database, world, tmp_path)
    page = secretary_client.get(f"/kodning/{contact_id}")
    assert page.status_code == 200
    assert "essential hypertension" in page.text and 'id="suggestions"' in page.text
    picked = secretary_client.post(f"/kodning/{contact_id}",
                                   data={**_form(page.text), "take": "main:I10"})
    assert picked.status_code == 200
    assert re.search(r'name="main" value="I10"', picked.text)
    assert 'name="suggested" value="I10"' in picked.text
    with database.session() as s:
        [contact] = contacts_of(s, world.patient_ids[0])
        assert contact.codes == [] and contact.status == "uncoded"  # nothing stored yet
    done = secretary_client.post(f"/kodning/{contact_id}", follow_redirects=False, data={
        **_form(picked.text), "main": "I10", "suggested": "I10", "action": "finish",
        "procedure": ["", ""], "procedure_date": ["", ""]})
    assert done.status_code == 303
    with database.session() as s:
        [contact] = contacts_of(s, world.patient_ids[0])
        assert contact.status == "coded" and contact.codes[0].from_suggestion
        assert [i.status for i in coding_items(s, contact.id)] == ["completed"]


def test_an_error_is_shown_at_its_code_and_the_codes_are_kept(
        secretary_client: TestClient, database: Database, world: factories.World,
        tmp_path: Path) -> None:
    contact_id = _contact_with_note(database, world, tmp_path)
    page = secretary_client.get(f"/kodning/{contact_id}")
    answer = secretary_client.post(f"/kodning/{contact_id}", data={
        **_form(page.text), "main": "J45", "action": "finish"})
    assert answer.status_code == 200
    assert 'data-rule="non_terminal"' in answer.text
    assert "inte kodad" in answer.text
    with database.session() as s:
        [contact] = contacts_of(s, world.patient_ids[0])
        assert [c.code for c in contact.codes] == ["J45"] and contact.status == "uncoded"
        assert [i.status for i in coding_items(s, contact.id)] == ["requested"]
    bad_date = secretary_client.post(f"/kodning/{contact_id}", data={
        **_form(answer.text), "main": "J45.9", "procedure": "DT016", "procedure_date": "i går",
        "action": "finish"})
    assert bad_date.status_code == 422 and "Ogiltigt datum" in bad_date.text


def test_the_search_offers_codes_as_you_type(secretary_client: TestClient) -> None:
    found = secretary_client.get("/kodning/sok?main=J45.9")
    assert found.status_code == 200 and '<option value="J45.9">' in found.text
    assert "WHO" in found.text  # the fallback's English titles are marked
    assert secretary_client.get("/kodning/sok").text.strip() == ""


def test_a_contact_by_hand(secretary_client: TestClient, database: Database,
                           world: factories.World) -> None:
    with database.session() as s:
        patient = factories.make_patient(s, world.unit_id)
        ident = patient.display_id
        pid = patient.id
    form = secretary_client.get("/kodning/ny")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    today = workdays.local_today().isoformat()
    bad = secretary_client.post("/kodning/ny", data={
        "csrf_token": token.group(1), "identifier": ident, "kind": "inpatient", "contact_date": "",
        "admitted_on": ""})
    assert bad.status_code == 422 and "Ange inskrivningsdag" in bad.text
    made = secretary_client.post("/kodning/ny", follow_redirects=False, data={
        "csrf_token": token.group(1), "identifier": ident, "kind": "doctor_visit",
        "contact_date": today})
    assert made.status_code == 303
    with database.session() as s:
        [contact] = contacts_of(s, pid)
        assert made.headers["location"] == f"/kodning/{contact.id}"
        assert len(coding_items(s, contact.id)) == 1


def test_the_api(secretary_client: TestClient, world: factories.World) -> None:
    patient = world.patient_ids[1]
    made = secretary_client.post("/api/v1/coding/contacts", json={
        "patient_id": patient, "kind": "doctor_visit",
        "contact_date": workdays.local_today().isoformat()})
    assert made.status_code == 201, made.text
    body = made.json()
    cid = body["id"]
    assert body["status"] == "uncoded" and len(body["work_item_ids"]) == 1
    assert [e["rule"] for e in body["check"]["errors"]] == ["missing_main"]
    refused = secretary_client.post(f"/api/v1/coding/contacts/{cid}/coded")
    assert refused.status_code == 409 and refused.json()["error"] == "coding_errors"
    wrong = secretary_client.put(f"/api/v1/coding/contacts/{cid}/codes",
                                 json={"codes": [{"role": "main", "code": "J45"}]})
    assert wrong.status_code == 200
    assert [e["rule"] for e in wrong.json()["check"]["errors"]] == ["non_terminal"]
    stale = secretary_client.put(f"/api/v1/coding/contacts/{cid}/codes",
                                 json={"codes": [], "version": 1})
    assert stale.status_code == 409
    fixed = secretary_client.put(f"/api/v1/coding/contacts/{cid}/codes", json={
        "codes": [{"role": "main", "code": "J45.9"}], "finish": True})
    assert fixed.status_code == 200
    assert fixed.json()["status"] == "coded" and fixed.json()["work_item_ids"] == []
    assert fixed.json()["codes"][0]["display"] == "J45.9"
    listed = secretary_client.get("/api/v1/coding/contacts?status=coded")
    assert [c["id"] for c in listed.json()["items"]] == [cid]
    assert secretary_client.get("/api/v1/coding/contacts?status=nej").status_code == 422
    assert secretary_client.post("/api/v1/coding/contacts", json={
        "patient_id": patient, "kind": "visit"}).status_code == 422
    assert secretary_client.post("/api/v1/coding/contacts", json={
        "patient_id": 2_000_000_000, "kind": "phone",
        "contact_date": workdays.local_today().isoformat()}).status_code == 404
    assert secretary_client.post("/api/v1/coding/contacts", json={
        "patient_id": world.stranger_patient_id, "kind": "phone",
        "contact_date": workdays.local_today().isoformat()}).status_code == 403
    figures = secretary_client.get("/api/v1/coding/suggestion-figures")
    assert figures.status_code == 200 and figures.json() == []


def test_the_day_view_marks_a_visit_done(secretary_client: TestClient, database: Database,
                                         world: factories.World) -> None:
    with database.session() as s:
        appt_id = started_visit(s, world, world.patient_ids[2])
        appt = s.get(Appointment, appt_id)
        assert appt is not None
        # Its slot too has begun (the day view lists the day's slots and their visits).
        appt.slot.start_at, appt.slot.end_at = appt.start_at, appt.start_at + timedelta(minutes=30)
        appt.end_at = appt.slot.end_at
        day = f"/tidbok/resurs/{appt.resource_id}?datum={local(appt.start_at).date().isoformat()}"
    page = secretary_client.get(day)
    assert f'data-fulfil="{appt_id}"' in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    done = secretary_client.post(f"/tidbok/besok/{appt_id}/genomford", follow_redirects=False,
                                 data={"csrf_token": token.group(1), "dag": "1"})
    assert (done.status_code, done.headers["location"]) == (303, day)
    again = secretary_client.get(day)
    assert f'data-fulfil="{appt_id}"' not in again.text and "Genomförd" in again.text
    twice = secretary_client.post(f"/tidbok/besok/{appt_id}/genomford",
                                  data={"csrf_token": token.group(1)})
    assert twice.status_code == 409
    with database.session() as s:
        [contact] = contacts_of(s, world.patient_ids[2])
        assert contact.source_id == appt_id


def test_odd_input_gets_a_4xx_or_is_ignored(secretary_client: TestClient,
                                            world: factories.World) -> None:
    made = secretary_client.post("/api/v1/coding/contacts", json={
        "patient_id": world.patient_ids[0], "kind": "doctor_visit",
        "contact_date": workdays.local_today().isoformat(), "clinician_id": 2_000_000_000})
    assert made.status_code == 422 and "clinician_id" in made.text
    made = secretary_client.post("/api/v1/coding/contacts", json={
        "patient_id": world.patient_ids[0], "kind": "doctor_visit",
        "contact_date": workdays.local_today().isoformat(), "clinician_id": world.clinician_id})
    cid = made.json()["id"]
    page = secretary_client.get(f"/kodning/{cid}")
    form = _form(page.text)
    for take in ("main:", "nej:I10", "main:ÅÄÖ!!", "procedure:" + "X" * 60, ":"):
        answer = secretary_client.post(f"/kodning/{cid}", data={**form, "take": take})
        assert answer.status_code == 200, take
    for data in ({"main": "Ω" * 40, "action": "save"}, {"version": "abc", "main": "I10"},
                 {"procedure": ["A", "B"], "procedure_date": ["2026-01-01"], "action": "save"}):
        answer = secretary_client.post(f"/kodning/{cid}", data={**form, **data})
        assert answer.status_code < 500, (data, answer.status_code)
    assert secretary_client.get("/kodning/sok?procedure=" + "%" * 300).status_code == 200
    wrong = secretary_client.put(f"/api/v1/coding/contacts/{cid}/codes", json={
        "codes": [{"role": "procedure", "code": "DT016", "procedure_date": "2001-01-01"}]})
    assert wrong.status_code == 422


def test_the_coding_item_links_to_the_contact_and_only_coding_closes_it(
        secretary_client: TestClient, database: Database, world: factories.World) -> None:
    made = secretary_client.post("/api/v1/coding/contacts", json={
        "patient_id": world.patient_ids[0], "kind": "doctor_visit",
        "contact_date": workdays.local_today().isoformat()})
    cid = made.json()["id"]
    [item_id] = made.json()["work_item_ids"]
    page = secretary_client.get(f"/arenden/{item_id}")
    assert page.status_code == 200
    assert f'href="/kodning/{cid}"' in page.text and 'id="care-contact-detail"' in page.text
    refused = secretary_client.post(f"/api/v1/work-items/{item_id}/complete", json={})
    assert refused.status_code == 409 and refused.json()["error"] == "owned_by_record"
    with database.session() as s:
        assert [i.status for i in coding_items(s, cid)] == ["requested"]
