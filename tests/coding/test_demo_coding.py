"""The coding demo (issue 14's "done when" in `make demo`): today's visits wait with their
signed notes and suggestions, and last month is ready to report with its errors apart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser import demo, workdays
from kulisser.booking import service as booking
from kulisser.booking.models import Appointment
from kulisser.coding import register_layout, register_report
from kulisser.coding.demo_notes import TODAY
from kulisser.coding.demo_report import CODED, WRONG, last_month
from kulisser.coding.models import CareContact
from kulisser.db import Database
from kulisser.staff import service as staff
from kulisser.staff.models import CareUnit, User
from kulisser.worklist.models import WorkItem
from tests.conftest import migrated_database_url

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # a Thursday; last month is November


@pytest.fixture(scope="module")
def s(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """The demo seeded once on a fresh database."""
    url, drop = migrated_database_url(tmp_path_factory.mktemp("coding_demo"), "coding_demo")
    database = Database(url)
    with database.session() as session:
        demo.seed(session, now=NOW)
        session.commit()
    with database.session() as session:
        yield session
    database.engine.dispose()
    drop()  # type: ignore[operator]


def _unit_id(s: Session) -> int:
    unit_id = s.scalar(select(CareUnit.id).where(CareUnit.hsa_id == demo.UNIT_HSA))
    assert unit_id is not None
    return unit_id


def _recent_note_contacts(s: Session) -> list[CareContact]:
    today = workdays.local_today(NOW)
    return list(s.scalars(select(CareContact).where(
        CareContact.note_id.is_not(None), CareContact.contact_date >= today.replace(day=1))
        .order_by(CareContact.id)))


def test_todays_visits_wait_with_their_notes_and_suggestions(s: Session) -> None:
    contacts = _recent_note_contacts(s)
    assert len(contacts) == len(TODAY)
    for c in contacts:
        assert c.kind == "doctor_visit" and c.status == "uncoded" and c.must_code
        assert c.suggestions and not any(x.taken for x in c.suggestions)
        assert not c.codes  # nothing is coded without a person choosing it
        items = s.scalars(select(WorkItem).where(WorkItem.ref_type == "care_contact",
                                                 WorkItem.ref_id == c.id)).all()
        assert [i.status for i in items] == ["requested"]
    suggested = [{x.code for x in c.suggestions} for c in contacts]
    # From the WHO titles ("diabetes mellitus", "pneumoni") and from last month's coded notes
    # of the unit (hypertoni, astma, radiusfraktur: Swedish words the English titles lack).
    assert "E119" in suggested[0]
    assert "I10" in suggested[1]
    assert "J189" in suggested[2]
    assert "J459" in suggested[3]
    assert "S525" in suggested[4]


def test_last_month_is_ready_to_report_with_the_errors_apart(s: Session) -> None:
    first, _last = last_month(workdays.local_today(NOW))
    text, held, written = register_report.build(s, unit_id=_unit_id(s), month=first)
    # The visits coded and the stay discharged in the month, but for the visit of the patient
    # without residence codes.
    assert written == len(CODED) + 1 - 1
    assert len(text.splitlines()) == written + 1  # and the header
    rules = sorted(sorted({e["rule"] for e in h["errors"]}) for h in held)
    assert rules == [["duplicate", "not_coded"], ["missing_main", "not_coded"],
                     ["missing_residence"], ["non_terminal", "not_coded"]]
    assert len(held) == len(WRONG) + 2
    rows = register_layout.parse(text)
    assert all(r["LAN"] and r["KOMMUN"].startswith(r["LAN"]) for r in rows)
    assert {r["LAN"] for r in rows} >= {"03"}  # mostly the clinic's county


def test_suggestions_were_taken_last_month(s: Session) -> None:
    first, last = last_month(workdays.local_today(NOW))
    coded = s.scalars(select(CareContact).where(
        CareContact.contact_date >= first, CareContact.contact_date <= last,
        CareContact.status == "coded", CareContact.note_id.is_not(None))).all()
    assert len(coded) == len(CODED)
    assert any(code.from_suggestion for c in coded for code in c.codes)


def _day_visits(s: Session, day: date) -> list[Appointment]:
    lo = datetime.combine(day, time(0), tzinfo=workdays.TZ)
    return list(s.scalars(select(Appointment).where(
        Appointment.start_at >= lo, Appointment.start_at < lo + timedelta(days=1),
        Appointment.start_at <= NOW).order_by(Appointment.start_at)))


def _visit_contacts(s: Session, appointment_ids: list[int]) -> list[CareContact]:
    return list(s.scalars(select(CareContact).where(
        CareContact.source == "visit", CareContact.source_id.in_(appointment_ids))))


def test_the_days_visits_are_in_the_book_done_with_their_notes_and_some_left_to_mark_done(
        s: Session) -> None:
    visits = _day_visits(s, workdays.local_today(NOW))
    done = [a for a in visits if a.status == "fulfilled"]
    left = [a for a in visits if a.status == "booked"]
    assert len(done) == len(TODAY) and len(left) == 2
    # Each visit done became its contact through booking's AppointmentFulfilled, its note
    # linked with the suggestions; the ones left have none until the secretary marks them done.
    contacts = _visit_contacts(s, [a.id for a in done])
    assert len(contacts) == len(done)
    assert all(c.note_id is not None and c.suggestions and c.clinician_id for c in contacts)
    assert any("E119" in {x.code for x in c.suggestions} for c in contacts)
    assert not _visit_contacts(s, [a.id for a in left])
    secretary = s.scalar(select(User).where(User.username == "sekreterare"))
    assert secretary is not None
    actor = staff.make_actor(secretary, unit_id=_unit_id(s))
    booking.fulfil(s, actor=actor, appointment_id=left[0].id, now=NOW)
    [made] = _visit_contacts(s, [left[0].id])
    assert made.kind == "doctor_visit" and made.status == "uncoded"
    assert [i.status for i in s.scalars(select(WorkItem).where(
        WorkItem.ref_type == "care_contact", WorkItem.ref_id == made.id))] == ["requested"]
    s.rollback()


def test_before_the_morning_the_last_working_days_visits_are_the_days(
        tmp_path: Path) -> None:
    early = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # Monday 07:00 in Stockholm
    url, drop = migrated_database_url(tmp_path, "coding_demo_early")
    database = Database(url)
    try:
        with database.session() as session:
            demo.seed(session, now=early)
            friday = date(2026, 11, 27)
            lo = datetime.combine(friday, time(0), tzinfo=workdays.TZ)
            visits = list(session.scalars(select(Appointment).where(
                Appointment.start_at >= lo, Appointment.start_at < lo + timedelta(days=1))))
            done = [a for a in visits if a.status == "fulfilled"]
            assert len(done) == len(TODAY) and [a.status for a in visits].count("booked") == 2
            contacts = _visit_contacts(session, [a.id for a in done])
            assert {c.contact_date for c in contacts} == {friday}
            assert all(c.note_id is not None for c in contacts)
    finally:
        database.engine.dispose()
        drop()  # type: ignore[operator]
