"""The introductions' routes for tests/web/test_route_coverage.py: none holds patient data
(newcomers, their checklists and tasks are staff data)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kulisser.access_rights.intro_checklist import checklist
from tests.access_rights import intro_fixtures as fx

Call = Callable[[Any], tuple[str, dict[str, Any]]]
API = "/api/v1/introductions"
PAGES = "/behorigheter/introduktion"
LISTS = f"{PAGES}/checklistor"


def _intro(e: Any) -> tuple[int, int]:
    """An introduction of the Env's unit: (its id, its first task's id)."""
    with e.database.session() as s:
        intro = fx.start(s, e.world)
        return intro.id, intro.tasks[0].id


def _profile(e: Any, *, checklist: bool = True) -> int:
    with e.database.session() as s:
        return fx.profile(s, e.world, checklist=checklist).id


def _template_task(e: Any) -> int:
    with e.database.session() as s:
        return checklist(s, profile_id=fx.profile(s, e.world).id)[0].id


INTRO = "introductions: staff data, not patients (another unit's: 404, logged)"
NO_PATIENT_DATA: dict[tuple[str, str], str] = {
    (method, path): INTRO for method, path in [
        ("GET", API), ("POST", API), ("GET", f"{API}/{{introduction_id}}"),
        ("POST", f"{API}/tasks/{{task_id}}/complete"),
        ("GET", PAGES), ("GET", f"{PAGES}.csv"), ("GET", f"{PAGES}/ny"), ("POST", f"{PAGES}/ny"),
        ("GET", f"{PAGES}/{{introduction_id}}"), ("GET", f"{PAGES}/uppgifter/{{task_id}}"),
        ("POST", f"{PAGES}/uppgifter/{{task_id}}/klar"),
        ("GET", LISTS), ("GET", f"{LISTS}/{{profile_id}}"), ("POST", f"{LISTS}/{{profile_id}}"),
        ("POST", f"{LISTS}/{{profile_id}}/standard"), ("POST", f"{LISTS}/uppgifter/{{task_id}}"),
        ("POST", f"{LISTS}/uppgifter/{{task_id}}/flytta"),
        ("POST", f"{LISTS}/uppgifter/{{task_id}}/ta-bort"),
    ]
}


def _as_manager(e: Any, url: str, data: dict[str, str] | None = None) -> tuple[str, dict[str, Any]]:
    return url, {"data": data or {}, "as_user": e.world.manager_id}


# A record of the Env's unit: another unit's user (same role) is refused as not found, logged.
UNIT_ROUTES: dict[tuple[str, str], Call] = {
    ("GET", f"{API}/{{introduction_id}}"): lambda e: (f"{API}/{_intro(e)[0]}", {}),
    ("POST", f"{API}/tasks/{{task_id}}/complete"): lambda e: (
        f"{API}/tasks/{_intro(e)[1]}/complete", {"json": {"note": "Klart"}}),
    ("GET", f"{PAGES}/{{introduction_id}}"): lambda e: (f"{PAGES}/{_intro(e)[0]}", {}),
    ("GET", f"{PAGES}/uppgifter/{{task_id}}"): lambda e: (f"{PAGES}/uppgifter/{_intro(e)[1]}", {}),
    ("POST", f"{PAGES}/uppgifter/{{task_id}}/klar"): lambda e: (
        f"{PAGES}/uppgifter/{_intro(e)[1]}/klar", {"data": {"note": "Klart"}}),
    ("GET", f"{LISTS}/{{profile_id}}"): lambda e: _as_manager(e, f"{LISTS}/{_profile(e)}"),
    ("POST", f"{LISTS}/{{profile_id}}"): lambda e: _as_manager(
        e, f"{LISTS}/{_profile(e)}", {"phase": "first_day", "title": "Fika", "owner": "mentor"}),
    ("POST", f"{LISTS}/{{profile_id}}/standard"): lambda e: _as_manager(
        e, f"{LISTS}/{_profile(e, checklist=False)}/standard"),
    ("POST", f"{LISTS}/uppgifter/{{task_id}}"): lambda e: _as_manager(
        e, f"{LISTS}/uppgifter/{_template_task(e)}",
        {"phase": "first_day", "title": "Fika", "owner": "mentor"}),
    ("POST", f"{LISTS}/uppgifter/{{task_id}}/flytta"): lambda e: _as_manager(
        e, f"{LISTS}/uppgifter/{_template_task(e)}/flytta", {"direction": "down"}),
    ("POST", f"{LISTS}/uppgifter/{{task_id}}/ta-bort"): lambda e: _as_manager(
        e, f"{LISTS}/uppgifter/{_template_task(e)}/ta-bort"),
}
