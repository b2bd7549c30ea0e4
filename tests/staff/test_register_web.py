"""The staff register over HTTP: pages and forms in Swedish, the CSV, the JSON API's errors."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from kulisser.db import Database
from kulisser.staff.register_models import StaffPerson
from tests import factories
from tests.conftest import Client
from tests.staff.helpers import hsa

API = "/api/v1/staff"


def _new(client: TestClient, **fields: str) -> TestClient:
    return client.post(API, json={"full_name": "Tova Sjöberg", "hsa_id": hsa(),
                                  "profession": "Sjuksköterska", **fields})


def test_a_manager_adds_a_person_and_an_assignment_through_the_api(
        world: factories.World, client_as: Client) -> None:
    manager = client_as(world.manager_id)
    made = _new(manager, email="tova@region.example")
    assert made.status_code == 201, made.text
    person = made.json()
    answer = manager.post(f"{API}/{person['id']}/assignments", json={
        "unit_id": world.unit_id, "purpose": "administrative", "role": "secretary",
        "commission_hsa_id": hsa("U"), "valid_from": "2026-01-01", "valid_to": "2026-12-31"})
    assert answer.status_code == 201, answer.text
    [line] = answer.json()["assignments"]
    assert (line["unit_id"], line["purpose"], line["valid_to"]) == (
        world.unit_id, "administrative", "2026-12-31")
    assert [h["type"] for h in answer.json()["history"]] == ["created", "assignment_added"]
    patched = manager.patch(f"{API}/{person['id']}", json={"phone": "010-111 22 33"})
    assert patched.status_code == 200
    assert patched.json()["history"][-1]["data"] == {"changes": {"phone": ["", "010-111 22 33"]}}
    ended = manager.post(f"{API}/{person['id']}/assignments/{line['id']}/end",
                         json={"last_day": "2026-06-30"})
    assert ended.json()["assignments"][0]["valid_to"] == "2026-06-30"
    listed = manager.get(API, params={"search": person["hsa_id"].lower()}).json()
    assert [p["id"] for p in listed] == [person["id"]]


def test_bad_input_is_422_with_swedish_messages_and_nothing_stored(
        database: Database, world: factories.World, client_as: Client) -> None:
    manager = client_as(world.manager_id)
    answer = _new(manager, hsa_id="2321000016-1", email="nej")
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"] == "validation"
    assert set(body["errors"]) == {"hsa_id", "email"}
    assert body["errors"]["hsa_id"].startswith("HSA-id ska börja med SE")
    person = _new(manager).json()
    bad_day = manager.post(f"{API}/{person['id']}/assignments", json={
        "unit_id": world.unit_id, "purpose": "care", "role": "secretary",
        "commission_hsa_id": hsa("U"), "valid_from": "2026-03-01", "valid_to": "2026-02-01"})
    assert bad_day.status_code == 422
    assert bad_day.json()["errors"] == {"valid_to": "Slutdagen kan inte vara före startdagen."}
    with database.session() as db:
        stored = db.get(StaffPerson, person["id"])
        assert stored is not None and stored.assignments == []


def test_a_secretary_reads_but_may_not_edit(world: factories.World, client_as: Client) -> None:
    person = _new(client_as(world.manager_id)).json()
    secretary = client_as(world.secretary_id)
    assert secretary.get(f"{API}/{person['id']}").status_code == 200
    refused = secretary.patch(f"{API}/{person['id']}", json={"profession": "Chef"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "Endast enhetschef eller administratör kan ändra personalregistret.")
    assert _new(secretary).status_code == 403
    page = secretary.get(f"/personal/{person['id']}")
    assert page.status_code == 200 and "Nytt uppdrag" not in page.text
    assert secretary.get("/personal/ny").status_code == 403
    assert client_as(world.manager_id).get(f"{API}/999999999").status_code == 404


def test_the_pages_add_a_person_and_show_a_refused_form_again(
        world: factories.World, client_as: Client) -> None:
    manager = client_as(world.manager_id)
    typed = {"full_name": "Åke Öberg", "hsa_id": "SE12-", "csrf_token": manager.csrf}  # type: ignore[attr-defined]
    refused = manager.post("/personal/ny", data=typed)
    assert refused.status_code == 422
    assert "HSA-id ska börja med SE" in refused.text and 'value="Åke Öberg"' in refused.text
    made = manager.post("/personal/ny", data={**typed, "hsa_id": hsa()},
                        follow_redirects=False)
    assert made.status_code == 303
    page = manager.get(made.headers["location"])
    assert "Åke Öberg" in page.text and "lade till personen" in page.text
    added = manager.post(made.headers["location"] + "/uppdrag", data={
        "unit_id": str(world.unit_id), "purpose": "care", "role": "clinician",
        "commission_hsa_id": "", "valid_from": "2026-01-01", "csrf_token": manager.csrf},  # type: ignore[attr-defined]
        follow_redirects=False)
    assert added.status_code == 422 and "Ange HSA-id." in added.text
    listing = manager.get("/personal", params={"search": "åke"})
    assert "Åke Öberg" in listing.text


def test_the_register_as_csv(world: factories.World, client_as: Client) -> None:
    manager = client_as(world.manager_id)
    person = _new(manager, full_name="Greta Hägg").json()
    manager.post(f"{API}/{person['id']}/assignments", json={
        "unit_id": world.unit_id, "purpose": "care", "role": "clinician",
        "commission_hsa_id": "SE2321000016-UCSV" + str(person["id"]),
        "valid_from": "2020-01-01", "valid_to": "2099-12-31"})
    answer = manager.get("/personal.csv", params={"search": person["hsa_id"]})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Namn", "HSA-id", "Yrke"]
    assert rows[1][0] == "Greta Hägg" and rows[1][1] == person["hsa_id"]
    assert f"(SE2321000016-UCSV{person['id']})" in rows[1][6] and rows[1][7] == "2099-12-31"
