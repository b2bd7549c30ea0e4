"""The demo's aggregate: every day since the demo's first work item, counted once at seeding."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kulisser.stats import aggregate, chain, demo_chain


def seed(session: Session, *, rng: Any, now: datetime, unit_id: int, users: list[Any],
         patients: list[Any]) -> int:
    """Build the aggregate over the demo's work items (run last); return the rows written."""
    # A year of dictation history first (closed dictations, no work items), for the chain.
    demo_chain.seed(session, now=now, unit_id=unit_id, users=users, patients=patients)
    session.flush()
    # The refresh jobs' first runs are full rebuilds that also set their watermarks.
    return aggregate.refresh(session, now=now) + chain.refresh(session, now=now)
