"""The introductions' JSON API: start, list with progress, one with its tasks, a task done; bad
input 422 with the usual error body, a task done twice 409, a clinician 403."""

from __future__ import annotations

from kulisser.db import Database
from tests import factories
from tests.access_rights import intro_fixtures as fx
from tests.conftest import Client

API = "/api/v1/introductions"


def test_start_list_read_and_complete(client_as: Client, database: Database,
                                      world: factories.World) -> None:
    with database.session() as s:
        profile_id = fx.profile(s, world).id
        person_id = fx.newcomer(s, world).id
    secretary = client_as(world.secretary_id)
    made = secretary.post(API, json={"person_id": person_id, "profile_id": profile_id,
                                     "start_on": "2026-12-28", "mentor_id": world.secretary2_id})
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["total"], body["done"], body["start_on"]) == (9, 0, "2026-12-28")
    assert body["phases"]["before"] == {"done": 0, "total": 3}
    first_week = [t for t in body["tasks"] if t["phase"] == "first_week"]
    assert {t["due_on"] for t in first_week} == {"2027-01-05"}
    listed = secretary.get(API).json()
    assert body["id"] in [i["id"] for i in listed]
    last = None
    for task in body["tasks"]:
        last = secretary.post(f"{API}/tasks/{task['id']}/complete", json={"note": "Klart"})
        assert last.status_code == 200, last.text
    assert last is not None and last.json()["done_at"] is not None
    assert body["id"] not in [i["id"] for i in secretary.get(API).json()]
    assert body["id"] in [i["id"] for i in secretary.get(f"{API}?include_done=true").json()]
    again = secretary.post(f"{API}/tasks/{body['tasks'][0]['id']}/complete", json={"note": "X"})
    assert again.status_code == 409 and again.json()["error"] == "already_done"
    one = secretary.get(f"{API}/{body['id']}").json()
    assert all(t["note"] == "Klart" for t in one["tasks"])


def test_bad_input_and_refusals(client_as: Client, database: Database,
                                world: factories.World) -> None:
    with database.session() as s:
        intro = fx.start(s, world)
        intro_id, task_id, profile_id = intro.id, intro.tasks[0].id, intro.profile_id
        person_id = fx.newcomer(s, world).id
        outsider = factories.make_user(s, world.other_unit_id).id
    secretary = client_as(world.secretary_id)
    bad = secretary.post(f"{API}/tasks/{task_id}/complete", json={"note": ""})
    assert bad.status_code == 422
    assert bad.json()["error"] == "validation" and "note" in bad.json()["errors"]
    other = secretary.post(API, json={"person_id": person_id, "profile_id": profile_id,
                                      "start_on": "2026-12-28", "mentor_id": outsider})
    assert other.status_code == 422 and set(other.json()["errors"]) == {"mentor_id"}
    clinician = client_as(world.clinician_id)
    refused = clinician.post(API, json={"person_id": person_id, "profile_id": profile_id,
                                        "start_on": "2026-12-28"})
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    with database.session() as s:
        stranger = factories.make_user(s, world.other_unit_id).id
    hidden = client_as(stranger).get(f"{API}/{intro_id}")
    assert hidden.status_code == 404 and hidden.json()["error"] == "not_found"
