"""The demo's aggregate: every day since the demo's first work item, counted once at seeding."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kulisser.stats import aggregate, staffing_demo


def seed(session: Session, *, rng: Any, now: datetime, unit_id: int, users: list[Any],
         patients: list[Any]) -> int:
    """Build the aggregate over the demo's work items (run last); return the rows written."""
    session.flush()
    # The refresh job's first run is a full rebuild that also sets its watermark.
    rows = aggregate.refresh(session, now=now)
    staffing_demo.seed(session, now=now, unit_id=unit_id, users=users)
    return rows
