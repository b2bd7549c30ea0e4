"""The dictation chain's daily aggregate (``stats_chain_day``): where dictations wait, and for how long.

The chain is the dictation's statuses (``dictation/states.py``), each a step it waits in:

    dictated -> draft_ready -> in_review -> awaiting_signature -> signed
                                 ^  |
                                 |  v
                               returned (a question to the author, until the answer)

A returned dictation is counted in its own step, "returned" (waiting for the author), and the
answer brings it back to "in_review", which it then enters again: time is counted per visit
to a step, so a period's median is the typical stay in a step, each stay counted once.
"signed" and "unusable" are ends: entered only. Per unit, Stockholm day and step a row holds
the dictations that entered and left the step that day, the hours in the step of those that
left (sum and histogram, ``aggregate.bucket``, so that any period's median and p90 come from
merged days), and the state at the end of the day: dictations waiting in the step by whole days
since they were dictated (0-2, 3-14, over 14), and two targets (Socialstyrelsen 2008):

- **not in the record after 2 days**: dictated three or more local days before (the note had
  the day of dictation and two more) and its text not yet sent for signature. A note is in
  the record once the secretary's reviewed text is sent for signature (awaiting signature or
  signed): it can no longer go back to review, and the clinician signs what is written;
- **unsigned after 14 days**: dictated fifteen or more local days before and not yet signed.

A cancelled dictation is cancelled because it should not have been one (the wrong patient,
dictated twice; its FHIR status is entered-in-error), so it leaves every day since it was
dictated. An unusable recording was real work: it leaves its step the day it is marked.

Exact and repeatable like ``aggregate``: a finished day's row depends only on the history up to
that day, except for a dictation cancelled later. The job ``stats.chain_days`` recomputes, per
unit, the days from its watermark (less a margin) to today, and from the dictation day of each
dictation cancelled since; ``kulisser stats rebuild`` recomputes any range. Delete and insert.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from kulisser.dictation import service as dictation
from kulisser.stats.aggregate import BANDS, bucket, day_start, days, local_day, rebuild_with, refresh_with
from kulisser.stats.chain_models import ChainDay

JOB = "stats.chain_days"
# The steps a dictation waits in, in chain order, and the ends it can reach.
STEPS: tuple[str, ...] = ("dictated", "draft_ready", "in_review", "returned", "awaiting_signature")
ENDS: tuple[str, ...] = ("signed", "unusable")
NOT_IN_RECORD = frozenset({"dictated", "draft_ready", "in_review", "returned"})
RECORD_DAYS = 2  # in the record within 2 days ...
SIGN_DAYS = 14  # ... and signed within 14


@dataclass
class _Row:
    entered: int = 0
    left: int = 0
    hours_sum: float = 0.0
    hours_hist: dict[str, int] = field(default_factory=dict)
    waiting: int = 0
    waiting_0_2: int = 0
    waiting_3_14: int = 0
    waiting_over_14: int = 0
    not_in_record_2: int = 0
    unsigned_14: int = 0


def stays(history: dictation.ChainHistory) -> list[tuple[str, datetime, datetime | None]]:
    """A dictation's stays: (status, entered, left or None while it is still there)."""
    out: list[tuple[str, datetime, datetime | None]] = []
    status, since = "dictated", history.uploaded_at
    for at, to in history.moves:
        if to == status:
            continue  # the upload's own event, or a step that stays (a correction)
        out.append((status, since, at))
        status, since = to, at
    out.append((status, since, None))
    return out


def _status_at(visits: list[tuple[str, datetime, datetime | None]], moment: datetime) -> str:
    """The status a dictation had just before a moment."""
    current = visits[0][0]
    for status, entered, _left in visits:
        if entered < moment:
            current = status
    return current


def compute(session: Session, *, unit_id: int, first: date, last: date,
            now: datetime) -> dict[tuple[date, str], _Row]:
    """The unit's chain rows for the days first..last, computed from the histories (nothing written)."""
    now = now + timedelta(microseconds=1)  # a move in the same instant as the run counts
    start, end = day_start(first), min(day_start(last + timedelta(days=1)), now)
    rows: dict[tuple[date, str], _Row] = defaultdict(_Row)
    for history in dictation.chain_histories(session, unit_id=unit_id, start=start, end=end,
                                             now=now):
        visits = stays(history)
        for status, entered, left in visits:
            if first <= local_day(entered) <= last:
                rows[(local_day(entered), status)].entered += 1
            if left is not None and first <= local_day(left) <= last:
                row = rows[(local_day(left), status)]
                hours = (left - entered).total_seconds() / 3600
                row.left += 1
                row.hours_sum += hours
                key = str(bucket(hours))
                row.hours_hist[key] = row.hours_hist.get(key, 0) + 1
        dictated = local_day(history.uploaded_at)
        closed = visits[-1][1] if visits[-1][0] in ENDS else None
        open_last = last if closed is None else min(last, local_day(closed) - timedelta(days=1))
        for d in days(max(first, dictated), open_last):
            moment = min(day_start(d + timedelta(days=1)), now)
            if history.uploaded_at >= moment:
                continue  # dictated later today than this run's moment
            status = _status_at(visits, moment)
            if status not in STEPS:
                continue
            row = rows[(d, status)]
            row.waiting += 1
            age = (d - dictated).days
            for key, low, high in BANDS:
                if age >= low and (high is None or age <= high):
                    name = key.replace("open_", "waiting_")
                    setattr(row, name, getattr(row, name) + 1)
            if age > RECORD_DAYS and status in NOT_IN_RECORD:
                row.not_in_record_2 += 1
            if age > SIGN_DAYS:
                row.unsigned_14 += 1
    return rows


def store(session: Session, *, unit_id: int, first: date, last: date, now: datetime) -> int:
    """Replace the unit's chain rows for first..last with freshly computed ones; return how many."""
    rows = compute(session, unit_id=unit_id, first=first, last=last, now=now)
    session.execute(delete(ChainDay).where(ChainDay.unit_id == unit_id, ChainDay.day >= first,
                                           ChainDay.day <= last))
    values = [{"unit_id": unit_id, "day": d, "step": step, **vars(row)}
              for (d, step), row in sorted(rows.items())]
    if values:
        session.execute(insert(ChainDay), values)
    return len(values)


def rebuild(session: Session, *, first: date, last: date, now: datetime | None = None,
            unit_ids: list[int] | None = None,
            progress: Callable[[int], object] | None = None) -> int:
    """Recompute every unit's chain rows for first..last (a month at a time); return rows written."""
    return rebuild_with(store, session, first=first, last=last, now=now, unit_ids=unit_ids,
                        progress=progress)


def _earliest(session: Session) -> date | None:
    earliest = dictation.first_dictated(session)
    return None if earliest is None else local_day(earliest)


def refresh(session: Session, *, now: datetime | None = None) -> int:
    """The incremental job: recompute the days touched since the last run; return rows written."""
    # Dictations cancelled since the last run leave every day from their dictation.
    return refresh_with(rebuild, session, job=JOB, now=now, earliest=lambda: _earliest(session),
                        redo=lambda since: dictation.cancelled_since(session, since=since))
