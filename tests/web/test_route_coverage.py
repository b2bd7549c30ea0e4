"""Every route is classified: a route that touches patient data must write audit rows.

The suite walks the app's routes. A new route that is in neither table below fails
`test_every_route_is_classified`, so nobody adds a patient route without proving that it
leaves an audit row (and, for routes that take a patient, that a stranger is refused and the
refusal is logged too).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.audit.models import AuditEvent
from kulisser.db import Database, utcnow
from kulisser.dictation.storage import AudioStore
from kulisser.staff.models import Role
from kulisser.worklist import service as worklist
from tests import factories
from tests.dictation import helpers as dictation_helpers
from tests.dictation.audio import unique_tone
from tests.factories import login_client

PATIENT_PARAMS = {"patient_id", "item_id", "dictation_id"}


def app_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every endpoint, however this FastAPI version nests routers."""
    import fastapi.routing as fr

    contexts: Any = (fr.iter_route_contexts(app.routes)  # type: ignore[attr-defined]
                     if hasattr(fr, "iter_route_contexts") else app.routes)
    found = set()
    for ctx in contexts:
        methods = getattr(ctx, "methods", None) or set()
        path = getattr(ctx, "path", None)
        if path is None or getattr(ctx, "endpoint", None) is None:
            continue
        for m in methods - {"HEAD", "OPTIONS"}:
            found.add((m, path))
    return sorted(found)


@dataclass
class Env:
    """A unit's secretary, a fresh patient of the unit and a way to make items for them."""

    database: Database
    world: factories.World
    patient_id: int
    family_name: str
    data_dir: Path

    def item(self, state: str = "requested", *, owner: bool = False) -> int:
        """A work item about the patient, brought into the given state."""
        with self.database.session() as s:
            actor = factories.actor(s, self.world.secretary_id)
            item = worklist.create_item(s, actor=actor, kind="task", title="Testärende",
                                        patient_id=self.patient_id,
                                        owner_id=actor.user_id if owner else None)
            if state in ("accepted", "in-progress", "on-hold", "completed"):
                item.claim(actor_id=actor.user_id, now=utcnow())
            if state == "in-progress":
                item.start(actor_id=actor.user_id, now=utcnow())
            if state == "on-hold":
                item.hold(actor_id=actor.user_id, reason="Väntar", now=utcnow())
            if state == "completed":
                item.complete(actor_id=actor.user_id, now=utcnow())
            s.flush()
            return item.id

    def dictation(self, state: str = "dictated") -> int:
        """A dictation by the world's clinician about the patient, brought into a state."""
        with self.database.session() as s:
            d = dictation_helpers.upload(s, self.world, store=AudioStore(data_dir=self.data_dir),
                                         patient_id=self.patient_id)
            dictation_helpers.bring_to(s, self.world, d, state)
            return d.id


Call = Callable[[Env], tuple[str, dict[str, Any]]]
DUE = (utcnow() + timedelta(days=3)).isoformat()

# Routes that read or write one patient's data (or list patients): how to call them.
PATIENT_ROUTES: dict[tuple[str, str], Call] = {
    # pages
    ("GET", "/patienter/{patient_id}"): lambda e: (f"/patienter/{e.patient_id}", {}),
    ("GET", "/patienter/{patient_id}/redigera"): lambda e: (f"/patienter/{e.patient_id}/redigera", {}),
    ("POST", "/patienter/{patient_id}/redigera"): lambda e: (
        f"/patienter/{e.patient_id}/redigera",
        {"data": {"given_name": "Ny", "family_name": e.family_name, "phone": "070-111 22 33"}}),
    ("POST", "/patienter/{patient_id}/nodatkomst"): lambda e: (
        f"/patienter/{e.patient_id}/nodatkomst", {"data": {"reason": "Akut besök på mottagningen"}}),
    ("GET", "/patienter"): lambda e: (f"/patienter?q={e.family_name}", {}),
    ("POST", "/patienter/ny"): lambda e: ("/patienter/ny", {"data": {
        "identifier": factories.new_personnummer(), "given_name": "Ny", "family_name": e.family_name}}),
    ("GET", "/reception"): lambda e: (f"/reception?patient_id={e.patient_id}&q={e.family_name}", {}),
    ("POST", "/reception/meddelande"): lambda e: ("/reception/meddelande", {"data": {
        "caller_name": "Någon", "caller_relation": "patient", "phone": "070-111 22 33",
        "message": "Ring mig", "priority": "normal", "patient_id": str(e.patient_id)}}),
    ("GET", "/arbetslista"): lambda e: (e.item() and f"/arbetslista?scope=queue&q={e.family_name}", {}),
    ("GET", "/arbetslista/ny"): lambda e: (f"/arbetslista/ny?patient_id={e.patient_id}", {}),
    ("POST", "/arbetslista/ny"): lambda e: ("/arbetslista/ny", {"data": {
        "kind": "task", "title": "Ny uppgift", "priority": "normal", "patient_id": str(e.patient_id)}}),
    ("GET", "/arenden/{item_id}"): lambda e: (f"/arenden/{e.item()}", {}),
    ("POST", "/arenden/{item_id}/atgard/{operation}"): lambda e: (f"/arenden/{e.item()}/atgard/claim", {}),
    ("POST", "/arenden/{item_id}/kommentar"): lambda e: (
        f"/arenden/{e.item()}/kommentar", {"data": {"comment": "Ringt"}}),
    ("POST", "/arenden/{item_id}/forfallotid"): lambda e: (
        f"/arenden/{e.item()}/forfallotid",
        {"data": {"due_at": "2031-01-02T10:00", "due_reason": "Semester"}}),
    # API
    ("GET", "/api/v1/patients"): lambda e: (f"/api/v1/patients?q={e.family_name}", {}),
    ("POST", "/api/v1/patients"): lambda e: ("/api/v1/patients", {"json": {
        "identifier": factories.new_personnummer(), "given_name": "Ny", "family_name": e.family_name}}),
    ("GET", "/api/v1/patients/{patient_id}"): lambda e: (f"/api/v1/patients/{e.patient_id}", {}),
    ("PATCH", "/api/v1/patients/{patient_id}"): lambda e: (
        f"/api/v1/patients/{e.patient_id}", {"json": {"phone": "070-999 88 77"}}),
    ("POST", "/api/v1/patients/{patient_id}/emergency-access"): lambda e: (
        f"/api/v1/patients/{e.patient_id}/emergency-access", {"json": {"reason": "Akut bedömning"}}),
    ("GET", "/api/v1/patients/{patient_id}/work-items"): lambda e: (
        f"/api/v1/patients/{e.patient_id}/work-items", {}),
    ("GET", "/api/v1/work-items"): lambda e: (
        e.item() and f"/api/v1/work-items?scope=queue&q={e.family_name}", {}),
    ("POST", "/api/v1/work-items"): lambda e: ("/api/v1/work-items", {"json": {
        "kind": "task", "title": "Ny", "patient_id": e.patient_id}}),
    ("GET", "/api/v1/work-items/{item_id}"): lambda e: (f"/api/v1/work-items/{e.item()}", {}),
    ("POST", "/api/v1/work-items/{item_id}/claim"): lambda e: (f"/api/v1/work-items/{e.item()}/claim", {}),
    ("POST", "/api/v1/work-items/{item_id}/assign"): lambda e: (
        f"/api/v1/work-items/{e.item()}/assign", {"json": {"to_user_id": e.world.secretary2_id}}),
    ("POST", "/api/v1/work-items/{item_id}/handover"): lambda e: (
        f"/api/v1/work-items/{e.item('accepted')}/handover",
        {"json": {"to_user_id": e.world.secretary2_id, "reason": "Semester"}}),
    ("POST", "/api/v1/work-items/{item_id}/start"): lambda e: (f"/api/v1/work-items/{e.item()}/start", {}),
    ("POST", "/api/v1/work-items/{item_id}/hold"): lambda e: (
        f"/api/v1/work-items/{e.item()}/hold", {"json": {"reason": "Väntar på svar"}}),
    ("POST", "/api/v1/work-items/{item_id}/resume"): lambda e: (
        f"/api/v1/work-items/{e.item('on-hold')}/resume", {}),
    ("POST", "/api/v1/work-items/{item_id}/complete"): lambda e: (
        f"/api/v1/work-items/{e.item()}/complete", {"json": {}}),
    ("POST", "/api/v1/work-items/{item_id}/cancel"): lambda e: (
        f"/api/v1/work-items/{e.item()}/cancel", {"json": {"reason": "Dubblett"}}),
    ("POST", "/api/v1/work-items/{item_id}/error"): lambda e: (
        f"/api/v1/work-items/{e.item()}/error", {"json": {"reason": "Fel patient"}}),
    ("POST", "/api/v1/work-items/{item_id}/comments"): lambda e: (
        f"/api/v1/work-items/{e.item()}/comments", {"json": {"text": "Ringt"}}),
    ("POST", "/api/v1/work-items/{item_id}/due"): lambda e: (
        f"/api/v1/work-items/{e.item()}/due", {"json": {"due_at": DUE, "reason": "Semester"}}),
    # dictations (as_user: the route is the author's, so the world's clinician calls it)
    ("POST", "/api/v1/dictations"): lambda e: ("/api/v1/dictations", {
        "data": {"patient_id": str(e.patient_id), "note_type": "visit",
                 "author_id": str(e.world.clinician_id)},
        "files": {"file": ("diktat.wav", unique_tone(), "audio/wav")}}),
    ("GET", "/api/v1/dictations"): lambda e: (e.dictation() and "/api/v1/dictations", {}),
    ("GET", "/api/v1/dictations/{dictation_id}"): lambda e: (f"/api/v1/dictations/{e.dictation()}", {}),
    ("GET", "/api/v1/dictations/{dictation_id}/audio"): lambda e: (
        f"/api/v1/dictations/{e.dictation()}/audio", {}),
    ("PUT", "/api/v1/dictations/{dictation_id}/text"): lambda e: (
        f"/api/v1/dictations/{e.dictation()}/text", {"json": {"text": "Anamnes:"}}),
    ("PATCH", "/api/v1/dictations/{dictation_id}"): lambda e: (
        f"/api/v1/dictations/{e.dictation()}", {"json": {"priority": "low"}}),
    ("POST", "/api/v1/dictations/{dictation_id}/send-for-signature"): lambda e: (
        f"/api/v1/dictations/{e.dictation('in_review')}/send-for-signature", {}),
    ("POST", "/api/v1/dictations/{dictation_id}/return"): lambda e: (
        f"/api/v1/dictations/{e.dictation()}/return", {"json": {"question": "Vilken dos?"}}),
    ("POST", "/api/v1/dictations/{dictation_id}/answer"): lambda e: (
        f"/api/v1/dictations/{e.dictation('returned')}/answer",
        {"json": {"answer": "5 mg"}, "as_user": e.world.clinician_id}),
    ("POST", "/api/v1/dictations/{dictation_id}/unusable"): lambda e: (
        f"/api/v1/dictations/{e.dictation()}/unusable", {"json": {"reason": "Bara brus"}}),
    ("POST", "/api/v1/dictations/{dictation_id}/sign"): lambda e: (
        f"/api/v1/dictations/{e.dictation('awaiting_signature')}/sign",
        {"as_user": e.world.clinician_id}),
    ("POST", "/api/v1/dictations/{dictation_id}/correct"): lambda e: (
        f"/api/v1/dictations/{e.dictation('signed')}/correct",
        {"json": {"text": "Rättad text", "reason": "Fel dos"}, "as_user": e.world.clinician_id}),
    ("POST", "/api/v1/dictations/{dictation_id}/cancel"): lambda e: (
        f"/api/v1/dictations/{e.dictation()}/cancel", {"json": {"reason": "Dubblett"}}),
    ("POST", "/api/v1/dictations/{dictation_id}/transcribe"): lambda e: (
        f"/api/v1/dictations/{e.dictation()}/transcribe", {}),
}

LOG_REVIEW = "the unit manager's review of the access log (PDL log follow-up, not care access)"
# Routes that touch no patient's data, and why.
NO_PATIENT_DATA: dict[tuple[str, str], str] = {
    ("GET", "/"): "redirect to the worklist",
    ("GET", "/login"): "login form",
    ("POST", "/login"): "login",
    ("POST", "/logout"): "logout",
    ("GET", "/konto/losenord"): "own password form",
    ("POST", "/konto/losenord"): "own password change",
    ("POST", "/enhet/byt"): "switch care unit",
    ("GET", "/enhet/regler"): "the unit's due-time rules",
    ("POST", "/enhet/regler"): "the unit's due-time rules",
    ("GET", "/patienter/ny"): "empty registration form",
    ("GET", "/api/v1/kinds"): "the registry of work item kinds",
    ("GET", "/api/v1/work-items/counts"): "counts per kind, no patient shown",
    ("GET", "/api/v1/openapi.json"): "API description",
    ("GET", "/api/docs"): "API documentation page",
    ("GET", "/docs/oauth2-redirect"): "API documentation page",
    ("GET", "/logg"): LOG_REVIEW,
    ("GET", "/logg.csv"): LOG_REVIEW,
    ("GET", "/logg/stickprov"): LOG_REVIEW,
    ("POST", "/logg/stickprov"): LOG_REVIEW,
    ("GET", "/logg/stickprov/{sample_id}"): LOG_REVIEW,
    ("GET", "/logg/nodatkomst"): LOG_REVIEW,
    ("POST", "/logg/nodatkomst/{access_id}/granska"): LOG_REVIEW,
    ("GET", "/logg/{event_id}"): LOG_REVIEW,
    ("POST", "/logg/{event_id}/granska"): LOG_REVIEW,
    ("GET", "/api/v1/audit-events"): LOG_REVIEW,
    ("GET", "/api/v1/emergency-accesses"): LOG_REVIEW,
    ("GET", "/api/v1/note-types"): "the unit's note types and their templates",
    ("GET", "/api/v1/glossary"): "the unit's glossary of medical terms",
    ("POST", "/api/v1/glossary"): "the unit's glossary of medical terms",
    ("DELETE", "/api/v1/glossary/{term_id}"): "the unit's glossary of medical terms",
}


def _normal(path: str) -> str:
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


def test_every_route_is_classified(app: FastAPI) -> None:
    routes = [(m, _normal(p)) for m, p in app_routes(app)]
    assert len(routes) > 30
    unclassified = [r for r in routes if r not in PATIENT_ROUTES and r not in NO_PATIENT_DATA]
    assert not unclassified, f"classify these routes in {__file__}: {unclassified}"
    for method, path in routes:
        params = set(re.findall(r"\{(\w+)\}", path))
        if params & PATIENT_PARAMS:
            assert (method, path) in PATIENT_ROUTES, f"{method} {path} takes a patient: add a call"
    stale = [r for r in [*PATIENT_ROUTES, *NO_PATIENT_DATA] if r not in routes]
    assert not stale, f"these classified routes no longer exist: {stale}"


@pytest.fixture()
def env(app: FastAPI, database: Database, world: factories.World) -> Env:
    family = factories.unique("Audit")
    with database.session() as s:
        patient = factories.make_patient(s, world.unit_id, family=family)
        return Env(database=database, world=world, patient_id=patient.id, family_name=family,
                   data_dir=app.state.settings.data_dir)


def _audit_count(database: Database, *, user_id: int, patient_id: int | None = None,
                 outcome: str | None = None) -> int:
    with database.session() as s:
        stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.user_id == user_id)
        if patient_id is not None:
            stmt = stmt.where(AuditEvent.patient_id == patient_id)
        if outcome is not None:
            stmt = stmt.where(AuditEvent.outcome == outcome)
        return s.scalar(stmt) or 0


@pytest.mark.parametrize("route", sorted(PATIENT_ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
def test_patient_route_writes_an_audit_row(route: tuple[str, str], app: FastAPI,
                                           database: Database, env: Env) -> None:
    method, _path = route
    url, kwargs = PATIENT_ROUTES[route](env)
    user_id = kwargs.pop("as_user", env.world.secretary_id)
    registers_new = route in {("POST", "/patienter/ny"), ("POST", "/api/v1/patients")}
    before = _audit_count(database, user_id=user_id,
                          patient_id=None if registers_new else env.patient_id)
    with TestClient(app) as client:
        csrf = login_client(client, database, user_id)
        if "data" in kwargs:
            kwargs["data"] = {**kwargs["data"], "csrf_token": csrf}
        response = client.request(method, url, follow_redirects=False, **kwargs)
    assert response.status_code < 400, (response.status_code, response.text[:500])
    after = _audit_count(database, user_id=user_id,
                         patient_id=None if registers_new else env.patient_id)
    assert after > before, f"{method} {url} wrote no audit row"


# Emergency access is the one way in without a care relation; its own tests cover it.
STRANGER_ROUTES = sorted(r for r in PATIENT_ROUTES if ("{patient_id}" in r[1] or "{dictation_id}" in r[1])
                         and not r[1].endswith(("/nodatkomst", "/emergency-access")))


@pytest.mark.parametrize("route", STRANGER_ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_patient_route_refuses_and_logs_a_stranger(route: tuple[str, str], app: FastAPI,
                                                   database: Database, env: Env) -> None:
    method, _path = route
    with database.session() as s:
        stranger = factories.make_user(s, env.world.other_unit_id, Role.SECRETARY).id
    url, kwargs = PATIENT_ROUTES[route](env)
    kwargs.pop("as_user", None)
    with TestClient(app) as client:
        csrf = login_client(client, database, stranger)
        if "data" in kwargs:
            kwargs["data"] = {**kwargs["data"], "csrf_token": csrf}
        response = client.request(method, url, follow_redirects=False, **kwargs)
    assert response.status_code == 403, (response.status_code, response.text[:300])
    assert _audit_count(database, user_id=stranger, patient_id=env.patient_id, outcome="denied") >= 1
