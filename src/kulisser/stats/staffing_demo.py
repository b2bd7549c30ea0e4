"""The demo's staffing inputs: a unit standard time of its own and a year of staffed hours.

Run after the aggregate is built, so the staffed hours follow the demo's own need: about 5 %
above it most months, and behind it in spring (vacancies and sick leave: 78-85 % of the need in
March to May), so the gap has the shape the secretaries describe. Months without any need
(before the demo's history starts) get the year's average need as their hours.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kulisser.staff import service as staff
from kulisser.staff.service import Role
from kulisser.stats import staffing
from kulisser.stats.aggregate import local_day

# The share of the month's need that was staffed, per calendar month (1 = January).
STAFFED_SHARE = {1: 1.05, 2: 1.04, 3: 0.85, 4: 0.80, 5: 0.78, 6: 0.95, 7: 1.10, 8: 1.06,
                 9: 1.05, 10: 1.03, 11: 1.04, 12: 1.06}
FLOOR_HOURS = 40  # the least a month is staffed with, so a month without history is not empty


def seed(session: Session, *, now: datetime, unit_id: int, users: list[Any]) -> int:
    """Set the demo unit's standard times and twelve months of staffed hours; return the changes."""
    manager = next(u for u in users if u.role in (Role.MANAGER, Role.ADMIN))
    actor = staff.make_actor(manager, unit_id=unit_id)
    last = local_day(now)
    first = staffing.add_months(staffing.month_start(last), -11)
    # The unit's dictations are longer than the default assumes, and its tasks (which have no
    # default) are short: a manager's corrections, so the history has rows to show.
    changed = staffing.set_standard_times(session, actor=actor, values={"dictation": 25, "task": 10},
                                          now=now - timedelta(days=200))
    months = staffing.staffing_months(session, unit_id=unit_id, first=first, last=last)
    needs = [m.needed_hours for m in months if m.needed_hours > 0]
    average = max(FLOOR_HOURS, sum(needs) / len(needs) if needs else 0)
    values: dict[Any, int | None] = {}
    for m in months:
        need = m.needed_hours / m.share if m.needed_hours > 0 else average  # a whole month's need
        values[m.month] = round(max(FLOOR_HOURS, need * STAFFED_SHARE[m.month.month])) * 60
    changed += staffing.set_staffed(session, actor=actor, values=values, now=now)
    return changed
