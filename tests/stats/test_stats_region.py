"""The region's view (issue 15 item 6): the figures of three hand-made units, sorting by every
column, the drill-down to a unit's overview, the CSV, and who may see it."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import event

from kulisser.db import Database
from kulisser.stats import region
from kulisser.stats.region import Column
from kulisser.stats.service import Period
from tests import factories
from tests.conftest import Client
from tests.stats.region_helpers import ASCENDING, DESCENDING, EXPECTED, QUERY, UNTIL, Units, seed


@pytest.fixture()
def units(database: Database) -> Units:
    return seed(database)


def _letters(u: Units, ids: list[int]) -> str:
    """The order of the three units among all the rows (other tests' units have no figures)."""
    by_id = {u.a: "a", u.b: "b", u.c: "c"}
    return "".join(by_id[i] for i in ids if i in by_id)


def test_region_figures_of_three_units(database: Database, units: Units) -> None:
    with database.session() as s:
        rg = region.region(s, period=Period.MONTH, until=UNTIL)
        rows = {r.unit_id: r for r in rg.units}
    for letter, unit_id in (("a", units.a), ("b", units.b), ("c", units.c)):
        want, row, f = EXPECTED[letter], rows[unit_id], rows[unit_id].figures
        assert row.name == units.names[unit_id]
        got = {"incoming": f.incoming, "done": f.done, "previous_incoming": f.previous_incoming,
               "change": None if row.change_pct is None else round(row.change_pct, 1),
               "open": f.open_total, "open_0_2": f.open_0_2, "open_3_14": f.open_3_14,
               "open_over_14": f.open_over_14, "overdue": f.overdue, "median": f.median_hours,
               "p90": f.p90_hours, "oldest": row.oldest_days}
        assert got == want, letter
    # The region's total is the units' sum (other tests may have seeded May 2040 too).
    for name in ("incoming", "done", "previous_incoming", "open_total", "overdue", "open_over_14"):
        assert getattr(rg.total, name) == sum(getattr(r.figures, name) for r in rg.units), name
    assert rg.total.label == "Hela regionen"
    mine = [rows[units.a].figures, rows[units.b].figures, rows[units.c].figures]
    if all(r.figures.incoming == 0 for r in rg.units if r.unit_id not in (units.a, units.b, units.c)):
        assert (rg.total.incoming, rg.total.done, rg.total.open_total) == (38, 20, 40)
        assert (rg.total.median_hours, rg.total.p90_hours) == (24, 72)
    assert sum(f.incoming for f in mine) == 38
    assert (rg.start.isoformat(), rg.previous_start.isoformat(), rg.previous_end.isoformat()) == \
        ("2040-05-01", "2040-04-01", "2040-04-20")


def test_the_query_count_does_not_grow_with_the_units(database: Database, units: Units) -> None:
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if "stats_work_day" in statement or "care_unit" in statement:
            statements.append(statement)

    with database.session() as s:
        bind = s.connection().engine
        event.listen(bind, "before_cursor_execute", count)
        try:
            rg = region.region(s, period=Period.YEAR, until=UNTIL)
        finally:
            event.remove(bind, "before_cursor_execute", count)
    assert len(rg.units) >= 4
    # One for flow and backlog of both periods, one for the histograms, one for the names.
    assert len([q for q in statements if "stats_work_day" in q]) == 2, statements
    assert len(statements) == 3, statements


@pytest.mark.parametrize("column", list(Column), ids=lambda c: c.value)
def test_sort_by_every_column(column: Column, database: Database, units: Units) -> None:
    with database.session() as s:
        up = region.region(s, period=Period.MONTH, until=UNTIL, sort=column)
        down = region.region(s, period=Period.MONTH, until=UNTIL, sort=column, descending=True)
    assert _letters(units, [r.unit_id for r in up.units]) == ASCENDING[column.value]
    assert _letters(units, [r.unit_id for r in down.units]) == DESCENDING[column.value]


def test_page_sorts_on_the_server_with_links(client_as: Client, units: Units) -> None:
    client = client_as(units.region_admin_id)
    page = client.get("/oversikt/region", params={**QUERY, "sort": "-forsenade"})
    assert page.status_code == 200, page.text
    order = [int(x) for x in re.findall(r'<tr data-unit="(\d+)">', page.text)]
    assert _letters(units, order) == "cab"
    # The sorted column says so; its link turns the order round; the others sort largest first.
    assert re.search(r'aria-sort="descending"><a href="[^"]*sort=forsenade"', page.text)
    assert 'href="/oversikt/region?period=manad&amp;till=2040-05-20&amp;sort=-klara"' in page.text
    # The chart follows the table's order, is well-formed and has its table and CSV beside it.
    svg = re.search(r'<svg xmlns="http://www.w3.org/2000/svg" class="chart".*?</svg>', page.text, re.S)
    assert svg is not None
    root = ET.fromstring(svg.group(0))  # noqa: S314 - our own server-rendered SVG
    assert root.find("{http://www.w3.org/2000/svg}title") is not None
    assert svg.group(0).index(units.names[units.c]) < svg.group(0).index(units.names[units.a])
    assert 'id="table-chart"' in page.text and "/oversikt/region.csv?" in page.text
    bad = client.get("/oversikt/region", params={**QUERY, "sort": "skonhet"})
    assert bad.status_code == 422 and "Okänd kolumn" in bad.text
    bad_day = client.get("/oversikt/region", params={"till": "0001-01-01"})
    assert bad_day.status_code == 422 and "ÅÅÅÅ-MM-DD" in bad_day.text


def test_region_csv(client_as: Client, units: Units) -> None:
    res = client_as(units.region_admin_id).get("/oversikt/region.csv",
                                               params={**QUERY, "sort": "aldsta"})
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(res.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["Enhet", "Enhetens id", "Inkommande", "Inkommande föregående period",
                           "Klara"]
    mine = [r for r in rows[1:] if r[1] in {str(units.a), str(units.b), str(units.c)}]
    assert [r[0] for r in mine] == [units.names[units.b], units.names[units.a], units.names[units.c]]
    a = next(r for r in mine if r[1] == str(units.a))
    assert a[2:] == ["13", "6", "5", "5", "0", "8", "3", "3", "2", "3", "30", "48", "49"]
    assert rows[-1][0] == "Hela regionen"
    assert int(rows[-1][2]) == sum(int(r[2]) for r in rows[1:-1])


def test_drill_down_to_a_units_overview(client_as: Client, units: Units) -> None:
    client = client_as(units.region_admin_id)
    page = client.get("/oversikt/region", params=QUERY)
    link = f'href="/oversikt?enhet={units.b}&amp;period=manad&amp;till=2040-05-20"'
    assert link in page.text
    unit = client.get("/oversikt", params={"enhet": units.b, **QUERY})
    assert unit.status_code == 200, unit.text
    headline = unit.text[unit.text.index('id="headline"'):]
    assert re.search(r"Inkommande</dt><dd>20 ", headline)
    assert units.names[units.b] in unit.text and 'name="enhet"' in unit.text
    csv_res = client.get("/oversikt.csv", params={"enhet": units.b, **QUERY})
    total = list(csv.reader(io.StringIO(csv_res.content.decode("utf-8-sig")), delimiter=";"))[-1]
    assert total[1] == "20"
    # Without a unit she goes to the region's view; an unknown unit is not found.
    bare = client.get("/oversikt", follow_redirects=False)
    assert bare.status_code == 303 and bare.headers["location"] == "/oversikt/region"
    assert client.get("/oversikt", params={"enhet": "999999999"}).status_code == 404
    assert client.get("/oversikt", params={"enhet": "x"}).status_code == 404


def test_enhet_is_refused_to_unit_staff(client_as: Client, world: factories.World,
                                        units: Units) -> None:
    for user_id in (world.manager_id, world.secretary_id):
        client = client_as(user_id)
        assert client.get("/oversikt", params={"enhet": units.b}).status_code == 403
        assert client.get("/oversikt.csv", params={"enhet": units.b}).status_code == 403
        assert client.get("/oversikt", params={"enhet": world.unit_id}).status_code == 200
        # The region's view is the region administrator's.
        assert client.get("/oversikt/region").status_code == 403
        assert client.get("/oversikt/region.csv").status_code == 403


def test_region_admin_header_shows_only_the_region(client_as: Client, units: Units) -> None:
    page = client_as(units.region_admin_id).get("/oversikt/region", params=QUERY)
    nav = page.text[page.text.index('aria-label="Huvudmeny"'):page.text.index("</nav>")]
    assert re.findall(r'href="([^"]+)"', nav) == ["/oversikt/region"]
    assert "Regionadministratör" in page.text
