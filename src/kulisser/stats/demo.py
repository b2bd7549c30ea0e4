"""The demo's aggregate: a year of past work (``demo_history``), then every day since the
demo's first work item, counted once at seeding."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kulisser.stats import aggregate, demo_history


def seed(session: Session, *, rng: Any, now: datetime, unit_id: int, users: list[Any],
         patients: list[Any]) -> int:
    """Add a year of past work, then build the aggregate over every demo item; return rows written."""
    demo_history.seed(session, now=now, unit_id=unit_id, users=users, patients=patients)
    session.flush()
    # The refresh job's first run is a full rebuild that also sets its watermark.
    return aggregate.refresh(session, now=now)
