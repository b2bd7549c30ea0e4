"""The booking pages in Swedish: week, day, search, book, rebook, cancel; errors keep what was typed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.audit.models import AuditEvent
from kulisser.booking import service as booking
from kulisser.booking.models import Appointment, Slot
from kulisser.db import Database
from kulisser.patients.models import Patient
from kulisser.staff.models import Role
from tests import factories
from tests.booking.helpers import future_schedule
from tests.factories import login_client

TAKEN = "Tiden hann bokas av någon annan. Välj en annan tid."


def _setup(database: Database, world: factories.World) -> tuple[int, list[int]]:
    with database.session() as s:
        sched, found = future_schedule(s, world, days=3)
        return sched.resource_id, [x.id for x in found]


def _audits(
    database: Database, *, user_id: int, patient_id: int, outcome: str = "allowed", action: str | None = None
) -> int:
    with database.session() as s:
        stmt = (
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.user_id == user_id,
                AuditEvent.patient_id == patient_id,
                AuditEvent.outcome == outcome,
            )
        )
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        return s.scalar(stmt) or 0


def _book(database: Database, world: factories.World, slot_id: int, patient_id: int) -> int:
    with database.session() as s:
        actor = factories.actor(s, world.secretary_id)
        return booking.book(s, actor=actor, slot_id=slot_id, patient_id=patient_id).id


def test_book_from_the_form_then_see_it_in_the_day_and_week(
    secretary_client: TestClient, database: Database, world: factories.World
) -> None:
    resource_id, slot_ids = _setup(database, world)
    with database.session() as s:
        patient = s.get(Patient, world.patient_ids[0])
        assert patient is not None
        pnr, family = patient.display_id, patient.family_name
    page = secretary_client.get(f"/tidbok/boka?slot_id={slot_ids[0]}")
    assert page.status_code == 200 and "Boka besök" in page.text and 'name="identifier"' in page.text
    r = secretary_client.post(
        "/tidbok/boka",
        data={
            "slot_id": str(slot_ids[0]),
            "identifier": pnr,
            "patient_message": "Ta med medicinlista",
            "csrf_token": factories.csrf_from(page.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:500]
    visit = secretary_client.get(r.headers["location"])
    assert "Besöket är bokat." in visit.text and 'id="appointment-status">Bokad' in visit.text
    assert 'data-event="booked"' in visit.text and "Ta med medicinlista" in visit.text
    with database.session() as s:
        day = s.get(Slot, slot_ids[0])
        assert day is not None
        when = day.start_at
    day_page = secretary_client.get(f"/tidbok/resurs/{resource_id}?datum={when.astimezone().date()}")
    assert family in day_page.text
    assert _audits(database, user_id=world.secretary_id, patient_id=world.patient_ids[0], action="list") >= 1
    week = secretary_client.get(f"/tidbok?vecka={when.date().isoformat()}")
    assert week.status_code == 200 and "slot-booked" in week.text and "slot-free" in week.text
    assert family not in week.text  # the week view shows no patients
    assert 'href="/tidbok" aria-current="page"' in week.text  # the nav link "Tidbok"


def test_a_slot_taken_meanwhile_gives_a_clear_409_page(
    secretary_client: TestClient, database: Database, world: factories.World
) -> None:
    _r, slot_ids = _setup(database, world)
    page = secretary_client.get(f"/tidbok/boka?slot_id={slot_ids[0]}&patient_id={world.patient_ids[1]}")
    _book(database, world, slot_ids[0], world.patient_ids[2])  # someone else is faster
    r = secretary_client.post(
        "/tidbok/boka",
        data={
            "slot_id": str(slot_ids[0]),
            "patient_id": str(world.patient_ids[1]),
            "internal_note": "Tolk behövs",
            "csrf_token": factories.csrf_from(page.text),
        },
    )
    assert r.status_code == 409
    assert TAKEN in r.text and "Välj en annan tid" in r.text and "Tolk behövs" in r.text


def test_bad_input_keeps_the_values(
    secretary_client: TestClient, database: Database, world: factories.World
) -> None:
    _r, slot_ids = _setup(database, world)
    page = secretary_client.get(f"/tidbok/boka?slot_id={slot_ids[0]}")
    r = secretary_client.post(
        "/tidbok/boka",
        data={
            "slot_id": str(slot_ids[0]),
            "identifier": "19121212-1213",
            "internal_note": "Rullstol <b>",
            "csrf_token": factories.csrf_from(page.text),
        },
    )
    assert r.status_code == 422
    assert 'value="19121212-1213"' in r.text and 'id="e-identifier"' in r.text
    assert "Rullstol &lt;b&gt;" in r.text


def test_booking_a_patient_of_another_unit_is_403_and_logged(
    secretary_client: TestClient, database: Database, world: factories.World
) -> None:
    _r, slot_ids = _setup(database, world)
    page = secretary_client.get(f"/tidbok/boka?slot_id={slot_ids[0]}")
    r = secretary_client.post(
        "/tidbok/boka",
        data={
            "slot_id": str(slot_ids[0]),
            "patient_id": str(world.stranger_patient_id),
            "csrf_token": factories.csrf_from(page.text),
        },
    )
    assert r.status_code == 403 and "Åtkomsten är loggad" in r.text
    assert (
        _audits(database, user_id=world.secretary_id, patient_id=world.stranger_patient_id, outcome="denied")
        == 1
    )
    with database.session() as s:
        assert (
            s.scalar(select(func.count()).select_from(Appointment).where(Appointment.slot_id == slot_ids[0]))
            == 0
        )


def test_names_are_escaped(secretary_client: TestClient, database: Database, world: factories.World) -> None:
    resource_id, slot_ids = _setup(database, world)
    with database.session() as s:
        evil = factories.make_patient(s, world.unit_id, given="<script>alert(1)</script>", family="O'Hara&Co")
        pid = evil.id
    appt_id = _book(database, world, slot_ids[0], pid)
    visit = secretary_client.get(f"/tidbok/besok/{appt_id}")
    assert "<script>alert(1)</script>" not in visit.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in visit.text and "O&#39;Hara&amp;Co" in visit.text
    with database.session() as s:
        slot = s.get(Slot, slot_ids[0])
        assert slot is not None
        day = slot.start_at.astimezone().date()
    assert "<script>alert(1)" not in secretary_client.get(f"/tidbok/resurs/{resource_id}?datum={day}").text


def test_rebook_and_cancel_through_the_pages(
    secretary_client: TestClient, database: Database, world: factories.World
) -> None:
    _r, slot_ids = _setup(database, world)
    appt_id = _book(database, world, slot_ids[0], world.patient_ids[0])
    search = secretary_client.get(f"/tidbok/sok?rebook={appt_id}")
    assert f"/tidbok/besok/{appt_id}/omboka?slot_id={slot_ids[1]}" in search.text
    confirm = secretary_client.get(f"/tidbok/besok/{appt_id}/omboka?slot_id={slot_ids[1]}")
    assert confirm.status_code == 200 and "Ny tid" in confirm.text
    r = secretary_client.post(
        f"/tidbok/besok/{appt_id}/omboka",
        data={
            "slot_id": str(slot_ids[1]),
            "reason": "Krockar med jobbet",
            "csrf_token": factories.csrf_from(confirm.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    visit = secretary_client.get(f"/tidbok/besok/{appt_id}?ombokad=1")
    assert 'data-event="rebooked"' in visit.text and "Krockar med jobbet" in visit.text
    # Cancelling without a reason: 422, the choice of who cancels is kept.
    bad = secretary_client.post(
        f"/tidbok/besok/{appt_id}/avboka",
        data={"by": "clinic", "reason": "", "csrf_token": factories.csrf_from(visit.text)},
    )
    assert bad.status_code == 422 and 'id="e-reason"' in bad.text
    assert re.search(r'<option value="clinic"\s+selected', bad.text)
    ok = secretary_client.post(
        f"/tidbok/besok/{appt_id}/avboka",
        data={"by": "patient", "reason": "Frisk igen", "csrf_token": factories.csrf_from(visit.text)},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    done = secretary_client.get(f"/tidbok/besok/{appt_id}")
    assert 'id="appointment-status">Avbokad' in done.text and "Frisk igen" in done.text
    assert "cancel-form" not in done.text
    patient_page = secretary_client.get(f"/tidbok/patient/{world.patient_ids[0]}")
    assert "Avbokad" in patient_page.text and "Ombokad" in patient_page.text


def test_rebooking_onto_a_taken_slot_shows_the_message(
    secretary_client: TestClient, database: Database, world: factories.World
) -> None:
    _r, slot_ids = _setup(database, world)
    appt_id = _book(database, world, slot_ids[0], world.patient_ids[0])
    confirm = secretary_client.get(f"/tidbok/besok/{appt_id}/omboka?slot_id={slot_ids[1]}")
    _book(database, world, slot_ids[1], world.patient_ids[1])
    r = secretary_client.post(
        f"/tidbok/besok/{appt_id}/omboka",
        data={
            "slot_id": str(slot_ids[1]),
            "reason": "Tidigare tid",
            "csrf_token": factories.csrf_from(confirm.text),
        },
    )
    assert r.status_code == 409 and TAKEN in r.text and 'value="Tidigare tid"' in r.text


def test_no_show_after_the_start(
    secretary_client: TestClient, database: Database, world: factories.World
) -> None:
    _r, slot_ids = _setup(database, world)
    appt_id = _book(database, world, slot_ids[0], world.patient_ids[0])
    with database.session() as s:
        appt = s.get(Appointment, appt_id)
        assert appt is not None
        # The visit has started (moved back in time directly: the service refuses past slots).
        appt.start_at = datetime.now(UTC) - timedelta(minutes=5)
    page = secretary_client.get(f"/tidbok/besok/{appt_id}")
    assert "Registrera utebliven" in page.text
    r = secretary_client.post(
        f"/tidbok/besok/{appt_id}/uteblev",
        data={"reason": "Kom inte", "csrf_token": factories.csrf_from(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert 'id="appointment-status">Uteblev' in secretary_client.get(f"/tidbok/besok/{appt_id}").text


def test_schedule_pages_plan_a_clinician(
    secretary_client: TestClient, database: Database, world: factories.World
) -> None:
    with database.session() as s:
        doc = factories.make_user(s, world.unit_id, Role.CLINICIAN, full_name="Doktor Åsa Öberg")
        doc_id = doc.id
    page = secretary_client.get("/tidbok/scheman")
    csrf = factories.csrf_from(page.text)
    code = factories.unique("aterbesok").lower()
    bad = secretary_client.post(
        "/tidbok/scheman/besokstyp",
        data={"code": code, "title": "Återbesök", "minutes": "tjugo", "csrf_token": csrf},
    )
    assert bad.status_code == 422 and 'value="Återbesök"' in bad.text and 'id="e-minutes"' in bad.text
    assert (
        secretary_client.post(
            "/tidbok/scheman/besokstyp",
            data={"code": code, "title": "Återbesök", "minutes": "20", "csrf_token": csrf},
        ).status_code
        == 200
    )
    r = secretary_client.post(
        "/tidbok/scheman/resurs",
        data={"kind": "clinician", "user_id": str(doc_id), "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    resource_page = secretary_client.get(r.headers["location"])
    assert "Doktor Åsa Öberg" in resource_page.text
    rid = int(r.headers["location"].rsplit("/", 1)[1])
    with database.session() as s:
        vt = next(v for v in booking.visit_types(s, unit_id=world.unit_id) if v.code == code)
    bad_t = secretary_client.post(
        f"/tidbok/scheman/{rid}/pass",
        data={
            "visit_type_id": str(vt.id),
            "weekdays": "1-5",
            "start_time": "13:00",
            "end_time": "12:00",
            "valid_from": "2027-01-01",
            "csrf_token": csrf,
        },
    )
    assert bad_t.status_code == 422 and 'value="13:00"' in bad_t.text and 'id="e-end_time"' in bad_t.text
    ok = secretary_client.post(
        f"/tidbok/scheman/{rid}/pass",
        data={
            "visit_type_id": str(vt.id),
            "weekdays": "1-5",
            "start_time": "08:00",
            "end_time": "10:00",
            "valid_from": "2027-01-01",
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    gen = secretary_client.post(
        "/tidbok/scheman/generera",
        data={
            "start": "2027-03-22",
            "end": "2027-04-02",
            "resource_id": str(rid),
            "public_holidays": "1",
            "page": "resource",
            "csrf_token": csrf,
        },
    )
    # 10 weekdays minus Good Friday and Easter Monday = 8 days of six 20-minute slots.
    assert gen.status_code == 200 and "48 nya tider skapades" in gen.text and "Långfredagen" in gen.text
    again = secretary_client.post(
        "/tidbok/scheman/generera",
        data={
            "start": "2027-03-22",
            "end": "2027-04-02",
            "resource_id": str(rid),
            "public_holidays": "1",
            "page": "resource",
            "csrf_token": csrf,
        },
    )
    assert "0 nya tider skapades; 48 fanns redan" in again.text


def test_clinicians_see_but_do_not_plan(app: object, database: Database, world: factories.World) -> None:
    from fastapi import FastAPI

    assert isinstance(app, FastAPI)
    with TestClient(app) as c:
        csrf = login_client(c, database, world.clinician_id)
        page = c.get("/tidbok/scheman")
        assert page.status_code == 200 and "Nytt schema" not in page.text
        r = c.post(
            "/tidbok/scheman/generera", data={"start": "2027-01-01", "end": "2027-01-02", "csrf_token": csrf}
        )
        assert r.status_code == 403


def test_rebook_item_page_and_patient_page_section(
    secretary_client: TestClient, database: Database, world: factories.World
) -> None:
    from kulisser.booking import items

    resource_id, slot_ids = _setup(database, world)
    appt_id = _book(database, world, slot_ids[0], world.patient_ids[0])
    with database.session() as s:
        actor = factories.actor(s, world.secretary_id)
        appt = s.get(Appointment, appt_id)
        assert appt is not None
        day = appt.start_at.astimezone().date()
        booking.add_exception(
            s, actor=actor, resource_id=resource_id, kind="leave", start_date=day, end_date=day, reason="Sjuk"
        )
        [item] = items.open_items(s, appointment_id=appt_id)
        item_id = item.id
    page = secretary_client.get(f"/arenden/{item_id}")
    assert page.status_code == 200 and "Besök att boka om" in page.text
    assert f'href="/tidbok/sok?rebook={appt_id}' in page.text
    patient = secretary_client.get(f"/patienter/{world.patient_ids[0]}")
    assert f'hx-get="/tidbok/patient/{world.patient_ids[0]}"' in patient.text
    partial = secretary_client.get(f"/tidbok/patient/{world.patient_ids[0]}", headers={"HX-Request": "true"})
    assert 'id="patient-visits"' in partial.text
    assert "<html" not in partial.text
