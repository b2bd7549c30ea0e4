"""The team's daily aggregate per person (``stats_person_day``): hand-overs in and out, items done.

Per unit, Stockholm day, person (the owner's user id; None for the unit's queue) and kind:

- **handed in / out**: the ownership moves of the unit's items (``team.owner_move``: a hand-over,
  or an assignment or claim that takes the item from someone), counted for the person the item
  went to and the one it left, on the day of the move. The history rows carry no unit: a move
  belongs to the unit the item is in;
- **done**: the unit's items whose status is completed, by their owner and the day they closed.

These are exactly the live reads of ``team`` (``balance``, ``my_week``), which now read the rows
(today's too, as far as the job's last run) and only the history after the job's watermark,
live: a few minutes of it, normally.

A finished day's row changes only when a completed item of it is entered in error: it is no
longer done (its hand-overs stay counted, as they always were). The periodic job
``stats.person_days`` recomputes the days from its watermark less ``aggregate.MARGIN`` to
today, for every unit in one scan of the history by time (the partial index
``ix_work_item_event_owner_moves``) and one of the items closed since (the index
``ix_work_item_closed_status_at``), and the completion day of each completed item entered in
error since, for its unit; ``kulisser stats rebuild`` recomputes any range. Delete and insert,
so running twice gives the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, and_, bindparam, delete, func, insert, select
from sqlalchemy.orm import Session

from kulisser.db import utcnow
from kulisser.stats.aggregate import MARGIN, chunks, day_start, earliest_day, local_day, units
from kulisser.stats.models import Watermark
from kulisser.stats.person_models import PersonDay
from kulisser.worklist import service as worklist

JOB = "stats.person_days"
DONE = worklist.Status.COMPLETED.value
IN_ERROR = worklist.Status.ENTERED_IN_ERROR.value
WorkItem, WorkItemEvent = worklist.WorkItem, worklist.WorkItemEvent
OWNER_EVENTS = worklist.OWNER_EVENTS
# Written into the SQL as literals: a planner proves the partial index applies only from values.
_OWNER_TYPES: BindParameter[list[str]] = bindparam("person_owner_types", list(OWNER_EVENTS),
                                                   expanding=True, literal_execute=True)

Key = tuple[int, date, int | None, str]  # unit, day, person (None: the queue), kind


def owner_move(type_: str, data: dict[str, Any]) -> tuple[int | None, int | None] | None:
    """(from, to) of an event that moved an item between owners (None: the queue), else None.

    A hand-over counts from the queue too (a record handed to someone); an assignment or a
    claim only when it takes the item from a person, not when it first gives it an owner.
    """
    if type_ not in OWNER_EVENTS:
        return None
    src, dst = data.get("from_owner"), data.get("to_owner")
    src = int(src) if src is not None else None
    dst = int(dst) if dst is not None else None
    if src == dst or (type_ != "handed_over" and src is None):
        return None
    return src, dst


def moves(session: Session, *, start: datetime, end: datetime, unit_ids: Iterable[int] | None = None,
          owner: int | None = None) -> Iterable[tuple[int, str, int | None, int | None, datetime]]:
    """(unit, kind, from, to, at) of every ownership move in [start, end), of the units' items."""
    stmt = (select(WorkItem.unit_id, WorkItem.kind, WorkItemEvent.type, WorkItemEvent.data,
                   WorkItemEvent.at)
            .join(WorkItem, WorkItem.id == WorkItemEvent.work_item_id)
            .where(WorkItemEvent.type.in_(_OWNER_TYPES), WorkItemEvent.at >= start,
                   WorkItemEvent.at < end)
            .order_by(WorkItemEvent.id))
    if unit_ids is not None:
        stmt = stmt.where(WorkItem.unit_id.in_(list(unit_ids)))
    for unit_id, kind, type_, data, at in session.execute(stmt):
        move = owner_move(type_, data or {})
        if move is not None and (owner is None or owner in move):
            yield unit_id, kind, move[0], move[1], at


def completions(session: Session, *, start: datetime, end: datetime,
                unit_ids: Iterable[int] | None = None,
                owner: int | None = None) -> Iterable[tuple[int, str, int | None, datetime]]:
    """(unit, kind, owner, closed) of every completed item closed in [start, end)."""
    stmt = (select(WorkItem.unit_id, WorkItem.kind, WorkItem.owner_id, WorkItem.closed_at)
            .where(WorkItem.status == DONE, WorkItem.closed_at >= start, WorkItem.closed_at < end))
    if unit_ids is not None:
        stmt = stmt.where(WorkItem.unit_id.in_(list(unit_ids)))
    if owner is not None:
        stmt = stmt.where(WorkItem.owner_id == owner)
    for unit_id, kind, owner_id, closed in session.execute(stmt).tuples():
        if closed is not None:
            yield unit_id, kind, owner_id, closed


def compute(session: Session, *, first: date, last: date, now: datetime,
            unit_ids: list[int] | None = None) -> dict[Key, list[int]]:
    """The rows {(unit, day, person, kind): [in, out, done]} of first..last (nothing written)."""
    # Up to and including `now`: a move in the same instant as the run is counted.
    start = day_start(first)
    end = min(day_start(last + timedelta(days=1)), now + timedelta(microseconds=1))
    rows: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0])
    for unit_id, kind, src, dst, at in moves(session, start=start, end=end, unit_ids=unit_ids):
        day = local_day(at)
        rows[(unit_id, day, dst, kind)][0] += 1
        rows[(unit_id, day, src, kind)][1] += 1
    for unit_id, kind, owner_id, closed in completions(session, start=start, end=end,
                                                       unit_ids=unit_ids):
        rows[(unit_id, local_day(closed), owner_id, kind)][2] += 1
    return rows


def store(session: Session, *, first: date, last: date, now: datetime, unit_ids: list[int]) -> int:
    """Replace the units' rows of first..last with freshly computed ones; return how many."""
    rows = compute(session, first=first, last=last, now=now, unit_ids=unit_ids)
    session.execute(delete(PersonDay).where(PersonDay.unit_id.in_(unit_ids), PersonDay.day >= first,
                                            PersonDay.day <= last))
    values = [{"unit_id": unit_id, "day": day, "user_id": user_id, "kind": kind,
               "handed_in": n_in, "handed_out": n_out, "done": n_done}
              for (unit_id, day, user_id, kind), (n_in, n_out, n_done)
              in sorted(rows.items(), key=lambda r: (r[0][0], r[0][1], r[0][2] or 0, r[0][3]))]
    for chunk in range(0, len(values), 5000):
        session.execute(insert(PersonDay), values[chunk:chunk + 5000])
    return len(values)


def rebuild(session: Session, *, first: date, last: date, now: datetime | None = None,
            unit_ids: list[int] | None = None,
            progress: Callable[[int], object] | None = None) -> int:
    """Recompute the units' (every unit's) rows of first..last, a month at a time; rows written."""
    now = now or utcnow()
    last = min(last, local_day(now))
    chosen = unit_ids if unit_ids is not None else units(session)
    written = 0
    for chunk, chunk_end in chunks(first, last) if chosen else ():
        written += store(session, first=chunk, last=chunk_end, now=now, unit_ids=chosen)
        if progress is not None:
            progress((chunk_end - chunk).days + 1)
    return written


def refresh(session: Session, *, now: datetime | None = None) -> int:
    """The incremental job: recompute the days touched since the last run; return rows written."""
    now = now or utcnow()
    # Two workers running the job at once wait for each other here (PostgreSQL).
    mark = session.get(Watermark, JOB, with_for_update=True)
    today = local_day(now)
    if mark is None:
        earliest = earliest_day(session)
        written = 0 if earliest is None else rebuild(session, first=earliest, last=today, now=now)
        session.add(Watermark(name=JOB, until=now))
        session.flush()
        return written
    since = mark.until - MARGIN
    first = local_day(since)
    written = rebuild(session, first=first, last=today, now=now)
    # A completed item entered in error since the last run is no longer done on the day it was
    # completed: that day is recomputed for its unit (its other figures, the hand-overs, stay).
    for day, unit_ids in sorted(_erred_done_days(session, since=since).items()):
        if day < first:
            written += store(session, first=day, last=day, now=now, unit_ids=sorted(unit_ids))
    mark.until = max(mark.until, now)
    session.flush()
    return written


def _erred_done_days(session: Session, *, since: datetime) -> dict[date, set[int]]:
    """{day: units} of the completions of items entered in error since a moment.

    Marking an item in error sets its closing time, so the index on closed items finds them;
    the day it had been completed is in its history (the event into "completed").
    """
    ev = WorkItemEvent
    found: dict[date, set[int]] = defaultdict(set)
    for unit_id, at in session.execute(
            select(WorkItem.unit_id, ev.at).join(ev, ev.work_item_id == WorkItem.id)
            .where(WorkItem.status == IN_ERROR, WorkItem.closed_at >= since,
                   ev.to_status == DONE)).tuples():
        found[local_day(at)].add(unit_id)
    return found


def watermark(session: Session) -> datetime | None:
    """Up to when the job has counted (None: it has not run yet)."""
    until: datetime | None = session.scalar(select(Watermark.until).where(Watermark.name == JOB))
    return until


def live_start(until: datetime | None, first: date) -> datetime:
    """Where the live read of the days from `first` begins: just after the job's watermark.

    The job counted every move and completion up to and including its watermark (today's rows
    too, as far as then), so the history is read only after it: a few minutes, normally.
    """
    start = day_start(first)
    return start if until is None else max(start, until + timedelta(microseconds=1))


def stored_moves(session: Session, *, unit_id: int, first: date,
                 last: date) -> tuple[datetime | None, list[tuple[int | None, str, int, int]]]:
    """The job's watermark, and (person, kind, in, out) summed over the unit's rows first..last.

    One statement, so one snapshot: the rows are those the watermark's run wrote, even while a
    run commits meanwhile (the live read after the watermark then neither misses nor repeats).
    """
    stmt = (select(Watermark.until, PersonDay.user_id, PersonDay.kind,
                   func.sum(PersonDay.handed_in), func.sum(PersonDay.handed_out))
            .select_from(Watermark)
            .outerjoin(PersonDay, and_(PersonDay.unit_id == unit_id, PersonDay.day >= first,
                                       PersonDay.day <= last))
            .where(Watermark.name == JOB)
            .group_by(Watermark.until, PersonDay.user_id, PersonDay.kind))
    until, rows = None, []
    for mark, user_id, kind, n_in, n_out in session.execute(stmt).tuples():
        until = mark
        if kind is not None:
            rows.append((user_id, kind, int(n_in or 0), int(n_out or 0)))
    return until, rows


def stored_person(session: Session, *, unit_id: int, user_id: int, first: date,
                  last: date) -> tuple[datetime | None, list[tuple[date, str, int, int, int]]]:
    """The job's watermark, and (day, kind, in, out, done) of one person's rows, first..last.

    One statement, so one snapshot (as ``stored_moves``).
    """
    stmt = (select(Watermark.until, PersonDay.day, PersonDay.kind, PersonDay.handed_in,
                   PersonDay.handed_out, PersonDay.done)
            .select_from(Watermark)
            .outerjoin(PersonDay, and_(PersonDay.unit_id == unit_id, PersonDay.user_id == user_id,
                                       PersonDay.day >= first, PersonDay.day <= last))
            .where(Watermark.name == JOB))
    until, rows = None, []
    for mark, day, kind, n_in, n_out, n_done in session.execute(stmt).tuples():
        until = mark
        if day is not None:
            rows.append((day, kind, n_in, n_out, n_done))
    return until, rows
