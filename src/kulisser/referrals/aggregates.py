"""Counts of incoming referrals for the unit's overview (kulisser.stats): no patient, no text.

Each function is one indexed aggregate query over one unit's referrals; re-exported by
``service`` so that the stats package reads them as it reads every other domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from kulisser.referrals.models import Referral
from kulisser.referrals.states import OPEN_STATUSES, ReferralStatus


@dataclass(frozen=True)
class AwaitingAssessment:
    """A unit's referrals not yet decided: how many, by days since receipt, and the oldest."""

    total: int
    age_0_2: int
    age_3_14: int
    age_over_14: int
    oldest_received_on: date | None


def awaiting_assessment(session: Session, *, unit_id: int, today: date) -> AwaitingAssessment:
    """The unit's open referrals (registered, received, under assessment, waiting for information)."""
    recent, fortnight = today - timedelta(days=2), today - timedelta(days=14)
    r = Referral.received_on
    row = session.execute(
        select(func.count(), func.sum(case((r >= recent, 1), else_=0)),
               func.sum(case(((r < recent) & (r >= fortnight), 1), else_=0)),
               func.sum(case((r < fortnight, 1), else_=0)), func.min(r))
        .where(Referral.unit_id == unit_id,
               Referral.status.in_([s.value for s in OPEN_STATUSES]))).one()
    return AwaitingAssessment(total=int(row[0]), age_0_2=int(row[1] or 0),
                              age_3_14=int(row[2] or 0), age_over_14=int(row[3] or 0),
                              oldest_received_on=row[4])


def received_between(session: Session, *, unit_id: int, first: date, last: date) -> int:
    """How many referrals the unit received from first to last (cancelled ones left out)."""
    return int(session.scalar(
        select(func.count()).select_from(Referral)
        .where(Referral.unit_id == unit_id, Referral.received_on >= first,
               Referral.received_on <= last,
               Referral.status != ReferralStatus.CANCELLED.value)) or 0)
