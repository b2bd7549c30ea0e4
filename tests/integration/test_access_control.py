"""The PDL access check: care relations, denials stored on their own, emergency access."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.audit.models import AuditEvent, EmergencyAccess
from kulisser.audit.service import AccessDenied
from kulisser.db import Database
from kulisser.patients.models import CareRelation
from kulisser.staff.actor import Actor
from kulisser.staff.models import Role, UnitMembership
from kulisser.web.deps import get_db
from kulisser.worklist.models import WorkItem
from tests import conftest, factories
from tests.factories import World

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def rows(database: Database, **where: Any) -> list[AuditEvent]:
    """Audit rows as a fresh connection sees them (i.e. committed)."""
    with database.session() as s:
        stmt = select(AuditEvent).where(*[getattr(AuditEvent, k) == v for k, v in where.items()])
        return list(s.scalars(stmt.order_by(AuditEvent.id)))


def test_allowed_access_is_logged_in_the_callers_transaction(database: Database,
                                                            world: World) -> None:
    pid = world.patient_ids[0]
    when = NOW + timedelta(seconds=1)
    with database.sessions() as s:
        me = factories.actor(s, world.secretary_id)
        access = audit.check_access(s, actor=me, patient_id=pid, action="read",
                                    object_type="patient", object_id=pid, now=when)
        assert access == audit.Access(patient_id=pid, emergency=False)
        s.flush()
        # Visible inside the transaction, not outside it yet.
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.user_id == me.user_id, AuditEvent.at == when)) == 1
        assert rows(database, user_id=me.user_id, at=when) == []
        s.rollback()  # the caller's work failed: the log row goes with it
    assert rows(database, user_id=world.secretary_id, at=when) == []

    with database.session() as s:
        me = factories.actor(s, world.secretary_id)
        audit.check_access(s, actor=me, patient_id=pid, action="update",
                           object_type="work_item", object_id=42, now=when)
    [row] = rows(database, user_id=world.secretary_id, at=when)
    assert (row.patient_id, row.action, row.object_type, row.object_id, row.outcome, row.unit_id,
            row.username, row.role, row.emergency_access_id) == (
        pid, "update", "work_item", "42", "allowed", world.unit_id, me.username, "secretary", None)


def test_no_care_relation_is_denied_and_writes_nothing_itself(db: Session) -> None:
    w = factories.make_world(db)
    me = factories.actor(db, w.secretary_id)
    with pytest.raises(AccessDenied) as err:
        audit.check_access(db, actor=me, patient_id=w.stranger_patient_id, action="read",
                           object_type="patient", now=NOW)
    assert err.value.patient_id == w.stranger_patient_id
    assert err.value.row["outcome"] == "denied" and err.value.row["user_id"] == me.user_id
    db.flush()
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.user_id == me.user_id)) == 0


def test_get_db_stores_the_denial_and_rolls_back_the_rest(database: Database, world: World) -> None:
    # Just enough of a Request for the dependency: the app's database and a per-request state.
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(db=database)),
                              state=SimpleNamespace())
    gen = get_db(request)
    session = next(gen)
    me = factories.actor(session, world.secretary_id)
    when = NOW + timedelta(seconds=2)
    # Work the request did before the denied read: it must not survive.
    audit.check_access(session, actor=me, patient_id=world.patient_ids[0], action="read",
                       object_type="patient", now=when)
    item = WorkItem(kind="task", title="Ska rullas tillbaka", unit_id=world.unit_id, priority="normal",
                    due_at=NOW)
    session.add(item)
    session.flush()
    item_id = item.id
    with pytest.raises(AccessDenied) as err:
        audit.check_access(session, actor=me, patient_id=world.stranger_patient_id, action="read",
                           object_type="patient", object_id=world.stranger_patient_id, now=when)
    with pytest.raises(AccessDenied):
        gen.throw(err.value)
    [denied] = rows(database, user_id=me.user_id, at=when)
    assert (denied.outcome, denied.patient_id, denied.object_id, denied.unit_id) == (
        "denied", world.stranger_patient_id, str(world.stranger_patient_id), world.unit_id)
    with database.session() as s:
        assert s.get(WorkItem, item_id) is None


def test_a_denied_page_view_is_stored(app: Any, database: Database, world: World) -> None:
    with TestClient(app, base_url="http://testserver") as c:
        factories.login_client(c, database, world.secretary_id)
        before = len(rows(database, user_id=world.secretary_id, outcome="denied"))
        r = c.get(f"/patienter/{world.stranger_patient_id}")
        assert r.status_code == 403
    denied = rows(database, user_id=world.secretary_id, outcome="denied")
    assert len(denied) == before + 1
    assert denied[-1].patient_id == world.stranger_patient_id


def test_emergency_access_needs_a_reason_and_expires(database: Database, db: Session) -> None:
    w = factories.make_world(db)
    me = factories.actor(db, w.secretary_id)
    colleague = factories.actor(db, w.secretary2_id)
    minutes = conftest.test_settings(database.url).emergency_access_minutes
    pid = w.stranger_patient_id
    for short in ("", "   ", "akut"):
        with pytest.raises(ValueError, match="minst 5 tecken"):
            audit.grant_emergency_access(db, actor=me, patient_id=pid, reason=short, minutes=minutes,
                                         now=NOW)
    assert db.scalar(select(func.count()).select_from(EmergencyAccess).where(
        EmergencyAccess.user_id == me.user_id)) == 0
    grant = audit.grant_emergency_access(db, actor=me, patient_id=pid, minutes=minutes, now=NOW,
                                         reason="  Patienten medvetslös på akuten  ")
    assert (grant.reason, grant.granted_at, grant.expires_at, grant.reviewed_at) == (
        "Patienten medvetslös på akuten", NOW, NOW + timedelta(minutes=minutes), None)
    just_before = NOW + timedelta(minutes=minutes) - timedelta(seconds=1)
    access = audit.check_access(db, actor=me, patient_id=pid, action="read",
                                object_type="patient", now=just_before)
    assert access.emergency
    db.flush()
    logged = list(db.scalars(select(AuditEvent).where(AuditEvent.user_id == me.user_id)
                             .order_by(AuditEvent.id)))
    assert [(r.action, r.outcome, r.emergency_access_id, r.reason) for r in logged] == [
        ("emergency", "emergency", grant.id, grant.reason),  # the grant itself
        ("read", "emergency", grant.id, grant.reason),
    ]
    # The grant is personal and for one patient.
    with pytest.raises(AccessDenied):
        audit.check_access(db, actor=colleague, patient_id=pid, action="read",
                           object_type="patient", now=NOW)
    other_patient = factories.make_patient(db, w.other_unit_id)
    with pytest.raises(AccessDenied):
        audit.check_access(db, actor=me, patient_id=other_patient.id, action="read",
                           object_type="patient", now=NOW)
    # And it runs out.
    for later in (NOW + timedelta(minutes=minutes), NOW + timedelta(days=1)):
        with pytest.raises(AccessDenied):
            audit.check_access(db, actor=me, patient_id=pid, action="read",
                               object_type="patient", now=later)
    assert audit.active_emergency_access(db, actor=me, patient_id=pid, now=just_before) == grant
    assert audit.active_emergency_access(
        db, actor=me, patient_id=pid, now=NOW + timedelta(minutes=minutes)) is None


def test_an_ended_care_relation_no_longer_grants_access(db: Session) -> None:
    w = factories.make_world(db)
    me = factories.actor(db, w.secretary_id)
    pid = w.patient_ids[0]
    audit.check_access(db, actor=me, patient_id=pid, action="read", object_type="patient", now=NOW)
    rel = db.scalar(select(CareRelation).where(CareRelation.unit_id == w.unit_id,
                                               CareRelation.patient_id == pid))
    assert rel is not None
    rel.ended_at = NOW
    db.flush()
    assert not audit.has_care_relation(db, unit_id=w.unit_id, patient_id=pid)
    with pytest.raises(AccessDenied):
        audit.check_access(db, actor=me, patient_id=pid, action="read", object_type="patient",
                           now=NOW + timedelta(minutes=1))
    # Other patients of the unit are unaffected.
    audit.check_access(db, actor=me, patient_id=w.patient_ids[1], action="read",
                       object_type="patient", now=NOW)


def test_access_follows_the_unit_the_user_works_in_now(db: Session) -> None:
    w = factories.make_world(db)
    user = factories.make_user(db, w.unit_id, Role.SECRETARY)
    db.add(UnitMembership(user_id=user.id, unit_id=w.other_unit_id))
    db.flush()
    db.refresh(user)
    here = factories.actor_for(user, w.unit_id)
    there = factories.actor_for(user, w.other_unit_id)
    with pytest.raises(AccessDenied):
        audit.check_access(db, actor=here, patient_id=w.stranger_patient_id, action="read",
                           object_type="patient", now=NOW)
    assert not audit.check_access(db, actor=there, patient_id=w.stranger_patient_id, action="read",
                                  object_type="patient", now=NOW).emergency
    with pytest.raises(AccessDenied):
        audit.check_access(db, actor=there, patient_id=w.patient_ids[0], action="read",
                           object_type="patient", now=NOW)


def test_a_care_relation_found_once_per_transaction_still_logs_every_check(
        database: Database, world: World) -> None:
    pid = world.patient_ids[0]
    when = NOW + timedelta(seconds=7)
    with database.sessions() as s:
        me = factories.actor(s, world.secretary_id)
        for n in range(3):
            audit.check_access(s, actor=me, patient_id=pid, action="read",
                               object_type="letter", object_id=n, now=when)
        s.commit()
    assert [r.object_id for r in rows(database, user_id=world.secretary_id, at=when)] == ["0", "1", "2"]


def _read_patient(s: Session, me: Actor, pid: int, when: datetime) -> audit.Access:
    return audit.check_access(s, actor=me, patient_id=pid, action="read", object_type="patient",
                              object_id=pid, now=when)


def _relation(s: Session, world: World, pid: int) -> CareRelation:
    return s.scalars(select(CareRelation).where(
        CareRelation.unit_id == world.unit_id, CareRelation.patient_id == pid)).one()


def test_an_ended_care_relation_is_refused_in_the_same_transaction_and_the_next(
        database: Database, world: World) -> None:
    """What the check remembered within a transaction never outlives a change to the relation."""
    pid = world.patient_ids[1]
    when = NOW + timedelta(seconds=8)
    with database.sessions() as s:
        me = factories.actor(s, world.secretary_id)
        _read_patient(s, me, pid, when)
        _relation(s, world, pid).ended_at = when  # changed in this transaction, before the next check
        with pytest.raises(AccessDenied):
            _read_patient(s, me, pid, when)
        s.rollback()
        # A new transaction asks the database again (the relation is open there).
        assert _read_patient(s, me, pid, when).emergency is False
        _relation(s, world, pid).ended_at = when
        s.commit()
    with database.sessions() as s:
        me = factories.actor(s, world.secretary_id)
        with pytest.raises(AccessDenied):
            _read_patient(s, me, pid, when)


def test_a_care_relation_ended_by_an_update_statement_is_refused_at_once(
        database: Database, world: World) -> None:
    pid = world.patient_ids[2]
    when = NOW + timedelta(seconds=9)
    with database.sessions() as s:
        me = factories.actor(s, world.secretary_id)
        _read_patient(s, me, pid, when)
        s.execute(update(CareRelation).where(CareRelation.unit_id == world.unit_id,
                                             CareRelation.patient_id == pid).values(ended_at=when))
        with pytest.raises(AccessDenied):
            _read_patient(s, me, pid, when)
        s.rollback()
