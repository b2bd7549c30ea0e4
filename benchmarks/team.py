"""Benchmark the team's load (``kulisser.stats.team.balance``) on a large worklist.

Seeds N work items over 40 units on PostgreSQL (benchmarks/_worklist_seed: 6 secretaries per
unit, 10 % open), adds their owner history (a "claimed" event for every owned item at its
creation, and a "handed_over" event to a colleague for one item in ten), then times in-process,
on a warm session, the benchmark secretary's unit: the team page's read for a week and for a
year of hand-overs, and her own week. Prints p50 and p95 (ms); no targets are asserted.

    .venv/bin/python benchmarks/team.py                 # throwaway PostgreSQL, 1,000,000 items
    .venv/bin/python benchmarks/team.py --items 200000
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import func, select, text

from benchmarks import _worklist_seed as seed
from benchmarks._common import load_average, machine, now_utc, percentile, throwaway_postgres
from kulisser.db import Database, utcnow
from kulisser.migrate import upgrade
from kulisser.packages import setup
from kulisser.stats import team
from kulisser.stats.aggregate import local_day
from kulisser.worklist.models import WorkItemEvent

EVENTS_SQL = """
INSERT INTO work_item_event (work_item_id, at, actor_id, type, from_status, to_status, reason, data)
SELECT id, created_at + interval '1 hour', owner_id, 'claimed', 'requested', 'accepted', NULL,
       json_build_object('to_owner', owner_id)
FROM work_item WHERE owner_id IS NOT NULL AND id BETWEEN %(lo)s AND %(hi)s
UNION ALL
SELECT id, created_at + interval '2 hours', owner_id, 'handed_over', 'accepted', 'requested',
       'Semester', json_build_object('from_owner', owner_id, 'to_owner', owner_id + 1)
FROM work_item WHERE owner_id IS NOT NULL AND mod(id, 10) = 0 AND id BETWEEN %(lo)s AND %(hi)s
"""


def _events(db: Database, items: int) -> int:
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        for lo in range(1, items + 1, 200_000):
            cur.execute(EVENTS_SQL, {"lo": lo, "hi": lo + 199_999})
            raw.commit()
        cur.execute("ANALYZE work_item_event")
        raw.commit()
    finally:
        raw.close()
    with db.sessions() as s:
        return s.scalar(select(func.count()).select_from(WorkItemEvent)) or 0


def _time(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return percentile(samples, 50), percentile(samples, 95)


def main() -> int:
    """Seed, then time the team's reads."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--items", type=int, default=1_000_000, help="work items to seed")
    p.add_argument("--runs", type=int, default=30, help="timed calls per figure")
    args = p.parse_args()
    setup()
    with ExitStack() as stack:
        url = stack.enter_context(throwaway_postgres())
        db = Database(url)
        upgrade(db.engine)
        info = seed.seed(db, items=args.items)
        events = _events(db, args.items)
        now = utcnow()
        today = local_day(now)
        with db.sessions() as s:
            s.execute(text("SELECT 1"))
            figures: dict[str, Callable[[], object]] = {
                "team page, hand-overs of a week": lambda: team.balance(
                    s, unit_id=info.unit_id, first=today - timedelta(days=6), last=today, now=now),
                "team page, hand-overs of a year": lambda: team.balance(
                    s, unit_id=info.unit_id, first=today - timedelta(days=364), last=today,
                    now=now),
                "my week": lambda: team.my_week(
                    s, user_id=info.user_id, unit_id=info.unit_id,
                    monday=team.week_start(today), now=now),
            }
            print(f"- machine: {machine()}\n- date: {now_utc()}\n- load: {load_average()}")
            print(f"- {args.items:,} work items over 40 units ({info.unit_items:,} in the unit), "
                  f"{events:,} history events")
            for name, fn in figures.items():
                fn()  # warm
                p50, p95 = _time(fn, args.runs)
                print(f"- {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
