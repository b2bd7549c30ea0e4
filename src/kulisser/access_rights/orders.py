"""Access orders (behörighetsbeställningar): ordered, approved by another person, carried out
system by system through work items, done when every line is.

This first version only creates an order (used by the periodic review); the orders' engineer
completes it: validation, profiles and their analyses, approval, lines' work items, leavers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy.orm import Session

from kulisser.access_rights.models import AccessOrder, AccessOrderEvent, AccessOrderLine
from kulisser.access_rights.states import LineStatus, OrderStatus
from kulisser.db import utcnow
from kulisser.staff.service import Actor


class LineRequest(NamedTuple):
    """One system asked for in an order."""

    system_id: int
    action: str  # states.LineAction
    access_profile: str = ""
    title: str = ""


def create_order(session: Session, *, actor: Actor, unit_id: int, person_id: int, kind: str,
                 effective_on: date, due_on: date, lines: list[LineRequest],
                 profile_id: int | None = None, note: str = "", review_id: int | None = None,
                 now: datetime | None = None) -> AccessOrder:
    """Record an order awaiting the manager's approval, with one pending line per system."""
    now = now or utcnow()
    order = AccessOrder(unit_id=unit_id, person_id=person_id, kind=kind,
                        status=OrderStatus.AWAITING_APPROVAL.value, profile_id=profile_id,
                        effective_on=effective_on, due_on=due_on, note=note,
                        ordered_by=actor.user_id, ordered_at=now, review_id=review_id)
    order.lines = [AccessOrderLine(system_id=line.system_id, action=line.action,
                                   access_profile=line.access_profile,
                                   title=line.title or line.action,
                                   status=LineStatus.PENDING.value) for line in lines]
    order.events.append(AccessOrderEvent(actor_id=actor.user_id, type="ordered", at=now,
                                         to_status=order.status, data={"kind": kind}))
    session.add(order)
    session.flush()
    return order
