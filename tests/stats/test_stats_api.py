"""The stats API (issue 15 item 9): the unit overview and the region's view as JSON, by token or
session; who may ask for which unit; bad input as a 422 with a Swedish message per parameter."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from kulisser.db import Database
from kulisser.staff import service as staff
from kulisser.staff.models import User
from tests import factories
from tests.conftest import Client
from tests.stats.region_helpers import QUERY, seed


def _token(database: Database, user_id: int) -> dict[str, str]:
    with database.session() as s:
        user = s.get(User, user_id)
        assert user is not None
        return {"Authorization": "Bearer " + staff.create_api_token(s, user=user)}


def test_region_as_json_by_token(app: FastAPI, database: Database) -> None:
    units = seed(database)
    with TestClient(app) as client:
        res = client.get("/api/v1/stats/region",
                         params={"period": "manad", "until": "2040-05-20", "sort": "-oppna"},
                         headers=_token(database, units.region_admin_id))
    assert res.status_code == 200, res.text
    body = res.json()
    assert (body["period"], body["start"], body["end"], body["sort"]) == \
        ("manad", "2040-05-01", "2040-05-20", "-oppna")
    assert (body["previous_start"], body["previous_end"]) == ("2040-04-01", "2040-04-20")
    rows = {u["unit_id"]: u for u in body["units"]}
    a = rows[units.a]
    assert (a["incoming"], a["done"], a["previous_incoming"], a["change_pct"]) == (13, 5, 6, 116.7)
    assert (a["open_total"], a["open_0_2"], a["open_3_14"], a["open_over_14"], a["overdue"]) == \
        (8, 3, 3, 2, 3)
    assert (a["turnaround_median_hours"], a["turnaround_p90_hours"], a["oldest_open_days"]) == \
        (30, 48, 49)
    assert a["oldest_open_created_at"].startswith("2040-04-01T08:00:00")
    assert rows[units.c]["change_pct"] is None and rows[units.c]["turnaround_median_hours"] is None
    order = [u["unit_id"] for u in body["units"] if u["unit_id"] in (units.a, units.b, units.c)]
    assert order == [units.c, units.a, units.b]
    assert body["total"]["incoming"] == sum(u["incoming"] for u in body["units"])


def test_overview_as_json(client_as: Client, database: Database, world: factories.World) -> None:
    units = seed(database)
    mine = client_as(world.manager_id).get("/api/v1/stats/overview", params={"period": "vecka"})
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["unit_id"] == world.unit_id and body["period"] == "vecka"
    assert set(body["total"]) >= {"incoming", "done", "open_total", "turnaround_p90_hours"}
    assert 1 <= len(body["buckets"]) <= 7
    # The region administrator names the unit; her figures are the unit's "Alla typer".
    region = client_as(units.region_admin_id)
    unit = region.get("/api/v1/stats/overview", params={**_api(QUERY), "unit_id": units.a})
    assert unit.status_code == 200, unit.text
    got = unit.json()
    assert got["unit_id"] == units.a and got["total"]["incoming"] == 13
    assert {k["kind"]: k["incoming"] for k in got["kinds"]} == {"task": 12, "letter": 1}
    assert got["total"]["turnaround_median_hours"] == 30
    typed = region.get("/api/v1/stats/overview",
                       params={**_api(QUERY), "unit_id": units.a, "kind": "letter"})
    assert typed.json()["total"]["incoming"] == 1


def _api(query: dict[str, str]) -> dict[str, str]:
    return {"period": query["period"], "until": query["till"]}


def test_who_may_ask_and_bad_input(client_as: Client, database: Database,
                                   world: factories.World) -> None:
    units = seed(database)
    manager = client_as(world.manager_id)
    other = manager.get("/api/v1/stats/overview", params={"unit_id": units.a})
    assert other.status_code == 403 and other.json()["error"] == "forbidden"
    assert manager.get("/api/v1/stats/overview", params={"unit_id": world.unit_id}).status_code == 200
    assert manager.get("/api/v1/stats/region").status_code == 403
    assert client_as(world.clinician_id).get("/api/v1/stats/overview").status_code == 403
    region = client_as(units.region_admin_id)
    missing = region.get("/api/v1/stats/overview")
    assert missing.status_code == 422 and "unit_id" in missing.json()["errors"]
    assert region.get("/api/v1/stats/overview", params={"unit_id": 2**31 - 1}).status_code == 404
    for params, field in (({"period": "decennium"}, "period"), ({"until": "igår"}, "until"),
                          ({"until": "0001-01-01"}, "until"), ({"sort": "skonhet"}, "sort"),
                          ({"kind": "x" * 41}, "kind")):
        bad = region.get("/api/v1/stats/region", params=params)
        assert bad.status_code == 422, (params, bad.text)
        body = bad.json()
        assert body["error"] == "validation" and field in body["errors"], body
    bad_unit = region.get("/api/v1/stats/overview", params={"unit_id": 0})
    assert bad_unit.status_code == 422 and "unit_id" in bad_unit.json()["errors"]


def test_documented_in_the_openapi_schema(client_as: Client, world: factories.World) -> None:
    schema = client_as(world.secretary_id).get("/api/v1/openapi.json").json()
    for path in ("/api/v1/stats/overview", "/api/v1/stats/region"):
        get = schema["paths"][path]["get"]
        assert get["summary"] and "200" in get["responses"] and "422" in get["responses"]
        assert {p["name"] for p in get["parameters"]} >= {"period", "until", "kind"}
    assert "RegionOut" in schema["components"]["schemas"]
