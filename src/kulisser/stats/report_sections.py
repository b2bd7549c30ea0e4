"""The monthly report's sections: each a function (session, scope, month) -> its template's
context (or None to leave the section out), read from the aggregate only.

``SECTIONS`` is the report in page order. The parts of the picture built elsewhere (the
dictation chain, the other domains' figures, the staffing gap, speech recognition's help)
are one line each, their functions in ``report_parts``. Nothing here reads a work item or a
patient: a region's month is a few grouped queries over ``stats_work_day``, and the unit's
figures are ``service.overview`` of the month, the same numbers the overview page shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser.i18n import N_, _
from kulisser.staff.service import CareUnit
from kulisser.stats import charts, report_parts, service
from kulisser.stats.aggregate import TZ, local_day, merge
from kulisser.stats.models import WorkDay
from kulisser.stats.service import KindFigures, Period
from kulisser.stats.staffing import add_months as add_months
from kulisser.stats.staffing import month_end as month_end

MONTH_NAMES = (N_("januari"), N_("februari"), N_("mars"), N_("april"), N_("maj"), N_("juni"),
               N_("juli"), N_("augusti"), N_("september"), N_("oktober"), N_("november"),
               N_("december"))
SHORT_MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
TREND_MONTHS = 12


@dataclass(frozen=True)
class Scope:
    """What a report covers: one care unit, or the region (every unit, ``unit_id`` None)."""

    unit_id: int | None
    name: str

    @property
    def key(self) -> str:
        """The scope in one word, as stored: "unit:12" or "region"."""
        return "region" if self.unit_id is None else f"unit:{self.unit_id}"

    @property
    def is_region(self) -> bool:
        """Whether the report covers every unit."""
        return self.unit_id is None


def month_name(month: date) -> str:
    """The month in Swedish words: "november 2026"."""
    return f"{_(MONTH_NAMES[month.month - 1])} {month.year}"


def _short(month: date) -> str:
    return f"{SHORT_MONTHS[month.month - 1]} {month:%y}"


@dataclass
class MonthFigures:
    """A scope's month: the figures per kind and for all kinds, and (region) each unit's total."""

    month: date
    kinds: list[KindFigures]
    total: KindFigures
    units: list[tuple[str, KindFigures]] = field(default_factory=list)


_cache: ContextVar[dict[Any, Any] | None] = ContextVar("stats_report_cache", default=None)


@contextmanager
def figure_cache() -> Iterator[None]:
    """Compute each scope's month once while one report is built (its sections share them)."""
    token = _cache.set({})
    try:
        yield
    finally:
        _cache.reset(token)


def _cached(key: Any, make: Callable[[], Any]) -> Any:
    cache = _cache.get()
    if cache is None:
        return make()
    if key not in cache:
        cache[key] = make()
    return cache[key]


def combine(figures: list[KindFigures], *, kind: str, label: str) -> KindFigures:
    """Several units' (or kinds') figures added together: sums, merged turnaround, the oldest."""
    out = KindFigures(kind=kind, label=label)
    for f in figures:
        for name in ("incoming", "done", "cancelled", "previous_incoming", "previous_done",
                     "turnaround_sum", "open_total", "open_0_2", "open_3_14", "open_over_14",
                     "overdue"):
            setattr(out, name, getattr(out, name) + getattr(f, name))
        out.hist = merge([{str(k): v for k, v in out.hist.items()},
                          {str(k): v for k, v in f.hist.items()}])
        if f.oldest_created_at and (out.oldest_created_at is None
                                    or f.oldest_created_at < out.oldest_created_at):
            out.oldest_created_at = f.oldest_created_at
    return out


def units_with_figures(session: Session, *, first: date, last: date) -> list[int]:
    """The units with any aggregate row between the two days (the region's units at work)."""
    return list(session.scalars(select(WorkDay.unit_id).where(WorkDay.day >= first,
                                                              WorkDay.day <= last)
                                .distinct().order_by(WorkDay.unit_id)))


def month_figures(session: Session, scope: Scope, month: date) -> MonthFigures:
    """The scope's figures for the month, compared with the month before (service.overview)."""
    def make() -> MonthFigures:
        unit_ids = ([scope.unit_id] if scope.unit_id is not None else units_with_figures(
            session, first=add_months(month, -1), last=month_end(month)))
        names = dict(session.execute(select(CareUnit.id, CareUnit.name)
                                     .where(CareUnit.id.in_(unit_ids))).tuples().all())
        per_kind: dict[str, list[KindFigures]] = defaultdict(list)
        units = []
        for unit_id in unit_ids:
            ov = service.overview(session, unit_id=unit_id, period=Period.MONTH,
                                  until=month_end(month))
            for f in ov.kinds:
                per_kind[f.kind].append(f)
            units.append((names.get(unit_id, str(unit_id)), ov.total))
        kinds = sorted((combine(fs, kind=k, label=fs[0].label) for k, fs in per_kind.items()),
                       key=lambda f: f.label)
        return MonthFigures(month=month, kinds=kinds,
                            total=combine(kinds, kind="", label=_("Alla typer")),
                            units=sorted(units, key=lambda u: u[0].lower()))
    result: MonthFigures = _cached(("month", scope.key, month), make)
    return result


@dataclass
class Trend:
    """Twelve months up to the report's: flow per kind and month, the backlog at each month end."""

    months: list[date]
    incoming: dict[str, list[int]]  # per kind, one number per month
    done: dict[str, list[int]]
    open_at_end: list[int]
    overdue_at_end: list[int]
    labels: dict[str, str]


def trend(session: Session, scope: Scope, month: date) -> Trend:
    """The scope's last 12 months: one grouped query over the aggregate (per day and kind)."""
    def make() -> Trend:
        months = [add_months(month, n) for n in range(1 - TREND_MONTHS, 1)]
        stmt = (select(WorkDay.day, WorkDay.kind, func.sum(WorkDay.incoming),
                       func.sum(WorkDay.done), func.sum(WorkDay.open_total),
                       func.sum(WorkDay.overdue))
                .where(WorkDay.day >= months[0], WorkDay.day <= month_end(month))
                .group_by(WorkDay.day, WorkDay.kind))
        if scope.unit_id is not None:
            stmt = stmt.where(WorkDay.unit_id == scope.unit_id)
        index = {m: i for i, m in enumerate(months)}
        ends = {month_end(m): i for i, m in enumerate(months)}
        incoming: dict[str, list[int]] = defaultdict(lambda: [0] * len(months))
        done: dict[str, list[int]] = defaultdict(lambda: [0] * len(months))
        open_end, overdue_end = [0] * len(months), [0] * len(months)
        for day, kind, inc, dn, open_total, overdue in session.execute(stmt):
            i = index[day.replace(day=1)]
            incoming[kind][i] += int(inc or 0)
            done[kind][i] += int(dn or 0)
            if day in ends:
                open_end[ends[day]] += int(open_total or 0)
                overdue_end[ends[day]] += int(overdue or 0)
        kinds = sorted(set(incoming) | set(done), key=service.kind_label)
        return Trend(months=months, incoming={k: incoming[k] for k in kinds},
                     done={k: done[k] for k in kinds}, open_at_end=open_end,
                     overdue_at_end=overdue_end, labels={k: service.kind_label(k) for k in kinds})
    result: Trend = _cached(("trend", scope.key, month), make)
    return result


def ticks(labels: list[str]) -> list[str]:
    """Category labels short enough not to run into each other under a chart's bars (the table
    beside each chart names every kind in full)."""
    room = 14 if len(labels) <= 5 else 7
    return [label if len(label) <= room else label[:room - 1] + "…" for label in labels]


def _days(hours: int | None) -> float | None:
    return None if hours is None else hours / 24


def _oldest(month: date, f: KindFigures) -> int | None:
    if f.oldest_created_at is None:
        return None
    return (month_end(month) - local_day(f.oldest_created_at)).days


# -- the sections ------------------------------------------------------------------------------

def volumes(session: Session, scope: Scope, month: date) -> dict[str, Any]:
    """Incoming, done and cancelled per kind of work, against the month before."""
    fig = month_figures(session, scope, month)
    labels = [f.label for f in fig.kinds]
    chart = charts.bar_chart(
        "volumes", title=_("Inkommande per typ av arbete, jämfört med månaden före"),
        desc=_("{now} inkommande i {month}, {before} månaden före.", now=fig.total.incoming,
               month=month_name(month), before=fig.total.previous_incoming),
        labels=ticks(labels), series=[(_("Denna månad"), [float(f.incoming) for f in fig.kinds]),
                               (_("Månaden före"), [float(f.previous_incoming) for f in fig.kinds])])
    return {"fig": fig, "chart": chart}


def trend_section(session: Session, scope: Scope, month: date) -> dict[str, Any]:
    """The 12-month trend: incoming and done per month (chart), per kind (table), the backlog."""
    tr = trend(session, scope, month)
    labels = [_short(m) for m in tr.months]
    totals_in = [sum(v[i] for v in tr.incoming.values()) for i in range(len(tr.months))]
    totals_done = [sum(v[i] for v in tr.done.values()) for i in range(len(tr.months))]
    chart = charts.line_chart(
        "trend", title=_("Inkommande och klara per månad, tolv månader"),
        desc=_("{i} inkommande och {d} klara ärenden på tolv månader.", i=sum(totals_in),
               d=sum(totals_done)),
        labels=labels, series=[(_("Inkommande"), [float(v) for v in totals_in]),
                               (_("Klara"), [float(v) for v in totals_done]),
                               (_("Öppna vid månadens slut"), [float(v) for v in tr.open_at_end])])
    return {"trend": tr, "labels": labels, "chart": chart, "totals_in": totals_in,
            "totals_done": totals_done}


def backlog(session: Session, scope: Scope, month: date) -> dict[str, Any]:
    """The open items at the month's end by age, overdue, and the oldest."""
    fig = month_figures(session, scope, month)
    chart = charts.stacked_bars(
        "backlog", title=_("Öppna ärenden vid månadens slut, efter ålder"),
        desc=_("{n} öppna ärenden, {o} försenade.", n=fig.total.open_total, o=fig.total.overdue),
        labels=ticks([f.label for f in fig.kinds]),
        segments=[_("0–2 dagar"), _("3–14 dagar"), _("över 14 dagar")],
        values=[[f.open_0_2, f.open_3_14, f.open_over_14] for f in fig.kinds])
    return {"fig": fig, "chart": chart, "oldest": lambda f: _oldest(month, f)}


def turnaround(session: Session, scope: Scope, month: date) -> dict[str, Any]:
    """How long the month's done items took, created to done: median and 90th percentile."""
    fig = month_figures(session, scope, month)
    chart = charts.bar_chart(
        "turnaround", title=_("Ledtid från nytt till klart, dagar"),
        desc=_("Median {m} och 90:e percentil {p} dagar för alla typer.",
               m=charts.number(_days(fig.total.median_hours), 1),
               p=charts.number(_days(fig.total.p90_hours), 1)),
        labels=ticks([f.label for f in fig.kinds]), fmt=lambda v: charts.number(v, 1),
        series=[(_("Median"), [_days(f.median_hours) for f in fig.kinds]),
                (_("90:e percentil"), [_days(f.p90_hours) for f in fig.kinds])])
    return {"fig": fig, "chart": chart}


def units_side_by_side(session: Session, scope: Scope, month: date) -> dict[str, Any] | None:
    """The region's units side by side (the region's report only)."""
    if not scope.is_region:
        return None
    fig = month_figures(session, scope, month)
    chart = charts.bar_chart(
        "units", title=_("Inkommande och klara per vårdenhet"),
        desc=_("{n} vårdenheter med ärenden i {month}.", n=len(fig.units), month=month_name(month)),
        labels=ticks([name for name, _f in fig.units]),
        series=[(_("Inkommande"), [float(f.incoming) for _n, f in fig.units]),
                (_("Klara"), [float(f.done) for _n, f in fig.units])])
    return {"fig": fig, "chart": chart, "oldest": lambda f: _oldest(month, f)}


Section = tuple[str, Callable[[Session, Scope, date], dict[str, Any] | None]]
SECTIONS: list[Section] = [
    ("stats/report/_volumes.html", volumes),
    ("stats/report/_trend.html", trend_section),
    ("stats/report/_backlog.html", backlog),
    ("stats/report/_turnaround.html", turnaround),
    ("stats/report/_units.html", units_side_by_side),
    ("stats/report/_chain.html", report_parts.chain_section),
    ("stats/report/_shares.html", report_parts.shares_section),
    ("stats/report/_staffing.html", report_parts.staffing_section),
    ("stats/report/_recognizer.html", report_parts.recognizer_section),
]


def build(session: Session, scope: Scope, month: date) -> list[tuple[str, dict[str, Any]]]:
    """Every section's template and context for a scope's month, in report order."""
    with figure_cache():
        return [(template, data) for template, section in SECTIONS
                if (data := section(session, scope, month)) is not None]


def made_label(moment: datetime) -> str:
    """A moment as the report prints it, in Swedish local time: "2026-12-02 03:05"."""
    return moment.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
