"""Counts of results for the unit's overview (kulisser.stats): no patient, no value.

One indexed aggregate query per figure over one unit's results; re-exported by ``service``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from kulisser.results.models import Result
from kulisser.results.states import ResultStatus


@dataclass(frozen=True)
class AwaitingSignature:
    """A unit's results waiting for a clinician's signature, by days since they arrived."""

    total: int
    age_0_2: int
    age_3_14: int
    age_over_14: int
    oldest_received_at: datetime | None
    unmatched: int  # not yet matched to a patient (a secretary's task before anyone signs)


def awaiting_signature(session: Session, *, unit_id: int,
                       day_starts: tuple[datetime, datetime]) -> AwaitingSignature:
    """The unit's results to sign, banded by arrival before the starts of the days 2 and 14 days ago."""
    recent, fortnight = day_starts
    r = Result.received_at
    to_sign = ResultStatus.TO_SIGN.value
    row = session.execute(
        select(func.count(), func.sum(case((r >= recent, 1), else_=0)),
               func.sum(case(((r < recent) & (r >= fortnight), 1), else_=0)),
               func.sum(case((r < fortnight, 1), else_=0)), func.min(r))
        .where(Result.unit_id == unit_id, Result.status == to_sign)).one()
    unmatched = session.scalar(
        select(func.count()).select_from(Result)
        .where(Result.unit_id == unit_id, Result.status == ResultStatus.UNMATCHED.value))
    return AwaitingSignature(total=int(row[0]), age_0_2=int(row[1] or 0),
                             age_3_14=int(row[2] or 0), age_over_14=int(row[3] or 0),
                             oldest_received_at=row[4], unmatched=int(unmatched or 0))


def signed_between(session: Session, *, unit_id: int, start: datetime, end: datetime) -> int:
    """How many of the unit's results were signed from start (included) to end (excluded)."""
    return int(session.scalar(
        select(func.count()).select_from(Result)
        .where(Result.unit_id == unit_id, Result.status == ResultStatus.SIGNED.value,
               Result.signed_at >= start, Result.signed_at < end)) or 0)
