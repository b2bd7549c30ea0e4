"""Demo data for the review: the demo clinic's delegation table (delegationsordning).

Clinicians decide on record copies; the unit manager too, even on what she prepared herself;
one ended line shows the table's history. rcore's demo requests in review and decided rely on
it (seed this first when the two demo modules are merged).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kulisser.records import delegation
from kulisser.staff import service as staff
from kulisser.staff.service import Role


def seed(session: Session, *, rng: random.Random, now: datetime, unit_id: int, users: list[Any],
         patients: list[Any]) -> int:
    """Write the demo unit's delegation lines; return how many."""
    manager = next(u for u in users if u.role == Role.MANAGER.value)
    actor = staff.make_actor(manager, unit_id=unit_id)
    today = delegation.local_today(now)
    start = date(today.year, 1, 1)
    delegation.add(session, actor=actor, role=Role.CLINICIAN.value, valid_from=start, now=now)
    delegation.add(session, actor=actor, user_id=manager.id, valid_from=start,
                   may_decide_own=True, now=now)
    secretaries = [u for u in users if u.role == Role.SECRETARY.value]
    if secretaries:  # a secretary who decided while the manager was on leave: history now
        delegation.add(session, actor=actor, user_id=rng.choice(secretaries).id,
                       valid_from=start, valid_to=max(start, today - timedelta(days=30)),
                       now=now)
        return 3
    return 2
