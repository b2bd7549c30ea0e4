"""The unit overview page and its CSV: the figures of the unit's aggregate, the period selector,
the charts as parseable SVG, who may see it, and a clear error for a bad period."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

from kulisser.db import Database, utcnow
from kulisser.stats import aggregate
from kulisser.worklist import service as worklist
from tests import factories
from tests.conftest import Client


def _seed(database: Database, world: factories.World) -> int:
    """Today: 3 new items (one done after 5 hours), plus one 20 days old still open and overdue."""
    now = utcnow()
    start = aggregate.day_start(aggregate.local_day(now))
    with database.session() as s:
        actor = factories.actor(s, world.secretary_id)
        old = worklist.create_item(s, actor=actor, kind="task", title="Gammal", now=now - timedelta(days=20),
                                   due_at=now - timedelta(days=18))
        made = [worklist.create_item(s, actor=actor, kind="task", title="Ny", due_at=now + timedelta(days=3),
                                     now=max(start, now - timedelta(hours=6)) + timedelta(seconds=n))
                for n in range(3)]
        made[0].complete(actor_id=world.secretary_id, now=made[0].created_at + timedelta(minutes=1))
        s.flush()
        aggregate.rebuild(s, first=aggregate.local_day(old.created_at),
                          last=aggregate.local_day(now), unit_ids=[world.unit_id], now=now)
        return (aggregate.local_day(now) - aggregate.local_day(old.created_at)).days


def test_overview_page_shows_the_units_figures(client_as: Client, database: Database,
                                                world: factories.World) -> None:
    oldest = _seed(database, world)
    page = client_as(world.manager_id).get("/oversikt", params={"period": "vecka"})
    assert page.status_code == 200, page.text
    html = page.text
    headline = html[html.index('id="headline"'):html.index("</dl>")]
    assert re.search(r"Inkommande</dt><dd>3 ", headline)
    assert re.search(r"Öppna vid periodens slut</dt><dd>3<", headline)
    assert re.search(r"Försenade</dt><dd>1<", headline)
    assert f"{oldest} dagar" in headline  # 20, or 19/21 across a change to or from summer time
    assert "1 tim" in headline  # the median turnaround of the one done item, rounded up
    # Every chart is well-formed SVG with a title; the tables sit in <details>. The page's own
    # part (before the further sections of stats.views.SECTIONS) has four charts and two tables.
    svg = r"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\".*?</svg>"
    own = html[:html.index("Ledtid räknas från")]
    assert len(re.findall(svg, own, re.S)) == 4 and own.count("<details>") == 2
    for chart in re.findall(svg, html, re.S):
        root = ET.fromstring(chart)  # noqa: S314 - our own server-rendered SVG
        assert root.find("{http://www.w3.org/2000/svg}title") is not None
    assert 'id="table-kinds"' in html
    assert "Uppgifter" in html
    # Period selector: the quarter is drawn per week.
    quarter = client_as(world.secretary_id).get("/oversikt?period=kvartal")
    assert quarter.status_code == 200 and "v. " in quarter.text


def test_overview_csv_per_kind_and_flow(client_as: Client, database: Database,
                                        world: factories.World) -> None:
    _seed(database, world)
    client = client_as(world.manager_id)
    res = client.get("/oversikt.csv?period=manad")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(res.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Typ", "Inkommande", "Inkommande föregående period", "Klara"]
    task = next(r for r in rows if r[0] == "Uppgifter")
    total = rows[-1]
    assert task[1] == "3" and task[3] == "1" and task[8] == "3" and task[12] == "1"
    assert total[0] == "Alla typer" and total[1] == task[1]
    flow = client.get("/oversikt.csv?period=vecka&figur=flode")
    lines = list(csv.reader(io.StringIO(flow.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == ["Dag", "Inkommande", "Klara"]
    assert sum(int(r[1]) for r in lines[1:]) == 3 and 1 <= len(lines) - 1 <= 7


def test_who_may_see_it_and_bad_input(client_as: Client, world: factories.World) -> None:
    assert client_as(world.clinician_id).get("/oversikt").status_code == 403
    assert client_as(world.secretary_id).get("/oversikt").status_code == 200
    bad = client_as(world.manager_id).get("/oversikt?period=decennium")
    assert 400 <= bad.status_code < 500 and "Okänd period" in bad.text
    bad_day = client_as(world.manager_id).get("/oversikt.csv?till=igår")
    assert 400 <= bad_day.status_code < 500
    # A real date outside 1900-2999 (its period's start would leave the calendar) is a 4xx too.
    for till in ("0001-01-01", "9999-12-31"):
        far = client_as(world.manager_id).get(f"/oversikt?till={till}&period=ar")
        assert 400 <= far.status_code < 500 and "ÅÅÅÅ-MM-DD" in far.text
