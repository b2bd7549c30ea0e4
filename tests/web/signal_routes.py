"""Calls for tests/web/test_route_coverage.py and test_route_identity.py: the risk signals'
routes (issue 13 item 6). `e` is the coverage file's Env; `k` the identity file's Known."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from kulisser.audit.models import AuditEvent, AuditSignal, AuditWatch
from kulisser.audit.signal_rules import TZ, find_signals
from kulisser.patients.models import Patient

Call = Callable[[Any], tuple[str, dict[str, Any]]]
SIGNALS = "the risk signals of the manager's units: staff, windows and counts, no patient"


def _number(e: Any) -> str:
    with e.database.session() as s:
        p = s.get(Patient, e.patient_id)
        assert p is not None
        return p.id_value


def _signal(e: Any) -> int:
    """An emergency signal of the world's secretary, today."""
    with e.database.session() as s:
        s.add(AuditEvent(at=datetime.now(UTC), user_id=e.world.secretary_id, username="u",
                         role="secretary", unit_id=e.world.unit_id, patient_id=e.patient_id,
                         action="read", object_type="patient", object_id=str(e.patient_id),
                         outcome="emergency"))
        s.flush()
        find_signals(s, day=datetime.now(TZ).date())
        sid = s.scalar(select(AuditSignal.id).where(
            AuditSignal.unit_id == e.world.unit_id, AuditSignal.rule == "emergency",
            AuditSignal.reviewed_at.is_(None)))
        assert sid is not None
        return sid


def _watch(e: Any) -> int:
    with e.database.session() as s:
        w = AuditWatch(unit_id=e.world.unit_id, patient_id=e.patient_id, reason="Test",
                       added_by_id=e.world.manager_id)
        s.add(w)
        s.flush()
        return w.id


PATIENT_ROUTES: dict[tuple[str, str], Call] = {
    ("POST", "/logg/bevakning"): lambda e: (
        "/logg/bevakning", {"data": {"identifier": _number(e), "reason": "Anhörig"},
                            "as_user": e.world.manager_id}),
    ("POST", "/api/v1/audit/watch-list"): lambda e: (
        "/api/v1/audit/watch-list", {"json": {"patient_id": e.patient_id, "reason": "Anhörig"},
                                     "as_user": e.world.manager_id}),
}

NO_PATIENT_DATA: dict[tuple[str, str], str] = {
    ("GET", "/logg/signaler"): SIGNALS,
    ("GET", "/logg/signaler.csv"): SIGNALS,
    ("POST", "/logg/signaler/{signal_id}/granska"): SIGNALS,
    ("GET", "/api/v1/audit/signals"): SIGNALS,
    ("POST", "/api/v1/audit/signals/{signal_id}/review"): SIGNALS,
    ("GET", "/logg/bevakning"): "the watch list: patients the manager's unit cares for, its "
                                "read logged as a read of the log review",
    ("GET", "/api/v1/audit/watch-list"): "the watch list: patient ids and reasons of the "
                                         "manager's units, its read logged",
    ("POST", "/logg/bevakning/installningar"): "the unit's opening hours and limits",
    ("POST", "/logg/bevakning/{watch_id}/ta-bort"): "ends a watch of the manager's unit",
    ("DELETE", "/api/v1/audit/watch-list/{watch_id}"): "ends a watch of the manager's unit",
}

UNIT_ROUTES: dict[tuple[str, str], Call] = {
    ("POST", "/logg/signaler/{signal_id}/granska"): lambda e: (
        f"/logg/signaler/{_signal(e)}/granska",
        {"data": {"verdict": "justified", "comment": "Befogad"}, "as_user": e.world.manager_id}),
    ("POST", "/api/v1/audit/signals/{signal_id}/review"): lambda e: (
        f"/api/v1/audit/signals/{_signal(e)}/review",
        {"json": {"verdict": "justified", "comment": "Befogad"}, "as_user": e.world.manager_id}),
    ("POST", "/logg/bevakning/{watch_id}/ta-bort"): lambda e: (
        f"/logg/bevakning/{_watch(e)}/ta-bort", {"data": {}, "as_user": e.world.manager_id}),
    ("DELETE", "/api/v1/audit/watch-list/{watch_id}"): lambda e: (
        f"/api/v1/audit/watch-list/{_watch(e)}", {"as_user": e.world.manager_id}),
}

AUDIT_LOG_READS: dict[tuple[str, str], Call] = {
    ("GET", "/logg/signaler"): lambda e: ("/logg/signaler", {}),
    ("GET", "/logg/signaler.csv"): lambda e: ("/logg/signaler.csv", {}),
    ("GET", "/logg/bevakning"): lambda e: ("/logg/bevakning", {}),
    ("GET", "/api/v1/audit/signals"): lambda e: ("/api/v1/audit/signals", {}),
    ("GET", "/api/v1/audit/watch-list"): lambda e: ("/api/v1/audit/watch-list", {}),
}

IDENTITY_ROUTES: dict[tuple[str, str], Callable[[Any, str], tuple[str, dict[str, Any]]]] = {
    ("POST", "/logg/bevakning"): lambda k, n: (
        "/logg/bevakning", {"data": {"identifier": n, "reason": "Anhörig"},
                            "as_user": k.world.manager_id}),
}
