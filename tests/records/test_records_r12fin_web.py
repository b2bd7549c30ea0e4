"""Issue 12's leftovers: the figures as JSON, a new request from the patient's page, the
delegation page in the manager's menu."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from fastapi.testclient import TestClient

from kulisser.db import Database
from kulisser.patients.models import Patient
from kulisser.records import service as records
from tests.factories import World


def _create(client: TestClient, world: World, days_back: int) -> int:
    received = (records.local_today() - timedelta(days=days_back)).isoformat()
    r = client.post("/api/v1/record-requests", json={
        "patient_id": world.patient_ids[0], "received_on": received, "channel": "phone"})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_figures_as_json(secretary_client: TestClient, world: World) -> None:
    _create(secretary_client, world, 20)
    r = secretary_client.get("/api/v1/record-requests/figures")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["today"] == records.local_today().isoformat()
    mine = [m for m in body["months"] if m["unit_id"] == world.unit_id]
    assert sum(m["received"] for m in mine) >= 1 and sum(m["open"] for m in mine) >= 1
    assert all(m["unit_name"] for m in mine)
    old = [a for a in body["open_by_age"]
           if a["unit_id"] == world.unit_id and a["band"] == "Mer än 10 arbetsdagar"]
    assert len(old) == 1 and old[0]["count"] >= 1
    one = secretary_client.get("/api/v1/record-requests/figures",
                               params={"unit_id": world.unit_id})
    assert one.status_code == 200 and {m["unit_id"] for m in one.json()["months"]} == {world.unit_id}


def test_figures_json_refuses_another_unit_and_bad_input(secretary_client: TestClient,
                                                        world: World) -> None:
    other = secretary_client.get("/api/v1/record-requests/figures",
                                 params={"unit_id": world.unit_id + 10_000})
    assert other.status_code == 404 and other.json()["detail"] == "Vårdenheten finns inte."
    bad = secretary_client.get("/api/v1/record-requests/figures", params={"unit_id": "x"})
    assert bad.status_code == 422 and "unit_id" in bad.json()["errors"]


def test_the_patient_page_starts_a_request(secretary_client: TestClient, world: World,
                                           database: Database) -> None:
    with database.session() as s:
        patient = s.get(Patient, world.patient_ids[1])
        assert patient is not None
        ident = patient.display_id
    page = secretary_client.get(f"/patienter/{world.patient_ids[1]}")
    assert page.status_code == 200
    link = f"/journalkopior/ny?identifier={quote(ident)}"
    assert f'href="{link}"' in page.text
    form = secretary_client.get(link)
    assert form.status_code == 200 and f'value="{ident}"' in form.text


def test_the_manager_menu_links_the_delegation_table(manager_client: TestClient,
                                                     secretary_client: TestClient) -> None:
    assert 'href="/journalkopior/delegering"' in manager_client.get("/arbetslista").text
    assert 'href="/journalkopior/delegering"' not in secretary_client.get("/arbetslista").text
    page = manager_client.get("/journalkopior/delegering")
    assert page.status_code == 200
    assert 'href="/journalkopior/delegering" aria-current="page"' in page.text
