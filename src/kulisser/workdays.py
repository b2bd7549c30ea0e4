"""Swedish working days and legal deadlines (pure logic, no I/O).

A working day is Monday to Friday except the public holidays of lag 1989:253 and the three
eves that are treated as holidays in working life (midsommarafton, julafton, nyårsafton).
Record requests run their clock in working days, and lag 1930:173 moves a deadline that ends
on a Saturday, Sunday, public holiday or one of those eves to the next day that is none.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from kulisser.db import utcnow
from kulisser.i18n import N_, _

TZ = ZoneInfo("Europe/Stockholm")

_SATURDAY = 5


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian computus)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _weekday_in(year: int, month: int, first_day: int, weekday: int) -> date:
    """The first ``weekday`` (0 = Monday) on or after ``first_day`` of the month."""
    start = date(year, month, first_day)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


@lru_cache(maxsize=256)
def non_working_days(year: int) -> dict[date, str]:
    """The public holidays and the three eves of a year, by date, with their (untranslated) names."""
    easter = easter_sunday(year)
    midsummer_day = _weekday_in(year, 6, 20, _SATURDAY)
    return {
        date(year, 1, 1): N_("Nyårsdagen"),
        date(year, 1, 6): N_("Trettondedag jul"),
        easter - timedelta(days=2): N_("Långfredagen"),
        easter: N_("Påskdagen"),
        easter + timedelta(days=1): N_("Annandag påsk"),
        date(year, 5, 1): N_("Första maj"),
        easter + timedelta(days=39): N_("Kristi himmelsfärdsdag"),
        easter + timedelta(days=49): N_("Pingstdagen"),
        date(year, 6, 6): N_("Sveriges nationaldag"),
        midsummer_day - timedelta(days=1): N_("Midsommarafton"),
        midsummer_day: N_("Midsommardagen"),
        _weekday_in(year, 10, 31, _SATURDAY): N_("Alla helgons dag"),
        date(year, 12, 24): N_("Julafton"),
        date(year, 12, 25): N_("Juldagen"),
        date(year, 12, 26): N_("Annandag jul"),
        date(year, 12, 31): N_("Nyårsafton"),
    }


def holiday_name(d: date) -> str | None:
    """The (untranslated) name of the holiday or eve on ``d``, or None."""
    return non_working_days(d.year).get(d)


def is_working_day(d: date) -> bool:
    """Whether ``d`` is a weekday that is neither a public holiday nor one of the three eves."""
    return d.weekday() < _SATURDAY and d not in non_working_days(d.year)


def add_working_days(d: date, n: int) -> date:
    """The n-th working day after ``d``, counted from the day after (n = 0 gives ``d``)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = d
    while n:
        day += timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def working_days_between(a: date, b: date) -> int:
    """The working days after ``a`` up to and including ``b`` (negative when b is before a)."""
    if b < a:
        return -working_days_between(b, a)
    count = 0
    day = a
    while day < b:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def deadline_day(d: date) -> date:
    """A deadline ending on ``d`` as lag 1930:173 moves it: to the next working day when needed."""
    day = d
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def local_today(now: datetime | None = None) -> date:
    """Today's date in Sweden (deadlines, assignments and clocks count Swedish calendar days)."""
    return (now or utcnow()).astimezone(TZ).date()


def parse_day(value: str | date | None, field: str, errors: dict[str, str]) -> date | None:
    """A form's or API's date (YYYY-MM-DD); None when empty; a Swedish error under ``field``."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors[field] = _("Ange ett datum som ÅÅÅÅ-MM-DD.")
        return None
