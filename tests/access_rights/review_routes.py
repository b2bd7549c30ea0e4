"""The periodic access review's routes for tests/web/test_route_coverage.py: none holds patient
data (the unit's staff, their systems and the manager's attestations). `e` is the coverage
file's Env."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from kulisser.access_rights import reviews
from kulisser.db import utcnow
from tests.access_rights.review_fixtures import login_person, staffed

Call = Callable[[Any], tuple[str, dict[str, Any]]]
BASE = "/behorigheter/uppfoljning"
API = "/api/v1/access-reviews"
REVIEWS = "the periodic access review: the unit's staff, their systems and attestations"
UNUSED = "accounts without a login: the unit's staff and their last login, no patient"


def _review(e: Any) -> tuple[int, int, int]:
    """A started review of the Env's unit: (review id, its first line's id, that person's id)."""
    with e.database.session() as s:
        staffed(s, e.world, people=1, systems=2)
        [review] = reviews.start_due_reviews(s, now=utcnow(), unit_ids=[e.world.unit_id])
        line = review.lines[0]
        return review.id, line.id, line.person_id


def _idle(e: Any) -> int:
    """A person of the Env's unit whose login has never been used."""
    with e.database.session() as s:
        return login_person(s, e.world, since=date(2025, 1, 1))[0]


NO_PATIENT_DATA: dict[tuple[str, str], str] = {
    **{(method, path): REVIEWS for method, path in [
        ("GET", BASE), ("POST", f"{BASE}/regler"), ("GET", f"{BASE}/{{review_id}}"),
        ("GET", f"{BASE}/{{review_id}}.csv"), ("POST", f"{BASE}/{{review_id}}/rader/{{line_id}}"),
        ("POST", f"{BASE}/{{review_id}}/personer/{{person_id}}/behall"),
        ("GET", API), ("GET", f"{API}/policy"), ("PUT", f"{API}/policy"),
        ("GET", f"{API}/{{review_id}}"), ("POST", f"{API}/{{review_id}}/lines/{{line_id}}/attest"),
    ]},
    **{(method, path): UNUSED for method, path in [
        ("GET", f"{BASE}/inaktiva"), ("GET", f"{BASE}/inaktiva.csv"),
        ("POST", f"{BASE}/inaktiva/{{person_id}}/bestall"), ("GET", f"{API}/inactive-accounts"),
        ("POST", f"{API}/inactive-accounts/{{person_id}}/removal-order"),
    ]},
}


def _attest(e: Any, api: bool) -> tuple[str, dict[str, Any]]:
    rid, lid, _pid = _review(e)
    if api:
        return f"{API}/{rid}/lines/{lid}/attest", {"json": {"decision": "keep"},
                                                   "as_user": e.world.manager_id}
    return f"{BASE}/{rid}/rader/{lid}", {"data": {"decision": "keep"},
                                         "as_user": e.world.manager_id}


# A review or person of the Env's unit: another unit's user is refused as not found, logged.
UNIT_ROUTES: dict[tuple[str, str], Call] = {
    ("GET", f"{BASE}/{{review_id}}"): lambda e: (f"{BASE}/{_review(e)[0]}",
                                                 {"as_user": e.world.manager_id}),
    ("GET", f"{BASE}/{{review_id}}.csv"): lambda e: (f"{BASE}/{_review(e)[0]}.csv",
                                                     {"as_user": e.world.manager_id}),
    ("POST", f"{BASE}/{{review_id}}/rader/{{line_id}}"): lambda e: _attest(e, api=False),
    ("POST", f"{BASE}/{{review_id}}/personer/{{person_id}}/behall"): lambda e: (
        (r := _review(e)) and f"{BASE}/{r[0]}/personer/{r[2]}/behall",
        {"data": {}, "as_user": e.world.manager_id}),
    ("GET", f"{API}/{{review_id}}"): lambda e: (f"{API}/{_review(e)[0]}",
                                                {"as_user": e.world.manager_id}),
    ("POST", f"{API}/{{review_id}}/lines/{{line_id}}/attest"): lambda e: _attest(e, api=True),
    ("POST", f"{BASE}/inaktiva/{{person_id}}/bestall"): lambda e: (
        f"{BASE}/inaktiva/{_idle(e)}/bestall", {"data": {}}),
    ("POST", f"{API}/inactive-accounts/{{person_id}}/removal-order"): lambda e: (
        f"{API}/inactive-accounts/{_idle(e)}/removal-order", {}),
}
