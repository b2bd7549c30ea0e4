"""Due dates of an introduction's phases from the start date (pure logic, the Swedish calendar)."""

from __future__ import annotations

from datetime import date

import pytest

from kulisser.access_rights.intro_checklist import DEFAULT_CHECKLIST, due_on
from kulisser.access_rights.states import Phase


def test_due_dates_over_the_christmas_and_new_year_holidays() -> None:
    # Start Monday 28 December 2026: the days before are Christmas (23 Dec is the last working
    # day); the first week (29, 30 December, 4, 5 January) skips nyårsafton, nyårsdagen and a
    # weekend.
    start = date(2026, 12, 28)
    assert due_on(start, Phase.BEFORE) == date(2026, 12, 23)
    assert due_on(start, Phase.FIRST_DAY) == start
    assert due_on(start, Phase.FIRST_WEEK) == date(2027, 1, 5)
    assert due_on(start, Phase.FIRST_MONTH) == date(2027, 1, 28)


def test_due_dates_over_easter() -> None:
    # Start Tuesday after Easter 2027: långfredag to annandag påsk are no working days.
    start = date(2027, 3, 30)
    assert due_on(start, Phase.BEFORE) == date(2027, 3, 25)
    assert due_on(start, Phase.FIRST_WEEK) == date(2027, 4, 5)
    assert due_on(start, Phase.FIRST_MONTH) == date(2027, 4, 30)


@pytest.mark.parametrize(("start", "due"), [
    (date(2027, 1, 28), date(2027, 3, 1)),  # 28 Feb 2027 is a Sunday: moved to Monday
    (date(2027, 1, 31), date(2027, 3, 1)),  # no 31 February: the month's last day, then Monday
    (date(2026, 12, 1), date(2027, 1, 4)),  # 1 January is a holiday, then the weekend
    (date(2027, 11, 24), date(2027, 12, 27)),  # 24-26 December and a weekend
])
def test_first_month_moves_to_a_working_day(start: date, due: date) -> None:
    assert due_on(start, Phase.FIRST_MONTH) == due


def test_the_default_checklist_covers_every_phase() -> None:
    assert {phase for phase, _title, _owner in DEFAULT_CHECKLIST} == set(Phase)
