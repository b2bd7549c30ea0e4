"""Calls for tests/web/test_route_coverage.py and test_route_identity.py: the coding pages and
API, and booking's visit done (issue 14 items 2, 3 and 7). `e` is the coverage file's Env; `k`
the identity file's Known."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kulisser import workdays
from kulisser.coding import service as coding
from kulisser.db import utcnow
from tests import factories
from tests.booking import helpers as bh

Call = Callable[[Any], tuple[str, dict[str, Any]]]
TODAY = workdays.local_today().isoformat


def _contact(e: Any) -> int:
    """A doctor's visit of the Env's patient, waiting for coding in the world's unit."""
    with e.database.session() as s:
        actor = factories.actor(s, e.world.secretary_id)
        return coding.create_contact(s, actor=actor, patient_id=e.patient_id, kind="doctor_visit",
                                     contact_date=workdays.local_today()).id


def _identifier(e: Any) -> str:
    from kulisser.patients.models import Patient

    with e.database.session() as s:
        p = s.get(Patient, e.patient_id)
        assert p is not None
        return p.display_id


PATIENT_ROUTES: dict[tuple[str, str], Call] = {
    ("GET", "/kodning"): lambda e: (_contact(e) and "/kodning", {}),
    ("GET", "/kodning.csv"): lambda e: (_contact(e) and "/kodning.csv", {}),
    ("POST", "/kodning/ny"): lambda e: ("/kodning/ny", {"data": {
        "identifier": _identifier(e), "kind": "phone", "contact_date": TODAY()}}),
    ("GET", "/kodning/{contact_id}"): lambda e: (f"/kodning/{_contact(e)}", {}),
    ("POST", "/kodning/{contact_id}"): lambda e: (f"/kodning/{_contact(e)}", {"data": {
        "main": "I10", "action": "save"}}),
    ("GET", "/api/v1/coding/contacts"): lambda e: (_contact(e) and "/api/v1/coding/contacts", {}),
    ("POST", "/api/v1/coding/contacts"): lambda e: ("/api/v1/coding/contacts", {"json": {
        "patient_id": e.patient_id, "kind": "phone", "contact_date": TODAY()}}),
    ("GET", "/api/v1/coding/contacts/{contact_id}"): lambda e: (
        f"/api/v1/coding/contacts/{_contact(e)}", {}),
    ("PUT", "/api/v1/coding/contacts/{contact_id}/codes"): lambda e: (
        f"/api/v1/coding/contacts/{_contact(e)}/codes",
        {"json": {"codes": [{"role": "main", "code": "I10"}]}}),
    ("POST", "/api/v1/coding/contacts/{contact_id}/coded"): lambda e: (
        f"/api/v1/coding/contacts/{_coded_ready(e)}/coded", {}),
    ("POST", "/tidbok/besok/{appointment_id}/genomford"): lambda e: (
        f"/tidbok/besok/{bh.env_appointment(e, started=True)}/genomford", {"data": {}}),
    ("POST", "/api/v1/appointments/{appointment_id}/fulfil"): lambda e: (
        f"/api/v1/appointments/{bh.env_appointment(e, started=True)}/fulfil", {}),
}


def _coded_ready(e: Any) -> int:
    """A contact whose codes pass the checks (marking it coded succeeds)."""
    cid = _contact(e)
    with e.database.session() as s:
        actor = factories.actor(s, e.world.secretary_id)
        coding.set_codes(s, actor=actor, contact_id=cid, now=utcnow(),
                         entries=[coding.CodeEntry(role="main", code="I10")])
    return cid


NO_PATIENT_DATA: dict[tuple[str, str], str] = {
    ("GET", "/kodning/ny"): "empty contact form",
    ("GET", "/kodning/sok"): "code search as you type: the code tables, no patient",
    ("GET", "/api/v1/coding/suggestion-figures"): "suggestions made and taken per month: counts",
}

IDENTITY_ROUTES: dict[tuple[str, str], Callable[[Any, str], tuple[str, dict[str, Any]]]] = {
    ("POST", "/kodning/ny"): lambda k, n: ("/kodning/ny", {"data": {
        "identifier": n, "kind": "phone", "contact_date": TODAY()}}),
}
