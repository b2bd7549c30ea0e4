"""The booking's two texts on the pages and in the API: an internal note and a message to the patient."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.booking.models import Appointment, Slot
from kulisser.db import Database
from kulisser.letters.models import Letter
from kulisser.patients.models import Patient
from tests import factories
from tests.booking.helpers import future_schedule

INTERNAL_LABEL = "Intern anteckning – skrivs inte ut"
MESSAGE_LABEL = "Meddelande till patienten – står i kallelsen"
INTERNAL = "Behöver tolk (arabiska), tolk bokad"
MESSAGE = "Ta med din läkemedelslista."


def _slots(database: Database, world: factories.World) -> tuple[int, list[int]]:
    with database.session() as s:
        sched, found = future_schedule(s, world, days=3)
        return sched.resource_id, [x.id for x in found]


def _preview(page: str) -> str:
    found = re.search(r'<div id="letter-preview">(.*?)</article>', page, re.S)
    assert found, "the visit page shows no letter preview"
    return found.group(1)


def test_book_with_both_texts_then_the_visit_page_shows_the_letter_as_printed(
    secretary_client: TestClient, database: Database, world: factories.World
) -> None:
    resource_id, slot_ids = _slots(database, world)
    form = secretary_client.get(f"/tidbok/boka?slot_id={slot_ids[0]}&patient_id={world.patient_ids[0]}")
    assert INTERNAL_LABEL in form.text and MESSAGE_LABEL in form.text
    assert 'name="internal_note"' in form.text and 'name="patient_message"' in form.text
    assert 'name="note"' not in form.text
    r = secretary_client.post("/tidbok/boka", data={
        "slot_id": str(slot_ids[0]), "patient_id": str(world.patient_ids[0]), "internal_note": INTERNAL,
        "patient_message": MESSAGE, "csrf_token": factories.csrf_from(form.text)}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    visit = secretary_client.get(r.headers["location"])
    assert "Besöket är bokat." in visit.text
    assert INTERNAL in visit.text and "skrivs inte ut" in visit.text and MESSAGE in visit.text
    paper = _preview(visit.text)
    assert "Kallelse till besök" in paper and MESSAGE in paper
    assert "tolk" not in paper.lower()  # the internal note never reaches the letter
    with database.session() as s:
        slot = s.get(Slot, slot_ids[0])
        assert slot is not None
        day = slot.start_at.astimezone().date()
    day_view = secretary_client.get(f"/tidbok/resurs/{resource_id}?datum={day}")
    assert INTERNAL in day_view.text


def test_rebook_form_keeps_and_changes_the_texts(
    secretary_client: TestClient, database: Database, world: factories.World
) -> None:
    _r, slot_ids = _slots(database, world)
    booked = secretary_client.post("/api/v1/appointments", json={
        "slot_id": slot_ids[0], "patient_id": world.patient_ids[1], "internal_note": INTERNAL,
        "patient_message": MESSAGE})
    assert booked.status_code == 201, booked.text
    aid = booked.json()["id"]
    form = secretary_client.get(f"/tidbok/besok/{aid}/omboka?slot_id={slot_ids[1]}")
    assert INTERNAL_LABEL in form.text and MESSAGE_LABEL in form.text
    assert f">{INTERNAL}</textarea>" in form.text and f">{MESSAGE}</textarea>" in form.text
    r = secretary_client.post(f"/tidbok/besok/{aid}/omboka", data={
        "slot_id": str(slot_ids[1]), "texts": "1", "internal_note": INTERNAL,
        "patient_message": "Kom fastande.",
        "csrf_token": factories.csrf_from(form.text)}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    paper = _preview(secretary_client.get(r.headers["location"]).text)
    assert "Kom fastande." in paper and MESSAGE not in paper and "tolk" not in paper.lower()
    # An emptied field clears its text; a post without the texts (an older page) keeps them.
    token = factories.csrf_from(form.text)
    cleared = secretary_client.post(f"/tidbok/besok/{aid}/omboka", data={
        "slot_id": str(slot_ids[2]), "texts": "1", "internal_note": INTERNAL, "patient_message": "",
        "csrf_token": token}, follow_redirects=False)
    assert cleared.status_code == 303
    kept = secretary_client.post(f"/tidbok/besok/{aid}/omboka", follow_redirects=False,
                                 data={"slot_id": str(slot_ids[3]), "csrf_token": token})
    assert kept.status_code == 303
    with database.session() as s:
        appt = s.get(Appointment, aid)
        assert appt is not None and appt.slot_id == slot_ids[3]
        assert (appt.internal_note, appt.patient_message) == (INTERNAL, "")


def test_an_over_long_message_keeps_what_was_typed_and_names_the_field(
    secretary_client: TestClient, database: Database, world: factories.World
) -> None:
    _r, slot_ids = _slots(database, world)
    form = secretary_client.get(f"/tidbok/boka?slot_id={slot_ids[0]}&patient_id={world.patient_ids[2]}")
    r = secretary_client.post("/tidbok/boka", data={
        "slot_id": str(slot_ids[0]), "patient_id": str(world.patient_ids[2]), "internal_note": INTERNAL,
        "patient_message": "x" * 2001, "csrf_token": factories.csrf_from(form.text)})
    assert r.status_code == 422
    assert 'id="e-patient_message"' in r.text and "högst 2000 tecken" in r.text
    assert f">{INTERNAL}</textarea>" in r.text


def test_the_api_takes_and_returns_both_fields_and_refuses_the_old_one(
    secretary_client: TestClient, database: Database, world: factories.World
) -> None:
    _r, slot_ids = _slots(database, world)
    c = secretary_client
    old = c.post("/api/v1/appointments", json={"slot_id": slot_ids[0], "patient_id": world.patient_ids[0],
                                                "note": "Behöver tolk"})
    assert old.status_code == 422 and "note" in old.text  # ambiguous: refused, never printed
    booked = c.post("/api/v1/appointments", json={
        "slot_id": slot_ids[0], "patient_id": world.patient_ids[0], "internal_note": INTERNAL,
        "patient_message": MESSAGE})
    assert booked.status_code == 201, booked.text
    body = booked.json()
    assert (body["internal_note"], body["patient_message"]) == (INTERNAL, MESSAGE)
    assert "note" not in body
    kept = c.post(f"/api/v1/appointments/{body['id']}/rebook", json={"slot_id": slot_ids[1]})
    assert kept.status_code == 200
    assert (kept.json()["internal_note"], kept.json()["patient_message"]) == (INTERNAL, MESSAGE)
    changed = c.post(f"/api/v1/appointments/{body['id']}/rebook",
                     json={"slot_id": slot_ids[2], "patient_message": "", "internal_note": "Ny anteckning"})
    assert changed.status_code == 200
    assert (changed.json()["internal_note"], changed.json()["patient_message"]) == ("Ny anteckning", "")
    too_long = c.post(f"/api/v1/appointments/{body['id']}/rebook",
                      json={"slot_id": slot_ids[3], "internal_note": "x" * 2001})
    assert too_long.status_code == 422 and "internal_note" in too_long.text
    read = c.get(f"/api/v1/appointments/{body['id']}").json()
    assert read["slot_id"] == slot_ids[2] and read["internal_note"] == "Ny anteckning"
    with database.session() as s:
        appt = s.get(Appointment, body["id"])
        assert appt is not None and appt.patient_message == ""
        assert s.get(Patient, world.patient_ids[0]) is not None


def test_the_api_schema_documents_both_fields(secretary_client: TestClient) -> None:
    schemas = secretary_client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    for name in ("BookIn", "RebookIn", "AppointmentOut"):
        props = schemas[name]["properties"]
        assert "never printed" in props["internal_note"]["description"], name
        assert "besok_meddelande" in props["patient_message"]["description"], name
    assert "note" not in schemas["BookIn"]["properties"]


def _stored(database: Database) -> tuple[int, int]:
    with database.session() as s:
        return (s.scalar(select(func.count()).select_from(Appointment)) or 0,
                s.scalar(select(func.count()).select_from(Letter)) or 0)


def _form_preview(page: str) -> str:
    found = re.search(r'<section class="card" id="book-letter-preview".*?</section>', page, re.S)
    assert found, "the booking form shows no letter preview"
    return found.group(0)


def test_the_booking_form_previews_the_calling_letter_with_the_typed_message(
    secretary_client: TestClient, database: Database, world: factories.World
) -> None:
    _r, slot_ids = _slots(database, world)
    url = f"/tidbok/boka?slot_id={slot_ids[0]}&patient_id={world.patient_ids[0]}"
    form = secretary_client.get(url)
    before = _form_preview(form.text)
    # Before anything is typed: the unit's calling letter, the patient's name in it, no message.
    assert "Kallelse till besök" in before and MESSAGE not in before
    assert 'hx-post="/tidbok/boka/kallelse"' in before and "from:#f-patient_message" in before
    token = factories.csrf_from(form.text)
    stored = _stored(database)
    typed = secretary_client.post("/tidbok/boka/kallelse", headers={"HX-Request": "true"}, data={
        "slot_id": str(slot_ids[0]), "patient_id": str(world.patient_ids[0]), "internal_note": INTERNAL,
        "patient_message": MESSAGE, "csrf_token": token})
    assert typed.status_code == 200, typed.text[:500]
    paper = _form_preview(typed.text)
    assert MESSAGE in paper and "Kallelse till besök" in paper
    assert "tolk" not in paper.lower()  # the internal note never reaches the letter
    assert _stored(database) == stored  # a preview stores nothing: no visit, no letter
    # A message over the limit is named in the preview, as the booking would refuse it.
    long = secretary_client.post("/tidbok/boka/kallelse", data={
        "slot_id": str(slot_ids[0]), "patient_id": str(world.patient_ids[0]),
        "patient_message": "x" * 2001, "csrf_token": token})
    assert "högst 2000 tecken" in _form_preview(long.text)
    # Without a chosen patient (a number typed in the form) the preview waits for the visit page.
    bare = secretary_client.get(f"/tidbok/boka?slot_id={slot_ids[1]}")
    assert "Kallelsen visas på besökssidan" in _form_preview(bare.text)
