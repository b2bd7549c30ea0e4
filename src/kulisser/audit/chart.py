"""Audit rows per local day and outcome, laid out as a stacked bar chart for an inline SVG."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser.audit.models import AuditEvent
from kulisser.audit.queries import TZ, AuditFilter, conditions
from kulisser.staff.service import Actor

DEFAULT_DAYS = 30
MAX_DAYS = 92
STACK = ("allowed", "relation", "emergency", "denied")  # bottom to top
# The palette of app.css, which meets WCAG AA on white.
COLORS = {"allowed": "#0b5cad", "relation": "#5b3a8c", "emergency": "#8a5300",
          "denied": "#a4161a"}
WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 26


@dataclass
class Bar:
    """One outcome's segment of a day's bar, in SVG user units."""

    outcome: str
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass
class Day:
    """One local day of the chart."""

    day: date
    counts: dict[str, int]
    total: int
    bars: list[Bar] = field(default_factory=list)


@dataclass
class Chart:
    """Everything the template needs to draw the chart and its text alternative."""

    first: date
    last: date
    truncated: bool
    days: list[Day]
    ticks: list[tuple[int, float]]  # (value, y)
    labels: list[tuple[str, float]]  # (text, x)
    total: int
    peak: Day | None
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    base: int = HEIGHT - BOTTOM
    colors: dict[str, str] = field(default_factory=lambda: dict(COLORS))


def period(f: AuditFilter, today: date) -> tuple[date, date, bool]:
    """The days the chart covers: the filter's dates, else the last 30 days; at most 92."""
    last = f.date_to or max(today, f.date_from or today)
    first = f.date_from or last - timedelta(days=DEFAULT_DAYS - 1)
    first = min(first, last)
    truncated = (last - first).days + 1 > MAX_DAYS
    if truncated:
        first = last - timedelta(days=MAX_DAYS - 1)
    return first, last, truncated


def _hour_bucket(session: Session) -> Any:
    # Stockholm's UTC offset is always whole hours, so UTC hours map exactly onto local days.
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", AuditEvent.at), "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d %H", AuditEvent.at)


def daily_counts(session: Session, *, actor: Actor, f: AuditFilter, first: date,
                 last: date) -> dict[date, dict[str, int]]:
    """Rows per local day and outcome under the filter, for first..last inclusive."""
    g = replace(f, date_from=first, date_to=last, cursor="")
    bucket = _hour_bucket(session).label("bucket")
    stmt = (select(bucket, AuditEvent.outcome, func.count()).where(*conditions(actor, g))
            .group_by(bucket, AuditEvent.outcome))
    out: dict[date, dict[str, int]] = {}
    for hour, outcome, n in session.execute(stmt).tuples():
        day = datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=UTC).astimezone(TZ).date()
        per = out.setdefault(day, {})
        per[outcome] = per.get(outcome, 0) + n
    return out


def _nice_top(peak: int) -> tuple[int, int]:
    """A round axis maximum above the peak and its tick step (1, 2 or 5 times a power of ten)."""
    if peak <= 0:
        return 1, 1
    raw = peak / 4
    power = 10 ** max(0, math.floor(math.log10(raw))) if raw >= 1 else 1
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return step * math.ceil(peak / step), step


def layout(first: date, last: date, counts: dict[date, dict[str, int]],
           truncated: bool = False) -> Chart:
    """Place the bars, axis ticks and date labels (pure: no database)."""
    n = (last - first).days + 1
    days = [Day(day=first + timedelta(days=i), counts={}, total=0) for i in range(n)]
    for d in days:
        d.counts = {o: counts.get(d.day, {}).get(o, 0) for o in STACK}
        d.total = sum(counts.get(d.day, {}).values())
    top, step = _nice_top(max((d.total for d in days), default=0))
    plot_w, plot_h, base = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM, HEIGHT - BOTTOM
    slot = plot_w / n
    gap = slot * 0.2 if slot >= 4 else 0.0
    for i, d in enumerate(days):
        y = float(base)
        for outcome in STACK:
            count = d.counts[outcome]
            if count:
                h = count / top * plot_h
                y -= h
                d.bars.append(Bar(outcome=outcome, count=count, x=round(LEFT + i * slot + gap / 2, 2),
                                  y=round(y, 2), width=round(slot - gap, 2), height=round(h, 2)))
    ticks = [(v, round(base - v / top * plot_h, 2)) for v in range(0, top + 1, step)]
    every = max(1, math.ceil(n / 7))
    labels = [(f"{d.day.day}/{d.day.month}", round(LEFT + i * slot + slot / 2, 2))
              for i, d in enumerate(days) if i % every == 0]
    peak = max(days, key=lambda d: d.total) if any(d.total for d in days) else None
    return Chart(first=first, last=last, truncated=truncated, days=days, ticks=ticks,
                 labels=labels, total=sum(d.total for d in days), peak=peak)


def day_chart(session: Session, *, actor: Actor, f: AuditFilter,
              today: date | None = None) -> Chart:
    """The chart of the filter's period (today in Stockholm unless given)."""
    today = today or datetime.now(TZ).date()
    first, last, truncated = period(f, today)
    return layout(first, last, daily_counts(session, actor=actor, f=f, first=first, last=last),
                  truncated)
