"""The staff register's routes for tests/web/test_route_coverage.py: none holds patient data
(people who work at the units, their assignments and history)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from tests import factories
from tests.staff.helpers import assignment, hsa, person

Call = Callable[[Any], tuple[str, dict[str, Any]]]
API = "/api/v1/staff"


def _person(e: Any) -> tuple[int, int]:
    """A person working at the Env's unit: (person id, assignment id)."""
    with e.database.session() as s:
        manager = factories.actor(s, e.world.manager_id)
        p = person(s, manager)
        line = assignment(s, manager, p.id, start=date(2026, 1, 1))
        return p.id, line.id


def _assign(pid: int, e: Any) -> dict[str, Any]:
    return {"unit_id": e.world.unit_id, "purpose": "care", "role": "secretary",
            "commission_hsa_id": hsa("U"), "valid_from": "2026-02-01"}


def _end(path: str, e: Any, field: str, body: str) -> tuple[str, dict[str, Any]]:
    pid, aid = _person(e)
    return (path.format(pid=pid, aid=aid),
            {body: {field: "2099-01-01"}, "as_user": e.world.manager_id})

REGISTER = "the staff register: staff, not patients (a person of another unit: 404, logged)"
NO_PATIENT_DATA: dict[tuple[str, str], str] = {
    (method, path): REGISTER for method, path in [
        ("GET", "/api/v1/staff"), ("POST", "/api/v1/staff"),
        ("GET", "/api/v1/staff/{person_id}"), ("PATCH", "/api/v1/staff/{person_id}"),
        ("POST", "/api/v1/staff/{person_id}/assignments"),
        ("POST", "/api/v1/staff/{person_id}/assignments/{assignment_id}/end"),
        ("GET", "/personal"), ("GET", "/personal.csv"), ("GET", "/personal/ny"),
        ("POST", "/personal/ny"), ("GET", "/personal/{person_id}"),
        ("POST", "/personal/{person_id}"), ("POST", "/personal/{person_id}/uppdrag"),
        ("POST", "/personal/{person_id}/uppdrag/{assignment_id}/avsluta"),
    ]
}

# A person of the Env's unit: another unit's manager is refused as not found, and logged.
UNIT_ROUTES: dict[tuple[str, str], Call] = {
    ("GET", f"{API}/{{person_id}}"): lambda e: (f"{API}/{_person(e)[0]}", {}),
    ("PATCH", f"{API}/{{person_id}}"): lambda e: (
        f"{API}/{_person(e)[0]}", {"json": {"profession": "Kurator"},
                                   "as_user": e.world.manager_id}),
    ("POST", f"{API}/{{person_id}}/assignments"): lambda e: (
        (pid := _person(e)[0]) and f"{API}/{pid}/assignments",
        {"json": _assign(pid, e), "as_user": e.world.manager_id}),
    ("POST", f"{API}/{{person_id}}/assignments/{{assignment_id}}/end"): lambda e: _end(
        API + "/{pid}/assignments/{aid}/end", e, "last_day", "json"),
    ("GET", "/personal/{person_id}"): lambda e: (f"/personal/{_person(e)[0]}", {}),
    ("POST", "/personal/{person_id}"): lambda e: (
        f"/personal/{_person(e)[0]}", {"data": {"full_name": "Ny Namnsson", "hsa_id": hsa()},
                                       "as_user": e.world.manager_id}),
    ("POST", "/personal/{person_id}/uppdrag"): lambda e: (
        (pid := _person(e)[0]) and f"/personal/{pid}/uppdrag",
        {"data": _assign(pid, e) | {"unit_id": str(e.world.unit_id)},
         "as_user": e.world.manager_id}),
    ("POST", "/personal/{person_id}/uppdrag/{assignment_id}/avsluta"): lambda e: _end(
        "/personal/{pid}/uppdrag/{aid}/avsluta", e, "last_day", "data"),
}
