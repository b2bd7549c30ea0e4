"""The access log in the database: append-only triggers, review services, log queries, chart."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from kulisser.audit import chart, queries, samples
from kulisser.audit import service as audit
from kulisser.audit.models import AuditEvent, AuditReview
from kulisser.db import Database
from kulisser.errors import NotFound, ValidationFailed
from kulisser.patients.models import CareRelation, Patient
from kulisser.staff.actor import Actor
from kulisser.staff.models import Role
from tests import factories
from tests.conftest import backend
from tests.factories import World

TZ = ZoneInfo("Europe/Stockholm")


def at(y: int, mo: int, d: int, h: int = 12, mi: int = 0) -> datetime:
    """A Stockholm wall-clock time as UTC."""
    return datetime(y, mo, d, h, mi, tzinfo=TZ).astimezone(UTC)


def access(s: Session, user_id: int, patient_id: int, when: datetime) -> int:
    """Run the real access check and return the id of the audit row it wrote."""
    try:
        audit.check_access(s, actor=factories.actor(s, user_id), patient_id=patient_id,
                           action="read", object_type="patient", object_id=patient_id, now=when)
    except audit.AccessDenied as denied:
        audit.write_denied(s, denied)
    # Each access is a request of its own: identical rows within one transaction are folded.
    s.commit()
    eid = s.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.user_id == user_id,
                                                        AuditEvent.at == when))
    assert eid is not None
    return eid


def manager(s: Session, world: World) -> Actor:
    return factories.actor(s, world.manager_id)


def test_audit_rows_cannot_be_updated(database: Database, db: Session, world: World) -> None:
    with database.session() as s:
        eid = access(s, world.secretary_id, world.patient_ids[0], at(2024, 1, 2))
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text("UPDATE audit_event SET reason = 'rewritten' WHERE id = :id"), {"id": eid})
    db.rollback()
    assert db.scalar(select(AuditEvent.reason).where(AuditEvent.id == eid)) is None


def test_audit_rows_cannot_be_deleted(database: Database, db: Session, world: World) -> None:
    with database.session() as s:
        eid = access(s, world.secretary_id, world.patient_ids[0], at(2024, 1, 3))
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": eid})
    db.rollback()
    assert db.get(AuditEvent, eid) is not None
    if backend() == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"):
            db.execute(text("TRUNCATE audit_event CASCADE"))
        db.rollback()
        assert db.get(AuditEvent, eid) is not None


def test_review_is_documented_only_for_rows_of_own_units(db: Session, world: World) -> None:
    mine = access(db, world.secretary_id, world.patient_ids[0], at(2024, 2, 1))
    outsider = factories.make_user(db, world.other_unit_id).id
    foreign = access(db, outsider, world.stranger_patient_id, at(2024, 2, 1, 13))
    boss = manager(db, world)
    with pytest.raises(NotFound):
        audit.review_event(db, actor=boss, event_id=foreign, comment="Ser bra ut.")
    with pytest.raises(ValidationFailed) as empty:
        audit.review_event(db, actor=boss, event_id=mine, comment="   ")
    assert "comment" in empty.value.errors
    with pytest.raises(ValidationFailed):
        audit.review_event(db, actor=boss, event_id=mine, comment="x" * 2001)
    sample = audit.record_sample(db, actor=boss, event_ids=[foreign], criteria="test")
    with pytest.raises(NotFound):  # the row is not in that sample
        audit.review_event(db, actor=boss, event_id=mine, comment="ok", sample_id=sample.id)
    review = audit.review_event(db, actor=boss, event_id=mine, comment="  Befogad.  ")
    assert (review.comment, review.reviewer_id, review.sample_id) == ("Befogad.", boss.user_id, None)
    # The audit row itself is unchanged: the review lives beside it.
    assert db.scalar(select(func.count()).select_from(AuditReview)
                     .where(AuditReview.audit_event_id == mine)) == 1


def test_emergency_follow_up_happens_once(db: Session, world: World) -> None:
    grant = audit.grant_emergency_access(db, actor=factories.actor(db, world.clinician_id),
                                         patient_id=world.stranger_patient_id,
                                         reason="Medvetslös patient", minutes=15)
    boss = manager(db, world)
    done = audit.follow_up_emergency(db, actor=boss, access_id=grant.id, comment="Befogad.")
    assert done.reviewed_at is not None and done.reviewer_id == boss.user_id
    with pytest.raises(ValidationFailed, match="redan uppföljd"):
        audit.follow_up_emergency(db, actor=boss, access_id=grant.id, comment="Igen.")
    other_boss = factories.actor(db, factories.make_user(db, world.other_unit_id,
                                                         Role.MANAGER).id)
    with pytest.raises(NotFound):
        audit.follow_up_emergency(db, actor=other_boss, access_id=grant.id, comment="Inte min.")


def test_batches_cover_every_row_once_even_with_equal_times(db: Session, world: World) -> None:
    same = at(2024, 3, 5, 10)
    made = [access(db, uid, world.patient_ids[0], same)
            for uid in (world.secretary_id, world.secretary2_id, world.clinician_id)]
    made += [access(db, world.secretary_id, world.patient_ids[1], at(2024, 3, 5, 11 + i))
             for i in range(4)]
    f = queries.AuditFilter(date_from=date(2024, 3, 5), date_to=date(2024, 3, 5))
    batches = list(queries.iter_events(db, actor=manager(db, world), f=f, batch=3))
    seen = [r.event.id for b in batches for r in b]
    assert [len(b) for b in batches] == [3, 3, 1]
    assert sorted(seen) == sorted(made) and len(set(seen)) == len(seen)
    times = [r.event.at for b in batches for r in b]
    assert times == sorted(times, reverse=True)


def test_identifier_filter_resolves_numbers_and_reservnummer(db: Session, world: World) -> None:
    res = Patient(id_kind="reservnummer", id_value=factories.unique("RES").upper())
    res.set_name(given_name="Okänd", family_name="Man")
    db.add(res)
    db.flush()
    db.add(CareRelation(unit_id=world.unit_id, patient_id=res.id))
    db.flush()
    e = access(db, world.secretary_id, res.id, at(2024, 4, 1))
    boss = manager(db, world)
    f = queries.filter_from_params(db, {"identifier": res.id_value.lower()})
    assert f.patient_id == res.id and not f.identifier
    assert [r.event.id for r in queries.list_events(db, actor=boss, f=f).rows] == [e]
    unknown = factories.new_personnummer()  # valid, but no such patient
    g = queries.filter_from_params(db, {"identifier": unknown})
    assert g.identifier and queries.list_events(db, actor=boss, f=g).rows == []
    with pytest.raises(ValidationFailed) as bad:
        queries.filter_from_params(db, {"identifier": "19121212-1213", "date_from": "2024-13-01"})
    assert set(bad.value.errors) == {"identifier", "date_from"}


def test_random_sample_is_distinct_and_inside_the_filter(db: Session, world: World) -> None:
    inside = {access(db, world.secretary2_id, world.patient_ids[i % 3], at(2024, 5, 6, 8, i))
              for i in range(40)}
    access(db, world.clinician_id, world.patient_ids[0], at(2024, 5, 6, 9))
    f = queries.AuditFilter(user_id=world.secretary2_id, date_from=date(2024, 5, 6),
                            date_to=date(2024, 5, 6))
    boss = manager(db, world)
    drawn = samples.draw_ids(db, actor=boss, f=f, n=15)
    assert len(drawn) == 15 and len(set(drawn)) == 15 and set(drawn) <= inside
    assert set(samples.draw_ids(db, actor=boss, f=f, n=500)) == inside  # capped at 200, 40 exist
    criteria = samples.describe(db, actor=boss, f=f, drawn=15, matched=40)
    assert "2024-05-06" in criteria and "15 av 40" in criteria


def test_chart_counts_local_days_across_daylight_saving(db: Session, world: World) -> None:
    # Summer time began in Sweden at 02:00 on 2024-03-31.
    access(db, world.secretary_id, world.patient_ids[0], at(2024, 3, 30, 23, 30))
    access(db, world.secretary_id, world.patient_ids[0], at(2024, 3, 31, 0, 30))
    access(db, world.secretary_id, world.patient_ids[0], at(2024, 3, 31, 23, 30))
    access(db, world.secretary_id, world.stranger_patient_id, at(2024, 4, 1, 0, 15))
    f = queries.AuditFilter(user_id=world.secretary_id)
    counts = chart.daily_counts(db, actor=manager(db, world), f=f, first=date(2024, 3, 30),
                                last=date(2024, 4, 1))
    assert counts == {date(2024, 3, 30): {"allowed": 1}, date(2024, 3, 31): {"allowed": 2},
                      date(2024, 4, 1): {"denied": 1}}


def test_chart_layout_is_proportional_and_bounded() -> None:
    first = date(2024, 1, 1)
    c = chart.layout(first, first + timedelta(days=2),
                     {first: {"allowed": 6, "denied": 2}, first + timedelta(days=2): {"emergency": 3}})
    assert c.total == 11 and c.peak is not None and c.peak.day == first
    allowed, denied = c.days[0].bars
    assert (allowed.outcome, denied.outcome) == ("allowed", "denied")
    assert allowed.height == pytest.approx(3 * denied.height)
    assert denied.y + denied.height == pytest.approx(allowed.y)  # stacked
    assert c.days[1].bars == []
    assert all(top >= 0 for _v, top in c.ticks) and c.ticks[0] == (0, c.base)
    f = queries.AuditFilter(date_from=date(2023, 1, 1), date_to=date(2023, 12, 31))
    first_day, last_day, truncated = chart.period(f, date(2024, 6, 1))
    assert truncated and (last_day - first_day).days + 1 == chart.MAX_DAYS
    assert last_day == date(2023, 12, 31)
    assert chart.period(replace(f, date_from=None, date_to=None), date(2024, 6, 1))[:2] == (
        date(2024, 5, 3), date(2024, 6, 1))
