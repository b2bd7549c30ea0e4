"""Small things a secretary meets every day: phone numbers, invalid numbers, plurals, help."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kulisser.db import Database, utcnow
from kulisser.patients.models import Patient
from kulisser.reception.models import PhoneMessage
from kulisser.staff import service as staff
from kulisser.staff.models import User
from kulisser.worklist import service as worklist
from tests import factories
from tests.conftest import Client
from tests.factories import World


def _message(patient_id: int, phone: str) -> dict[str, str]:
    return {"caller_name": "Karin Dotter", "caller_relation": "relative", "phone": phone,
            "message": factories.unique("Undrar över tiden "), "priority": "normal",
            "call_back_within_hours": "", "patient_id": str(patient_id)}


def test_implausible_phone_is_refused_at_the_desk(secretary_client: TestClient, database: Database,
                                                  world: World) -> None:
    data = _message(world.patient_ids[0], "070-1")
    r = secretary_client.post("/reception/meddelande", data=data)
    assert r.status_code == 422
    assert "Ett mobilnummer har tio siffror" in r.text and 'value="070-1"' in r.text
    with database.session() as s:
        assert s.scalar(select(PhoneMessage).where(PhoneMessage.message == data["message"])) is None
    ok = _message(world.patient_ids[0], "+44 20 7946 0958")
    assert secretary_client.post("/reception/meddelande", data=ok,
                                 follow_redirects=False).status_code == 303
    with database.session() as s:
        msg = s.scalar(select(PhoneMessage).where(PhoneMessage.message == ok["message"]))
        assert msg is not None and msg.phone == "+44 20 7946 0958"


def test_implausible_phone_is_refused_on_the_patient(secretary_client: TestClient,
                                                     database: Database, world: World) -> None:
    pid = world.patient_ids[0]
    r = secretary_client.post(f"/patienter/{pid}/redigera", data={
        "given_name": "Nytt", "family_name": "Namnsson", "phone": "070-1"})
    assert r.status_code == 422 and "Ett mobilnummer har tio siffror" in r.text
    with database.session() as s:
        patient = s.get(Patient, pid)
        assert patient is not None and patient.family_name != "Namnsson"


def test_implausible_phone_is_refused_by_the_api(client_as: Client,
                                                 database: Database, world: World) -> None:
    api = client_as(world.secretary_id)
    pid = world.patient_ids[0]
    bad = api.patch(f"/api/v1/patients/{pid}", json={"phone": "070-1"})
    assert bad.status_code == 422 and "phone" in bad.json()["errors"]


def test_wrong_check_digit_at_the_desk_says_invalid(secretary_client: TestClient,
                                                    database: Database, world: World) -> None:
    with database.session() as s:
        patient = s.get(Patient, world.patient_ids[0])
        assert patient is not None
        good = patient.id_value
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    for q in (wrong, f"{wrong[:8]}-{wrong[8:]}"):
        r = secretary_client.get("/reception", params={"q": q}, headers={"HX-Request": "true"})
        assert r.status_code == 200
        assert "Numret är inte giltigt" in r.text and "Kontrollsiffran stämmer inte." in r.text
        assert "Ingen patient med vårdrelation" not in r.text
    found = secretary_client.get("/reception", params={"q": good}, headers={"HX-Request": "true"})
    assert "Numret är inte giltigt" not in found.text and f"/patienter/{world.patient_ids[0]}" in found.text


def test_import_help_names_each_column_once(secretary_client: TestClient) -> None:
    r = secretary_client.get("/provsvar/importera")
    assert r.status_code == 200
    assert "<code>text</code>, <code>text</code>" not in r.text
    assert "<td><code>kommentar</code></td><td><code>text</code></td>" in r.text


def test_role_beside_each_name_in_assign_and_handover(secretary_client: TestClient,
                                                      database: Database, world: World) -> None:
    with database.session() as s:
        actor = factories.actor(s, world.secretary_id)
        item = worklist.create_item(s, actor=actor, kind="task", title="Ring tillbaka",
                                    patient_id=world.patient_ids[0])
        worklist.perform(s, actor=actor, item_id=item.id, operation="claim")
        item_id = item.id
        clinician = s.get(User, world.clinician_id)
        manager = s.get(User, world.manager_id)
        assert clinician is not None and manager is not None
        expected = [f">{html.escape(clinician.full_name)} (Läkare/vårdpersonal)</option>",
                    f">{html.escape(manager.full_name)} (Enhetschef)</option>"]
    page = secretary_client.get(f"/arenden/{item_id}")
    assert page.status_code == 200
    for text in expected:
        assert text in page.text  # the hand-over select of an item she owns
    new = secretary_client.get("/arbetslista/ny")
    assert all(text in new.text for text in expected)


def test_unit_phone_is_checked(database: Database) -> None:
    with database.session() as s:
        with pytest.raises(staff.StaffError) as refused:
            staff.create_unit(s, hsa_id=factories.unique("SE-T-"), name="Mottagningen",
                              phone="070-1")
        assert refused.value.code == "bad_phone"
        unit = staff.create_unit(s, hsa_id=factories.unique("SE-T-"), name="Mottagningen",
                                 phone=" 010-123  45 00 ")
        assert unit.phone == "010-123 45 00"
        s.rollback()


def test_clinician_default_worklist_is_her_own_work(client_as: Client, secretary_client: TestClient,
                                                    database: Database, world: World) -> None:
    with database.session() as s:
        actor = factories.actor(s, world.secretary_id)
        callback = worklist.create_item(s, actor=actor, kind="callback", title="Ring tillbaka",
                                        patient_id=world.patient_ids[0]).id
        to_sign = worklist.create_item(s, actor=actor, kind="signature", title="Signera",
                                       patient_id=world.patient_ids[1],
                                       owner_id=world.clinician_id).id
    clinician = client_as(world.clinician_id)
    first = clinician.get("/arbetslista")
    assert first.status_code == 200
    assert to_sign in _ids(first.text) and callback not in _ids(first.text)
    assert '<option value="mine" selected>' in first.text
    # The queue is one choice away, and a secretary still starts with it.
    assert callback in _ids(clinician.get("/arbetslista?scope=mine_queue").text)
    assert callback in _ids(secretary_client.get("/arbetslista").text)


def _ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-href="/arenden/(\d+)"', page)]


def test_escalation_in_the_item_history_is_in_swedish(secretary_client: TestClient,
                                                      database: Database, world: World) -> None:
    with database.session() as s:
        actor = factories.actor(s, world.secretary_id)
        item = worklist.create_item(s, actor=actor, kind="task", title="Försenad uppgift")
        item.record("escalated", actor_id=None, now=utcnow(), to_owner=world.manager_id,
                    reason="Förfallotiden har passerats")
        item_id = item.id
        manager = s.get(User, world.manager_id)
        assert manager is not None
        expected = f"Eskalerat till {html.escape(manager.full_name)}"
    page = secretary_client.get(f"/arenden/{item_id}")
    assert page.status_code == 200
    history = page.text[page.text.index('id="history"'):]
    visible = re.sub(r"<[^>]+>", " ", history)
    assert expected in visible and "escalated" not in visible
