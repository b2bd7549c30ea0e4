"""The daily aggregate's full rebuild (issue 15 item 7): the Python path against the set-based SQL.

Seeds N work items into a throwaway PostgreSQL (benchmarks/_worklist_seed: 40 units, created
over three years, nine in ten closed within 12 days, the rest open) and a due change on about
a tenth of them (a few after closing), then times in the same run, on the same rows:

- the full rebuild of every day since the first item for every unit (``kulisser stats
  rebuild``): ``aggregate.rebuild`` on its Python path (``compute`` per unit and 31 days) and
  on its SQL path (``aggregate_sql.store_sql``, one statement), and checks that both wrote the
  same rows;
- the refresh job's range (yesterday and today), called per unit as ``aggregate.refresh``
  does: Python and SQL, and SQL for every unit in one statement.

Prints a Markdown section for docs/benchmarks.md.

    PYTHONPATH=src:. .venv/bin/python benchmarks/aggregate_rebuild.py --items 200000
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from benchmarks import _worklist_seed as seed
from benchmarks._common import load_average, machine, now_utc, table, throwaway_postgres
from kulisser.db import Database, utcnow
from kulisser.migrate import upgrade
from kulisser.stats import aggregate, aggregate_sql
from kulisser.stats.models import WorkDay

# A due change on a tenth of the items, at a random moment of its open life (a third of them
# up to a day after closing), moving it up to two days either way.
DUE_CHANGES = """
INSERT INTO work_item_event (work_item_id, at, type, reason, data)
SELECT id, at, 'due_changed', 'Ny tid',
       json_build_object('due_before', to_char(before AT TIME ZONE 'UTC',
                                               'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00',
                         'due_after', to_char(due_at AT TIME ZONE 'UTC',
                                              'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00')
FROM (SELECT id, due_at, due_at + interval '1 hour' * (random() * 96 - 48) AS before,
             LEAST(created_at + (COALESCE(closed_at, :now) - created_at) * random() * 1.5, :now) AS at
      FROM work_item WHERE random() < 0.1) AS picked
"""
COMMAND = ["PYTHONPATH=src:.", ".venv/bin/python", "benchmarks/aggregate_rebuild.py"]


def _rows(s: Session) -> list[tuple[Any, ...]]:
    """Every aggregate row, in key order."""
    w = WorkDay
    return [tuple(r) for r in s.execute(select(
        w.unit_id, w.day, w.kind, w.incoming, w.done, w.cancelled, w.done_in_time,
        w.turnaround_hours_sum, w.turnaround_count, w.turnaround_hist, w.open_total, w.open_0_2,
        w.open_3_14, w.open_over_14, w.overdue, w.oldest_created_at).order_by(w.unit_id, w.day, w.kind))]


def _compare(python: list[tuple[Any, ...]], sql: list[tuple[Any, ...]]) -> float:
    """Assert the rows are the same; return the largest relative difference of the hours' sum."""
    assert len(python) == len(sql), (len(python), len(sql))
    worst = 0.0
    for a, b in zip(python, sql, strict=True):
        assert a[:7] + a[8:] == b[:7] + b[8:], (a, b)
        assert math.isclose(a[7], b[7], rel_tol=1e-12, abs_tol=1e-9), (a, b)
        if a[7]:
            worst = max(worst, abs(a[7] - b[7]) / abs(a[7]))
    return worst


def _timed(db: Database, fn: Callable[[Session], object]) -> float:
    """Seconds to run fn in a session of its own, committed."""
    with db.session() as s:
        start = time.perf_counter()
        fn(s)
        s.flush()
        seconds = time.perf_counter() - start
    return seconds


def _python(s: Session, **kw: Any) -> int:
    """The Python path (SQLite's): a unit and a month at a time, with the months' roll-up."""
    return aggregate.rebuild_with(aggregate.store, s, **kw)


def _sql(s: Session, **kw: Any) -> int:
    """PostgreSQL's path: one statement for the units, then the months' roll-up."""
    return aggregate.rebuild(s, **kw)


def measure(db: Database, now: datetime) -> tuple[list[list[str]], str]:
    """Time both paths on the full range and on the refresh job's; return table rows and a note."""
    with db.session() as s:
        first = aggregate.earliest_day(s)
        units = aggregate.units(s)
    assert first is not None
    last = aggregate.local_day(now)
    full: dict[str, Any] = {"first": first, "last": last, "now": now, "unit_ids": units}
    _timed(db, lambda s: _sql(s, **full))  # warm the caches; both timed runs replace rows
    py_s = _timed(db, lambda s: _python(s, **full))
    with db.session() as s:
        python = _rows(s)
    sql_s = _timed(db, lambda s: _sql(s, **full))
    with db.session() as s:
        sql = _rows(s)
    worst = _compare(python, sql)
    days = (last - first).days + 1
    out = [[f"full rebuild, {days:,} days x {len(units)} units", f"{len(sql):,}",
            f"{py_s:,.1f}", f"{sql_s:,.1f}", f"{py_s / sql_s:,.0f}x"]]
    small: dict[str, Any] = {"first": last - timedelta(days=1), "last": last, "now": now}

    def per_unit(path: Callable[..., int]) -> Callable[[Session], None]:
        def run(s: Session) -> None:
            for unit in units:
                path(s, unit_ids=[unit], **small)
        return run

    py_small = min(_timed(db, per_unit(_python)) for _n in range(3))
    sql_small = min(_timed(db, per_unit(_sql)) for _n in range(3))
    sql_all = min(_timed(db, lambda s: aggregate_sql.store_sql(s, unit_ids=None, **small))
                  for _n in range(3))
    out.append([f"refresh range, 2 days, per unit x {len(units)}", "", f"{py_small:,.2f}",
                f"{sql_small:,.2f}", f"{py_small / sql_small:,.1f}x"])
    out.append(["refresh range, 2 days, every unit in one statement", "", "",
                f"{sql_all:,.2f}", ""])
    return out, f"{len(sql):,} rows equal; hours' sum within {worst:.1e} (relative)"


def main() -> int:
    """Seed, measure and print the section."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--items", type=int, default=200_000, help="work items to seed")
    p.add_argument("--database-url", help="an EMPTY PostgreSQL database to migrate and seed "
                   "(default: a throwaway cluster started with scripts/pg.sh)")
    args = p.parse_args()
    with ExitStack() as stack:
        url = args.database_url or stack.enter_context(throwaway_postgres())
        db = Database(url)
        if not db.is_postgres:
            p.error("the SQL path is PostgreSQL's: give a PostgreSQL database")
        upgrade(db.engine)
        t0 = time.perf_counter()
        seed.seed(db, items=args.items)
        now = utcnow()
        with db.session() as s:
            s.execute(text(DUE_CHANGES), {"now": now})
            changes = s.scalar(text("SELECT count(*) FROM work_item_event WHERE type = 'due_changed'"))
            version = s.scalar(text("SHOW server_version"))
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        print(f"seeded {args.items:,} items and {changes:,} due changes in "
              f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
        load_before = load_average()
        started = now_utc()
        rows, note = measure(db, now)
        db.engine.dispose()
    print("\n".join([
        f"## Daily aggregate, full rebuild: {args.items:,} work items on PostgreSQL {version}", "",
        f"- machine: {machine()}", f"- date: {started}",
        f"- load average (1/5/15 min) before: {load_before}, after: {load_average()}",
        f"- command: `{shlex.join([*COMMAND, *sys.argv[1:]])}`",
        f"- {changes:,} due changes; {note}", "",
        table(["range", "rows", "Python s", "SQL s", "Python / SQL"], rows), ""]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
