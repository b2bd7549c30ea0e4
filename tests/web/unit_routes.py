"""Calls for tests/web/test_route_coverage.py: routes that take the id of a unit-scoped record
holding no patient data (schedules, slots, glossary terms, the log review's own records), and
every read of the access log. `e` is that file's Env: a unit's secretary and a fresh patient.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from kulisser.audit import service as audit
from kulisser.audit.models import AuditEvent
from kulisser.booking import service as booking
from kulisser.dictation import catalog
from tests import factories
from tests.booking import helpers as bh

Call = Callable[[Any], tuple[str, dict[str, Any]]]
LATER = date.today() + timedelta(days=400)  # a day no slot of a test schedule is generated for


def _schedule(e: Any) -> bh.Schedule:
    with e.database.session() as s:
        return bh.make_schedule(s, e.world, valid_from=date.today())


def _exception(e: Any) -> int:
    sched = _schedule(e)
    with e.database.session() as s:
        exc, _conflicts = booking.add_exception(
            s, actor=factories.actor(s, e.world.secretary_id), resource_id=sched.resource_id,
            kind="leave", start_date=LATER, end_date=LATER)
        return exc.id


def _term(e: Any) -> int:
    with e.database.session() as s:
        return catalog.add_term(s, actor=factories.actor(s, e.world.secretary_id),
                                term=factories.unique("term").lower()).id


def _event(e: Any) -> int:
    """An audit row of the Env's unit (the secretary reads the Env's patient)."""
    with e.database.session() as s:
        audit.check_access(s, actor=factories.actor(s, e.world.secretary_id),
                           patient_id=e.patient_id, action="read", object_type="patient",
                           object_id=e.patient_id)
        s.flush()
        found = s.scalar(select(func.max(AuditEvent.id)).where(
            AuditEvent.user_id == e.world.secretary_id))
        assert found is not None
        return int(found)


def _relation_start(e: Any) -> int:
    """A flagged care-relation start of the Env's unit, awaiting its follow-up."""
    with e.database.session() as s:
        audit.log_relation_start(
            s, actor=factories.actor(s, e.world.secretary_id), patient_id=e.patient_id,
            relation_id=None, reason="Remiss mottagen", flagged=True)
        s.flush()
        found = s.scalar(select(func.max(AuditEvent.id)).where(
            AuditEvent.user_id == e.world.secretary_id, AuditEvent.outcome == "relation"))
        assert found is not None
        return int(found)


def _sample(e: Any) -> int:
    event_id = _event(e)
    with e.database.session() as s:
        return audit.record_sample(s, actor=factories.actor(s, e.world.manager_id),
                                   event_ids=[event_id], criteria="Test").id


def _emergency(e: Any) -> int:
    with e.database.session() as s:
        other = factories.make_patient(s, e.world.other_unit_id)
        return audit.grant_emergency_access(s, actor=factories.actor(s, e.world.secretary_id),
                                            patient_id=other.id, reason="Akut besök",
                                            minutes=30).id


def _slot(e: Any) -> int:
    return bh.env_slots(e)[0]


_TEMPLATE_FORM = {"weekdays": "6", "start_time": "13:00", "end_time": "14:00"}

# Routes with the id of another unit's record that holds no patient data: how to call them.
UNIT_ROUTES: dict[tuple[str, str], Call] = {
    ("GET", "/tidbok/scheman/{resource_id}"): lambda e: (
        f"/tidbok/scheman/{_schedule(e).resource_id}", {}),
    ("POST", "/tidbok/scheman/{resource_id}/pass"): lambda e: (
        (sched := _schedule(e)) and f"/tidbok/scheman/{sched.resource_id}/pass",
        {"data": {**_TEMPLATE_FORM, "visit_type_id": str(sched.visit_type_id),
                  "valid_from": date.today().isoformat()}}),
    ("POST", "/tidbok/scheman/pass/{template_id}/ta-bort"): lambda e: (
        f"/tidbok/scheman/pass/{_schedule(e).template_id}/ta-bort", {"data": {}}),
    ("POST", "/tidbok/scheman/{resource_id}/undantag"): lambda e: (
        f"/tidbok/scheman/{_schedule(e).resource_id}/undantag",
        {"data": {"exc_kind": "leave", "start_date": LATER.isoformat()}}),
    ("POST", "/tidbok/scheman/undantag/{exception_id}/ta-bort"): lambda e: (
        f"/tidbok/scheman/undantag/{_exception(e)}/ta-bort", {"data": {}}),
    ("GET", "/api/v1/schedules/{resource_id}"): lambda e: (
        f"/api/v1/schedules/{_schedule(e).resource_id}", {}),
    ("GET", "/api/v1/schedules/{resource_id}/fhir"): lambda e: (
        f"/api/v1/schedules/{_schedule(e).resource_id}/fhir", {}),
    ("POST", "/api/v1/schedules/{resource_id}/templates"): lambda e: (
        (sched := _schedule(e)) and f"/api/v1/schedules/{sched.resource_id}/templates",
        {"json": {**_TEMPLATE_FORM, "visit_type_id": sched.visit_type_id,
                  "valid_from": date.today().isoformat()}}),
    ("DELETE", "/api/v1/schedule-templates/{template_id}"): lambda e: (
        f"/api/v1/schedule-templates/{_schedule(e).template_id}", {}),
    ("DELETE", "/api/v1/schedule-exceptions/{exception_id}"): lambda e: (
        f"/api/v1/schedule-exceptions/{_exception(e)}", {}),
    ("GET", "/api/v1/slots/{slot_id}/fhir"): lambda e: (f"/api/v1/slots/{_slot(e)}/fhir", {}),
    ("DELETE", "/api/v1/glossary/{term_id}"): lambda e: (f"/api/v1/glossary/{_term(e)}", {}),
    # the log review's own records (a manager's)
    ("GET", "/logg/{event_id}"): lambda e: (
        f"/logg/{_event(e)}", {"as_user": e.world.manager_id}),
    ("POST", "/logg/{event_id}/granska"): lambda e: (
        f"/logg/{_event(e)}/granska", {"data": {"comment": "Rimlig åtkomst"},
                                       "as_user": e.world.manager_id}),
    ("GET", "/logg/stickprov/{sample_id}"): lambda e: (
        f"/logg/stickprov/{_sample(e)}", {"as_user": e.world.manager_id}),
    ("POST", "/logg/nodatkomst/{access_id}/granska"): lambda e: (
        f"/logg/nodatkomst/{_emergency(e)}/granska",
        {"data": {"comment": "Befogad nödåtkomst"}, "as_user": e.world.manager_id}),
    ("POST", "/logg/vardrelationer/{event_id}/granska"): lambda e: (
        f"/logg/vardrelationer/{_relation_start(e)}/granska",
        {"data": {"comment": "Remissen fanns"}, "as_user": e.world.manager_id}),
}

# Every read of the access log (or of what the log review shows), as the unit's manager.
AUDIT_LOG_READS: dict[tuple[str, str], Call] = {
    ("GET", "/logg"): lambda e: (f"/logg?patient_id={e.patient_id}", {}),
    ("GET", "/logg.csv"): lambda e: ("/logg.csv", {}),
    ("GET", "/api/v1/audit-events"): lambda e: ("/api/v1/audit-events", {}),
    ("GET", "/logg/{event_id}"): lambda e: (f"/logg/{_event(e)}", {}),
    ("GET", "/logg/stickprov"): lambda e: ("/logg/stickprov", {}),
    ("GET", "/logg/stickprov/{sample_id}"): lambda e: (f"/logg/stickprov/{_sample(e)}", {}),
    ("GET", "/logg/nodatkomst"): lambda e: ("/logg/nodatkomst", {}),
    ("GET", "/logg/vardrelationer"): lambda e: ("/logg/vardrelationer", {}),
    ("GET", "/api/v1/emergency-accesses"): lambda e: ("/api/v1/emergency-accesses", {}),
}

LOG_READ_PREFIXES = ("/logg", "/api/v1/audit-events", "/api/v1/emergency-accesses")
