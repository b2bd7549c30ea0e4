"""The staffing figure (issue 15 item 4) at region scale: 40 units, three years of aggregate rows.

Generates ``stats_work_day`` on PostgreSQL with set-based SQL: 40 units x 1,096 days x 25 kinds
(1,096,000 rows, what three years of 10,000,000 work items aggregate to at most), plus a year
of staffed hours per unit. Then times ``kulisser.stats.staffing.staffing_months`` as its callers
use it: twelve months for one unit (the page ``/oversikt/bemanning`` and its CSV), one month (the
section of ``/oversikt``), and twelve months for each of the 40 units in turn (what the region
view or the region's monthly report costs), both with ``staffing_months_of_units`` at once and
unit by unit. Each through the monthly roll-up (``stats_work_month``, filled first with the real
``rollup.roll_up``, timed) and through the days only (the monthly incoming as it was read
before the roll-up, kept here as the baseline and set in place of ``staffing._incoming``; both
give the same figures, checked). Prints median and p95 of each.

    .venv/bin/python benchmarks/staffing.py                 # a throwaway cluster
    .venv/bin/python benchmarks/staffing.py --url URL       # keep the data for reruns
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import Date, func, literal, select, text, union_all
from sqlalchemy.orm import Session

from benchmarks._common import load_average, machine, now_utc, percentile, throwaway_postgres, timed
from kulisser import migrate, packages
from kulisser.db import Database
from kulisser.stats import rollup, staffing
from kulisser.stats.models import WorkDay

UNITS, KINDS = 40, 25
FIRST, LAST = date(2023, 12, 1), date(2026, 11, 30)

SEED = """
INSERT INTO care_unit (id, hsa_id, name, address, phone)
  SELECT g, 'SE2321000016-S' || g, 'Enhet ' || g, '', '' FROM generate_series(1, :units) g;
INSERT INTO stats_work_day (unit_id, day, kind, incoming, done, cancelled, turnaround_hours_sum,
                            turnaround_count, turnaround_hist, open_total, open_0_2, open_3_14,
                            open_over_14, overdue)
  SELECT u, d::date, k.code, floor(random() * 30)::int, floor(random() * 30)::int, 0, 0, 0, '{}',
         floor(random() * 200)::int, 0, 0, 0, 0
  FROM generate_series(1, :units) u, generate_series(:first, :last, interval '1 day') d,
       (SELECT unnest(CAST(:kinds AS text[])) AS code) k;
INSERT INTO stats_staffed_month (unit_id, month, minutes)
  SELECT u, m::date, (200 + floor(random() * 400)::int) * 60
  FROM generate_series(1, :units) u, generate_series(:year, :last, interval '1 month') m;
"""


def _days_incoming(session: Session, *, unit_ids: list[int], ends: dict[date, date],
                   last: date) -> dict[tuple[int, date, str], int]:
    """The baseline: every month's incoming summed from its days (before the roll-up)."""
    bounds = union_all(*(select(literal(m, Date).label("month"), literal(e, Date).label("end"))
                         for m, e in ends.items())).subquery()
    return {(unit, month, kind): int(n) for unit, month, kind, n in session.execute(
        select(WorkDay.unit_id, bounds.c.month, WorkDay.kind, func.sum(WorkDay.incoming))
        .join(bounds, WorkDay.day.between(bounds.c.month, bounds.c.end))
        .where(WorkDay.unit_id.in_(unit_ids), WorkDay.day >= min(ends), WorkDay.day <= last)
        .group_by(WorkDay.unit_id, bounds.c.month, WorkDay.kind))}


@contextmanager
def days_only() -> Iterator[None]:
    """Staffing reading the days only, for the baseline's runs."""
    saved = staffing._incoming
    staffing._incoming = _days_incoming
    try:
        yield
    finally:
        staffing._incoming = saved


def main() -> None:
    """Seed (unless already there), time the three uses, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a PostgreSQL database to keep the data in")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    if args.url:
        run(args.url, args.runs)
    else:
        with throwaway_postgres() as url:
            run(url, args.runs)


def run(url: str, runs: int) -> None:
    """The benchmark on the database at url."""
    packages.setup()
    database = Database(url)
    migrate.upgrade(database.engine)
    kinds = [k.code for k in staffing.worklist.all_kinds()][:KINDS]
    with database.session() as s:
        if not s.scalar(select(func.count()).select_from(WorkDay)):
            started = time.perf_counter()
            for statement in SEED.split(";\n"):
                if statement.strip():
                    s.execute(text(statement), {"units": UNITS, "first": FIRST, "last": LAST,
                                                "year": date(2025, 12, 1), "kinds": kinds})
            s.commit()
            s.execute(text("ANALYZE"))
            print(f"seeded in {time.perf_counter() - started:.0f} s")
        rows = s.scalar(select(func.count()).select_from(WorkDay))
    started = time.perf_counter()
    with database.session() as s:
        written = sum(rollup.roll_up(s, unit_id=u, first=FIRST, last=LAST)
                      for u in range(1, UNITS + 1))
        s.commit()
        s.execute(text("ANALYZE stats_work_month"))
    print(f"roll-up of {rows:,} days into {written:,} month rows: "
          f"{time.perf_counter() - started:.1f} s")
    print(f"{now_utc()}; {machine()}; load {load_average()}; {rows:,} stats_work_day rows")
    year, month = date(2025, 12, 1), date(2026, 11, 1)
    units = list(range(1, UNITS + 1))
    with database.session() as s:
        through = staffing.staffing_months_of_units(s, unit_ids=units, first=year, last=LAST)
        with days_only():
            baseline = staffing.staffing_months_of_units(s, unit_ids=units, first=year, last=LAST)
        assert through == baseline, "the roll-up and the days disagree"
    for path in ("roll-up", "days only"):
        with days_only() if path == "days only" else nullcontext(), database.session() as s:
            unit = timed(runs, lambda s=s: staffing.staffing_months(
                s, unit_id=7, first=year, last=LAST))
            one = timed(runs, lambda s=s: staffing.staffing_months(
                s, unit_id=7, first=month, last=LAST))
            region = timed(max(3, runs // 5), lambda s=s: staffing.staffing_months_of_units(
                s, unit_ids=units, first=year, last=LAST))
            region_month = timed(max(3, runs // 5), lambda s=s: staffing.staffing_months_of_units(
                s, unit_ids=units, first=month, last=LAST))
            each = timed(3, lambda s=s: [staffing.staffing_months(
                s, unit_id=u, first=year, last=LAST) for u in units])
        for name, values in (("12 months, one unit (the page)", unit),
                             ("1 month, one unit (the overview section)", one),
                             (f"12 months x {UNITS} units at once (region)", region),
                             (f"1 month x {UNITS} units at once (region, one month)", region_month),
                             (f"12 months x {UNITS} units one by one", each)):
            print(f"[{path}] {name}: median {statistics.median(values):.1f} ms, "
                  f"p95 {percentile(values, 95):.1f} ms over {len(values)} runs")

if __name__ == "__main__":
    main()
