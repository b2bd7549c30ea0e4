"""Local time and the Swedish calendar: public holidays and the times a template yields (no I/O).

Schedules are written in Europe/Stockholm wall-clock time ("Mondays 08:00-12:00"); slots are
stored as aware UTC instants. A slot's wall-clock time therefore stays put across the
daylight-saving change (08:00 is 07:00Z in winter, 06:00Z in summer), a wall-clock time that
does not exist (the skipped hour in March) yields no slot, and a repeated one (October) yields
one slot, at its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kulisser import workdays
from kulisser.i18n import N_, _

TZ = ZoneInfo("Europe/Stockholm")
WEEKDAY_NAMES = (N_("måndag"), N_("tisdag"), N_("onsdag"), N_("torsdag"), N_("fredag"), N_("lördag"),
                 N_("söndag"))
WEEKDAY_SHORT = (N_("mån"), N_("tis"), N_("ons"), N_("tor"), N_("fre"), N_("lör"), N_("sön"))


def swedish_holidays(year: int) -> dict[date, str]:
    """Sweden's public holidays plus the eves clinics close on, by date, named in Swedish.

    The days are `kulisser.workdays`' non-working days (the law's holidays, midsommarafton,
    julafton, nyårsafton) and påskafton, a Saturday on which outpatient clinics are closed too.
    """
    days = {day: _(name) for day, name in workdays.non_working_days(year).items()}
    days[workdays.easter_sunday(year) - timedelta(days=1)] = _("Påskafton")
    return dict(sorted(days.items()))


def holidays_between(start: date, end: date) -> dict[date, str]:
    """The computed holidays from start to end, both included."""
    found: dict[date, str] = {}
    for year in range(start.year, end.year + 1):
        found.update({d: n for d, n in swedish_holidays(year).items() if start <= d <= end})
    return found


def to_utc(day: date, at: time) -> datetime | None:
    """The UTC instant of a Stockholm wall-clock time, or None where that time does not exist.

    A repeated wall-clock time (the autumn change) is taken at its first occurrence (fold=0).
    """
    local = datetime.combine(day, at, tzinfo=TZ)
    instant = local.astimezone(UTC)
    back = instant.astimezone(TZ)
    if (back.date(), back.time()) != (day, at.replace(tzinfo=None)):
        return None  # inside the hour skipped in spring
    return instant


def local(instant: datetime) -> datetime:
    """An aware instant in Stockholm time."""
    return instant.astimezone(TZ)


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants where a Stockholm calendar day begins and the next one begins."""
    start = datetime.combine(day, time(0), tzinfo=TZ).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=TZ).astimezone(UTC)
    return start, end


def today_local(now: datetime) -> date:
    """The Stockholm calendar date of an instant."""
    return now.astimezone(TZ).date()


def week_start(day: date) -> date:
    """The Monday of day's ISO week."""
    return day - timedelta(days=day.weekday())


def parse_weekdays(text: str) -> str:
    """Normalise ISO weekday digits ("1-5", "1,3", "135") to a sorted digit string, or raise ValueError."""
    digits: set[int] = set()
    for part in text.replace(" ", "").replace(",", " ").split():
        if "-" in part:
            lo, hi = part.split("-", 1)
            digits.update(range(int(lo), int(hi) + 1))
        else:
            digits.update(int(ch) for ch in part)
    if not digits or not all(1 <= d <= 7 for d in digits):
        raise ValueError("weekdays are 1 (Monday) to 7 (Sunday)")
    return "".join(str(d) for d in sorted(digits))


def weekdays_label(digits: str) -> str:
    """ISO weekday digits in Swedish ("mån, tis, ons")."""
    return ", ".join(_(WEEKDAY_SHORT[int(d) - 1]) for d in digits)


@dataclass(frozen=True)
class SlotTime:
    """One slot a template yields: its UTC start and end, and its local start for display."""

    start: datetime
    end: datetime
    local_start: datetime


@dataclass(frozen=True)
class Blocked:
    """A stretch of time with no slots (an exception), as UTC instants; end exclusive."""

    start: datetime
    end: datetime


def day_slots(day: date, *, start: time, end: time, minutes: int,
              blocked: Sequence[Blocked] = ()) -> Iterator[SlotTime]:
    """The slots of one day's session: every `minutes` of wall-clock time from start until end.

    Steps are taken in wall-clock time (so the grid stays on 08:00, 08:30 ... on the day the
    clocks change); each slot lasts `minutes` of real time. Wall-clock times in the skipped
    hour yield nothing; a slot that would not end by the session's end, or that overlaps a
    blocked stretch, is left out.
    """
    if minutes <= 0:
        raise ValueError("minutes must be positive")
    # An end inside the skipped hour (02:30 on the spring change) is the instant an hour later
    # on the new clock (03:30): the same real time.
    session_end = to_utc(day, end) or to_utc(day, time((end.hour + 1) % 24, end.minute))
    if session_end is None:
        return
    cursor = datetime.combine(day, start)
    wall_end = datetime.combine(day, end)
    step = timedelta(minutes=minutes)
    while cursor + step <= wall_end:
        instant = to_utc(day, cursor.time())
        if instant is not None:
            slot_end = instant + step
            if slot_end <= session_end and not any(
                    b.start < slot_end and instant < b.end for b in blocked):
                yield SlotTime(start=instant, end=slot_end, local_start=instant.astimezone(TZ))
        cursor += step
