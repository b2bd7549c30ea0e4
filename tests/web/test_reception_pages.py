"""The reception and phone desk: find a patient, see what is open, take a phone message."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.audit.models import AuditEvent
from kulisser.db import Database, utcnow
from kulisser.patients.models import Patient
from kulisser.reception.models import PhoneMessage
from kulisser.reception.service import RELATIONS
from kulisser.worklist.models import WorkItem
from tests import factories
from tests.factories import World

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _message(patient_id: int | None, **changes: str) -> dict[str, str]:
    data = {"caller_name": "Karin Dotter", "caller_relation": "relative", "phone": "070-555 12 34",
            "message": factories.unique("Undrar över provsvaret "), "priority": "high",
            "call_back_within_hours": "3", "patient_id": "" if patient_id is None else str(patient_id)}
    data.update(changes)
    return data


def test_patient_picked_at_the_desk_fills_the_form_and_is_logged(
        secretary_client: TestClient, database: Database, world: World) -> None:
    with database.session() as s:
        p = factories.make_patient(s, world.unit_id, given="Elsa", family=factories.unique("Ek"))
        pid, name, phone = p.id, p.full_name, p.phone
    r = secretary_client.get("/reception", params={"patient_id": pid})
    assert r.status_code == 200
    assert f'<input type="hidden" name="patient_id" value="{pid}">' in r.text
    assert f'name="caller_name" type="text" value="{name}"' in r.text
    assert f'name="phone" type="tel" value="{phone}"' in r.text
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.patient_id == pid, AuditEvent.user_id == world.secretary_id,
            AuditEvent.action == "read", AuditEvent.outcome == "allowed")) == 1


def test_take_phone_message_creates_callback_in_unit_queue(
        secretary_client: TestClient, database: Database, world: World) -> None:
    pid = world.patient_ids[0]
    data = _message(pid)
    before = utcnow()
    r = secretary_client.post("/reception/meddelande", data=data, follow_redirects=False)
    after = utcnow()
    assert r.status_code == 303
    with database.session() as s:
        msg = s.scalar(select(PhoneMessage).where(PhoneMessage.message == data["message"]))
        assert msg is not None and msg.patient_id == pid and msg.caller_relation == "relative"
        item = s.scalar(select(WorkItem).where(WorkItem.ref_type == "phone_message",
                                               WorkItem.ref_id == msg.id))
        assert item is not None
        assert (item.kind, item.unit_id, item.owner_id, item.patient_id, item.priority) == (
            "callback", world.unit_id, None, pid, "high")
        assert before + timedelta(hours=3) <= item.due_at <= after + timedelta(hours=3)
        assert msg.call_back_by == item.due_at
        item_id = item.id
    assert r.headers["location"] == f"/reception?klar={item_id}"
    done = secretary_client.get(r.headers["location"])
    assert "Meddelandet är sparat som återuppringning" in done.text
    assert f'href="/arenden/{item_id}"' in done.text
    # The desk shows the new call-back among what is open for the patient.
    with database.session() as s:
        patient = s.get(Patient, pid)
        assert patient is not None
        family = patient.family_name
    found = secretary_client.get("/reception", params={"q": family}, headers={"HX-Request": "true"})
    assert "<html" not in found.text and f'href="/arenden/{item_id}"' in found.text


def test_message_without_phone_is_refused_and_keeps_typed_message(
        secretary_client: TestClient, database: Database, world: World) -> None:
    data = _message(world.patient_ids[1], phone="")
    r = secretary_client.post("/reception/meddelande", data=data)
    assert r.status_code == 422
    assert "Ange telefonnummer att ringa tillbaka till." in r.text
    assert f'value="{data["message"]}"' in r.text
    assert 'value="Karin Dotter"' in r.text and 'value="3"' in r.text
    assert '<option value="relative" selected>' in r.text
    assert f'name="patient_id" value="{world.patient_ids[1]}"' in r.text
    with database.session() as s:
        assert s.scalar(select(PhoneMessage).where(PhoneMessage.message == data["message"])) is None


def test_message_without_patient_goes_to_the_queue(secretary_client: TestClient,
                                                   database: Database, world: World) -> None:
    data = _message(None, caller_relation="colleague", call_back_within_hours="")
    r = secretary_client.post("/reception/meddelande", data=data, follow_redirects=False)
    assert r.status_code == 303
    with database.session() as s:
        msg = s.scalar(select(PhoneMessage).where(PhoneMessage.message == data["message"]))
        assert msg is not None and msg.patient_id is None and msg.unit_id == world.unit_id


def test_script_in_a_message_is_escaped(secretary_client: TestClient, database: Database,
                                        world: World) -> None:
    family = factories.unique("Skript")
    with database.session() as s:
        pid = factories.make_patient(s, world.unit_id, family=family).id
    assert secretary_client.post("/reception/meddelande", follow_redirects=False,
                                 data=_message(pid, caller_name=SCRIPT)).status_code == 303
    bad = secretary_client.post("/reception/meddelande", data=_message(pid, message=SCRIPT, phone=""))
    for page in (secretary_client.get("/reception", params={"q": family}),
                 secretary_client.get("/reception", params={"patient_id": pid}),
                 secretary_client.get(f"/patienter/{pid}"), bad):
        assert SCRIPT not in page.text
        assert ESCAPED in page.text


def test_callback_detail_shows_the_message_escaped(app: FastAPI, database: Database,
                                                   world: World) -> None:
    template = app.state.templates.get_template("reception/_callback_detail.html")
    now = utcnow()
    for code, label in RELATIONS.items():
        msg = PhoneMessage(unit_id=world.unit_id, caller_name="Olle", caller_relation=code,
                           phone="08-123 45", message=SCRIPT, call_back_by=now, taken_at=now,
                           taken_by_id=world.secretary_id)
        html = template.render(ref=msg)
        assert label in html
        assert 'href="tel:08-12345"' in html and "Olle" in html
        assert SCRIPT not in html and ESCAPED in html
    assert "finns inte" in template.render(ref=None)


def test_patient_of_another_unit_is_denied_at_the_desk(
        secretary_client: TestClient, database: Database, world: World) -> None:
    pid = world.stranger_patient_id
    r = secretary_client.get("/reception", params={"patient_id": pid})
    assert r.status_code == 403 and f"/patienter/{pid}/nodatkomst" in r.text
    post = secretary_client.post("/reception/meddelande", data=_message(pid))
    assert post.status_code == 403
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.patient_id == pid, AuditEvent.user_id == world.secretary_id,
            AuditEvent.outcome == "denied")) == 2
        assert s.scalar(select(PhoneMessage).where(PhoneMessage.patient_id == pid)) is None


def test_protected_address_is_not_shown_at_the_desk(
        secretary_client: TestClient, database: Database, world: World) -> None:
    family = factories.unique("Dold")
    secret = factories.unique("Hemlig väg ")
    with database.session() as s:
        pid = factories.make_patient(s, world.unit_id, family=family, protected=True,
                                     address=secret).id
    for page in (secretary_client.get("/reception", params={"q": family}),
                 secretary_client.get("/reception", params={"patient_id": pid})):
        assert page.status_code == 200 and family in page.text
        assert "skyddad identitet" in page.text
        assert secret not in page.text


def test_message_without_csrf_token_is_refused(secretary_client: TestClient,
                                               database: Database, world: World) -> None:
    del secretary_client.headers["X-CSRF-Token"]
    data = _message(world.patient_ids[0])
    r = secretary_client.post("/reception/meddelande", data=data)
    assert r.status_code == 403
    with database.session() as s:
        assert s.scalar(select(PhoneMessage).where(PhoneMessage.message == data["message"])) is None
    token = factories.csrf_from(secretary_client.get("/reception").text)
    ok = secretary_client.post("/reception/meddelande", data={**data, "csrf_token": token},
                               follow_redirects=False)
    assert ok.status_code == 303
