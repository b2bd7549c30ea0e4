"""Table tests for the working-day clock and the appeal's last day, on real Swedish dates."""

from __future__ import annotations

from datetime import date

import pytest

from kulisser import workdays
from kulisser.records.intake import year_before
from kulisser.records.service import appeal_last_day

D = date.fromisoformat


@pytest.mark.parametrize(("year", "easter"), [
    (2024, "2024-03-31"), (2025, "2025-04-20"), (2026, "2026-04-05"), (2027, "2027-03-28"),
    (2038, "2038-04-25"), (2285, "2285-03-22")])
def test_easter_sunday(year: int, easter: str) -> None:
    assert workdays.easter_sunday(year) == D(easter)


@pytest.mark.parametrize(("day", "working"), [
    ("2026-04-02", True),    # skärtorsdagen is an ordinary working day
    ("2026-04-03", False),   # långfredagen
    ("2026-04-06", False),   # annandag påsk
    ("2026-04-07", True),
    ("2025-04-18", False),   # långfredagen 2025
    ("2025-04-21", False),   # annandag påsk 2025
    ("2027-03-26", False),   # långfredagen 2027
    ("2027-03-29", False),   # annandag påsk 2027
    ("2026-05-01", False),   # första maj, a Friday
    ("2026-05-14", False),   # Kristi himmelsfärdsdag 2026
    ("2026-06-19", False),   # midsommarafton 2026
    ("2025-06-20", False),   # midsommarafton 2025
    ("2026-06-18", True),
    ("2026-06-22", True),
    ("2025-06-06", False),   # nationaldagen on a Friday
    ("2025-01-06", False),   # trettondedag jul on a Monday
    ("2026-12-24", False),   # julafton
    ("2026-12-25", False),
    ("2026-12-28", True),
    ("2026-12-31", False),   # nyårsafton
    ("2027-01-01", False),
    ("2026-10-30", True),    # the Friday before alla helgons dag (a Saturday)
    ("2026-12-05", False),   # a Saturday
    ("2026-12-07", True),
])
def test_is_working_day(day: str, working: bool) -> None:
    assert workdays.is_working_day(D(day)) is working


@pytest.mark.parametrize(("start", "n", "expected"), [
    ("2026-12-04", 1, "2026-12-07"),   # Friday + 1: Monday
    ("2026-12-07", 3, "2026-12-10"),
    ("2026-04-02", 1, "2026-04-07"),   # over Easter 2026
    ("2025-04-17", 1, "2025-04-22"),   # over Easter 2025
    ("2027-03-25", 3, "2027-04-01"),   # over Easter 2027
    ("2026-06-18", 1, "2026-06-22"),   # over midsummer
    ("2026-12-23", 1, "2026-12-28"),   # over Christmas
    ("2026-12-23", 3, "2026-12-30"),   # over Christmas
    ("2026-12-23", 4, "2027-01-04"),   # over Christmas and New Year, into the next year
    ("2026-12-30", 1, "2027-01-04"),
    ("2026-12-07", 0, "2026-12-07"),
])
def test_add_working_days(start: str, n: int, expected: str) -> None:
    assert workdays.add_working_days(D(start), n) == D(expected)
    assert workdays.working_days_between(D(start), D(expected)) == n


def test_working_days_between() -> None:
    assert workdays.working_days_between(D("2026-12-01"), D("2026-12-31")) == 19
    assert workdays.working_days_between(D("2026-12-31"), D("2026-12-01")) == -19
    assert workdays.working_days_between(D("2026-12-04"), D("2026-12-06")) == 0


@pytest.mark.parametrize(("day", "expected"), [
    ("2026-12-08", "2026-12-08"),   # a Tuesday stays
    ("2026-12-05", "2026-12-07"),   # Saturday -> Monday
    ("2026-12-24", "2026-12-28"),   # julafton -> the Monday after annandag jul
    ("2026-12-31", "2027-01-04"),   # nyårsafton -> over nyårsdagen and the weekend
    ("2026-06-19", "2026-06-22"),   # midsommarafton -> Monday
    ("2027-01-06", "2027-01-07"),   # trettondedag jul on a Wednesday
    ("2026-04-03", "2026-04-07"),   # långfredagen -> Tuesday after Easter
])
def test_deadline_day(day: str, expected: str) -> None:
    assert workdays.deadline_day(D(day)) == D(expected)


@pytest.mark.parametrize(("received", "last"), [
    ("2026-11-17", "2026-12-08"),   # three weeks to a Tuesday
    ("2026-12-03", "2026-12-28"),   # 24 December -> 28 December
    ("2026-12-10", "2027-01-04"),   # 31 December -> over New Year
    ("2026-05-29", "2026-06-22"),   # 19 June (midsommarafton) -> Monday
    ("2026-03-13", "2026-04-07"),   # 3 April (långfredagen) -> after annandag påsk
    ("2026-11-14", "2026-12-07"),   # 5 December, a Saturday -> Monday
])
def test_appeal_last_day(received: str, last: str) -> None:
    assert appeal_last_day(D(received)) == D(last)


def test_year_before() -> None:
    assert year_before(D("2026-12-04")) == D("2025-12-04")
    assert year_before(D("2028-02-29")) == D("2027-02-28")
