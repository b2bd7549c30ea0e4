"""The dictation chain's aggregate (issue 15 item 1) on the demo's year of dictations.

Seeds the demo (one clinic, a year of dictation history, about 1,700 dictations) into a fresh
database, then times: the full rebuild of the year's ``stats_chain_day`` rows (what
``kulisser stats rebuild`` does per unit), the refresh job's steady-state run (the days since
its watermark), and the overview section's read of a year's rows (``chain_views.figures``).
Prints a Markdown section for docs/benchmarks.md.

    .venv/bin/python benchmarks/chain.py                  # a temporary SQLite file
    .venv/bin/python benchmarks/chain.py --pg-url postgresql+psycopg://kulisser@127.0.0.1:5443/kulisser
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from benchmarks._common import load_average, machine, now_utc, table
from kulisser import demo, migrate
from kulisser.db import Database
from kulisser.staff.service import CareUnit
from kulisser.stats import aggregate, chain, chain_views, service
from kulisser.stats.chain_models import ChainDay

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _median_ms(fn: object, runs: int) -> float:
    times = []
    for _n in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(url: str, runs: int) -> list[str]:
    """Seed, then time the three operations; return one table row."""
    database = Database(url)
    migrate.upgrade(database.engine)
    with database.session() as s:
        demo.seed(s, now=NOW)
    with database.session() as s:
        unit = s.scalar(select(CareUnit.id).where(CareUnit.hsa_id == demo.UNIT_HSA))
        assert unit is not None
        rows = s.scalar(select(func.count()).select_from(ChainDay).where(ChainDay.unit_id == unit))
        first = date(2025, 11, 1)

        def rebuild() -> None:
            chain.rebuild(s, first=first, last=aggregate.local_day(NOW), now=NOW, unit_ids=[unit])

        def refresh() -> None:
            chain.refresh(s, now=NOW + timedelta(minutes=5))

        ov = service.overview(s, unit_id=unit, period=service.Period.YEAR, until=aggregate.local_day(NOW))

        def read() -> None:
            chain_views.figures(s, unit_id=unit, ov=ov)

        cells = [url.split(":", 1)[0].split("+")[0], str(rows), f"{_median_ms(rebuild, runs):.0f}",
                 f"{_median_ms(refresh, runs):.0f}", f"{_median_ms(read, runs * 4):.1f}"]
        s.rollback()
    database.engine.dispose()
    return cells


def main() -> None:
    """Run the benchmark and print its section."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg-url", help="an empty PostgreSQL database to seed (default: SQLite)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.pg_url or f"sqlite:///{Path(tmp) / 'chain.db'}"
        row = run(url, args.runs)
    print(f"### Dictation chain aggregate, {now_utc()}\n")
    print(f"Machine: {machine()}; load {load_average()}. Command: `{' '.join(sys.argv)}`\n")
    print(table(["database", "chain rows", "rebuild year ms", "refresh ms", "year read ms"], [row]))


if __name__ == "__main__":
    main()
