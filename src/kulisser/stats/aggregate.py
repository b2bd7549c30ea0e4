"""Computing the daily aggregate (``stats_work_day``) from the work items and their history.

One row per unit, local day and kind. A day's row depends only on what was true of the items
by the end of that day (their creation, closing and due time as of then, read back from the
``due_changed`` events), so a finished day's row never changes, with one exception: an item
marked entered-in-error never existed and leaves every day from its creation. That is why the
incremental refresh recomputes, per unit, the days from its last run (less a margin for
transactions still open then) to today, and from the creation day of each item that was
entered in error since. Recomputing is delete-and-insert, so running twice gives the same rows.
``store`` rolls the months it touched up again (``rollup.roll_up``) in the same transaction.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from kulisser.db import utcnow
from kulisser.staff.service import CareUnit
from kulisser.stats.models import Watermark, WorkDay
from kulisser.stats.rollup import roll_up
from kulisser.worklist import service as worklist

TZ = ZoneInfo("Europe/Stockholm")
JOB = "stats.work_days"
# A transaction open when the last run read the items may commit changes dated before its
# start; recomputing from a little earlier picks them up.
MARGIN = timedelta(minutes=30)
DONE = worklist.Status.COMPLETED.value
CANCELLED = worklist.Status.CANCELLED.value
IN_ERROR = worklist.Status.ENTERED_IN_ERROR.value
# Age bands of the open backlog, in whole local days since creation: (key, lowest, highest).
BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("open_0_2", 0, 2), ("open_3_14", 3, 14), ("open_over_14", 15, None))


def local_day(moment: datetime) -> date:
    """The Stockholm date of a moment."""
    return moment.astimezone(TZ).date()


def day_start(day: date) -> datetime:
    """The moment (UTC) a Stockholm day begins."""
    return datetime.combine(day, time(0), tzinfo=TZ).astimezone(UTC)


def days(first: date, last: date) -> Iterable[date]:
    """Every date from first to last, both included."""
    for n in range((last - first).days + 1):
        yield first + timedelta(days=n)


def bucket(hours: float) -> int:
    """The histogram bucket of a turnaround: its upper bound in hours.

    Whole hours up to two days, whole days up to 90 days, then 30-day steps: exact enough
    for a median that a manager reads in hours or days, and a few dozen keys per row at most.
    """
    if hours <= 48:
        return max(0, math.ceil(hours))
    if hours <= 24 * 90:
        return math.ceil(hours / 24) * 24
    return math.ceil(hours / 720) * 720


def merge(histograms: Iterable[dict[str, Any]]) -> dict[int, int]:
    """Add histograms ({bound: count}, keys as stored in JSON) together."""
    total: dict[int, int] = defaultdict(int)
    for hist in histograms:
        for key, count in (hist or {}).items():
            total[int(key)] += int(count)
    return dict(total)


def percentile(hist: dict[int, int], p: float) -> int | None:
    """The nearest-rank p-th percentile (0 < p <= 100) of a histogram, or None when empty."""
    n = sum(hist.values())
    if n == 0:
        return None
    rank = max(1, math.ceil(p / 100 * n))
    seen = 0
    for bound in sorted(hist):
        seen += hist[bound]
        if seen >= rank:
            return bound
    return max(hist)  # pragma: no cover - the ranks always reach n


class Percentiles:
    """The median and 90th percentile of a figure's histogram ``hist`` ({hours: count}): the
    turnaround of a kind of work (``service.KindFigures``), the time in a step of the dictation
    chain (``chain_views.StepFigures``)."""

    hist: dict[int, int]

    @property
    def median_hours(self) -> int | None:
        """Median, hours (nearest rank over the stored histogram); None when it is empty."""
        return percentile(self.hist, 50)

    @property
    def p90_hours(self) -> int | None:
        """90th percentile, hours; None when the histogram is empty."""
        return percentile(self.hist, 90)


@dataclass
class _Row:
    incoming: int = 0
    done: int = 0
    cancelled: int = 0
    done_in_time: int = 0
    turnaround_hours_sum: float = 0.0
    turnaround_count: int = 0
    turnaround_hist: dict[str, int] = field(default_factory=dict)
    open_total: int = 0
    open_0_2: int = 0
    open_3_14: int = 0
    open_over_14: int = 0
    overdue: int = 0
    oldest_created_at: datetime | None = None


def _due_history(session: Session, item_ids: list[int], since: datetime) -> dict[int, list[Any]]:
    """Each item's due changes after `since`, oldest first: (at, due before the change)."""
    ev = worklist.WorkItemEvent
    found: dict[int, list[Any]] = defaultdict(list)
    for chunk in range(0, len(item_ids), 500):
        rows = session.execute(
            select(ev.work_item_id, ev.at, ev.data)
            .where(ev.work_item_id.in_(item_ids[chunk:chunk + 500]), ev.type == "due_changed",
                   ev.at > since).order_by(ev.id))
        for item_id, at, data in rows:
            found[item_id].append((at, datetime.fromisoformat(data["due_before"])))
    return found


def _due_at(current: datetime, changes: list[Any], moment: datetime) -> datetime:
    """The due time an item had at a moment: the first later change's "before", else today's."""
    for at, before in changes:
        if at > moment:
            due: datetime = before if before.tzinfo else before.replace(tzinfo=UTC)
            return due
    return current


def compute(session: Session, *, unit_id: int, first: date, last: date,
            now: datetime) -> dict[tuple[date, str], _Row]:
    """The unit's rows for the days first..last, computed from the items (nothing written)."""
    wi = worklist.WorkItem
    # Up to and including `now`: an item created in the same instant as the run is counted.
    now = now + timedelta(microseconds=1)
    start, end = day_start(first), min(day_start(last + timedelta(days=1)), now)
    items = session.execute(
        select(wi.id, wi.kind, wi.created_at, wi.closed_at, wi.status, wi.due_at)
        .where(wi.unit_id == unit_id, wi.status != IN_ERROR, wi.created_at < end,
               (wi.closed_at.is_(None)) | (wi.closed_at >= start))).all()
    due_changes = _due_history(session, [i.id for i in items], start)
    rows: dict[tuple[date, str], _Row] = defaultdict(_Row)
    for item in items:
        created = local_day(item.created_at)
        if first <= created <= last:
            rows[(created, item.kind)].incoming += 1
        closed = local_day(item.closed_at) if item.closed_at is not None else None
        if closed is not None and first <= closed <= last and item.status in (DONE, CANCELLED):
            row = rows[(closed, item.kind)]
            if item.status == CANCELLED:
                row.cancelled += 1
            else:
                hours = (item.closed_at - item.created_at).total_seconds() / 3600
                row.done += 1
                # Within due time: closed at or before the due time it had at that moment (a
                # due time moved after closing changes nothing).
                if item.closed_at <= _due_at(item.due_at, due_changes.get(item.id, []),
                                             item.closed_at):
                    row.done_in_time += 1
                row.turnaround_count += 1
                row.turnaround_hours_sum += hours
                key = str(bucket(hours))
                row.turnaround_hist[key] = row.turnaround_hist.get(key, 0) + 1
        # Open at the end of day d (or now, for today): created by then, not closed by then.
        open_last = last if closed is None else min(last, closed - timedelta(days=1))
        for d in days(max(first, created), open_last):
            moment = min(day_start(d + timedelta(days=1)), now)
            if item.created_at >= moment:
                continue  # created later today than this run's moment
            row = rows[(d, item.kind)]
            row.open_total += 1
            age = (d - created).days
            for key, low, high in BANDS:
                if age >= low and (high is None or age <= high):
                    setattr(row, key, getattr(row, key) + 1)
            if _due_at(item.due_at, due_changes.get(item.id, []), moment) < moment:
                row.overdue += 1
            if row.oldest_created_at is None or item.created_at < row.oldest_created_at:
                row.oldest_created_at = item.created_at
    return rows


def store(session: Session, *, unit_id: int, first: date, last: date, now: datetime) -> int:
    """Replace the unit's rows for first..last with freshly computed ones; return how many."""
    rows = compute(session, unit_id=unit_id, first=first, last=last, now=now)
    session.execute(delete(WorkDay).where(WorkDay.unit_id == unit_id, WorkDay.day >= first,
                                          WorkDay.day <= last))
    values = [{"unit_id": unit_id, "day": d, "kind": kind, **vars(row)}
              for (d, kind), row in sorted(rows.items())]
    if values:
        session.execute(insert(WorkDay), values)
    # The month rows of the months these days belong to follow them (long periods read those).
    roll_up(session, unit_id=unit_id, first=first, last=last)
    return len(values)


def units(session: Session) -> list[int]:
    """Every care unit (read from the small unit table, not from the work items)."""
    return list(session.scalars(select(CareUnit.id).order_by(CareUnit.id)))


Store = Callable[..., int]  # store(session, *, unit_id, first, last, now) -> rows written


def rebuild_with(store_days: Store, session: Session, *, first: date, last: date,
                 now: datetime | None = None, unit_ids: list[int] | None = None,
                 progress: Callable[[int], object] | None = None) -> int:
    """Run a daily aggregate's `store` per unit over first..last, a month at a time (bounded
    memory and transaction work); the rows written. Shared by this aggregate and the chain's."""
    now = now or utcnow()
    last = min(last, local_day(now))
    written = 0
    for unit_id in unit_ids if unit_ids is not None else units(session):
        for chunk, chunk_end in chunks(first, last):
            written += store_days(session, unit_id=unit_id, first=chunk, last=chunk_end, now=now)
            if progress is not None:
                progress((chunk_end - chunk).days + 1)
    return written


def chunks(first: date, last: date) -> Iterator[tuple[date, date]]:
    """first..last as consecutive stretches of at most 31 days (a rebuild's unit of work)."""
    chunk = first
    while chunk <= last:
        chunk_end = min(last, chunk + timedelta(days=30))
        yield chunk, chunk_end
        chunk = chunk_end + timedelta(days=1)


Rebuild = Callable[..., int]  # rebuild(session, *, first, last, now, unit_ids) -> rows written


def refresh_with(rebuild_units: Rebuild, session: Session, *, job: str, now: datetime | None,
                 earliest: Callable[[], date | None],
                 redo: Callable[[datetime], dict[int, datetime]]) -> int:
    """A daily aggregate's incremental job: the days since the job's watermark (less MARGIN)
    for every unit at once, and from `redo`'s moment for a unit where something since left
    earlier days; the first run rebuilds from `earliest`. Shared by this aggregate and the
    chain's."""
    now = now or utcnow()
    # Two workers running the job at once wait for each other here (PostgreSQL).
    mark = session.get(Watermark, job, with_for_update=True)
    today = local_day(now)
    if mark is None:
        first = earliest()
        written = 0 if first is None else rebuild_units(session, first=first, last=today,
                                                        now=now, unit_ids=None)
        session.add(Watermark(name=job, until=now))
        session.flush()
        return written
    since = mark.until - MARGIN
    again = redo(since)
    common = [u for u in units(session) if u not in again]
    written = rebuild_units(session, first=local_day(since), last=today, now=now,
                            unit_ids=common) if common else 0
    for unit_id, moment in sorted(again.items()):
        written += rebuild_units(session, first=min(local_day(since), local_day(moment)),
                                 last=today, now=now, unit_ids=[unit_id])
    mark.until = max(mark.until, now)
    session.flush()
    return written


def _store_set_based(session: Session, *, unit_ids: list[int] | None, first: date, last: date,
                     now: datetime) -> int:
    """PostgreSQL: the units' days in one statement (aggregate_sql), then their months."""
    from kulisser.stats import aggregate_sql  # it imports this module

    ids = unit_ids if unit_ids is not None else units(session)
    written = aggregate_sql.store_sql(session, unit_ids=ids, first=first, last=last, now=now)
    for unit_id in ids:
        roll_up(session, unit_id=unit_id, first=first, last=last)
    return written


def rebuild(session: Session, *, first: date, last: date, now: datetime | None = None,
            unit_ids: list[int] | None = None,
            progress: Callable[[int], object] | None = None) -> int:
    """Recompute the units' (all: None) rows for first..last; return rows written.

    On PostgreSQL in one set-based statement for all the units (the same rows as the Python
    path, test_stats_aggregate_sql): a full rebuild at region scale takes minutes, not hours,
    and the refresh job's day or two for 40 units one statement rather than 40 scans.
    Elsewhere a unit and a month at a time in Python.
    """
    now = now or utcnow()
    last = min(last, local_day(now))
    if session.get_bind().dialect.name == "postgresql":
        written = _store_set_based(session, unit_ids=unit_ids, first=first, last=last, now=now)
        if progress is not None:
            progress(len(unit_ids if unit_ids is not None else units(session))
                     * ((last - first).days + 1))
        return written
    return rebuild_with(store, session, first=first, last=last, now=now, unit_ids=unit_ids,
                        progress=progress)


def earliest_day(session: Session) -> date | None:
    """The local day of the first work item, or None when there is none."""
    first = session.scalar(select(func.min(worklist.WorkItem.created_at)))
    return None if first is None else local_day(first)


def _entered_in_error_since(session: Session, since: datetime) -> dict[int, datetime]:
    # Items entered in error since the last run leave every day from their creation.
    wi = worklist.WorkItem
    return {unit: at for unit, at in session.execute(
        select(wi.unit_id, func.min(wi.created_at))
        .where(wi.status == IN_ERROR, wi.updated_at >= since).group_by(wi.unit_id))}


def refresh(session: Session, *, now: datetime | None = None) -> int:
    """The incremental job: recompute the days touched since the last run; return rows written."""
    return refresh_with(rebuild, session, job=JOB, now=now,
                        earliest=lambda: earliest_day(session),
                        redo=lambda since: _entered_in_error_since(session, since))
