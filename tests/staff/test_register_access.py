"""Kulisser's own access follows the assignments: with a controlled clock, an assignment whose
last day has passed (midnight Swedish time) refuses the login's next request, with an audit row;
the periodic job ends the membership; a new password login is refused."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from kulisser.audit.models import AuditEvent
from kulisser.db import Database
from kulisser.jobs.context import JobContext
from kulisser.staff import jobs as staff_jobs
from kulisser.staff import service as staff
from kulisser.staff.models import Role, UnitMembership, User
from kulisser.web.deps import SESSION_COOKIE
from tests import conftest, factories
from tests.conftest import Client
from tests.staff.helpers import assignment, person

LAST_DAY = date(2026, 12, 4)
EVENING = datetime(2026, 12, 4, 22, 40, tzinfo=UTC)       # 23:40 in Stockholm, the last day
AFTER_MIDNIGHT = datetime(2026, 12, 4, 23, 5, tzinfo=UTC)  # 00:05 in Stockholm, the day after
MORNING = datetime(2026, 12, 5, 6, 30, tzinfo=UTC)         # 07:30 the next morning


class Clock:
    """The time the request plumbing reads (kulisser.web.deps.utcnow), set by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _leaver(database: Database, world: factories.World) -> int:
    with database.session() as db:
        manager = factories.actor(db, world.manager_id)
        user = factories.make_user(db, world.unit_id, Role.SECRETARY)
        p = person(db, manager, username=user.username)
        assignment(db, manager, p.id, start=date(2026, 1, 1), last_day=LAST_DAY, now=EVENING)
        return user.id


def _refusals(database: Database, user_id: int) -> list[AuditEvent]:
    with database.session() as db:
        return list(db.scalars(select(AuditEvent).where(
            AuditEvent.user_id == user_id, AuditEvent.object_type == "staff_assignment")))


def test_the_next_morning_the_login_is_refused_with_an_audit_row(
        app: FastAPI, database: Database, world: factories.World,
        monkeypatch: pytest.MonkeyPatch) -> None:
    user_id = _leaver(database, world)
    clock = Clock(EVENING)
    monkeypatch.setattr("kulisser.web.deps.utcnow", clock)
    with database.session() as db:
        user = db.get(User, user_id)
        assert user is not None
        cookie, _row = staff.start_session(db, user=user, now=EVENING)
        api_token = staff.create_api_token(db, user=user)
    with TestClient(app, base_url="http://testserver") as browser:
        browser.cookies.set(SESSION_COOKIE, cookie)
        assert browser.get("/arbetslista").status_code == 200
        assert browser.get("/api/v1/staff", headers={
            "Authorization": f"Bearer {api_token}"}).status_code == 200
        assert _refusals(database, user_id) == []
        # Five minutes past midnight: the page sends her to the login page, saying why.
        clock.now = AFTER_MIDNIGHT
        page = browser.get("/arbetslista", follow_redirects=False)
        assert page.status_code == 303
        assert page.headers["location"] == "/login?next=/arbetslista&uppdrag=slut"
        login = browser.get(page.headers["location"])
        assert "Ditt medarbetaruppdrag för vårdenheten gäller inte längre." in login.text
        # The next morning her API token is refused too (401, JSON).
        clock.now = MORNING
        answer = browser.get("/api/v1/staff", headers={"Authorization": f"Bearer {api_token}"})
        assert answer.status_code == 401
        assert answer.json()["error"] == "assignment_ended"
    rows = _refusals(database, user_id)
    assert [(r.action, r.outcome, r.unit_id, r.patient_id) for r in rows] == [
        ("login", "denied", world.unit_id, None)] * 2
    assert rows[0].reason == staff.AssignmentEnded(unit_id=world.unit_id).message


def test_the_job_ends_the_membership_and_a_new_login_is_refused(
        app: FastAPI, database: Database, world: factories.World,
        monkeypatch: pytest.MonkeyPatch) -> None:
    user_id = _leaver(database, world)
    with database.session() as db:
        # The evening of the last day the job leaves her membership; the next morning it goes.
        monkeypatch.setattr("kulisser.workdays.utcnow", lambda: EVENING)
        staff_jobs.sync_memberships(JobContext(session=db, settings=conftest.test_settings(database.url)))
        assert db.get(UnitMembership, (user_id, world.unit_id)) is not None
        monkeypatch.setattr("kulisser.workdays.utcnow", lambda: MORNING)
        staff_jobs.sync_memberships(JobContext(session=db, settings=conftest.test_settings(database.url)))
        assert db.get(UnitMembership, (user_id, world.unit_id)) is None
        user = db.get(User, user_id)
        assert user is not None
        username = user.username
    with TestClient(app, base_url="http://testserver") as browser:
        form = browser.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        answer = browser.post("/login", data={"username": username,
                                              "password": factories.PASSWORD,
                                              "csrf_token": token.group(1)},
                              follow_redirects=False)
        assert answer.status_code == 403
        assert "Du har inget giltigt medarbetaruppdrag i Kulisser." in answer.text
        assert SESSION_COOKIE not in answer.cookies


def test_a_login_without_assignments_is_unchanged(
        app: FastAPI, database: Database, world: factories.World,
        client_as: Client) -> None:
    secretary = client_as(world.secretary_id)
    assert secretary.get("/arbetslista").status_code == 200
    assert _refusals(database, world.secretary_id) == []
