"""CSRF: every state-changing route refuses a cookie session without the session's token.

The suite walks the app's POST/PUT/PATCH/DELETE routes (POST /login has its own pre-login token,
tested in test_login.py). Routes in CALLS are called with real ids, refused without the token,
and shown to work with it; any other unsafe route (a new one) is still called with placeholder
ids and must be refused, so none escapes the check.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.audit import service as audit
from kulisser.audit.models import AuditEvent, EmergencyAccess
from kulisser.db import Base, Database, utcnow
from kulisser.patients.models import Patient
from kulisser.staff import service as staff
from kulisser.staff.models import UnitMembership, User, UserSession
from kulisser.worklist import service as worklist
from kulisser.worklist.models import DeadlineRule, WorkItem
from tests import factories
from tests.factories import PASSWORD, login_client
from tests.web.test_route_coverage import app_routes

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Before a session exists: the login form's and the OpenID unit choice's own tokens (from the
# prelogin cookie; from the signed choice cookie, tests/integration/test_oidc_flow.py).
EXEMPT = {("POST", "/login"), ("POST", "/login/enhet")}
CSRF_PAGE_TEXT = "Formuläret har gått ut"


@dataclass
class Env:
    """A world with records in every state the unsafe routes act on."""

    world: factories.World
    item_id: int  # requested, in the unit's queue
    accepted_id: int  # claimed by the manager
    held_id: int  # on hold
    event_id: int  # an audit row of the unit
    access_id: int  # an emergency access of the unit, not yet followed up

    @property
    def patient_id(self) -> int:
        """A patient of the unit."""
        return self.world.patient_ids[0]


@pytest.fixture()
def env(database: Database, world: factories.World) -> Env:
    with database.session() as s:
        # The manager works in both units, so that switching unit is a real change.
        s.add(UnitMembership(user_id=world.manager_id, unit_id=world.other_unit_id))
        s.flush()
        manager = factories.actor(s, world.manager_id)
        secretary = factories.actor(s, world.secretary_id)

        def item(state: str) -> int:
            it = worklist.create_item(s, actor=manager, kind="task", title="CSRF-test",
                                      patient_id=world.patient_ids[0])
            if state != "requested":
                it.claim(actor_id=manager.user_id, now=utcnow())
            if state == "on-hold":
                it.hold(actor_id=manager.user_id, reason="Väntar", now=utcnow())
            s.flush()
            return it.id

        ids = item("requested"), item("accepted"), item("on-hold")
        grant = audit.grant_emergency_access(s, actor=secretary, patient_id=world.stranger_patient_id,
                                             reason="Akut besök", minutes=30)
        s.flush()
        event_id = s.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.unit_id == world.unit_id))
        assert event_id is not None
        return Env(world, *ids, event_id=event_id, access_id=grant.id)


Call = Callable[[Env], tuple[str, dict[str, Any]]]
DUE = (utcnow() + timedelta(days=5)).isoformat()


def _patient_form(e: Env) -> dict[str, Any]:
    return {"data": {"identifier": factories.new_personnummer(), "given_name": "Ny",
                     "family_name": factories.unique("Csrf"), "care_reason": "seeks_care"}}


# Every unsafe route with a call that succeeds when the token is sent.
CALLS: dict[tuple[str, str], Call] = {
    ("POST", "/logout"): lambda e: ("/logout", {"data": {}}),
    ("POST", "/konto/losenord"): lambda e: ("/konto/losenord", {"data": {
        "current_password": PASSWORD, "new_password": "ett-nytt-losenord",
        "repeat_password": "ett-nytt-losenord"}}),
    ("POST", "/enhet/byt"): lambda e: ("/enhet/byt", {"data": {"unit_id": str(e.world.other_unit_id)}}),
    ("POST", "/enhet/regler"): lambda e: ("/enhet/regler", {"data": {"h_task_normal": "30"}}),
    ("POST", "/patienter/ny"): lambda e: ("/patienter/ny", _patient_form(e)),
    ("POST", "/patienter/{patient_id}/redigera"): lambda e: (
        f"/patienter/{e.patient_id}/redigera",
        {"data": {"given_name": "Ändrad", "family_name": "Namn", "phone": "070-999 88 77"}}),
    ("POST", "/patienter/{patient_id}/nodatkomst"): lambda e: (
        f"/patienter/{e.world.stranger_patient_id}/nodatkomst", {"data": {"reason": "Akut besök"}}),
    ("POST", "/reception/meddelande"): lambda e: ("/reception/meddelande", {"data": {
        "caller_name": "Någon", "caller_relation": "patient", "phone": "070-111 22 33",
        "message": "Ring mig", "priority": "normal", "patient_id": str(e.patient_id)}}),
    ("POST", "/arbetslista/ny"): lambda e: ("/arbetslista/ny", {"data": {
        "kind": "task", "title": "Ny uppgift", "priority": "normal", "patient_id": str(e.patient_id)}}),
    ("POST", "/arenden/{item_id}/atgard/{operation}"): lambda e: (
        f"/arenden/{e.item_id}/atgard/claim", {"data": {}}),
    ("POST", "/arenden/{item_id}/kommentar"): lambda e: (
        f"/arenden/{e.item_id}/kommentar", {"data": {"comment": "Ringt"}}),
    ("POST", "/arenden/{item_id}/forfallotid"): lambda e: (
        f"/arenden/{e.item_id}/forfallotid", {"data": {"due_at": "2031-01-02T10:00",
                                                       "due_reason": "Semester"}}),
    ("POST", "/logg/stickprov"): lambda e: ("/logg/stickprov", {"data": {"n": "5"}}),
    ("POST", "/logg/nodatkomst/{access_id}/granska"): lambda e: (
        f"/logg/nodatkomst/{e.access_id}/granska", {"data": {"comment": "Befogad"}}),
    ("POST", "/logg/{event_id}/granska"): lambda e: (
        f"/logg/{e.event_id}/granska", {"data": {"comment": "Granskad, ok"}}),
    # API
    ("POST", "/api/v1/patients"): lambda e: ("/api/v1/patients", {"json": _patient_form(e)["data"]}),
    ("PATCH", "/api/v1/patients/{patient_id}"): lambda e: (
        f"/api/v1/patients/{e.patient_id}", {"json": {"phone": "070-999 88 77"}}),
    ("POST", "/api/v1/patients/{patient_id}/emergency-access"): lambda e: (
        f"/api/v1/patients/{e.world.stranger_patient_id}/emergency-access",
        {"json": {"reason": "Akut bedömning"}}),
    ("POST", "/api/v1/work-items"): lambda e: ("/api/v1/work-items", {"json": {
        "kind": "task", "title": "Ny", "patient_id": e.patient_id}}),
    ("POST", "/api/v1/work-items/{item_id}/claim"): lambda e: (
        f"/api/v1/work-items/{e.item_id}/claim", {}),
    ("POST", "/api/v1/work-items/{item_id}/assign"): lambda e: (
        f"/api/v1/work-items/{e.item_id}/assign", {"json": {"to_user_id": e.world.secretary2_id}}),
    ("POST", "/api/v1/work-items/{item_id}/handover"): lambda e: (
        f"/api/v1/work-items/{e.accepted_id}/handover",
        {"json": {"to_user_id": e.world.secretary2_id, "reason": "Semester"}}),
    ("POST", "/api/v1/work-items/{item_id}/start"): lambda e: (
        f"/api/v1/work-items/{e.item_id}/start", {}),
    ("POST", "/api/v1/work-items/{item_id}/hold"): lambda e: (
        f"/api/v1/work-items/{e.item_id}/hold", {"json": {"reason": "Väntar på svar"}}),
    ("POST", "/api/v1/work-items/{item_id}/resume"): lambda e: (
        f"/api/v1/work-items/{e.held_id}/resume", {}),
    ("POST", "/api/v1/work-items/{item_id}/complete"): lambda e: (
        f"/api/v1/work-items/{e.item_id}/complete", {"json": {}}),
    ("POST", "/api/v1/work-items/{item_id}/cancel"): lambda e: (
        f"/api/v1/work-items/{e.item_id}/cancel", {"json": {"reason": "Dubblett"}}),
    ("POST", "/api/v1/work-items/{item_id}/error"): lambda e: (
        f"/api/v1/work-items/{e.item_id}/error", {"json": {"reason": "Fel patient"}}),
    ("POST", "/api/v1/work-items/{item_id}/comments"): lambda e: (
        f"/api/v1/work-items/{e.item_id}/comments", {"json": {"text": "Ringt"}}),
    ("POST", "/api/v1/work-items/{item_id}/due"): lambda e: (
        f"/api/v1/work-items/{e.item_id}/due", {"json": {"due_at": DUE, "reason": "Semester"}}),
}


def _normal(path: str) -> str:
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


def _unsafe_routes(app: FastAPI) -> set[tuple[str, str]]:
    return {(m, _normal(p)) for m, p in app_routes(app) if m in UNSAFE} - EXEMPT


def test_the_calls_name_existing_routes(app: FastAPI) -> None:
    unsafe = _unsafe_routes(app)
    assert len(unsafe) > 20
    stale = sorted(set(CALLS) - unsafe)
    assert not stale, f"these routes no longer exist: {stale}"


def snapshot(database: Database, world: factories.World) -> dict[str, Any]:
    """Row counts of every table, and the world's rows that a request could change in place."""
    users = [world.secretary_id, world.secretary2_id, world.clinician_id, world.manager_id]
    patients = [*world.patient_ids, world.stranger_patient_id]
    with database.session() as s:
        state: dict[str, Any] = {
            t.name: s.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables}
        state["items"] = s.execute(select(
            WorkItem.id, WorkItem.status, WorkItem.owner_id, WorkItem.due_at, WorkItem.title)
            .where(WorkItem.unit_id == world.unit_id).order_by(WorkItem.id)).all()
        state["patients"] = s.execute(select(
            Patient.id, Patient.given_name, Patient.family_name, Patient.phone, Patient.address)
            .where(Patient.id.in_(patients)).order_by(Patient.id)).all()
        state["passwords"] = s.execute(select(User.id, User.password_hash)
                                       .where(User.id.in_(users)).order_by(User.id)).all()
        state["sessions"] = s.execute(select(UserSession.token_hash, UserSession.unit_id)
                                      .where(UserSession.user_id.in_(users))
                                      .order_by(UserSession.token_hash)).all()
        state["emergency"] = s.execute(select(
            EmergencyAccess.id, EmergencyAccess.reviewed_at, EmergencyAccess.review_comment)
            .where(EmergencyAccess.unit_id == world.unit_id).order_by(EmergencyAccess.id)).all()
        state["rules"] = s.execute(select(DeadlineRule.kind, DeadlineRule.priority, DeadlineRule.hours)
                                   .where(DeadlineRule.unit_id == world.unit_id)
                                   .order_by(DeadlineRule.id)).all()
    return state


def assert_csrf_refused(response: Any, url: str) -> None:
    """A 403 that says the form expired (page) or {"error": "csrf"} (API)."""
    assert response.status_code == 403, (url, response.status_code, response.text[:300])
    if url.startswith("/api/"):
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["error"] == "csrf"
    else:
        assert response.headers["content-type"].startswith("text/html")
        assert CSRF_PAGE_TEXT in response.text


@pytest.fixture()
def manager_session(app: FastAPI, database: Database, env: Env) -> Iterator[tuple[TestClient, str]]:
    """A client with the manager's cookie session but no X-CSRF-Token header; and the token."""
    with TestClient(app) as client:
        csrf = login_client(client, database, env.world.manager_id)
        del client.headers["X-CSRF-Token"]
        yield client, csrf


@pytest.mark.parametrize("route", sorted(CALLS), ids=lambda r: f"{r[0]} {r[1]}")
def test_unsafe_route_without_token_is_refused_and_changes_nothing(
        route: tuple[str, str], database: Database, env: Env,
        manager_session: tuple[TestClient, str]) -> None:
    client, csrf = manager_session
    method, _path = route
    url, kwargs = CALLS[route](env)
    before = snapshot(database, env.world)
    refused = client.request(method, url, follow_redirects=False, **kwargs)
    assert_csrf_refused(refused, url)
    assert snapshot(database, env.world) == before, f"{method} {url} changed data without a token"
    # The same call with the token goes through: the refusal above was the token's doing.
    if "data" in kwargs:
        kwargs["data"] = {**kwargs["data"], "csrf_token": csrf}
    else:
        kwargs["headers"] = {"X-CSRF-Token": csrf}
    allowed = client.request(method, url, follow_redirects=False, **kwargs)
    assert allowed.status_code < 400, (url, allowed.status_code, allowed.text[:300])
    assert snapshot(database, env.world) != before


def test_routes_without_a_call_refuse_too(app: FastAPI, database: Database, env: Env,
                                           manager_session: tuple[TestClient, str]) -> None:
    """Unsafe routes not in CALLS (new ones) are still walked, with placeholder ids and body."""
    client, _csrf = manager_session
    others = sorted(_unsafe_routes(app) - set(CALLS))
    for method, path in others:
        url = re.sub(r"\{\w+\}", "1", path)
        before = snapshot(database, env.world)
        assert_csrf_refused(client.request(method, url, json={}, follow_redirects=False), url)
        assert snapshot(database, env.world) == before, f"{method} {url} changed data"


def _item_count(database: Database, world: factories.World) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(WorkItem)
                        .where(WorkItem.unit_id == world.unit_id)) or 0


@pytest.mark.parametrize("variant", ["wrong-header", "empty-header", "other-session", "in-json-body",
                                     "text-plain", "wrong-form-field"])
def test_wrong_token_is_refused(variant: str, app: FastAPI, database: Database, env: Env,
                                manager_session: tuple[TestClient, str]) -> None:
    client, csrf = manager_session
    with TestClient(app) as other:
        other_csrf = login_client(other, database, env.world.manager_id)
    assert other_csrf != csrf
    body = {"kind": "task", "title": "Förfalskad", "patient_id": env.patient_id}
    url = "/api/v1/work-items"
    kwargs: dict[str, Any] = {"json": body}
    if variant == "wrong-header":
        kwargs["headers"] = {"X-CSRF-Token": csrf[:-2] + "xx"}
    elif variant == "empty-header":
        kwargs["headers"] = {"X-CSRF-Token": ""}
    elif variant == "other-session":  # the same user's token from another browser
        kwargs["headers"] = {"X-CSRF-Token": other_csrf}
    elif variant == "in-json-body":  # only the header counts for JSON
        kwargs["json"] = {**body, "csrf_token": csrf}
    elif variant == "text-plain":  # the cross-site "simple request" trick against JSON APIs
        import json

        kwargs = {"content": json.dumps(body), "headers": {"Content-Type": "text/plain"}}
    else:
        url = "/arbetslista/ny"
        kwargs = {"data": {"kind": "task", "title": "Förfalskad", "priority": "normal",
                           "csrf_token": other_csrf}}
    before = _item_count(database, env.world)
    assert_csrf_refused(client.post(url, follow_redirects=False, **kwargs), url)
    assert _item_count(database, env.world) == before


def test_bearer_token_needs_no_csrf_token(app: FastAPI, database: Database, env: Env) -> None:
    with database.session() as s:
        user = s.get(User, env.world.secretary_id)
        assert user is not None
        token = staff.create_api_token(s, user=user, label="csrf-test")
    auth = {"Authorization": f"Bearer {token}"}
    before = _item_count(database, env.world)
    with TestClient(app) as client:
        created = client.post("/api/v1/work-items", headers=auth,
                              json={"kind": "task", "title": "Via token", "patient_id": env.patient_id})
        assert created.status_code == 201, created.text
        item_id = created.json()["id"]
        claimed = client.post(f"/api/v1/work-items/{item_id}/claim", headers=auth)
        assert claimed.status_code == 200 and claimed.json()["status"] == "accepted"
        patched = client.patch(f"/api/v1/patients/{env.patient_id}", headers=auth,
                               json={"phone": "070-222 33 44"})
        assert patched.status_code == 200 and patched.json()["phone"] == "070-222 33 44"
        # A wrong bearer token is not a login at all.
        bad = client.post("/api/v1/work-items", headers={"Authorization": f"Bearer {token}x"},
                          json={"kind": "task", "title": "Nej"})
        assert bad.status_code == 401
    assert _item_count(database, env.world) == before + 1
