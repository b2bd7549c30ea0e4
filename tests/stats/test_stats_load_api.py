"""The stats API's team load and staffing figure (issue 15 item 9): the page's visibility rule
(a secretary gets the totals and her own row, a manager every row), hand-overs in and out,
the staffing gap of a hand-made month with its standard times, and bad input as a 422 naming
the parameter."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kulisser.audit.models import AuditEvent
from kulisser.db import Database, utcnow
from kulisser.staff import service as staff
from kulisser.stats import staffing
from kulisser.stats.aggregate import local_day
from kulisser.worklist import service as worklist
from tests import factories
from tests.conftest import Client
from tests.stats.region_helpers import seed
from tests.stats.staffing_helpers import MONTH, MONTH_END, seed_march


def _team_items(database: Database, world: factories.World) -> None:
    """Two items of the first secretary, one handed over to the second, one to the queue."""
    with database.session() as s:
        me = factories.actor(s, world.secretary_id)
        made = [worklist.create_item(s, actor=me, kind="task", title="Min", owner_id=me.user_id)
                for _ in range(3)]
        for item in made:
            item.claim(actor_id=me.user_id, now=utcnow())  # accepted: it may be handed over
        s.flush()
        worklist.perform(s, actor=me, item_id=made[1].id, operation="handover",
                         to_user_id=world.secretary2_id, reason="Semester")
        worklist.perform(s, actor=me, item_id=made[2].id, operation="handover",
                         to_user_id=None, reason="Till kön")
        today = local_day(utcnow()).isoformat()
        staff.mark_absent(s, actor=factories.actor(s, world.manager_id),
                          user_id=world.secretary2_id, first_day=today, last_day=today)


def _audit_rows(database: Database) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_a_manager_gets_every_row_a_secretary_her_own(client_as: Client, database: Database,
                                                      world: factories.World) -> None:
    _team_items(database, world)
    before = _audit_rows(database)
    res = client_as(world.manager_id).get("/api/v1/stats/team")
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["period"] == "vecka" and body["unit_id"] == world.unit_id
    rows = {p["user_id"]: p for p in body["people"]}
    assert set(rows) == {world.secretary_id, world.secretary2_id}
    mine, hers = rows[world.secretary_id], rows[world.secretary2_id]
    assert (mine["open"], mine["handed_in"], mine["handed_out"]) == (1, 0, 2)
    assert (hers["open"], hers["handed_in"], hers["handed_out"]) == (1, 1, 0)
    assert mine["away"] is None and hers["away"]["first_day"] == local_day(utcnow()).isoformat()
    assert [k["kind"] for k in mine["kinds"]] == ["task"]
    assert body["queue"]["open"] == 1 and body["team"]["open"] == 2 and body["total"]["open"] == 3
    assert body["team"]["handed_out"] == 2 and body["team"]["handed_in"] == 1
    assert (body["absent_today"], body["left_with_absent"]) == (1, 1)
    # The same totals for a secretary, but only her own row.
    own = client_as(world.secretary_id).get("/api/v1/stats/team", params={"period": "manad"})
    assert own.status_code == 200, own.text
    got = own.json()
    assert [p["user_id"] for p in got["people"]] == [world.secretary_id]
    assert got["total"] == body["total"] and got["team"] == body["team"]
    assert _audit_rows(database) == before  # counts, no patient: no audit row


def test_team_refused_and_bad_input(client_as: Client, database: Database,
                                    world: factories.World) -> None:
    units = seed(database)
    assert client_as(world.clinician_id).get("/api/v1/stats/team").status_code == 403
    region = client_as(units.region_admin_id).get("/api/v1/stats/team")
    assert region.status_code == 403  # people's names: not for the region's view
    secretary = client_as(world.secretary_id)
    for params, field in (({"period": "decennium"}, "period"), ({"until": "igår"}, "until"),
                          ({"until": "0001-01-01"}, "until")):
        bad = secretary.get("/api/v1/stats/team", params=params)
        assert bad.status_code == 422, (params, bad.text)
        assert bad.json()["error"] == "validation" and field in bad.json()["errors"]


def _march(database: Database, world: factories.World) -> None:
    with database.session() as s:
        seed_march(s, world.unit_id)
        manager = factories.actor(s, world.manager_id)
        staffing.set_standard_times(s, actor=manager, values={"callback": 6, "letter": 15})
        staffing.set_staffed(s, actor=manager, values={MONTH: 52 * 60})


def test_staffing_of_a_hand_made_month(client_as: Client, database: Database,
                                       world: factories.World) -> None:
    _march(database, world)
    res = client_as(world.secretary_id).get("/api/v1/stats/staffing",
                                            params={"until": MONTH_END.isoformat()})
    assert res.status_code == 200, res.text
    body = res.json()
    assert (body["start"], body["end"], len(body["months"])) == ("2025-04-01", "2026-03-31", 12)
    march = body["months"][-1]
    # 400 call-backs x 6 min + 120 letters x 15 min = 70 h needed, 52 h staffed: 18 h short.
    assert march["month"] == "2026-03-01" and not march["in_progress"]
    assert march["needed_hours"] == pytest.approx(70.0)
    assert march["staffed_hours"] == pytest.approx(52.0)
    assert march["gap_hours"] == pytest.approx(18.0)
    assert march["gap_fte"] == pytest.approx(18 / 165)
    assert (march["open_end"], march["open_change"]) == (40, 15)
    assert march["backlog_hours"] == pytest.approx(5.5)
    kinds = {k["kind"]: k for k in march["kinds"]}
    assert (kinds["callback"]["incoming"], kinds["callback"]["standard_minutes"]) == (400, 6)
    times = {t["kind"]: t for t in body["standard_times"]}
    assert times["letter"]["minutes"] == 15 and not times["letter"]["is_default"]
    assert times["letter"]["default_minutes"] == 5
    assert times["callback"]["is_default"] and times["callback"]["default_reason"]
    # A range: March and April (in progress to the 3rd).
    ranged = client_as(world.manager_id).get("/api/v1/stats/staffing",
                                             params={"from": "2026-03-15", "until": "2026-04-03"})
    got = ranged.json()
    assert [m["month"] for m in got["months"]] == ["2026-03-01", "2026-04-01"]
    assert got["months"][1]["in_progress"] and got["months"][1]["end"] == "2026-04-03"


def test_staffing_units_and_bad_input(client_as: Client, database: Database,
                                      world: factories.World) -> None:
    units = seed(database)
    _march(database, world)
    manager = client_as(world.manager_id)
    assert manager.get("/api/v1/stats/staffing", params={"unit_id": units.a}).status_code == 403
    assert client_as(world.clinician_id).get("/api/v1/stats/staffing").status_code == 403
    region = client_as(units.region_admin_id)
    missing = region.get("/api/v1/stats/staffing")
    assert missing.status_code == 422 and "unit_id" in missing.json()["errors"]
    assert region.get("/api/v1/stats/staffing", params={"unit_id": 2**31 - 1}).status_code == 404
    drilled = region.get("/api/v1/stats/staffing",
                         params={"unit_id": world.unit_id, "until": MONTH_END.isoformat()})
    assert drilled.status_code == 200 and drilled.json()["months"][-1]["needed_hours"] == 70.0
    for params, field in (({"until": "31/3"}, "until"), ({"from": "2026-05-01",
                                                          "until": "2026-03-31"}, "from"),
                          ({"from": "2000-01-01", "until": "2026-03-31"}, "from"),
                          ({"from": "mars"}, "from"), ({"unit_id": 0}, "unit_id")):
        bad = manager.get("/api/v1/stats/staffing", params=params)
        assert bad.status_code == 422, (params, bad.text)
        assert bad.json()["error"] == "validation" and field in bad.json()["errors"], bad.json()


def test_documented_in_the_openapi_schema(client_as: Client, world: factories.World) -> None:
    schema = client_as(world.secretary_id).get("/api/v1/openapi.json").json()
    for path, params in (("/api/v1/stats/team", {"period", "until"}),
                         ("/api/v1/stats/staffing", {"from", "until", "unit_id"})):
        get = schema["paths"][path]["get"]
        assert get["summary"] and {"200", "403", "422"} <= set(get["responses"])
        assert {p["name"] for p in get["parameters"]} >= params
    assert {"TeamOut", "StaffingOut"} <= set(schema["components"]["schemas"])

