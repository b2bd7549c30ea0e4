"""Calls for tests/web/test_route_coverage.py: the monthly reports (issue 15 item 5). Reports
hold sums per kind of work, no patient; another unit's report is refused and logged.
`e` is the coverage file's Env."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kulisser.db import utcnow
from kulisser.stats import report
from tests import factories

Call = Callable[[Any], tuple[str, dict[str, Any]]]
_REPORT = "the monthly report: sums per kind of work, no patient"


def _report(e: Any) -> int:
    """A report of the Env's unit for last month, made by its manager."""
    with e.database.session() as s:
        manager = factories.actor(s, e.world.manager_id)
        return report.make(s, data_dir=e.data_dir, scope=report.unit_scope(s, e.world.unit_id),
                           month=report.last_month(), now=utcnow(), actor=manager).id


NO_PATIENT_DATA: dict[tuple[str, str], str] = {
    ("GET", "/oversikt/rapporter"): _REPORT,
    ("POST", "/oversikt/rapporter"): _REPORT,
    ("POST", "/oversikt/rapporter/text"): "the manager's text of the monthly report",
    ("GET", "/oversikt/rapporter/{report_id}/pdf"): _REPORT,
    ("POST", "/oversikt/rapporter/{report_id}/skicka"): _REPORT + ", sent to the unit's managers",
}
UNIT_ROUTES: dict[tuple[str, str], Call] = {
    ("GET", "/oversikt/rapporter/{report_id}/pdf"): lambda e: (
        f"/oversikt/rapporter/{_report(e)}/pdf", {"as_user": e.world.manager_id}),
    ("POST", "/oversikt/rapporter/{report_id}/skicka"): lambda e: (
        f"/oversikt/rapporter/{_report(e)}/skicka",
        {"as_user": e.world.manager_id, "data": {}}),
}
