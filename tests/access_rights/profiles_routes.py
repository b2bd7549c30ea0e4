"""The catalogue's routes for tests/web/test_route_coverage.py: none holds patient data (a
unit's systems, role profiles and their needs-and-risk analyses). Each route with an id is
called for a record of the Env's unit; another unit's user is refused as not found, logged."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

from kulisser.access_rights import catalogue
from kulisser.access_rights import service as access
from kulisser.access_rights.analysis_files import AnalysisStore
from tests import factories
from tests.access_rights import profiles_fixtures as pf

Call = Callable[[Any], tuple[str, dict[str, Any]]]
PAGES, API, SYSTEMS = "/behorigheter/profiler", "/api/v1/access-profiles", "/api/v1/access-systems"
ANALYSIS = {"made_on": "2026-12-01", "author": "Eva Chef", "next_review": "2027-12-01",
            "text": "Behov och risker bedömda."}
CATALOGUE = "the access-rights catalogue: a unit's systems and role profiles, no patient"
NO_PATIENT_DATA: dict[tuple[str, str], str] = {
    (method, path): CATALOGUE for method, path in [
        ("GET", "/behorigheter/system"), ("GET", "/behorigheter/system.csv"),
        ("POST", "/behorigheter/system"), ("POST", "/behorigheter/system/{system_id}"),
        ("POST", "/behorigheter/system/{system_id}/aktiv"),
        ("POST", "/behorigheter/system/{system_id}/flytta"),
        ("GET", PAGES), ("GET", f"{PAGES}.csv"), ("POST", PAGES),
        ("GET", f"{PAGES}/analyser"), ("GET", f"{PAGES}/analyser.csv"),
        ("GET", f"{PAGES}/{{profile_id}}"), ("POST", f"{PAGES}/{{profile_id}}"),
        ("POST", f"{PAGES}/{{profile_id}}/system"), ("POST", f"{PAGES}/{{profile_id}}/analyser"),
        ("GET", f"{PAGES}/{{profile_id}}/analyser/{{analysis_id}}/fil"),
        ("GET", SYSTEMS), ("POST", SYSTEMS), ("POST", f"{SYSTEMS}/order"),
        ("PATCH", f"{SYSTEMS}/{{system_id}}"),
        ("GET", API), ("POST", API), ("GET", f"{API}/{{profile_id}}"),
        ("PATCH", f"{API}/{{profile_id}}"), ("POST", f"{API}/{{profile_id}}/analyses"),
        ("GET", f"{API}/{{profile_id}}/analyses/{{analysis_id}}/file"),
    ]
}


def _profile(e: Any) -> int:
    with e.database.session() as s:
        return pf.profile(s, e.world).id


def _system(e: Any) -> int:
    with e.database.session() as s:
        return access.ensure_systems(s, unit_id=e.world.unit_id)[1].id


def _with_file(e: Any) -> tuple[int, int]:
    """A profile of the Env's unit with an analysis and its file: (profile id, analysis id)."""
    with e.database.session() as s:
        p = pf.profile(s, e.world)
        store = AnalysisStore(data_dir=e.data_dir)
        with store.receive("analys.pdf", io.BytesIO(pf.PDF)) as staged:
            row = catalogue.add_analysis(s, actor=factories.actor(s, e.world.manager_id),
                                         profile_id=p.id, made_on=date(2026, 12, 1),
                                         author="Eva Chef", next_review=date(2027, 12, 1),
                                         file=staged)
        return p.id, row.id


def _manager(e: Any, **kwargs: Any) -> dict[str, Any]:
    return {"as_user": e.world.manager_id, **kwargs}


UNIT_ROUTES: dict[tuple[str, str], Call] = {
    ("POST", "/behorigheter/system/{system_id}"): lambda e: (
        f"/behorigheter/system/{_system(e)}",
        _manager(e, data={"name": factories.unique("System ")})),
    ("POST", "/behorigheter/system/{system_id}/aktiv"): lambda e: (
        f"/behorigheter/system/{_system(e)}/aktiv", _manager(e, data={"active": "0"})),
    ("POST", "/behorigheter/system/{system_id}/flytta"): lambda e: (
        f"/behorigheter/system/{_system(e)}/flytta", _manager(e, data={"direction": "up"})),
    ("PATCH", f"{SYSTEMS}/{{system_id}}"): lambda e: (
        f"{SYSTEMS}/{_system(e)}", _manager(e, json={"carried_by": "IT"})),
    ("GET", f"{PAGES}/{{profile_id}}"): lambda e: (f"{PAGES}/{_profile(e)}", {}),
    ("POST", f"{PAGES}/{{profile_id}}"): lambda e: (
        f"{PAGES}/{_profile(e)}", _manager(e, data={"name": factories.unique("Profil "),
                                                    "active": "1"})),
    ("POST", f"{PAGES}/{{profile_id}}/system"): lambda e: (
        f"{PAGES}/{_profile(e)}/system", _manager(e, data={"system": [str(_system(e))]})),
    ("POST", f"{PAGES}/{{profile_id}}/analyser"): lambda e: (
        f"{PAGES}/{_profile(e)}/analyser", _manager(e, data=ANALYSIS)),
    ("GET", f"{PAGES}/{{profile_id}}/analyser/{{analysis_id}}/fil"): lambda e: (
        "{}/{}/analyser/{}/fil".format(PAGES, *_with_file(e)), {}),
    ("GET", f"{API}/{{profile_id}}"): lambda e: (f"{API}/{_profile(e)}", {}),
    ("PATCH", f"{API}/{{profile_id}}"): lambda e: (
        f"{API}/{_profile(e)}", _manager(e, json={"description": "Ny"})),
    ("POST", f"{API}/{{profile_id}}/analyses"): lambda e: (
        f"{API}/{_profile(e)}/analyses", _manager(e, data=ANALYSIS)),
    ("GET", f"{API}/{{profile_id}}/analyses/{{analysis_id}}/file"): lambda e: (
        "{}/{}/analyses/{}/file".format(API, *_with_file(e)), {}),
}
