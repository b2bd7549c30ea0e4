"""The staffing pages: the figure and its CSV for secretaries and managers, the inputs for
managers only (CSRF, Swedish errors, nothing half-stored, history), and the overview's section."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

from sqlalchemy import select

from kulisser.db import Database
from kulisser.stats.staffing_models import StaffedMonth, StandardTime
from tests import factories
from tests.conftest import Client
from tests.stats.staffing_helpers import MONTH_END, seed_march

INPUTS = "/oversikt/bemanning/underlag"


def _seed(database: Database, world: factories.World) -> None:
    with database.session() as s:
        seed_march(s, world.unit_id)


def _csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_manager_sets_inputs_and_everyone_reads_the_figure(client_as: Client, database: Database,
                                                           world: factories.World) -> None:
    _seed(database, world)
    manager = client_as(world.manager_id)
    saved = manager.post(INPUTS + "/standardtider", data={"m_callback": "6", "m_letter": "15"},
                         follow_redirects=False)
    assert saved.status_code == 303, saved.text
    saved = manager.post(INPUTS + "/timmar", data={"h_2026-03": "52", "a_2026-02": "0,5"},
                         follow_redirects=False)
    assert saved.status_code == 303, saved.text
    with database.session() as s:
        stored = {r.month.isoformat(): r.minutes for r in s.scalars(
            select(StaffedMonth).where(StaffedMonth.unit_id == world.unit_id))}
    assert stored == {"2026-03-01": 52 * 60, "2026-02-01": int(0.5 * 165 * 60)}  # 82.5 h
    history = manager.get(INPUTS).text
    table = history[history.index('id="staffing-history"'):]
    assert "Standardtid för Brev: 5 min (standard) → 15 min" in table
    assert "Bemannade timmar mars 2026: – → 52,0" in table

    secretary = client_as(world.secretary_id)
    page = secretary.get("/oversikt/bemanning", params={"till": MONTH_END.isoformat()})
    assert page.status_code == 200, page.text
    html = page.text
    headline = html[html.index('id="staffing-headline"'):html.index("</dl>")]
    assert "70,0" in headline and "52,0" in headline
    assert "Underskott: 18,0 timmar, 0,11 årsarbetare" in headline
    assert "ingen standardtid – räknas inte" in html  # the 7 tasks
    assert "/oversikt/bemanning/underlag" not in html  # no edit link for a secretary
    svgs = re.findall(r'<svg xmlns="http://www.w3.org/2000/svg" class="chart".*?</svg>', html, re.S)
    assert len(svgs) == 3
    for svg in svgs:
        ET.fromstring(svg)  # noqa: S314 - our own server-rendered SVG
    assert 'id="table-staffing"' in html and "<details>" in html

    rows = _csv(secretary.get("/oversikt/bemanning.csv", params={"till": "2026-03-31"}).content)
    assert rows[0][0] == "Månad" and len(rows) == 13
    march = rows[-1]
    assert march[:3] == ["2026-03", "2026-03-31", "70,00"]
    assert march[3] == "52,00" and march[5] == "18,00" and march[6] == "0,11"
    assert march[8] == "7" and march[9] == "40" and march[10] == "15"
    assert rows[-2][3] == "82,50" and rows[-2][5] == "-82,50"  # February: no need, surplus
    kinds = _csv(secretary.get("/oversikt/bemanning.csv?till=2026-03-31&figur=typer").content)
    assert ["2026-03", "Uppgifter", "7", "", ""] in kinds
    assert ["2026-03", "Återuppringningar", "400", "6", "40,00"] in kinds


def test_bad_input_stores_nothing_and_says_why(client_as: Client, database: Database,
                                               world: factories.World) -> None:
    manager = client_as(world.manager_id)
    bad = manager.post(INPUTS + "/standardtider", data={"m_letter": "9", "m_callback": "åtta"})
    assert bad.status_code == 422 and "Ange ett helt antal minuter" in bad.text
    assert 'value="åtta"' in bad.text  # the typed value is kept
    over = manager.post(INPUTS + "/standardtider", data={"m_letter": "9", "m_callback": "481"})
    assert over.status_code == 422 and "mellan 0 och 480" in over.text
    for form, message in (({"h_2026-03": "tolv"}, "Skriv ett tal"),
                          ({"h_2026-03": "52", "a_2026-03": "1"}, "antingen timmar eller"),
                          ({"h_2026-03": "9999999"}, "Ange högst 100"),
                          ({"h_2026-13": "5"}, "Okänd månad"),
                          ({"h_2026-02": "10", "h_2026-03": "-5"}, "Skriv ett tal")):
        res = manager.post(INPUTS + "/timmar", data=form)
        assert res.status_code == 422 and message in res.text, (form, res.text[-500:])
    with database.session() as s:
        assert s.scalars(select(StandardTime).where(StandardTime.unit_id == world.unit_id)).all() == []
        assert s.scalars(select(StaffedMonth).where(StaffedMonth.unit_id == world.unit_id)).all() == []
    assert 400 <= manager.get("/oversikt/bemanning?till=igår").status_code < 500


def test_who_may_see_and_change(client_as: Client, database: Database, world: factories.World) -> None:
    clinician, secretary = client_as(world.clinician_id), client_as(world.secretary_id)
    assert clinician.get("/oversikt/bemanning").status_code == 403
    assert clinician.get("/oversikt/bemanning.csv").status_code == 403
    assert secretary.get("/oversikt/bemanning").status_code == 200
    assert secretary.get(INPUTS).status_code == 403
    assert secretary.post(INPUTS + "/standardtider", data={"m_callback": "8"}).status_code == 403
    assert secretary.post(INPUTS + "/timmar", data={"h_2026-03": "8"}).status_code == 403
    manager = client_as(world.manager_id)
    # Without the session's CSRF token a cookie session's form is refused.
    del manager.headers["X-CSRF-Token"]
    assert manager.post(INPUTS + "/timmar", data={"h_2026-03": "8"}).status_code == 403
    with database.session() as s:
        assert s.scalars(select(StandardTime).where(StandardTime.unit_id == world.unit_id)).all() == []
        assert s.scalars(select(StaffedMonth).where(StaffedMonth.unit_id == world.unit_id)).all() == []


def test_the_overview_shows_the_months_gap(client_as: Client, database: Database,
                                           world: factories.World) -> None:
    _seed(database, world)
    manager = client_as(world.manager_id)
    manager.post(INPUTS + "/standardtider", data={"m_callback": "6", "m_letter": "15"})
    manager.post(INPUTS + "/timmar", data={"h_2026-03": "52"})
    page = client_as(world.secretary_id).get("/oversikt", params={"period": "manad", "till": "2026-03-31"})
    assert page.status_code == 200, page.text
    section = page.text[page.text.index('id="staffing-section"'):]
    assert "Underskott: 18,0 timmar, 0,11 årsarbetare" in section
    assert 'href="/oversikt/bemanning"' in section and "Uppgifter" in section


def test_saving_the_form_unchanged_changes_nothing(client_as: Client, database: Database,
                                                   world: factories.World) -> None:
    manager = client_as(world.manager_id)
    manager.post(INPUTS + "/timmar", data={"h_2026-03": "52,33", "a_2026-04": "0,33"})
    page = manager.get(INPUTS, params={"till": "2026-04-30"}).text
    # 52,33 h is 3140 minutes, shown as 52,33; 0,33 FTE is 54,45 h.
    assert 'name="h_2026-03" inputmode="decimal" size="8" value="52,33"' in page
    assert 'name="h_2026-04" inputmode="decimal" size="8" value="54,45"' in page
    form = dict(re.findall(r'name="(h_\d{4}-\d{2})" inputmode="decimal" size="8" value="([^"]*)"', page))
    form.update(dict(re.findall(r'name="(m_[a-z-]+)" inputmode="numeric" size="5" value="([^"]*)"', page)))
    assert len(form) > 12
    before = manager.get(INPUTS).text.count("→")
    assert manager.post(INPUTS + "/timmar", data=form, follow_redirects=False).status_code == 303
    assert manager.post(INPUTS + "/standardtider", data=form, follow_redirects=False).status_code == 303
    assert manager.get(INPUTS).text.count("→") == before == 2
