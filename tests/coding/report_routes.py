"""Calls for tests/web/test_route_coverage.py: the patient-register report's page and API and
a coded contact as FHIR (issue 14 items 5 and 6). `e` is the coverage file's Env."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from kulisser import workdays
from kulisser.coding import register_report as report
from kulisser.coding import service as coding
from kulisser.db import utcnow
from tests import factories

Call = Callable[[Any], tuple[str, dict[str, Any]]]


def last_month() -> str:
    """The month before this one, YYYY-MM (an ended month: it may be exported)."""
    return f"{workdays.local_today().replace(day=1) - timedelta(days=1):%Y-%m}"


def _run(e: Any) -> int:
    """An export run of the Env's unit for last month."""
    with e.database.session() as s:
        actor = factories.actor(s, e.world.secretary_id)
        return report.run_export(s, actor=actor, month=report.parse_month(last_month())).id


def _coded(e: Any) -> int:
    """A coded doctor's visit of the Env's patient."""
    with e.database.session() as s:
        actor = factories.actor(s, e.world.secretary_id)
        c = coding.create_contact(s, actor=actor, patient_id=e.patient_id, kind="doctor_visit",
                                  contact_date=workdays.local_today())
        coding.set_codes(s, actor=actor, contact_id=c.id, finish=True, now=utcnow(),
                         entries=[coding.CodeEntry(role="main", code="I10")])
        return c.id


PATIENT_ROUTES: dict[tuple[str, str], Call] = {
    ("GET", "/api/v1/coding/contacts/{contact_id}/fhir"): lambda e: (
        f"/api/v1/coding/contacts/{_coded(e)}/fhir", {}),
}
_RUN = "an export run: counts, contact ids and error messages; one register_export audit row"
NO_PATIENT_DATA: dict[tuple[str, str], str] = {
    ("GET", "/kodning/rapport"): "counts per clinician and the runs; a run shown is logged",
    ("POST", "/kodning/rapport"): _RUN,
    ("GET", "/kodning/rapport/{export_id}/fil"): _RUN,
    ("GET", "/kodning/rapport/{export_id}/fel.csv"): _RUN,
    ("GET", "/api/v1/coding/reports"): "the unit's runs: counts and sums",
    ("POST", "/api/v1/coding/reports"): _RUN,
    ("GET", "/api/v1/coding/reports/completeness"): "counts per clinician",
    ("GET", "/api/v1/coding/reports/{export_id}"): _RUN,
    ("GET", "/api/v1/coding/reports/{export_id}/file"): _RUN,
}
UNIT_ROUTES: dict[tuple[str, str], Call] = {
    ("GET", "/kodning/rapport/{export_id}/fil"): lambda e: (f"/kodning/rapport/{_run(e)}/fil", {}),
    ("GET", "/kodning/rapport/{export_id}/fel.csv"): lambda e: (
        f"/kodning/rapport/{_run(e)}/fel.csv", {}),
    ("GET", "/api/v1/coding/reports/{export_id}"): lambda e: (
        f"/api/v1/coding/reports/{_run(e)}", {}),
    ("GET", "/api/v1/coding/reports/{export_id}/file"): lambda e: (
        f"/api/v1/coding/reports/{_run(e)}/file", {}),
}
