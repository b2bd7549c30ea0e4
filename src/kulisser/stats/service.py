"""Reading the aggregate: a unit's overview for a period, compared with the period before.

Everything here reads the aggregates only (never the work items), so the overview costs the same
at ten items or ten million: a period's whole months from the monthly roll-up
(``stats_work_month``), its loose days and its last day's backlog from ``stats_work_day``
(``rollup.flow_source``), the chart's daily or weekly flow from the days' incoming and done.
The region view and the monthly report read the same tables through the functions below
(``period_bounds``, ``flow``, ``totals``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser import bounds
from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.stats.aggregate import JOB, Percentiles, merge
from kulisser.stats.models import Watermark, WorkDay
from kulisser.stats.rollup import flow_source
from kulisser.worklist import service as worklist


class Period(StrEnum):
    """The periods the overview can show (the values are the URL's Swedish words)."""

    WEEK = "vecka"
    MONTH = "manad"
    QUARTER = "kvartal"
    YEAR = "ar"


PERIOD_LABELS = {Period.WEEK: N_("Vecka"), Period.MONTH: N_("Månad"),
                 Period.QUARTER: N_("Kvartal"), Period.YEAR: N_("År")}


def parse_period(value: str | None) -> Period:
    """The period named in a request (default month); a clear error for anything else."""
    if not value:
        return Period.MONTH
    try:
        return Period(value)
    except ValueError:
        raise ValidationFailed(
            {"period": _("Okänd period: välj vecka, månad, kvartal eller år.")}) from None


def parse_day(value: str | None, *, default: date) -> date:
    """A YYYY-MM-DD date from a request, or the default; a clear error for anything else."""
    if not value:
        return default
    try:
        # Bounded (1900-2999): a period's start or its previous period must stay a valid date.
        return bounds.parse_day(value)
    except ValueError:
        raise ValidationFailed({"till": _("Datumet ska skrivas ÅÅÅÅ-MM-DD.")}) from None


def period_start(period: Period, day: date) -> date:
    """The first day of the period that contains the day."""
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    if period is Period.QUARTER:
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def period_bounds(period: Period, until: date) -> tuple[date, date, date, date]:
    """This period up to `until`, and the same stretch of the period before it.

    The previous period is compared day for day (1-5 December with 1-5 November), so a period
    in progress is not set against a whole one.
    """
    start = period_start(period, until)
    previous_start = period_start(period, start - timedelta(days=1))
    previous_end = min(start - timedelta(days=1), previous_start + (until - start))
    return start, until, previous_start, previous_end


@dataclass
class KindFigures(Percentiles):
    """One kind of work's figures for a period (or all kinds together); the turnaround's median
    and 90th percentile are ``median_hours`` and ``p90_hours`` (``aggregate.Percentiles``)."""

    kind: str
    label: str
    incoming: int = 0
    done: int = 0
    cancelled: int = 0
    previous_incoming: int = 0
    previous_done: int = 0
    # Done at or before the due time the item had when it was closed.
    done_in_time: int = 0
    previous_done_in_time: int = 0
    hist: dict[int, int] = field(default_factory=dict)
    turnaround_sum: float = 0.0
    # The state at the end of the period's last day.
    open_total: int = 0
    open_0_2: int = 0
    open_3_14: int = 0
    open_over_14: int = 0
    overdue: int = 0
    oldest_created_at: datetime | None = None

    @property
    def in_time_share(self) -> float | None:
        """Per cent of the period's done items done within their due time (None: none done)."""
        return None if not self.done else 100 * self.done_in_time / self.done

    @property
    def previous_in_time_share(self) -> float | None:
        """The same share for the previous period's same days."""
        return None if not self.previous_done else 100 * self.previous_done_in_time / self.previous_done


@dataclass
class Overview:
    """A unit's overview: the period, its flow per day or week, and the figures per kind."""

    period: Period
    start: date
    end: date
    previous_start: date
    previous_end: date
    buckets: list[tuple[date, int, int]]  # (first day of the day/week, incoming, done)
    kinds: list[KindFigures]
    total: KindFigures
    updated: datetime | None


def kind_label(code: str) -> str:
    """The Swedish plural label of a work-item kind (the code itself when it is unknown)."""
    try:
        return _(worklist.get_kind(code).label_plural)
    except KeyError:
        return code


def _daily_flow(session: Session, unit_id: int, first: date, last: date,
                kind: str | None) -> list[Any]:
    """The days' incoming and done only (the chart's buckets), summed over the kinds in SQL:
    a year is 365 rows, not one per day and kind, and no histogram is read."""
    stmt = (select(WorkDay.day, func.sum(WorkDay.incoming).label("incoming"),
                   func.sum(WorkDay.done).label("done"))
            .where(WorkDay.unit_id == unit_id, WorkDay.day >= first, WorkDay.day <= last)
            .group_by(WorkDay.day))
    if kind:
        stmt = stmt.where(WorkDay.kind == kind)
    return list(session.execute(stmt))


def kinds_of(session: Session, *, unit_id: int) -> list[str]:
    """The kinds the unit has figures for, in code order."""
    return list(session.scalars(select(WorkDay.kind).where(WorkDay.unit_id == unit_id)
                                .distinct().order_by(WorkDay.kind)))


def flow(rows: Iterable[Any], *, start: date, end: date, weekly: bool) -> list[tuple[date, int, int]]:
    """Incoming and done per day (or per week from Monday), every bucket present."""
    def key(d: date) -> date:
        return d - timedelta(days=d.weekday()) if weekly else d

    sums: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        sums[key(r.day)][0] += r.incoming
        sums[key(r.day)][1] += r.done
    out: list[tuple[date, int, int]] = []
    d = key(start)
    while d <= end:
        incoming, done = sums.get(d, [0, 0])
        out.append((d, incoming, done))
        d += timedelta(days=7 if weekly else 1)
    return out


def totals(rows: Iterable[Any]) -> dict[str, KindFigures]:
    """The figures per kind from ``rollup.flow_source`` rows of the periods "now" and "before":
    sums over the period, and the backlog at the end of its last day (the ``is_last`` rows)."""
    out: dict[str, KindFigures] = {}

    def fig(kind: str) -> KindFigures:
        if kind not in out:
            out[kind] = KindFigures(kind=kind, label=kind_label(kind))
        return out[kind]

    for r in rows:
        f = fig(r.kind)
        if r.in_now:
            f.incoming += r.incoming
            f.done += r.done
            f.done_in_time += r.done_in_time
            f.cancelled += r.cancelled
            f.turnaround_sum += r.turnaround_hours_sum
            f.hist = merge([{str(k): v for k, v in f.hist.items()}, r.turnaround_hist])
        if r.is_last:
            f.open_total, f.overdue = r.open_total, r.overdue
            f.open_0_2, f.open_3_14, f.open_over_14 = r.open_0_2, r.open_3_14, r.open_over_14
            f.oldest_created_at = r.oldest_created_at
        if r.in_before:
            f.previous_incoming += r.incoming
            f.previous_done += r.done
            f.previous_done_in_time += r.done_in_time
    return out


def _sum(figures: list[KindFigures]) -> KindFigures:
    total = KindFigures(kind="", label=_("Alla typer"))
    for f in figures:
        for name in ("incoming", "done", "cancelled", "previous_incoming", "previous_done",
                     "done_in_time", "previous_done_in_time",
                     "turnaround_sum", "open_total", "open_0_2", "open_3_14", "open_over_14",
                     "overdue"):
            setattr(total, name, getattr(total, name) + getattr(f, name))
        total.hist = merge([{str(k): v for k, v in total.hist.items()},
                            {str(k): v for k, v in f.hist.items()}])
        if f.oldest_created_at and (total.oldest_created_at is None
                                    or f.oldest_created_at < total.oldest_created_at):
            total.oldest_created_at = f.oldest_created_at
    return total


def overview(session: Session, *, unit_id: int, period: Period, until: date,
             kind: str | None = None) -> Overview:
    """The unit's overview for the period ending `until` (optionally one kind of work)."""
    start, end, previous_start, previous_end = period_bounds(period, until)
    # Whole months from the monthly roll-up, the loose days and the backlog from the days.
    src = flow_source({"now": (start, end), "before": (previous_start, previous_end)},
                      last=end, unit_ids=[unit_id], kind=kind)
    figures = sorted(totals(session.execute(select(src))).values(), key=lambda f: f.label)
    rows = _daily_flow(session, unit_id, start, end, kind)
    mark = session.get(Watermark, JOB)
    return Overview(period=period, start=start, end=end, previous_start=previous_start,
                    previous_end=previous_end,
                    buckets=flow(rows, start=start, end=end,
                                 weekly=period in (Period.QUARTER, Period.YEAR)),
                    kinds=figures, total=_sum(figures), updated=mark.until if mark else None)
