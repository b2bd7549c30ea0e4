"""The demo's aggregate: a year of past work (``demo_history``), then every day since the
demo's first work item, counted once at seeding."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kulisser.stats import (
    aggregate,
    chain,
    demo_chain,
    demo_handovers,
    demo_history,
    staffing_demo,
    team_demo,
)


def seed(session: Session, *, rng: Any, now: datetime, unit_id: int, users: list[Any],
         patients: list[Any]) -> int:
    """Add a year of past work and dictations, then build the aggregates; return rows written."""
    demo_history.seed(session, now=now, unit_id=unit_id, users=users, patients=patients)
    # A year of dictation history (closed dictations, no work items), for the chain.
    demo_chain.seed(session, now=now, unit_id=unit_id, users=users, patients=patients)
    session.flush()
    team_demo.seed(session, now=now, unit_id=unit_id, users=users)  # one secretary away
    demo_handovers.this_week(session, now=now, unit_id=unit_id, users=users)
    # The refresh jobs' first runs are full rebuilds that also set their watermarks.
    rows = aggregate.refresh(session, now=now) + chain.refresh(session, now=now)
    staffing_demo.seed(session, now=now, unit_id=unit_id, users=users)
    return rows
