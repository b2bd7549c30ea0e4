"""The risk signals over the access log (issue 13 item 6): each rule fires, and a near miss does
not; a second run finds nothing new."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.audit.models import AuditEvent, AuditSignal, AuditSignalSetting, AuditWatch
from kulisser.audit.signal_rules import TZ, find_signals
from kulisser.staff.service import Role
from tests import factories

TUESDAY = date(2026, 11, 10)
SATURDAY = date(2026, 11, 14)


def at(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    """A local wall-clock time as UTC."""
    return datetime.combine(day, time(hh, mm, ss), TZ).astimezone(UTC)


def log(db: Session, *, unit_id: int, user_id: int, patient_id: int | None, when: datetime,
        outcome: str = "allowed", action: str = "read") -> None:
    """One audit row as the access check writes it."""
    db.add(AuditEvent(at=when, user_id=user_id, username="u", role="secretary", unit_id=unit_id,
                      patient_id=patient_id, action=action, object_type="patient",
                      object_id=str(patient_id), outcome=outcome))
    db.flush()


def signals(db: Session, unit_id: int, rule: str) -> list[AuditSignal]:
    """The unit's signals of one rule."""
    return list(db.scalars(select(AuditSignal).where(AuditSignal.unit_id == unit_id,
                                                     AuditSignal.rule == rule)))


def setup(db: Session) -> tuple[int, int, int]:
    """A unit, a secretary and a patient of the unit."""
    unit = factories.make_unit(db)
    user = factories.make_user(db, unit, Role.SECRETARY, full_name="Anna Lind")
    patient = factories.make_patient(db, unit)
    return unit.id, user.id, patient.id


def test_same_family_name_fires_and_a_different_name_does_not(db: Session) -> None:
    unit, user, other = setup(db)
    same = factories.make_patient(db, unit, family="Lind").id
    near = factories.make_patient(db, unit, family="Lindberg").id
    log(db, unit_id=unit, user_id=user, patient_id=near, when=at(TUESDAY, 10))
    log(db, unit_id=unit, user_id=user, patient_id=other, when=at(TUESDAY, 10))
    find_signals(db, day=TUESDAY)
    assert signals(db, unit, "same_name") == []
    log(db, unit_id=unit, user_id=user, patient_id=same, when=at(TUESDAY, 11))
    find_signals(db, day=TUESDAY)
    [s] = signals(db, unit, "same_name")
    assert (s.user_id, s.rows, s.patients) == (user, 1, 1)


def test_protected_identity_fires_and_an_ordinary_patient_does_not(db: Session) -> None:
    unit, user, ordinary = setup(db)
    log(db, unit_id=unit, user_id=user, patient_id=ordinary, when=at(TUESDAY, 9))
    find_signals(db, day=TUESDAY)
    assert signals(db, unit, "protected") == []
    hidden = factories.make_patient(db, unit, protected=True).id
    log(db, unit_id=unit, user_id=user, patient_id=hidden, when=at(TUESDAY, 9, 5))
    log(db, unit_id=unit, user_id=user, patient_id=hidden, when=at(TUESDAY, 9, 6))
    find_signals(db, day=TUESDAY)
    [s] = signals(db, unit, "protected")
    assert (s.rows, s.patients) == (2, 1)


def test_watched_patient_fires_only_while_listed(db: Session) -> None:
    unit, user, patient = setup(db)
    manager = factories.make_user(db, unit, Role.MANAGER).id
    # Listed 10:00-12:00: a read at 09:00 and one at 13:00 are near misses.
    db.add(AuditWatch(unit_id=unit, patient_id=patient, reason="Känd person", added_by_id=manager,
                      added_at=at(TUESDAY, 10), removed_at=at(TUESDAY, 12),
                      removed_by_id=manager))
    log(db, unit_id=unit, user_id=user, patient_id=patient, when=at(TUESDAY, 9))
    log(db, unit_id=unit, user_id=user, patient_id=patient, when=at(TUESDAY, 13))
    find_signals(db, day=TUESDAY)
    assert signals(db, unit, "watched") == []
    log(db, unit_id=unit, user_id=user, patient_id=patient, when=at(TUESDAY, 11))
    find_signals(db, day=TUESDAY)
    [s] = signals(db, unit, "watched")
    assert s.rows == 1


def test_after_hours_fires_before_opening_and_on_a_weekend(db: Session) -> None:
    unit, user, patient = setup(db)
    log(db, unit_id=unit, user_id=user, patient_id=patient, when=at(TUESDAY, 7, 1))
    log(db, unit_id=unit, user_id=user, patient_id=patient, when=at(TUESDAY, 17, 59))
    find_signals(db, day=TUESDAY)
    assert signals(db, unit, "after_hours") == []
    log(db, unit_id=unit, user_id=user, patient_id=patient, when=at(TUESDAY, 6, 59))
    log(db, unit_id=unit, user_id=user, patient_id=patient, when=at(SATURDAY, 12))
    find_signals(db, day=TUESDAY)
    find_signals(db, day=SATURDAY)
    found = signals(db, unit, "after_hours")
    assert sorted(s.window_start for s in found) == [at(TUESDAY, 0), at(SATURDAY, 0)]
    assert all(s.rows == 1 for s in found)


def test_after_hours_follows_the_units_own_hours(db: Session) -> None:
    unit, user, patient = setup(db)
    db.add(AuditSignalSetting(unit_id=unit, open_from=6 * 60, open_until=22 * 60,
                              weekends_open=True, rate_patients=50, rate_minutes=60, refusals=5,
                              refusal_minutes=10))
    log(db, unit_id=unit, user_id=user, patient_id=patient, when=at(TUESDAY, 6, 30))
    log(db, unit_id=unit, user_id=user, patient_id=patient, when=at(SATURDAY, 21))
    find_signals(db, day=TUESDAY)
    find_signals(db, day=SATURDAY)
    assert signals(db, unit, "after_hours") == []


def test_many_patients_in_an_hour_fires_above_the_threshold(db: Session) -> None:
    unit, user, _p = setup(db)
    patients = [factories.make_patient(db, unit).id for _ in range(51)]
    # 50 distinct patients in 10:00-11:00 (one of them twice) is not more than 50.
    for i, pid in enumerate(patients[:50]):
        log(db, unit_id=unit, user_id=user, patient_id=pid, when=at(TUESDAY, 10, i))
    log(db, unit_id=unit, user_id=user, patient_id=patients[0], when=at(TUESDAY, 10, 55))
    # The 51st in the next hour, and list views, do not count towards 10:00-11:00.
    log(db, unit_id=unit, user_id=user, patient_id=patients[50], when=at(TUESDAY, 11, 1))
    log(db, unit_id=unit, user_id=user, patient_id=patients[50], when=at(TUESDAY, 10, 56),
        action="list")
    find_signals(db, day=TUESDAY)
    assert signals(db, unit, "many_patients") == []
    log(db, unit_id=unit, user_id=user, patient_id=patients[50], when=at(TUESDAY, 10, 57))
    find_signals(db, day=TUESDAY)
    [s] = signals(db, unit, "many_patients")
    assert (s.patients, s.threshold) == (51, 50)
    assert (s.window_start, s.window_end) == (at(TUESDAY, 10), at(TUESDAY, 11))


def test_a_burst_straddling_the_hour_fires_in_the_half_shifted_window(db: Session) -> None:
    unit, user, _p = setup(db)
    patients = [factories.make_patient(db, unit).id for _ in range(52)]
    # 51 distinct patients from 10:35 to 11:25: 25 in 10:00-11:00, 26 in 11:00-12:00, all in
    # 10:30-11:30.
    for i, pid in enumerate(patients[:51]):
        log(db, unit_id=unit, user_id=user, patient_id=pid,
            when=at(TUESDAY, 10, 35) + timedelta(seconds=60 * i))
    found = find_signals(db, day=TUESDAY)
    [s] = signals(db, unit, "many_patients")
    assert found["many_patients"] == 1
    assert (s.patients, s.threshold) == (51, 50)
    assert (s.window_start, s.window_end) == (at(TUESDAY, 10, 30), at(TUESDAY, 11, 30))
    # One more patient at 11:10 makes 11:00-12:00 too, but that window overlaps the burst
    # already found: no second signal for it, now or on the next run.
    log(db, unit_id=unit, user_id=user, patient_id=patients[51], when=at(TUESDAY, 11, 10))
    assert find_signals(db, day=TUESDAY)["many_patients"] == 0
    assert len(signals(db, unit, "many_patients")) == 1


def test_refusals_across_a_window_boundary_fire_once(db: Session) -> None:
    unit, user, patient = setup(db)
    # 14:07-14:13: three before 14:10 and three after; all in 14:05-14:15.
    for minute in (7, 8, 9, 10, 11, 12):
        log(db, unit_id=unit, user_id=user, patient_id=patient, when=at(TUESDAY, 14, minute),
            outcome="denied")
    find_signals(db, day=TUESDAY)
    [s] = signals(db, unit, "refusals")
    assert (s.rows, s.window_start, s.window_end) == (6, at(TUESDAY, 14, 5), at(TUESDAY, 14, 15))


def test_a_burst_found_on_both_grids_in_one_run_is_one_signal(db: Session) -> None:
    unit, user, patient = setup(db)
    # 14:00-14:05: five in 14:00-14:10 and five in 13:55-14:05: the window from midnight wins.
    for second in (0, 60, 120, 180, 240):
        log(db, unit_id=unit, user_id=user, patient_id=patient,
            when=at(TUESDAY, 14) + timedelta(seconds=second), outcome="denied")
    assert find_signals(db, day=TUESDAY)["refusals"] == 1
    [s] = signals(db, unit, "refusals")
    assert (s.window_start, s.window_end) == (at(TUESDAY, 14), at(TUESDAY, 14, 10))


def test_emergency_access_fires_and_an_allowed_read_does_not(db: Session) -> None:
    unit, user, patient = setup(db)
    log(db, unit_id=unit, user_id=user, patient_id=patient, when=at(TUESDAY, 10))
    find_signals(db, day=TUESDAY)
    assert signals(db, unit, "emergency") == []
    log(db, unit_id=unit, user_id=user, patient_id=patient, when=at(TUESDAY, 10, 5),
        outcome="emergency")
    find_signals(db, day=TUESDAY)
    assert len(signals(db, unit, "emergency")) == 1


def test_five_refusals_in_ten_minutes_fire_four_do_not(db: Session) -> None:
    unit, user, patient = setup(db)
    for minute in (1, 3, 5, 7):
        log(db, unit_id=unit, user_id=user, patient_id=patient, when=at(TUESDAY, 14, minute),
            outcome="denied")
    # The fifth falls in the next window (14:10-14:20).
    log(db, unit_id=unit, user_id=user, patient_id=patient, when=at(TUESDAY, 14, 11),
        outcome="denied")
    find_signals(db, day=TUESDAY)
    assert signals(db, unit, "refusals") == []
    log(db, unit_id=unit, user_id=user, patient_id=patient, when=at(TUESDAY, 14, 9),
        outcome="denied")
    find_signals(db, day=TUESDAY)
    [s] = signals(db, unit, "refusals")
    assert (s.rows, s.threshold) == (5, 5)
    assert s.window_start == at(TUESDAY, 14)


def test_a_second_run_finds_nothing_new(db: Session) -> None:
    unit, user, patient = setup(db)
    log(db, unit_id=unit, user_id=user, patient_id=patient, when=at(TUESDAY, 5),
        outcome="emergency")
    for minute in range(6):
        log(db, unit_id=unit, user_id=user, patient_id=patient, when=at(TUESDAY, 5, minute),
            outcome="denied")
    first = find_signals(db, day=TUESDAY)
    assert first["emergency"] >= 1 and first["refusals"] >= 1 and first["after_hours"] >= 1
    again = find_signals(db, day=TUESDAY)
    assert sum(again.values()) == 0
    assert len(list(db.scalars(select(AuditSignal).where(AuditSignal.unit_id == unit)))) == 3


def test_a_day_on_which_the_clocks_change_keeps_wall_clock_hours(db: Session) -> None:
    unit, user, patient = setup(db)
    dst_end = date(2026, 10, 25)  # a Sunday: 03:00 summer time becomes 02:00
    assert dst_end.weekday() == 6 and at(dst_end, 12) - at(dst_end, 0) == timedelta(hours=13)
    db.add(AuditSignalSetting(unit_id=unit, open_from=7 * 60, open_until=18 * 60,
                              weekends_open=True, rate_patients=50, rate_minutes=60, refusals=5,
                              refusal_minutes=10))
    log(db, unit_id=unit, user_id=user, patient_id=patient, when=at(dst_end, 7, 30))
    find_signals(db, day=dst_end)
    assert signals(db, unit, "after_hours") == []
    log(db, unit_id=unit, user_id=user, patient_id=patient, when=at(dst_end, 18, 30))
    find_signals(db, day=dst_end)
    assert len(signals(db, unit, "after_hours")) == 1
