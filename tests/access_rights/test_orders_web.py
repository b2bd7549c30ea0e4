"""Access orders over HTTP: the pages (list, CSV, new order with the typed text kept, the order
with its decision and lines, the work item's own form) and the JSON API with its errors."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from kulisser.access_rights.models import AccessOrder
from kulisser.db import Database
from kulisser.staff.service import local_today
from tests import factories
from tests.access_rights import orders_fixtures as fx
from tests.conftest import Client

API = "/api/v1/access-orders"
PAGES = "/behorigheter/bestallningar"


def _setup(database: Database, world: factories.World, *, analysis: bool = True
           ) -> tuple[int, int, int]:
    """(person id, profile id, second manager's user id) at the world's unit."""
    with database.session() as s:
        a = fx.actors(s, world)
        return (fx.newcomer(s, a.manager).id, fx.profile(s, world.unit_id, analysis=analysis).id,
                a.manager2.user_id)


def test_a_secretary_orders_by_profile_a_manager_approves_and_the_lines_are_worked(
        database: Database, world: factories.World, client_as: Client) -> None:
    person_id, profile_id, _second = _setup(database, world)
    secretary, manager = client_as(world.secretary_id), client_as(world.manager_id)
    form = secretary.get(f"{PAGES}/ny?person_id={person_id}")
    assert form.status_code == 200 and "Ny behörighetsbeställning" in form.text
    made = secretary.post(f"{PAGES}/ny", data={
        "csrf_token": factories.csrf_from(form.text), "person_id": str(person_id), "kind": "new",
        "mode": "profile", "profile_id": str(profile_id),
        "effective_on": (local_today() + timedelta(days=20)).isoformat(), "note": "Ny kollega"},
        follow_redirects=False)
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    page = secretary.get(url)
    assert "Väntar på godkännande" in page.text and "Lägg upp i HSA" in page.text
    assert 'id="four-eyes"' not in page.text and 'id="decision"' not in page.text
    page = manager.get(url)
    approved = manager.post(url + "/godkann", data={"csrf_token": factories.csrf_from(page.text),
                                                     "note": ""}, follow_redirects=False)
    assert approved.status_code == 303
    order = secretary.get(API + "/" + url.rsplit("/", 1)[1]).json()
    assert order["status"] == "approved" and all(x["work_item_id"] for x in order["lines"])
    first = order["lines"][0]
    item_page = secretary.get(f"/arenden/{first['work_item_id']}")
    assert 'id="line-done"' in item_page.text and "Utförs av" in item_page.text
    done = secretary.post(f"{url}/rader/{first['id']}/klar", data={
        "csrf_token": factories.csrf_from(item_page.text), "note": "Upplagd",
        "item_id": str(first["work_item_id"])}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (
        303, f"/arenden/{first['work_item_id']}")
    for line in order["lines"][1:]:
        answer = secretary.post(f"{API}/{order['id']}/lines/{line['id']}/done",
                                json={"note": "Klart"})
        assert answer.status_code == 200, answer.text
    final = answer.json()
    assert final["status"] == "done"
    assert [h["type"] for h in final["history"]][-1] == "done"
    listed = secretary.get(PAGES, params={"status": "done"})
    assert f'data-order="{order["id"]}"' in listed.text
    rows = list(csv.reader(io.StringIO(secretary.get(PAGES + ".csv").text.lstrip("\ufeff")),
                          delimiter=";"))
    assert rows[0][:4] == ["Nr", "Person", "Typ", "Status"]
    assert next(r for r in rows[1:] if r[0] == str(order["id"]))[3] == "Klar"


def test_a_refused_order_keeps_what_was_typed(database: Database, world: factories.World,
                                              client_as: Client) -> None:
    person_id, bare_id, _second = _setup(database, world, analysis=False)
    secretary = client_as(world.secretary_id)
    form = secretary.get(f"{PAGES}/ny")
    with database.session() as s:
        before = s.scalar(select(AccessOrder.id).order_by(AccessOrder.id.desc()).limit(1))
    answer = secretary.post(f"{PAGES}/ny", data={
        "csrf_token": factories.csrf_from(form.text), "person_id": str(person_id), "kind": "new",
        "mode": "profile", "profile_id": str(bare_id), "effective_on": "2027-02-01",
        "note": "Behöver journalen från dag ett"})
    assert answer.status_code == 422
    assert "saknar behovs- och riskanalys och kan inte beställas" in answer.text
    assert "Behöver journalen från dag ett" in answer.text and 'value="2027-02-01"' in answer.text
    with database.session() as s:
        assert s.scalar(select(AccessOrder.id).order_by(AccessOrder.id.desc()).limit(1)) == before


def test_the_api_refuses_approving_ones_own_order_and_bad_input(
        database: Database, world: factories.World, client_as: Client) -> None:
    person_id, profile_id, second = _setup(database, world)
    manager = client_as(world.manager_id)
    made = manager.post(API, json={"person_id": person_id, "kind": "new",
                                   "effective_on": "2027-01-11", "profile_id": profile_id})
    assert made.status_code == 201, made.text
    order_id = made.json()["id"]
    own = manager.post(f"{API}/{order_id}/approve", json={})
    assert own.status_code == 403
    assert own.json()["error"] == "forbidden" and "fyra ögon" in own.json()["detail"]
    bad = manager.post(API, json={"person_id": person_id, "kind": "new",
                                  "effective_on": "2027-01-11", "systems": []})
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"systems"}
    other = client_as(second)
    no_reason = other.post(f"{API}/{order_id}/reject", json={"note": " "})
    assert no_reason.status_code == 422 and "note" in no_reason.json()["errors"]
    ok = other.post(f"{API}/{order_id}/approve", json={"note": "Godkänt"})
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    again = other.post(f"{API}/{order_id}/approve", json={})
    assert again.status_code == 409
    item = ok.json()["lines"][0]["work_item_id"]
    closed = client_as(world.secretary_id).post(f"/api/v1/work-items/{item}/complete", json={})
    assert closed.status_code == 409 and closed.json()["error"] == "owned_by_record"
    assert closed.json()["record_url"] == f"{PAGES}/rader/{ok.json()['lines'][0]['id']}"
    back = client_as(world.secretary_id).get(closed.json()["record_url"], follow_redirects=False)
    assert back.headers["location"].endswith(f"/{order_id}#rad-{ok.json()['lines'][0]['id']}")


def test_a_clinician_gets_a_swedish_refusal(world: factories.World, client_as: Client) -> None:
    clinician = client_as(world.clinician_id)
    page = clinician.get(PAGES)
    assert page.status_code == 403 and "sekreterare och chefer" in page.text
    api = clinician.get(API)
    assert api.status_code == 403 and api.json()["error"] == "forbidden"


def test_a_line_done_without_a_note_shows_the_message_at_the_line(
        database: Database, world: factories.World, client_as: Client) -> None:
    person_id, profile_id, second = _setup(database, world)
    secretary = client_as(world.secretary_id)
    order = secretary.post(API, json={"person_id": person_id, "kind": "new",
                                      "effective_on": "2027-01-11", "profile_id": profile_id})
    order_id = order.json()["id"]
    line = client_as(second).post(f"{API}/{order_id}/approve", json={}).json()["lines"][0]
    page = secretary.get(f"{PAGES}/{order_id}")
    answer = secretary.post(f"{PAGES}/{order_id}/rader/{line['id']}/klar",
                            data={"csrf_token": factories.csrf_from(page.text), "note": ""})
    assert answer.status_code == 422
    assert 'id="e-line-{}"'.format(line["id"]) in answer.text
    assert "Skriv en anteckning om vad som gjordes." in answer.text
