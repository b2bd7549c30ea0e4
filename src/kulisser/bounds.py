"""Bounded input types: every id, count and wall-clock time a request carries is checked here.

Out-of-range numbers are refused at the schema (422 in the API, an error page or a form error
in the HTML), so they never reach the database: SQLite cannot bind an integer of 2^63 or more,
and PostgreSQL refuses anything above 2^31 - 1 for an INTEGER key.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import AfterValidator
from pydantic_core import PydanticKnownError

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
