"""The coding demo (issue 14's "done when" in `make demo`): today's visits wait with their
signed notes and suggestions, and last month is ready to report with its errors apart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser import demo, workdays
from kulisser.coding import register_report
from kulisser.coding.demo_notes import TODAY
from kulisser.coding.demo_report import CODED, WRONG, last_month
from kulisser.coding.models import CareContact
from kulisser.db import Database
from kulisser.staff.models import CareUnit
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
    assert written == len(CODED) + 1  # the visits coded and the stay discharged in the month
    assert len(text.splitlines()) == written + 1  # and the header
    rules = sorted(sorted({e["rule"] for e in h["errors"]}) for h in held)
    assert rules == [["duplicate", "not_coded"], ["missing_main", "not_coded"],
                     ["non_terminal", "not_coded"]]
    assert len(held) == len(WRONG) + 1


def test_suggestions_were_taken_last_month(s: Session) -> None:
    first, last = last_month(workdays.local_today(NOW))
    coded = s.scalars(select(CareContact).where(
        CareContact.contact_date >= first, CareContact.contact_date <= last,
        CareContact.status == "coded", CareContact.note_id.is_not(None))).all()
    assert len(coded) == len(CODED)
    assert any(code.from_suggestion for c in coded for code in c.codes)
