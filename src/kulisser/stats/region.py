"""The region's view: every care unit's figures for one period, side by side (issue 15 item 6).

Read grouped by unit, in a fixed number of queries whatever the number of units: one for the
flow and the backlog of this period and the previous one (conditional sums over both ranges),
one for the turnaround histograms (expanded in the database with ``json_each``), one for the
units' names. The flow of whole months comes from the monthly roll-up (``stats_work_month``),
the days at the periods' ends and the backlog from ``stats_work_day`` (``rollup.flow_source``).
No query per unit, so that 40 units over three years of days cost what one unit does. The
figures are the unit overview's (``service.KindFigures``): a unit's row here equals the "Alla
typer" row of its ``/oversikt``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import case, func, select, true, union
from sqlalchemy.orm import Session

from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.staff.service import CareUnit
from kulisser.stats.aggregate import JOB, local_day
from kulisser.stats.models import Watermark, WorkDay, WorkMonth
from kulisser.stats.rollup import day_filter, flow_source, json_entries, month_filter, split
from kulisser.stats.service import KindFigures, Period, _sum, kind_label, period_bounds


@dataclass
class UnitRow:
    """One care unit's figures for the period (all kinds, or the kind asked for)."""

    unit_id: int
    name: str
    figures: KindFigures
    oldest_days: int | None

    @property
    def change_pct(self) -> float | None:
        """Incoming against the previous period's same days, in percent; None without a base."""
        before = self.figures.previous_incoming
        return None if before == 0 else (self.figures.incoming - before) / before * 100


@dataclass
class Region:
    """The region's view for one period: a row per unit, sorted, and the region's total."""

    period: Period
    start: date
    end: date
    previous_start: date
    previous_end: date
    kind: str | None
    sort: str
    descending: bool
    units: list[UnitRow]
    total: KindFigures
    updated: datetime | None


class Column(StrEnum):
    """The columns the view sorts by (the values are the URL's `sort=` words)."""

    NAME = "enhet"
    INCOMING = "inkommande"
    DONE = "klara"
    CHANGE = "forandring"
    OPEN = "oppna"
    OPEN_0_2 = "oppna_0_2"
    OPEN_3_14 = "oppna_3_14"
    OPEN_OVER_14 = "oppna_over_14"
    OVERDUE = "forsenade"
    MEDIAN = "median"
    P90 = "p90"
    OLDEST = "aldsta"


COLUMN_LABELS = {
    Column.NAME: N_("Enhet"), Column.INCOMING: N_("Inkommande"), Column.DONE: N_("Klara"),
    Column.CHANGE: N_("Förändring inkommande"), Column.OPEN: N_("Öppna"),
    Column.OPEN_0_2: N_("Öppna 0–2 dagar"), Column.OPEN_3_14: N_("3–14 dagar"),
    Column.OPEN_OVER_14: N_("över 14 dagar"), Column.OVERDUE: N_("Försenade"),
    Column.MEDIAN: N_("Ledtid median"), Column.P90: N_("Ledtid 90:e percentil"),
    Column.OLDEST: N_("Äldsta öppna (dagar)"),
}

KEYS: dict[Column, Callable[[UnitRow], Any]] = {
    Column.NAME: lambda u: u.name.casefold(),
    Column.INCOMING: lambda u: u.figures.incoming,
    Column.DONE: lambda u: u.figures.done,
    Column.CHANGE: lambda u: u.change_pct,
    Column.OPEN: lambda u: u.figures.open_total,
    Column.OPEN_0_2: lambda u: u.figures.open_0_2,
    Column.OPEN_3_14: lambda u: u.figures.open_3_14,
    Column.OPEN_OVER_14: lambda u: u.figures.open_over_14,
    Column.OVERDUE: lambda u: u.figures.overdue,
    Column.MEDIAN: lambda u: u.figures.median_hours,
    Column.P90: lambda u: u.figures.p90_hours,
    Column.OLDEST: lambda u: u.oldest_days,
}


def parse_sort(value: str | None) -> tuple[Column, bool]:
    """The column and direction of `sort=` ("klara", or "-klara" for largest first)."""
    text = (value or Column.NAME.value).strip()
    descending = text.startswith("-")
    try:
        return Column(text.lstrip("-")), descending
    except ValueError:
        raise ValidationFailed({"sort": _("Okänd kolumn att sortera efter.")}) from None


def sort_units(units: list[UnitRow], column: Column, *, descending: bool) -> list[UnitRow]:
    """The rows by a column; a row without a value (no turnaround, no base) always last, and
    equal values by unit name, so that the order never depends on the database's."""
    key = KEYS[column]
    by_name = sorted(units, key=lambda u: (u.name.casefold(), u.unit_id))
    present = [u for u in by_name if key(u) is not None]
    missing = [u for u in by_name if key(u) is None]
    return sorted(present, key=key, reverse=descending) + missing


def _flow_and_backlog(session: Session, *, start: date, end: date, previous_start: date,
                      previous_end: date, kind: str | None) -> dict[int, KindFigures]:
    """Query 1: per unit, the sums of this period and the previous one and the last day's state."""
    src = flow_source({"now": (start, end), "before": (previous_start, previous_end)},
                      last=end, kind=kind)
    now, before, last = src.c.in_now == 1, src.c.in_before == 1, src.c.is_last == 1

    def when(condition: Any, column: Any) -> Any:
        return func.coalesce(func.sum(case((condition, column), else_=0)), 0)

    stmt = (select(src.c.unit_id, when(now, src.c.incoming), when(now, src.c.done),
                   when(now, src.c.cancelled), when(before, src.c.incoming),
                   when(before, src.c.done), when(now, src.c.turnaround_hours_sum),
                   when(last, src.c.open_total), when(last, src.c.open_0_2),
                   when(last, src.c.open_3_14), when(last, src.c.open_over_14),
                   when(last, src.c.overdue),
                   func.min(case((last, src.c.oldest_created_at))))
            .group_by(src.c.unit_id))
    out: dict[int, KindFigures] = {}
    for row in session.execute(stmt):
        f = KindFigures(kind=kind or "", label="")
        (f.incoming, f.done, f.cancelled, f.previous_incoming, f.previous_done,
         f.turnaround_sum, f.open_total, f.open_0_2, f.open_3_14, f.open_over_14,
         f.overdue) = (int(v) for v in row[1:12])
        f.turnaround_sum = float(row[6])
        f.oldest_created_at = row[12]
        out[row[0]] = f
    return out


def _histograms(session: Session, *, start: date, end: date,
                kind: str | None) -> dict[int, dict[int, int]]:
    """Query 2: per unit, the period's turnaround histogram, its buckets summed in the database."""
    src = flow_source({"now": (start, end)}, kind=kind)
    each, count = json_entries(session, src.c.turnaround_hist)
    stmt = (select(src.c.unit_id, each.c.key, func.sum(count))
            .select_from(src).join(each, true())
            .where(src.c.turnaround_count > 0)
            .group_by(src.c.unit_id, each.c.key))
    out: dict[int, dict[int, int]] = {}
    for unit_id, key, total in session.execute(stmt):
        out.setdefault(unit_id, {})[int(key)] = int(total)
    return out


def region(session: Session, *, period: Period, until: date, kind: str | None = None,
           sort: Column = Column.NAME, descending: bool = False) -> Region:
    """Every care unit's figures for the period ending `until`, sorted by a column."""
    start, end, previous_start, previous_end = period_bounds(period, until)
    figures = _flow_and_backlog(session, start=start, end=end, previous_start=previous_start,
                                previous_end=previous_end, kind=kind)
    hists = _histograms(session, start=start, end=end, kind=kind)
    units = []
    for unit_id, name in session.execute(select(CareUnit.id, CareUnit.name)):
        f = figures.get(unit_id) or KindFigures(kind=kind or "", label="")
        f.label, f.hist = name, hists.get(unit_id, {})
        oldest = None if f.oldest_created_at is None else (end - local_day(f.oldest_created_at)).days
        units.append(UnitRow(unit_id=unit_id, name=name, figures=f, oldest_days=oldest))
    total = _sum([u.figures for u in units])
    total.label = _("Hela regionen")
    mark = session.get(Watermark, JOB)
    return Region(period=period, start=start, end=end, previous_start=previous_start,
                  previous_end=previous_end, kind=kind or None, sort=sort.value,
                  descending=descending, units=sort_units(units, sort, descending=descending),
                  total=total, updated=mark.until if mark else None)


def unit_exists(session: Session, *, unit_id: int) -> bool:
    """Whether a care unit with this id exists (the drill-down's target)."""
    return session.get(CareUnit, unit_id) is not None


def unit_name(session: Session, *, unit_id: int) -> str:
    """A care unit's name ("" when there is none)."""
    unit = session.get(CareUnit, unit_id)
    return unit.name if unit else ""


def kinds(session: Session, *, first: date, last: date) -> list[tuple[str, str]]:
    """The kinds any unit has figures for in the days, as (code, Swedish label), by label."""
    # Whole months from the roll-up: a year is 12 month rows per unit and kind, not 365 days.
    part = split(first, last)
    codes = session.scalars(union(
        select(WorkMonth.kind).where(month_filter(part, WorkMonth.month)),
        select(WorkDay.kind).where(day_filter(part, WorkDay.day))))
    return sorted(((c, kind_label(c)) for c in codes), key=lambda pair: pair[1].casefold())
