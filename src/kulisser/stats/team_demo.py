"""The demo's absence: one secretary away this week with her items left, so the team page and
the worklist show it (issue 15 item 3)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kulisser.staff import service as staff
from kulisser.stats.aggregate import local_day

AWAY, MANAGER = "sekreterare2", "chef"


def seed(session: Session, *, now: datetime, unit_id: int, users: list[Any]) -> None:
    """Mark the second secretary away from this week's Monday to Friday (at least until today)."""
    by_name = {u.username: u for u in users}
    if AWAY not in by_name or MANAGER not in by_name:
        return
    today = local_day(now)
    monday = today - timedelta(days=today.weekday())
    staff.mark_absent(session, actor=staff.make_actor(by_name[MANAGER], unit_id=unit_id),
                      user_id=by_name[AWAY].id, first_day=monday,
                      last_day=max(monday + timedelta(days=4), today), now=now)
