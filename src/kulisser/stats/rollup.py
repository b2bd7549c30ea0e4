"""The monthly roll-up (``stats_work_month``): what long periods read instead of their days.

A year of one unit is a few hundred daily rows per kind, and the region's year of 40 units is
175,000 of them, each with a turnaround histogram to expand; the same year is 12 month rows.
``roll_up`` keeps the month rows exact: it recomputes (delete and insert) the months a range of
days touches from their daily rows, and ``aggregate.store`` calls it after every write of days,
so the refresh job, ``kulisser stats rebuild`` and the demo all keep it.

Readers split a period with ``split``: its whole months come from the month rows, the days at
its ends from the daily rows (a quarter to 5 December is October and November + 1-5 December).
The backlog is a state, not a sum: it is always read from the period's last day's daily row.
``flow_source`` is that split as one SQL source for the region view and the overview; the
staffing figure uses ``day_filter`` and ``month_filter`` directly.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    and_,
    case,
    cast,
    delete,
    false,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Subquery

from kulisser.stats.models import WorkDay
from kulisser.stats.month_models import WorkMonth

# The flow columns: sums over days, so a month row is the sum of its days.
FLOW = ("incoming", "done", "cancelled", "done_in_time", "turnaround_hours_sum",
        "turnaround_count")
# The backlog columns: the state at the end of a day, read from the last day's row only.
BACKLOG = ("open_total", "open_0_2", "open_3_14", "open_over_14", "overdue")


def month_start(day: date) -> date:
    """The first day of the day's month."""
    return day.replace(day=1)


def month_end(month: date) -> date:
    """The last day of the month."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def add_months(month: date, n: int) -> date:
    """The first day of the month n months after (or before) the given one."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Split:
    """A range of days as whole months (their first days, both included) and the loose days."""

    months: tuple[date, date] | None
    days: tuple[tuple[date, date], ...]


def split(first: date, last: date) -> Split:
    """first..last as the whole months inside it and the day ranges before and after them."""
    if last < first:
        return Split(None, ())
    m0 = first if first.day == 1 else add_months(month_start(first), 1)
    m1 = month_start(last) if last == month_end(last) else add_months(month_start(last), -1)
    if m0 > m1:
        return Split(None, ((first, last),))
    loose = []
    if first < m0:
        loose.append((first, m0 - timedelta(days=1)))
    if last > month_end(m1):
        loose.append((add_months(m1, 1), last))
    return Split((m0, m1), tuple(loose))


def day_filter(part: Split, column: Any) -> ColumnElement[bool]:
    """The SQL condition that a day column falls in the split's loose days."""
    if not part.days:
        return false()
    return or_(*(column.between(a, b) for a, b in part.days))


def month_filter(part: Split, column: Any) -> ColumnElement[bool]:
    """The SQL condition that a month column is one of the split's whole months."""
    if part.months is None:
        return false()
    return and_(column.between(*part.months))


def json_entries(session: Session, column: Any) -> Any:
    """A histogram column expanded in the database: a table of (key, value) to join laterally."""
    if session.get_bind().dialect.name == "postgresql":
        each = func.json_each_text(column).table_valued("key", "value")
        return each, cast(each.c.value, Integer)
    each = func.json_each(column).table_valued("key", "value")
    return each, each.c.value


def _month_of(session: Session, day: Any) -> Any:
    # A literal, not a bound parameter: PostgreSQL must see the same expression in GROUP BY.
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc(literal_column("'month'"), day), Date)
    return type_coerce(func.date(day, literal_column("'start of month'")), Date)


def roll_up(session: Session, *, unit_id: int, first: date, last: date) -> int:
    """Recompute the unit's month rows of every month touching first..last; return how many."""
    m0, m1 = month_start(first), month_start(last)
    month = _month_of(session, WorkDay.day).label("month")
    in_range = and_(WorkDay.unit_id == unit_id, WorkDay.day >= m0, WorkDay.day <= month_end(m1))
    rows: dict[tuple[date, str], dict[str, Any]] = {}
    for m, kind, *sums in session.execute(
            select(month, WorkDay.kind, *(func.sum(getattr(WorkDay, c)) for c in FLOW))
            .where(in_range).group_by(month, WorkDay.kind)):
        rows[(m, kind)] = {"unit_id": unit_id, "month": m, "kind": kind, "turnaround_hist": {},
                           **{c: (float(v) if c == "turnaround_hours_sum" else int(v))
                              for c, v in zip(FLOW, sums, strict=True)}}
    # The histograms merged in the database too: a bucket's count is the sum of its days'.
    each, count = json_entries(session, WorkDay.turnaround_hist)
    for m, kind, key, total in session.execute(
            select(month, WorkDay.kind, each.c.key, func.sum(count))
            .select_from(WorkDay).join(each, true())
            .where(in_range, WorkDay.turnaround_count > 0)
            .group_by(month, WorkDay.kind, each.c.key)):
        if total:
            rows[(m, kind)]["turnaround_hist"][str(key)] = int(total)
    session.execute(delete(WorkMonth).where(WorkMonth.unit_id == unit_id, WorkMonth.month >= m0,
                                            WorkMonth.month <= m1))
    values = [rows[k] for k in sorted(rows)]
    if values:
        session.execute(insert(WorkMonth), values)
    return len(values)


def flow_source(periods: Mapping[str, tuple[date, date]], *, last: date | None = None,
                unit_ids: Sequence[int] | None = None, kind: str | None = None) -> Subquery:
    """The rows whose sums are the periods' flow, as one SQL source (a UNION ALL).

    Month rows for each period's whole months, day rows for its loose days, and (when `last`
    is given) that day's rows for the backlog. Columns: unit_id, kind, the FLOW columns,
    turnaround_hist, the BACKLOG columns and oldest_created_at (day rows only), a 0/1 column
    ``in_<name>`` per period and ``is_last`` (the row is the day `last`, read its backlog).
    """
    parts = {name: split(a, b) for name, (a, b) in periods.items()}

    def flag(condition: ColumnElement[bool], name: str) -> Any:
        return case((condition, 1), else_=0).label(name)

    days_in = {name: day_filter(p, WorkDay.day) for name, p in parts.items()}
    is_last = WorkDay.day == last if last is not None else false()
    days = select(WorkDay.unit_id, WorkDay.kind, *(getattr(WorkDay, c) for c in FLOW),
                  WorkDay.turnaround_hist, *(getattr(WorkDay, c) for c in BACKLOG),
                  WorkDay.oldest_created_at,
                  *(flag(cond, f"in_{name}") for name, cond in days_in.items()),
                  flag(is_last, "is_last")).where(or_(is_last, *days_in.values()))
    months_in = {name: month_filter(p, WorkMonth.month) for name, p in parts.items()}
    months = select(WorkMonth.unit_id, WorkMonth.kind, *(getattr(WorkMonth, c) for c in FLOW),
                    WorkMonth.turnaround_hist, *(literal_column("0") for _c in BACKLOG),
                    cast(null(), WorkDay.oldest_created_at.type),
                    *(flag(cond, f"in_{name}") for name, cond in months_in.items()),
                    literal_column("0")).where(or_(*months_in.values()))
    if unit_ids is not None:
        days = days.where(WorkDay.unit_id.in_(unit_ids))
        months = months.where(WorkMonth.unit_id.in_(unit_ids))
    if kind:
        days = days.where(WorkDay.kind == kind)
        months = months.where(WorkMonth.kind == kind)
    if all(p.months is None for p in parts.values()):
        # A week or a month in progress: days only, planned as the plain index scan it is (the
        # union's estimate made PostgreSQL start parallel workers for a few thousand rows).
        return days.subquery("flow")
    return union_all(days, months).subquery("flow")
