"""The demo seed on a fresh database: the clinic, its patients and a lived-in worklist."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser import demo
from kulisser.audit.models import AuditSignal
from kulisser.audit.signal_rules import TZ, find_signals
from kulisser.db import Base, Database
from kulisser.identity import parse_identifier
from kulisser.names import search_key
from kulisser.patients.models import CareRelation, Patient
from kulisser.reception.models import PhoneMessage
from kulisser.staff import service as staff
from kulisser.staff.models import CareUnit, UnitMembership, User
from kulisser.stats import demo_history
from kulisser.worklist.models import WorkItem
from kulisser.worklist.states import CLOSED_STATUSES, OPEN_STATUSES, Priority
from tests.conftest import demo_database_url, migrated_database_url

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, demo.DemoResult]]:
    """A fresh database, migrated and seeded once for this module."""
    url, drop, result = demo_database_url(tmp_path_factory.mktemp("demo"), "demo", now=NOW)
    database = Database(url)
    yield database, result
    database.engine.dispose()
    drop()  # type: ignore[operator]


@pytest.fixture()
def s(seeded: tuple[Database, demo.DemoResult]) -> Iterator[Session]:
    with seeded[0].session() as session:
        yield session


def unit(s: Session, hsa: str) -> CareUnit:
    found = s.scalar(select(CareUnit).where(CareUnit.hsa_id == hsa))
    assert found is not None
    return found


def count(s: Session, model: type[Base]) -> int:
    return s.scalar(select(func.count()).select_from(model)) or 0


def test_one_clinic_with_seven_staff(seeded: tuple[Database, demo.DemoResult], s: Session) -> None:
    _, result = seeded
    assert result.created
    clinic = unit(s, demo.UNIT_HSA)
    assert count(s, CareUnit) == 2  # the clinic and the unit whose patients need emergency access
    staff_rows = list(s.scalars(select(User).join(UnitMembership).where(
        UnitMembership.unit_id == clinic.id)))
    assert sorted(u.username for u in staff_rows) == sorted(
        u for u, _n, _r in (*demo.STAFF, demo.SECOND_MANAGER, demo.REGION_ADMIN))
    # Two managers: one approves the other's access orders (four eyes).
    assert Counter(u.role for u in staff_rows) == {"secretary": 3, "clinician": 2, "manager": 2,
                                                    "region_admin": 1}
    assert count(s, User) == 8
    assert sorted(login for login, _pw, _role in result.logins) == sorted(u.username for u in staff_rows)
    user = staff.authenticate(s, username="sekreterare", password=demo.DEMO_PASSWORD, ip="127.0.0.1",
                              max_failures=5, max_failures_per_ip=30, window_minutes=15, now=NOW)
    assert user.full_name == "Anna Lind"


def test_patients_and_care_relations(s: Session) -> None:
    clinic, other = unit(s, demo.UNIT_HSA), unit(s, demo.OTHER_UNIT_HSA)
    relations = Counter(s.execute(select(CareRelation.unit_id)).scalars())
    # 200 patients, and the secretary's relative whom the log signals catch (audit/demo.py).
    assert relations == {clinic.id: 201, other.id: 10}
    ours = set(s.scalars(select(CareRelation.patient_id).where(CareRelation.unit_id == clinic.id)))
    theirs = set(s.scalars(select(CareRelation.patient_id).where(CareRelation.unit_id == other.id)))
    assert len(ours) == 201 and len(theirs) == 10 and not ours & theirs
    assert count(s, Patient) == 211
    assert s.scalar(select(func.count()).select_from(CareRelation).where(
        CareRelation.ended_at.is_not(None))) == 0


def test_every_identifier_parses_as_valid(s: Session) -> None:
    kinds: Counter[str] = Counter()
    for p in s.scalars(select(Patient)):
        ident = parse_identifier(p.id_value)
        assert (ident.kind.value, ident.value) == (p.id_kind, p.id_value)
        assert p.given_name and p.family_name
        assert p.search_name == search_key(f"{p.family_name} {p.given_name}")
        kinds[p.id_kind] += 1
    assert set(kinds) <= {"personnummer", "samordningsnummer"} and kinds["personnummer"] > 150
    pairs = s.execute(select(Patient.id_kind, Patient.id_value)).all()
    assert len(set(pairs)) == len(pairs) == 211


# The base seed's own kinds; domain packages add items of their kinds (tested with them).
BASE_KINDS = ("task", "callback")


def test_five_hundred_mixed_work_items(s: Session) -> None:
    clinic = unit(s, demo.UNIT_HSA)
    # The stats demo's year of closed history (tested with it) left out.
    items = list(s.scalars(select(WorkItem).where(WorkItem.kind.in_(BASE_KINDS),
                                                  WorkItem.description != demo_history.NOTE)))
    assert len(items) == 500 and {i.unit_id for i in items} == {clinic.id}
    assert Counter(i.kind for i in items) == {"task": 250, "callback": 250}
    assert count(s, PhoneMessage) == 250
    assert all(i.ref_type == "phone_message" and i.ref_id for i in items if i.kind == "callback")
    priorities = Counter(i.priority for i in items)
    assert set(priorities) == {p.value for p in Priority} and priorities["normal"] > priorities["acute"]
    ours = set(s.scalars(select(CareRelation.patient_id).where(CareRelation.unit_id == clinic.id)))
    assert {i.patient_id for i in items if i.patient_id is not None} <= ours
    statuses = Counter(i.status for i in items)
    assert {"requested", "accepted", "in-progress", "on-hold", "completed", "cancelled"} <= set(statuses)
    overdue_open = [i for i in items if i.status in OPEN_STATUSES and i.due_at < NOW]
    not_yet_due = [i for i in items if i.status in OPEN_STATUSES and i.due_at >= NOW]
    assert len(overdue_open) >= 20 and len(not_yet_due) >= 5
    queue = [i for i in items if i.status == "requested" and i.owner_id is None]
    assert len(queue) >= 50


def test_items_have_a_consistent_history(s: Session) -> None:
    secretaries = set(s.scalars(select(User.id).where(User.role == "secretary")))
    closed = 0
    for item in s.scalars(select(WorkItem).where(WorkItem.kind.in_(BASE_KINDS))):
        events = item.events
        assert events[0].type == "created" and events[0].to_status == "requested"
        times = [e.at for e in events]
        assert times == sorted(times) and item.created_at == times[0] and times[-1] <= NOW
        moves = [e for e in events if e.to_status]
        assert moves[-1].to_status == item.status
        for before, after in itertools.pairwise(moves):
            assert after.from_status == before.to_status
        if item.status in CLOSED_STATUSES:
            closed += 1
            assert item.closed_at == events[-1].at and item.owner_id in secretaries
            assert any(e.type == "claimed" for e in events)
            if item.status == "cancelled":
                assert events[-1].reason
        else:
            assert item.closed_at is None
        if item.status == "on-hold":
            assert events[-1].reason and item.status_before_hold == "accepted"
    assert closed >= 100


def test_seeding_again_creates_nothing(seeded: tuple[Database, demo.DemoResult]) -> None:
    database, _ = seeded
    tables = list(Base.metadata.tables.values())
    with database.session() as s:
        before = {t.name: s.scalar(select(func.count()).select_from(t)) for t in tables}
    with database.session() as s:
        again = demo.seed(s, now=NOW)
    assert not again.created and again.logins
    with database.session() as s:
        after = {t.name: s.scalar(select(func.count()).select_from(t)) for t in tables}
    assert after == before and before["work_item"] >= 500  # domain packages add their own


@pytest.mark.parametrize("moment", [
    datetime(2026, 12, 3, 23, 30, tzinfo=UTC),   # 00:30 in Sweden, the next day (winter time)
    datetime(2026, 7, 14, 22, 30, tzinfo=UTC),   # 00:30 in Sweden, the next day (summer time)
    datetime(2026, 12, 3, 0, 15, tzinfo=UTC),    # 01:15 in Sweden
    datetime(2026, 12, 3, 6, 40, tzinfo=UTC),    # 07:40 in Sweden, before the working morning
])
def test_the_demo_seeds_at_any_time_of_day(tmp_path: pytest.TempPathFactory, moment: datetime) -> None:
    # A demo started just after midnight once registered "today's" referrals on yesterday's date.
    url, drop = migrated_database_url(tmp_path, "demo_time")  # type: ignore[arg-type]
    database = Database(url)
    try:
        with database.session() as s:
            result = demo.seed(s, now=moment, patients=60, items=60)
            s.commit()
        assert result.created
        with database.session() as s:
            assert count(s, Patient) >= 60
            assert count(s, WorkItem) >= 60
    finally:
        database.engine.dispose()
        drop()  # type: ignore[operator]


def test_the_demo_has_a_few_risk_signals_for_the_manager_to_review(s: Session) -> None:
    clinic = unit(s, demo.UNIT_HSA)
    names = {u.id: u.username for u in s.scalars(select(User))}
    found = {(names[x.user_id], x.rule) for x in s.scalars(select(AuditSignal).where(
        AuditSignal.unit_id == clinic.id, AuditSignal.reviewed_at.is_(None)))}
    assert {("sekreterare", "same_name"), ("lakare", "after_hours"),
            ("sekreterare2", "many_patients")} <= found
    [item] = s.scalars(select(WorkItem).where(WorkItem.kind == "audit-signals",
                                              WorkItem.unit_id == clinic.id))
    assert item.status == "requested" and names[item.owner_id or 0] == "chef"
    # The rules found them: running them again over the day finds nothing new.
    day = NOW.astimezone(TZ).date() - timedelta(days=1)
    assert sum(find_signals(s, day=day, now=NOW).values()) == 0
    s.rollback()
