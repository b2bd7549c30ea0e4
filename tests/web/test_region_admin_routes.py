"""A region administrator sees every unit's aggregates and nothing else (issue 15 item 6).

She works (has her login's unit) in the world's unit, which has a care relation with the
patient, so only her role keeps her out: every patient and unit route of the route-coverage
walk is refused (403, or a page sends her to the region's view), and so is every other route
that needs a login, except her own few (``kulisser.web.deps.REGION_PATHS``). The one access
check refuses her too, with a denied audit row, so a route that forgot the gate still would.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.audit import service as audit
from kulisser.audit.models import AuditEvent
from kulisser.db import Database
from kulisser.staff.models import Role
from kulisser.web.deps import REGION_PATHS, REGION_REPORT
from tests import factories
from tests.factories import login_client
from tests.web.test_route_coverage import PATIENT_ROUTES, UNIT_ROUTES, Env, app_routes
from tests.web.test_route_coverage import env as env

CALLS = {**PATIENT_ROUTES, **UNIT_ROUTES}


@pytest.fixture()
def region_admin(database: Database, world: factories.World) -> int:
    with database.session() as s:
        return factories.make_user(s, world.unit_id, Role.REGION_ADMIN).id


def _allowed_rows(database: Database, user_id: int) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.user_id == user_id, AuditEvent.outcome != "denied")) or 0


def _refused(response: Any, path: str = "") -> bool:
    # Her gate lets the region's report routes through; a unit's report behind them is then
    # hidden from her as from anyone outside the unit (404, with a denied audit row).
    if REGION_REPORT.fullmatch(path) and response.status_code == 404:
        return True
    return response.status_code == 403 or (
        response.status_code == 303 and response.headers["location"] == "/oversikt/region")


@pytest.mark.parametrize("route", sorted(CALLS), ids=lambda r: f"{r[0]} {r[1]}")
def test_every_patient_and_unit_route_refuses_her(route: tuple[str, str], app: FastAPI,
                                                   database: Database, env: Env,
                                                   region_admin: int) -> None:
    method, _path = route
    url, kwargs = CALLS[route](env)
    kwargs.pop("as_user", None)
    with TestClient(app) as client:
        csrf = login_client(client, database, region_admin)
        if "data" in kwargs:
            kwargs["data"] = {**kwargs["data"], "csrf_token": csrf}
        kwargs["headers"] = {**kwargs.get("headers", {}), "X-CSRF-Token": csrf}
        response = client.request(method, url, follow_redirects=False, **kwargs)
    assert _refused(response, url), (method, url, response.status_code, response.text[:300])
    assert _allowed_rows(database, region_admin) == 0


def test_every_other_route_that_needs_a_login_refuses_her(app: FastAPI, database: Database,
                                                          region_admin: int) -> None:
    walked = 0
    with TestClient(app) as anonymous, TestClient(app) as client:
        csrf = login_client(client, database, region_admin)
        for method, path in app_routes(app):
            url = re.sub(r"\{[^}]+\}", "1", path)
            if path in REGION_PATHS or REGION_REPORT.fullmatch(url) or path.startswith("/static"):
                continue
            # A public route (the login form, the start page's redirect) needs no refusal.
            first = anonymous.request(method, url, follow_redirects=False)
            if first.status_code not in (401, 303) or (
                    first.status_code == 303 and not first.headers["location"].startswith("/login")):
                continue
            response = client.request(method, url, follow_redirects=False,
                                      headers={"X-CSRF-Token": csrf})
            assert _refused(response), (method, url, response.status_code, response.text[:200])
            walked += 1
    assert walked > 150
    assert _allowed_rows(database, region_admin) == 0


def test_the_access_check_refuses_her_with_a_denied_row(database: Database,
                                                        world: factories.World,
                                                        region_admin: int) -> None:
    patient_id = world.patient_ids[0]  # the unit she belongs to cares for this patient
    with database.session() as s:
        actor = factories.actor(s, region_admin)
        assert not audit.may_open(s, actor=actor, patient_id=patient_id)
        with pytest.raises(audit.AccessDenied) as denied:
            audit.check_access(s, actor=actor, patient_id=patient_id, action="read",
                               object_type="patient")
        assert denied.value.row["outcome"] == "denied"
        assert "ingen åtkomst till patientuppgifter" in str(denied.value.row["reason"])
        with pytest.raises(audit.AccessDenied):
            audit.grant_emergency_access(s, actor=actor, patient_id=patient_id,
                                         reason="Akut bedömning", minutes=30)


def test_her_allowed_paths_serve_her(client_as: Any, region_admin: int) -> None:
    client = client_as(region_admin)
    assert client.get("/oversikt/region").status_code == 200
    assert client.get("/konto/losenord").status_code == 200
    landing = client.get("/arbetslista", follow_redirects=False)
    assert landing.status_code == 303 and landing.headers["location"] == "/oversikt/region"
    api = client.get("/api/v1/work-items")
    assert api.status_code == 403 and api.json()["error"] == "forbidden"


# The sections she sees on a drilled-down unit's overview (stats.views.REGION_SECTIONS): counts of
# the unit only. The team's (people by name) and the monthly reports' are not among them.
SECTION_MARKS = ('aria-labelledby="h-chain"', 'aria-labelledby="h-domains"',
                 'id="staffing-section"', 'id="overview-srhelp"')
HIDDEN_MARKS = ('aria-labelledby="h-team"', 'id="monthly-reports"')


def test_each_section_and_its_csv_answer_her_for_a_drilled_down_unit(
        client_as: Any, database: Database, world: factories.World, region_admin: int) -> None:
    client = client_as(region_admin)
    page = client.get("/oversikt", params={"enhet": world.unit_id, "period": "ar"})
    assert page.status_code == 200, page.text[:300]
    for mark in SECTION_MARKS:
        assert mark in page.text, mark
    for mark in HIDDEN_MARKS:
        assert mark not in page.text, mark
    links = sorted({h.replace("&amp;", "&") for h in re.findall(r'href="(/oversikt[^"]*\.csv[^"]*)"',
                                                                 page.text)})
    paths = {link.split("?")[0] for link in links}
    assert {"/oversikt.csv", "/oversikt/domaner.csv", "/oversikt/bemanning.csv",
            "/oversikt/taligenkanning.csv"} <= paths, links
    for link in links:
        assert f"enhet={world.unit_id}" in link, link  # each for the unit she drilled into
        got = client.get(link, follow_redirects=False)
        assert got.status_code == 200, (link, got.status_code, got.text[:200])
        assert got.headers["content-type"].startswith("text/csv"), link
    # Figures, not patient accesses: no audit row at all, allowed or denied.
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.user_id == region_admin)) == 0
    # Without a unit she goes to the region's view; with an unknown one she gets a 404.
    for path in ("/oversikt/domaner.csv", "/oversikt/bemanning.csv", "/oversikt/taligenkanning.csv"):
        bare = client.get(path, follow_redirects=False)
        assert bare.status_code == 303 and bare.headers["location"] == "/oversikt/region", path
        assert client.get(path, params={"enhet": 2**31 - 1}).status_code == 404, path
    # The staffing page itself (who changed the inputs, by name) stays the unit's own.
    assert _refused(client.get("/oversikt/bemanning", params={"enhet": world.unit_id},
                               follow_redirects=False))


def test_a_unit_s_own_staff_cannot_use_enhet_for_another_unit(client_as: Any,
                                                              world: factories.World) -> None:
    manager = client_as(world.manager_id)
    for path in ("/oversikt/domaner.csv", "/oversikt/bemanning.csv", "/oversikt/taligenkanning.csv"):
        assert manager.get(path, params={"enhet": world.other_unit_id}).status_code == 403, path
        assert manager.get(path, params={"enhet": world.unit_id}).status_code == 200, path
    secretary = client_as(world.secretary_id)
    assert secretary.get("/oversikt/taligenkanning.csv").status_code == 403
