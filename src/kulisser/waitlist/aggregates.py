"""Care-guarantee counts for the unit's overview (kulisser.stats): no patient in them.

A wait without an excluded period has its guarantee date at ``clock_start + limit_days``, so
those waits are counted in SQL, grouped by their dates (one row per distinct date pair, not
per entry). Only the waits with an excluded period (a few) go through the clock of
``guarantee`` one by one, since their dates move with the periods and the offers.
Re-exported by ``service``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from kulisser.waitlist import guarantee as g
from kulisser.waitlist.models import ExcludedPeriod, WaitlistEntry
from kulisser.waitlist.states import EntryStatus

_ENDED = (EntryStatus.DONE.value, EntryStatus.BOOKED.value)
_ACTIVE = (EntryStatus.WAITING.value, EntryStatus.BOOKED.value)


@dataclass(frozen=True)
class Compliance:
    """First visits and treatments that took place in a period, and how many within the guarantee."""

    ended: int
    within: int

    @property
    def share(self) -> float | None:
        """Per cent within the guarantee (None when none ended)."""
        return None if not self.ended else 100 * self.within / self.ended


@dataclass
class Outlook:
    """Today's active guarantee waits: breaches to come per guarantee date, and those past it."""

    active: int = 0
    upcoming: dict[date, int] = field(default_factory=dict)  # guarantee date -> waits
    past_due: int = 0  # already past the guarantee date and not yet seen

    @property
    def upcoming_total(self) -> int:
        """How many waits will pass their guarantee date in the window."""
        return sum(self.upcoming.values())


def _has_period() -> Any:
    return exists().where(ExcludedPeriod.entry_id == WaitlistEntry.id,
                          ExcludedPeriod.removed_at.is_(None))


def _guarantee_waits(unit_id: int) -> Any:
    return (WaitlistEntry.unit_id == unit_id, WaitlistEntry.limit_days.is_not(None),
            WaitlistEntry.wait_kind.in_([k.value for k in g.GUARANTEE_KINDS]))


def _with_periods(session: Session, conditions: tuple[Any, ...]) -> list[WaitlistEntry]:
    return list(session.scalars(
        select(WaitlistEntry).where(*conditions, _has_period())
        .options(selectinload(WaitlistEntry.offers), selectinload(WaitlistEntry.periods))))


def compliance(session: Session, *, unit_id: int, first: date, last: date) -> Compliance:
    """The unit's first visits and treatments done or booked on a day from first to last."""
    conditions = (*_guarantee_waits(unit_id), WaitlistEntry.status.in_(_ENDED),
                  WaitlistEntry.end_date >= first, WaitlistEntry.end_date <= last)
    ended = within = 0
    for start, end, limit, n in session.execute(
            select(WaitlistEntry.clock_start, WaitlistEntry.end_date, WaitlistEntry.limit_days,
                   func.count())
            .where(*conditions, ~_has_period())
            .group_by(WaitlistEntry.clock_start, WaitlistEntry.end_date, WaitlistEntry.limit_days)):
        ended += n
        within += n if (end - start).days <= limit else 0
    for entry in _with_periods(session, conditions):
        ended += 1
        within += not entry.figures(last).breached
    return Compliance(ended=ended, within=within)


def outlook(session: Session, *, unit_id: int, today: date, days: int = 30) -> Outlook:
    """Active waits that will pass their guarantee date within `days` from today, or already have.

    A waiting patient passes it unless seen by then; a booked one when the visit lies after it.
    """
    horizon = today + timedelta(days=days)
    out = Outlook()
    upcoming: Counter[date] = Counter()

    def count(due: date, waiting: bool, late_visit: bool, n: int) -> None:
        out.active += n
        if not (waiting or late_visit):
            return
        if due < today:
            out.past_due += n
        elif due < horizon:
            upcoming[due] += n

    conditions = (*_guarantee_waits(unit_id), WaitlistEntry.status.in_(_ACTIVE))
    for start, limit, status, visit, n in session.execute(
            select(WaitlistEntry.clock_start, WaitlistEntry.limit_days, WaitlistEntry.status,
                   WaitlistEntry.end_date, func.count())
            .where(*conditions, ~_has_period())
            .group_by(WaitlistEntry.clock_start, WaitlistEntry.limit_days, WaitlistEntry.status,
                      WaitlistEntry.end_date)):
        due = start + timedelta(days=limit)
        count(due, status == EntryStatus.WAITING.value, visit is not None and visit > due, n)
    for entry in _with_periods(session, conditions):
        f = entry.figures(today)
        if f.guarantee_date is not None:
            count(f.guarantee_date, entry.status == EntryStatus.WAITING.value, f.breached, 1)
    out.upcoming = dict(sorted(upcoming.items()))
    return out
