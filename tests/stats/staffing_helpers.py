"""A hand-made month of a unit's aggregate for the staffing tests (March 2026)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from kulisser.stats.models import WorkDay
from kulisser.stats.rollup import roll_up

MONTH = date(2026, 3, 1)
MONTH_END = date(2026, 3, 31)


def seed_march(session: Session, unit_id: int) -> None:
    """400 call-backs, 120 letters and 7 tasks in March; 40 open at its end, 25 at February's."""
    rows = []
    # The incoming spread over days, so the month's sum is what is counted, not one day's row.
    for n, (kind, total) in enumerate((("callback", 400), ("letter", 120), ("task", 7))):
        per_day, rest = divmod(total, 20)
        for i in range(20):
            rows.append(WorkDay(unit_id=unit_id, day=date(2026, 3, 2 + i), kind=kind,
                                incoming=per_day + (1 if i < rest else 0), open_total=n))
    rows.append(WorkDay(unit_id=unit_id, day=MONTH_END, kind="callback", incoming=0, open_total=30))
    rows.append(WorkDay(unit_id=unit_id, day=MONTH_END, kind="letter", incoming=0, open_total=10))
    rows.append(WorkDay(unit_id=unit_id, day=date(2026, 2, 28), kind="callback", incoming=0,
                        open_total=25))
    # April's first days: one day's call-backs, for a month in progress.
    rows.append(WorkDay(unit_id=unit_id, day=date(2026, 4, 3), kind="callback", incoming=50,
                        open_total=35))
    session.add_all(rows)
    session.flush()
    # As aggregate.store would: the months of these days rolled up.
    roll_up(session, unit_id=unit_id, first=date(2026, 2, 1), last=date(2026, 4, 30))
