"""Calls for tests/web/test_route_coverage.py: the team's load, my week and the absence forms
(issue 15 item 3). `e` is the coverage file's Env."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kulisser.db import utcnow
from kulisser.staff import service as staff
from kulisser.stats.aggregate import local_day
from tests import factories

Call = Callable[[Any], tuple[str, dict[str, Any]]]
TEAM = "the team's open items per secretary and kind, hand-overs and absences: counts, no patient"
WEEK = "the user's own week: counts per kind and day, no patient"
ABSENCE = "a colleague's absence: days only, no patient"


def _away_with_an_item(e: Any) -> tuple[str, dict[str, Any]]:
    """The secretary owns an item about the patient and is away today; the manager moves it."""
    e.item("accepted", owner=True)
    with e.database.session() as s:
        today = local_day(utcnow()).isoformat()
        staff.mark_absent(s, actor=factories.actor(s, e.world.manager_id),
                          user_id=e.world.secretary_id, first_day=today, last_day=today)
    return "/oversikt/franvaro/lamna-over", {
        "data": {"user_id": str(e.world.secretary_id), "to": "queue"},
        "as_user": e.world.manager_id}


# Moving an absent secretary's items acts on each item as the worklist does: audited per item.
PATIENT_ROUTES: dict[tuple[str, str], Call] = {
    ("POST", "/oversikt/franvaro/lamna-over"): _away_with_an_item,
}
NO_PATIENT_DATA: dict[tuple[str, str], str] = {
    ("GET", "/oversikt/team"): TEAM,
    ("GET", "/oversikt/team.csv"): TEAM,
    ("GET", "/oversikt/min-vecka"): WEEK,
    ("GET", "/oversikt/min-vecka.csv"): WEEK,
    ("POST", "/oversikt/franvaro"): ABSENCE,
    ("POST", "/oversikt/franvaro/ta-bort"): ABSENCE,
}
