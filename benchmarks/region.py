"""The region's view (issue 15 item 6) over 40 units x 3 years of daily aggregates on PostgreSQL.

Generates ``stats_work_day`` with set-based SQL (generate_series): 40 units, every day of three
years, 12 kinds of work a day each (about 526,000 rows, each with a turnaround histogram), then
fills the monthly roll-up (``stats_work_month``) with the real ``rollup.roll_up``, unit by unit,
timed. Then times the region's view for a week, a month, a quarter and a year ending on the last
day: the service (``kulisser.stats.region.region``: its three queries and the Python around
them) and the whole page through HTTP (``/oversikt/region`` as a region administrator,
in-process ASGI client: routing, session, template, chart), each through the roll-up and
through the days only (the reader before the roll-up, kept here as the baseline and set in
place of the service's two queries for its runs; both give the same figures, checked). Prints
p50 and p95 of each; then the same for one unit's overview (``service.overview`` and the page
``/oversikt?enhet=1``), through the roll-up.

    .venv/bin/python benchmarks/region.py                 # a throwaway cluster
    .venv/bin/python benchmarks/region.py --url URL       # keep the data for reruns
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from fastapi.testclient import TestClient
from sqlalchemy import Integer, and_, case, cast, func, or_, select, text, true
from sqlalchemy.orm import Session

from benchmarks._common import load_average, machine, now_utc, percentile, table, throwaway_postgres, timed
from kulisser import migrate
from kulisser.app import create_app
from kulisser.config import Settings
from kulisser.db import Database
from kulisser.staff import service as staff
from kulisser.staff.models import Role
from kulisser.stats import region, rollup
from kulisser.stats.models import WorkDay
from kulisser.stats.service import KindFigures, Period, overview
from kulisser.web.deps import SESSION_COOKIE

UNITS, KINDS, DAYS = 40, 12, 3 * 365 + 1
LAST = date(2026, 12, 4)

SEED = """
SET session_replication_role = replica;
INSERT INTO care_unit (id, hsa_id, name, address, phone)
  SELECT g, 'SE2321000016-R' || g, 'Enhet ' || g, '', '' FROM generate_series(1, :units) g;
INSERT INTO stats_work_day (unit_id, day, kind, incoming, done, cancelled, turnaround_hours_sum,
                            turnaround_count, turnaround_hist, open_total, open_0_2, open_3_14,
                            open_over_14, overdue, oldest_created_at)
SELECT u, :first + d, 'kind' || k, i, i - 1, 0, 30.0 * (i - 1), i - 1,
       json_build_object('5', (i - 1) / 2, '30', (i - 1) - (i - 1) / 2, '72', 0),
       o, o / 3, o / 3, o - 2 * (o / 3), o / 4, (:first + d - 20)::timestamptz
FROM generate_series(1, :units) u, generate_series(0, :days - 1) d, generate_series(1, :kinds) k,
     LATERAL (SELECT 1 + (u * 7 + d * 3 + k) % 9 AS i, (u * 11 + d + k * 5) % 40 AS o) v;
ANALYZE stats_work_day;
"""


def generate(database: Database) -> None:
    """The units and three years of their daily rows (once per database)."""
    with database.session() as s:
        if (s.scalar(select(func.count()).select_from(WorkDay)) or 0) >= UNITS * KINDS * DAYS:
            return
    t0 = time.perf_counter()
    with database.engine.begin() as conn:
        for statement in SEED.split(";\n"):
            if statement.strip():
                conn.execute(text(statement), {"units": UNITS, "kinds": KINDS, "days": DAYS,
                                               "first": LAST - timedelta(days=DAYS - 1)})
    print(f"  {UNITS * KINDS * DAYS:,} rows generated in {time.perf_counter() - t0:.1f} s", flush=True)




def roll_up_all(database: Database) -> None:
    """The monthly roll-up of every unit's three years by the write path's own function, timed."""
    t0 = time.perf_counter()
    with database.session() as s:
        written = sum(rollup.roll_up(s, unit_id=u, first=LAST - timedelta(days=DAYS - 1), last=LAST)
                      for u in range(1, UNITS + 1))
        s.commit()
    print(f"  roll-up of {UNITS * KINDS * DAYS:,} days into {written:,} month rows: "
          f"{time.perf_counter() - t0:.1f} s", flush=True)
    with database.engine.begin() as conn:
        conn.execute(text("ANALYZE stats_work_month"))


# The days-only reader (the region view before the roll-up): the baseline, not in src.

def _days_flow(session: Session, *, start: date, end: date, previous_start: date,
               previous_end: date, kind: str | None) -> dict[int, KindFigures]:
    now = and_(WorkDay.day >= start, WorkDay.day <= end)
    before = and_(WorkDay.day >= previous_start, WorkDay.day <= previous_end)
    last = WorkDay.day == end

    def when(condition: Any, column: Any) -> Any:
        return func.coalesce(func.sum(case((condition, column), else_=0)), 0)

    stmt = (select(WorkDay.unit_id, when(now, WorkDay.incoming), when(now, WorkDay.done),
                   when(now, WorkDay.cancelled), when(before, WorkDay.incoming),
                   when(before, WorkDay.done), when(now, WorkDay.turnaround_hours_sum),
                   when(last, WorkDay.open_total), when(last, WorkDay.open_0_2),
                   when(last, WorkDay.open_3_14), when(last, WorkDay.open_over_14),
                   when(last, WorkDay.overdue), func.min(case((last, WorkDay.oldest_created_at))))
            .where(or_(now, before)).group_by(WorkDay.unit_id))
    if kind:
        stmt = stmt.where(WorkDay.kind == kind)
    out: dict[int, KindFigures] = {}
    for row in session.execute(stmt):
        f = KindFigures(kind=kind or "", label="")
        (f.incoming, f.done, f.cancelled, f.previous_incoming, f.previous_done,
         f.turnaround_sum, f.open_total, f.open_0_2, f.open_3_14, f.open_over_14,
         f.overdue) = (int(v) for v in row[1:12])
        f.turnaround_sum = float(row[6])
        f.oldest_created_at = row[12]
        out[row[0]] = f
    return out


def _days_histograms(session: Session, *, start: date, end: date,
                     kind: str | None) -> dict[int, dict[int, int]]:
    each = func.json_each_text(WorkDay.turnaround_hist).table_valued("key", "value")
    stmt = (select(WorkDay.unit_id, each.c.key, func.sum(cast(each.c.value, Integer)))
            .select_from(WorkDay).join(each, true())
            .where(WorkDay.day >= start, WorkDay.day <= end, WorkDay.turnaround_count > 0)
            .group_by(WorkDay.unit_id, each.c.key))
    if kind:
        stmt = stmt.where(WorkDay.kind == kind)
    out: dict[int, dict[int, int]] = {}
    for unit_id, key, total in session.execute(stmt):
        out.setdefault(unit_id, {})[int(key)] = int(total)
    return out


@contextmanager
def days_only() -> Iterator[None]:
    """The region view reading the days only, for the baseline's runs."""
    saved = region._flow_and_backlog, region._histograms
    region._flow_and_backlog, region._histograms = _days_flow, _days_histograms  # type: ignore[assignment]
    try:
        yield
    finally:
        region._flow_and_backlog, region._histograms = saved  # type: ignore[assignment]


def _same(a: region.Region, b: region.Region) -> bool:
    def key(rg: region.Region) -> list[Any]:
        return sorted((u.unit_id, u.figures.incoming, u.figures.done, u.figures.previous_incoming,
                       round(u.figures.turnaround_sum, 3), u.figures.hist, u.figures.open_total,
                       u.figures.overdue, u.oldest_days) for u in rg.units)
    return key(a) == key(b)


def run(url: str, runs: int) -> None:
    """The benchmark on one database."""
    database = Database(url)
    migrate.upgrade(database.engine)
    generate(database)
    roll_up_all(database)
    with database.session() as s:
        unit_id = s.scalar(select(func.min(WorkDay.unit_id)))
        user = staff.create_user(s, username=f"region{time.time_ns()}", full_name="Region Admin",
                                 role=Role.REGION_ADMIN, password="bench-losenord-1234",  # noqa: S106
                                 unit_ids=[unit_id or 1])
        token, _row = staff.start_session(s, user=user)
    settings = Settings(mode="test", secret_key="bench-" + "x" * 40, database_url=url,
                        cookie_secure=False, jobs="worker")
    app = create_app(settings, database)
    rows, unit_rows = [], []
    with TestClient(app) as client:
        client.cookies.set(SESSION_COOKIE, token)
        for period in Period:
            for path in ("roll-up", "days only"):
                with days_only() if path == "days only" else nullcontext():
                    with database.session() as s:
                        service = timed(runs, lambda p=period, s=s: region.region(
                            s, period=p, until=LAST), warmup=1)
                    page = timed(runs, lambda p=period: client.get(
                        "/oversikt/region", params={"period": p.value, "till": LAST.isoformat(),
                                                    "sort": "-forsenade"}).raise_for_status(),
                        warmup=1)
                rows.append([period.value, path, f"{percentile(service, 50):.0f}",
                             f"{percentile(service, 95):.0f}", f"{percentile(page, 50):.0f}",
                             f"{percentile(page, 95):.0f}"])
            # The unit overview of one unit at the same scale (through the roll-up only).
            with database.session() as s:
                service = timed(runs, lambda p=period, s=s: overview(
                    s, unit_id=1, period=p, until=LAST), warmup=1)
            page = timed(runs, lambda p=period: client.get(
                "/oversikt", params={"period": p.value, "till": LAST.isoformat(),
                                     "enhet": "1"}).raise_for_status(), warmup=1)
            unit_rows.append([period.value, f"{percentile(service, 50):.0f}",
                              f"{percentile(service, 95):.0f}", f"{percentile(page, 50):.0f}",
                              f"{percentile(page, 95):.0f}"])
            with database.session() as s:
                through = region.region(s, period=period, until=LAST)
                with days_only():
                    baseline = region.region(s, period=period, until=LAST)
            assert _same(through, baseline), f"{period}: the roll-up and the days disagree"
    print(f"\n{now_utc()} · {machine()} · load {load_average()}")
    print(f"stats_work_day: {UNITS} units x {DAYS} days x {KINDS} kinds; {runs} runs each; "
          "the same figures both ways (checked)\n")
    print(table(["period", "read", "service p50 ms", "service p95 ms", "page p50 ms",
                 "page p95 ms"], rows))
    print("\nThe unit overview of unit 1 (/oversikt?enhet=1), through the roll-up:\n")
    print(table(["period", "service p50 ms", "service p95 ms", "page p50 ms", "page p95 ms"],
                unit_rows))



def main() -> None:
    """Generate (or reuse) the aggregate, time the region's view, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="PostgreSQL URL to keep (and reuse) the data in")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    if args.url:
        run(args.url, args.runs)
    else:
        with throwaway_postgres() as url:
            run(url, args.runs)


if __name__ == "__main__":
    main()
