"""The booking JSON API and its FHIR export (Schedule, Slot, Appointment) validated with fhir.resources."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.schedule import Schedule as FhirSchedule
from fhir.resources.R4B.slot import Slot as FhirSlot

from kulisser.db import Database
from kulisser.identity import PERSONNUMMER_SYSTEM
from kulisser.patients.models import Patient
from kulisser.staff.models import Role
from tests import factories


def test_plan_generate_search_book_rebook_cancel(
    secretary_client: TestClient, database: Database, world: factories.World
) -> None:
    with database.session() as s:
        doc_id = factories.make_user(s, world.unit_id, Role.CLINICIAN).id
        patient = s.get(Patient, world.patient_ids[0])
        assert patient is not None
        pnr = patient.id_value
    c = secretary_client
    schedule = c.post("/api/v1/schedules", json={"kind": "clinician", "user_id": doc_id})
    assert schedule.status_code == 201, schedule.text
    sid = schedule.json()["id"]
    vt = c.post(
        "/api/v1/visit-types", json={"code": factories.unique("ny").lower(), "name": "Nybesök", "minutes": 30}
    )
    assert vt.status_code == 201
    start = date.today() + timedelta(days=1)
    t = c.post(
        f"/api/v1/schedules/{sid}/templates",
        json={
            "visit_type_id": vt.json()["id"],
            "weekdays": "1-7",
            "start_time": "08:00",
            "end_time": "10:00",
            "valid_from": start.isoformat(),
        },
    )
    assert t.status_code == 201 and t.json()["weekdays"] == "1234567"
    gen = c.post(
        "/api/v1/slots/generate",
        json={
            "start": start.isoformat(),
            "end": (start + timedelta(days=6)).isoformat(),
            "resource_id": sid,
            "public_holidays": False,
        },
    )
    assert gen.status_code == 200 and gen.json()["created"] == 28
    assert (
        c.post(
            "/api/v1/slots/generate",
            json={
                "start": start.isoformat(),
                "end": (start + timedelta(days=6)).isoformat(),
                "resource_id": sid,
                "public_holidays": False,
            },
        ).json()["created"]
        == 0
    )
    free = c.get("/api/v1/slots", params={"resource_id": sid, "visit_type_id": vt.json()["id"]}).json()[
        "items"
    ]
    assert len(free) == 28 and free[0]["local_start"].endswith("08:00")
    assert free[0]["start"].endswith("+00:00")
    booked = c.post(
        "/api/v1/appointments",
        json={"slot_id": free[0]["id"], "identifier": pnr, "patient_message": "Första besöket"},
    )
    assert booked.status_code == 201, booked.text
    appt = booked.json()
    assert appt["status"] == "booked" and appt["patient"]["id"] == world.patient_ids[0]
    assert [e["type"] for e in appt["events"]] == ["booked"]
    again = c.post(
        "/api/v1/appointments", json={"slot_id": free[0]["id"], "patient_id": world.patient_ids[1]}
    )
    assert again.status_code == 409 and again.json()["error"] == "slot_taken"
    moved = c.post(f"/api/v1/appointments/{appt['id']}/rebook", json={"slot_id": free[3]["id"]})
    assert moved.status_code == 200 and moved.json()["slot_id"] == free[3]["id"]
    assert [e["type"] for e in moved.json()["events"]] == ["booked", "rebooked"]
    assert len(c.get("/api/v1/slots", params={"resource_id": sid}).json()["items"]) == 27
    bad = c.post(f"/api/v1/appointments/{appt['id']}/cancel", json={"by": "nobody", "reason": "x"})
    assert bad.status_code == 422
    cancelled = c.post(f"/api/v1/appointments/{appt['id']}/cancel", json={"by": "patient", "reason": "Sjuk"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    early = c.post(f"/api/v1/appointments/{appt['id']}/no-show", json={})
    assert early.status_code == 409
    mine = c.get(f"/api/v1/patients/{world.patient_ids[0]}/appointments").json()["items"]
    assert [a["id"] for a in mine] == [appt["id"]]
    listed = c.get("/api/v1/schedules").json()["items"]
    assert any(x["id"] == sid and x["templates"] for x in listed)
    holidays = c.get("/api/v1/holidays", params={"year": 2027}).json()
    assert {"date": "2027-03-26", "name": "Långfredagen"} in holidays


def test_fhir_exports_validate(
    secretary_client: TestClient, database: Database, world: factories.World
) -> None:
    from tests.booking.helpers import future_schedule

    with database.session() as s:
        sched, found = future_schedule(s, world, days=2)
        patient = factories.make_patient(s, world.unit_id, protected=True, address="Hemliga vägen 7")
        pid, pnr = patient.id, patient.id_value
    c = secretary_client
    appt = c.post("/api/v1/appointments", json={"slot_id": found[0].id, "patient_id": pid}).json()
    r = c.get(f"/api/v1/appointments/{appt['id']}/fhir")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json")
    fa = FhirAppointment.model_validate_json(r.text)
    assert fa.status == "booked" and fa.minutesDuration == 30
    patient_actor = fa.participant[0].actor
    assert patient_actor.identifier.system == PERSONNUMMER_SYSTEM and patient_actor.identifier.value == pnr
    assert "Hemliga" not in r.text  # never an address (this patient has skyddad identitet)
    assert fa.slot[0].reference == f"Slot/{found[0].id}"
    slot = FhirSlot.model_validate_json(c.get(f"/api/v1/slots/{found[0].id}/fhir").text)
    assert slot.status == "busy" and slot.schedule.reference == f"Schedule/{sched.resource_id}"
    assert slot.start.utcoffset() == timedelta(0)
    schedule = FhirSchedule.model_validate_json(
        c.get(
            f"/api/v1/schedules/{sched.resource_id}/fhir",
            params={"start": date.today().isoformat(), "end": date.today().isoformat()},
        ).text
    )
    assert schedule.actor[0].type == "Practitioner" and schedule.planningHorizon is not None
    bundle = Bundle.model_validate_json(
        c.get("/api/v1/slots/fhir", params={"resource_id": sched.resource_id}).text
    )
    assert bundle.total == len(found) - 1 and all(e.resource.status == "free" for e in bundle.entry)
    cancelled = c.post(f"/api/v1/appointments/{appt['id']}/cancel", json={"by": "clinic", "reason": "Stängt"})
    assert cancelled.status_code == 200
    fc = FhirAppointment.model_validate_json(c.get(f"/api/v1/appointments/{appt['id']}/fhir").text)
    assert fc.status == "cancelled" and fc.cancelationReason.coding[0].code == "prov"


def test_api_refuses_other_units(app: object, database: Database, world: factories.World) -> None:
    from fastapi import FastAPI

    from tests.booking.helpers import future_schedule
    from tests.factories import login_client

    assert isinstance(app, FastAPI)
    with database.session() as s:
        _sched, found = future_schedule(s, world, days=1)
        stranger = factories.make_user(s, world.other_unit_id).id
    with TestClient(app) as c:
        login_client(c, database, world.secretary_id)
        denied = c.post(
            "/api/v1/appointments", json={"slot_id": found[0].id, "patient_id": world.stranger_patient_id}
        )
        assert denied.status_code == 403 and denied.json()["error"] == "access_denied"
        appt = c.post(
            "/api/v1/appointments", json={"slot_id": found[0].id, "patient_id": world.patient_ids[0]}
        ).json()
    with TestClient(app) as c:
        login_client(c, database, stranger)
        assert c.get(f"/api/v1/appointments/{appt['id']}").status_code == 403
        assert (
            c.post(
                "/api/v1/appointments", json={"slot_id": found[1].id, "patient_id": world.stranger_patient_id}
            ).status_code
            == 404
        )
