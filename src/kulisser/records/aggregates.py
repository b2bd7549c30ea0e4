"""Counts of record-copy requests for the unit's overview (kulisser.stats): no patient in them.

One indexed aggregate query per figure over one unit's requests; re-exported by ``service``.
The target and breach dates are the request's own (set from the unit's rules at receipt).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from kulisser.records.models import RecordRequest
from kulisser.records.states import OPEN_STATUSES, RequestKind, RequestStatus

_HANDLED = (RequestStatus.DELIVERED.value, RequestStatus.CLOSED.value)


@dataclass(frozen=True)
class CopyFigures:
    """Copy requests handled in a period (and how many by their target date), and open now."""

    handled: int
    within_target: int
    open_now: int
    open_past_breach: int

    @property
    def share(self) -> float | None:
        """Per cent of the handled requests handled by their target date (None: none handled)."""
        return None if not self.handled else 100 * self.within_target / self.handled


def copy_figures(session: Session, *, unit_id: int, first: date, last: date,
                 today: date) -> CopyFigures:
    """The unit's record-copy requests handled from first to last, and those open today."""
    rr = RecordRequest
    copy = (rr.unit_id == unit_id, rr.kind == RequestKind.COPY.value)
    handled, within = session.execute(
        select(func.count(), func.sum(case((rr.handled_on <= rr.target_date, 1), else_=0)))
        .where(*copy, rr.status.in_(_HANDLED), rr.handled_on >= first,
               rr.handled_on <= last)).one()
    open_now, late = session.execute(
        select(func.count(), func.sum(case((rr.breach_date < today, 1), else_=0)))
        .where(*copy, rr.status.in_([s.value for s in OPEN_STATUSES]))).one()
    return CopyFigures(handled=int(handled), within_target=int(within or 0),
                       open_now=int(open_now), open_past_breach=int(late or 0))
