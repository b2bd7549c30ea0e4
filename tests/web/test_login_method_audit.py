"""The login method travels from the session (or the API token) into every audit row."""

from __future__ import annotations

from dataclasses import replace

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.audit.models import AuditEvent
from kulisser.db import Database
from kulisser.staff import service as staff
from kulisser.staff.models import User
from kulisser.web.deps import SESSION_COOKIE
from tests import factories
from tests.factories import World

SITHS = "oidc acr=http://id.sambi.se/loa/loa3 amr=tls-client-cert"


def _rows(database: Database, patient_id: int) -> list[str | None]:
    with database.session() as session:
        return list(session.scalars(select(AuditEvent.login_method)
                                    .where(AuditEvent.patient_id == patient_id)
                                    .order_by(AuditEvent.id)))


def test_an_openid_session_writes_its_method_into_the_audit_rows(
        client: TestClient, database: Database, world: World) -> None:
    with database.session() as session:
        user = session.get(User, world.secretary_id)
        assert user is not None
        token, _row = staff.start_session(session, user=user, login_method=SITHS)
    client.cookies.set(SESSION_COOKIE, token)
    patient_id = world.patient_ids[0]
    assert client.get(f"/patienter/{patient_id}").status_code == 200
    assert _rows(database, patient_id) and set(_rows(database, patient_id)) == {SITHS}


def test_password_and_token_callers_are_told_apart(
        client: TestClient, database: Database, world: World) -> None:
    with database.session() as session:
        user = session.get(User, world.secretary_id)
        assert user is not None
        cookie, _row = staff.start_session(session, user=user)
        bearer = staff.create_api_token(session, user=user)
    first, second = world.patient_ids[1], world.patient_ids[2]
    client.cookies.set(SESSION_COOKIE, cookie)
    assert client.get(f"/patienter/{first}").status_code == 200
    client.cookies.clear()
    assert client.get(f"/api/v1/patients/{second}",
                      headers={"Authorization": "Bearer " + bearer}).status_code == 200
    assert set(_rows(database, first)) == {"password"}
    assert set(_rows(database, second)) == {"token"}


def test_listing_rows_written_in_one_statement_carry_it_too(db: Session, world: World) -> None:
    # On PostgreSQL a list's rows go in one INSERT ... SELECT unnest(...): the method rides along.
    actor = replace(factories.actor(db, world.secretary_id), login_method=SITHS)
    audit.log_listing(db, actor=actor, patient_ids=world.patient_ids, object_type="patient")
    db.flush()
    methods = db.scalars(select(AuditEvent.login_method).where(
        AuditEvent.action == "list", AuditEvent.user_id == world.secretary_id,
        AuditEvent.patient_id.in_(world.patient_ids))).all()
    assert len(methods) == len(world.patient_ids) and set(methods) == {SITHS}
