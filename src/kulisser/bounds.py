"""Bounded input types: every id, count and wall-clock time a request carries is checked here.

Out-of-range numbers are refused at the schema (422 in the API, an error page or a form error
in the HTML), so they never reach the database: SQLite cannot bind an integer of 2^63 or more,
and PostgreSQL refuses anything above 2^31 - 1 for an INTEGER key.

In a route, write a required parameter as `x: Annotated[Id, Form()]`, not `x: Id = Form()`:
with a FieldInfo default FastAPI drops the bounds (tests/web/test_input_bounds.py walks every
route and fails on an unbounded number, a time that takes a zone, or an unchecked date).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import AfterValidator, AwareDatetime
from pydantic_core import PydanticCustomError, PydanticKnownError

# Most tables' keys are INTEGER on PostgreSQL (32 bits).
MAX_ID = 2**31 - 1
# The BIGINT keys (audit events, slots, appointments, results): 2^53 - 1 stays exact in
# JavaScript and in any JSON reader that parses numbers as doubles.
MAX_BIG_ID = 2**53 - 1
# Paging through more rows than this is no one's work; it also keeps OFFSET inside 32 bits.
MAX_OFFSET = MAX_ID

# The id of a row of an INTEGER-keyed table (patients, work items, letters, referrals, ...).
Id = Annotated[int, Ge(1), Le(MAX_ID)]
# The id of a row of a BIGINT-keyed table (audit events, slots, appointments, results).
BigId = Annotated[int, Ge(1), Le(MAX_BIG_ID)]
# How many rows to skip when paging.
Offset = Annotated[int, Ge(0), Le(MAX_OFFSET)]
# A page number (1 is the first); times a page of up to 1,000 rows it stays within MAX_OFFSET.
Page = Annotated[int, Ge(1), Le(MAX_OFFSET // 1000)]
# A whole number that is never negative and fits an INTEGER column (a count, minutes, days, a
# text revision); the service checks its own narrower range, with its own message.
Count = Annotated[int, Ge(0), Le(MAX_ID)]


def _naive(value: time) -> time:
    # A time of day with an offset ("08:00Z", "08:00+01:00") has no meaning for a schedule:
    # whether +01:00 is Swedish time depends on the date (summer time), so it is refused.
    if value.tzinfo is not None:
        raise PydanticKnownError("timezone_naive")
    return value


# A Swedish wall-clock time of day, without a time zone.
WallTime = Annotated[time, AfterValidator(_naive)]

# Days and instants far from today are refused: Python's dates end at year 1 and 9999, so a day
# or a UTC conversion near either end overflows in date arithmetic.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
DAY_RANGE_ERROR = "date_range"


def in_range(day: date) -> bool:
    """Whether a day lies between FIRST_DAY and LAST_DAY."""
    return FIRST_DAY <= day <= LAST_DAY


def _day(value: date) -> date:
    if not in_range(value):
        raise PydanticCustomError(DAY_RANGE_ERROR, "The date must lie between {first} and {last}.",
                                  {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()})
    return value


def _instant(value: datetime) -> datetime:
    # Compared in UTC after a check of the local day, so the conversion itself cannot overflow.
    _day(value.date())
    _day(value.astimezone(UTC).date())
    return value


# A calendar day between FIRST_DAY and LAST_DAY.
Day = Annotated[date, AfterValidator(_day)]
# A point in time with its offset, on a day between FIRST_DAY and LAST_DAY.
Instant = Annotated[AwareDatetime, AfterValidator(_instant)]


def parse_day(text: str) -> date:
    """A day written as YYYY-MM-DD; ValueError when it is not one or is out of range."""
    day = date.fromisoformat(text)
    if not in_range(day):
        raise ValueError(text)
    return day


def parse_int(text: str | None, *, maximum: int = MAX_ID) -> int | None:
    """A whole number typed in a form or query string; None if empty, not digits or over maximum."""
    value = (text or "").strip()
    # isdigit() alone takes "²" and "١٢", which int() then refuses or reads as a number.
    if not value.isascii() or not value.isdigit() or len(value) > len(str(maximum)):
        return None
    number = int(value)
    return number if number <= maximum else None


def parse_id(text: str | None, *, maximum: int = MAX_ID) -> int | None:
    """The id typed in a form or query string; None if empty, not digits or out of range."""
    number = parse_int(text, maximum=maximum)
    return number if number is not None and number >= 1 else None
