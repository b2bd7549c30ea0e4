"""Identical audit rows within one transaction are written once; every distinct access stays."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.audit.models import AuditEvent
from kulisser.db import Database
from tests import factories

WHEN = datetime(2022, 2, 2, 9, 0, tzinfo=UTC)


def _rows(session: Session, user_id: int) -> list[tuple[object, ...]]:
    return [tuple(r) for r in session.execute(
        select(AuditEvent.patient_id, AuditEvent.action, AuditEvent.object_type,
               AuditEvent.object_id, AuditEvent.outcome)
        .where(AuditEvent.user_id == user_id).order_by(AuditEvent.id)).all()]


def test_identical_checks_in_one_transaction_write_one_row(database: Database) -> None:
    with database.session() as s:
        w = factories.make_world(s)
        me, p, q = factories.actor(s, w.secretary_id), w.patient_ids[0], w.patient_ids[1]
        for _ in range(3):  # one request reaching the same access through three helpers
            audit.check_access(s, actor=me, patient_id=p, action="read", object_type="patient",
                               object_id=p, now=WHEN)
        # Anything that differs is a distinct access and keeps its own row.
        audit.check_access(s, actor=me, patient_id=p, action="update", object_type="patient",
                           object_id=p, now=WHEN)
        audit.check_access(s, actor=me, patient_id=p, action="read", object_type="letter",
                           object_id=7, now=WHEN)
        audit.check_access(s, actor=me, patient_id=p, action="read", object_type="letter",
                           object_id=8, now=WHEN)
        audit.check_access(s, actor=me, patient_id=q, action="read", object_type="patient",
                           object_id=q, now=WHEN)
        other = factories.actor(s, w.secretary2_id)
        audit.check_access(s, actor=other, patient_id=p, action="read", object_type="patient",
                           object_id=p, now=WHEN)
        s.flush()
        assert _rows(s, w.secretary_id) == [
            (p, "read", "patient", str(p), "allowed"), (p, "update", "patient", str(p), "allowed"),
            (p, "read", "letter", "7", "allowed"), (p, "read", "letter", "8", "allowed"),
            (q, "read", "patient", str(q), "allowed")]
        assert _rows(s, w.secretary2_id) == [(p, "read", "patient", str(p), "allowed")]


def test_list_views_are_written_once_per_patient_and_do_not_hide_a_read(database: Database) -> None:
    with database.session() as s:
        w = factories.make_world(s)
        me = factories.actor(s, w.secretary_id)
        a, b, c = w.patient_ids
        audit.log_listing(s, actor=me, patient_ids=[a, b], object_type="worklist", now=WHEN)
        audit.log_listing(s, actor=me, patient_ids=[b, c, c], object_type="worklist", now=WHEN)
        audit.log_listing(s, actor=me, patient_ids=[a], object_type="letter", now=WHEN)
        audit.check_access(s, actor=me, patient_id=a, action="read", object_type="worklist",
                           now=WHEN)
        s.flush()
        assert sorted(_rows(s, w.secretary_id), key=str) == sorted([
            (a, "list", "worklist", None, "allowed"), (b, "list", "worklist", None, "allowed"),
            (c, "list", "worklist", None, "allowed"), (a, "list", "letter", None, "allowed"),
            (a, "read", "worklist", None, "allowed")], key=str)


def test_a_new_transaction_logs_the_same_access_again(database: Database) -> None:
    with database.session() as s:
        w = factories.make_world(s)
        uid, pid = w.secretary_id, w.patient_ids[0]
    for minutes in (0, 1):  # two requests: two accesses
        with database.session() as s:
            audit.check_access(s, actor=factories.actor(s, uid), patient_id=pid, action="read",
                               object_type="patient", object_id=pid,
                               now=WHEN + timedelta(minutes=minutes))
    with database.session() as s:
        assert len(_rows(s, uid)) == 2


def test_a_rolled_back_row_does_not_silence_the_next_access(database: Database) -> None:
    with database.session() as s:
        w = factories.make_world(s)
        uid, pid = w.secretary_id, w.patient_ids[0]
    with database.session() as s:
        me = factories.actor(s, uid)
        nested = s.begin_nested()
        audit.check_access(s, actor=me, patient_id=pid, action="read", object_type="patient",
                           object_id=pid, now=WHEN)
        nested.rollback()  # the savepoint's row is gone ...
        audit.check_access(s, actor=me, patient_id=pid, action="read", object_type="patient",
                           object_id=pid, now=WHEN)
    with database.session() as s:
        assert _rows(s, uid) == [(pid, "read", "patient", str(pid), "allowed")]  # ... this one stays
    with database.session() as s:
        me = factories.actor(s, uid)
        audit.check_access(s, actor=me, patient_id=pid, action="update", object_type="patient",
                           object_id=pid, now=WHEN)
        s.rollback()  # a whole request rolled back
        audit.check_access(s, actor=me, patient_id=pid, action="update", object_type="patient",
                           object_id=pid, now=WHEN)
    with database.session() as s:
        assert len(_rows(s, uid)) == 2


def test_emergency_reads_fold_the_same_way_and_keep_their_grant(database: Database) -> None:
    with database.session() as s:
        w = factories.make_world(s)
        me, pid = factories.actor(s, w.secretary_id), w.stranger_patient_id
        grant = audit.grant_emergency_access(s, actor=me, patient_id=pid,
                                             reason="Akut, medvetslös patient", minutes=30)
        for _ in range(2):
            audit.check_access(s, actor=me, patient_id=pid, action="read", object_type="patient",
                               object_id=pid)
        s.flush()
        rows = s.scalars(select(AuditEvent).where(AuditEvent.user_id == w.secretary_id,
                                                  AuditEvent.action == "read")).all()
        assert [(r.outcome, r.emergency_access_id) for r in rows] == [("emergency", grant.id)]


def test_a_listing_row_names_who_where_when_and_from_which_address(database: Database) -> None:
    # Many patients are written in one statement (on PostgreSQL an INSERT ... SELECT over the
    # ids): every row must still carry the whole actor, not only its patient.
    with database.session() as s:
        w = factories.make_world(s)
        me = replace(factories.actor(s, w.secretary_id), ip="192.0.2.7")
        audit.log_listing(s, actor=me, patient_ids=list(w.patient_ids), object_type="worklist",
                          now=WHEN)
        s.flush()
        rows = s.scalars(select(AuditEvent).where(AuditEvent.user_id == w.secretary_id)).all()
        assert sorted(r.patient_id for r in rows) == sorted(w.patient_ids)
        assert {(r.username, r.role, r.unit_id, r.ip, r.at.astimezone(UTC), r.action, r.outcome)
                for r in rows} == {(me.username, me.role.value, me.unit_id, "192.0.2.7", WHEN,
                                    "list", "allowed")}
