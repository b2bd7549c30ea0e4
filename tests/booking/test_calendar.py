"""The Swedish calendar and wall-clock slot times, as pure logic (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from kulisser.booking.calendar import (
    Blocked,
    day_slots,
    parse_weekdays,
    swedish_holidays,
    to_utc,
)
from kulisser.workdays import easter_sunday


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2028, date(2028, 4, 16)),
        (2038, date(2038, 4, 25)),
    ],
)
def test_easter_sunday(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_swedish_holidays_2027() -> None:
    days = swedish_holidays(2027)
    assert days[date(2027, 3, 26)] == "Långfredagen"
    assert days[date(2027, 3, 29)] == "Annandag påsk"
    assert days[date(2027, 5, 6)] == "Kristi himmelsfärdsdag"  # Easter + 39
    assert days[date(2027, 5, 16)] == "Pingstdagen"
    assert days[date(2027, 6, 25)] == "Midsommarafton"
    assert days[date(2027, 6, 26)] == "Midsommardagen"  # the Saturday 20-26 June
    assert days[date(2027, 11, 6)] == "Alla helgons dag"  # the Saturday 31 Oct - 6 Nov
    assert days[date(2027, 1, 6)] == "Trettondedag jul"
    assert days[date(2027, 6, 6)] == "Sveriges nationaldag"
    assert date(2027, 3, 25) not in days and date(2027, 3, 30) not in days
    assert len(days) == 17


def test_to_utc_follows_daylight_saving() -> None:
    assert to_utc(date(2027, 3, 26), time(8, 0)) == datetime(2027, 3, 26, 7, 0, tzinfo=UTC)
    assert to_utc(date(2027, 3, 29), time(8, 0)) == datetime(2027, 3, 29, 6, 0, tzinfo=UTC)
    assert to_utc(date(2027, 3, 28), time(2, 30)) is None  # the skipped hour
    # The repeated hour in October: its first occurrence (summer time, +02:00).
    assert to_utc(date(2027, 10, 31), time(2, 30)) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


def test_day_slots_skip_the_missing_hour_and_keep_durations() -> None:
    found = list(day_slots(date(2027, 3, 28), start=time(1, 0), end=time(4, 0), minutes=30))
    assert [s.local_start.strftime("%H:%M") for s in found] == ["01:00", "01:30", "03:00", "03:30"]
    assert all(s.end - s.start == timedelta(minutes=30) for s in found)
    assert found[-1].end == to_utc(date(2027, 3, 28), time(4, 0))


def test_day_slots_leave_out_blocked_time_and_an_incomplete_last_slot() -> None:
    lo, hi = to_utc(date(2027, 2, 1), time(9, 0)), to_utc(date(2027, 2, 1), time(10, 0))
    assert lo and hi
    found = list(
        day_slots(date(2027, 2, 1), start=time(8, 0), end=time(11, 40), minutes=30, blocked=[Blocked(lo, hi)])
    )
    assert [s.local_start.strftime("%H:%M") for s in found] == ["08:00", "08:30", "10:00", "10:30", "11:00"]


@pytest.mark.parametrize(
    ("text", "digits"), [("1-5", "12345"), ("1,3,5", "135"), ("246", "246"), ("7, 1", "17")]
)
def test_parse_weekdays(text: str, digits: str) -> None:
    assert parse_weekdays(text) == digits


@pytest.mark.parametrize("bad", ["", "0", "8", "1-9", "mån"])
def test_parse_weekdays_refuses(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_weekdays(bad)
