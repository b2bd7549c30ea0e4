"""The region's view (issue 15 item 6) over 40 units x 3 years of daily aggregates on PostgreSQL.

Generates ``stats_work_day`` with set-based SQL (generate_series): 40 units, every day of three
years, 12 kinds of work a day each (about 526,000 rows, each with a turnaround histogram), then
times the region's view for a week, a month, a quarter and a year ending on the last day: the
service (``kulisser.stats.region.region``: its three queries and the Python around them) and
the whole page through HTTP (``/oversikt/region`` as a region administrator, in-process ASGI
client: routing, session, template, chart). Prints p50 and p95 of each.

    .venv/bin/python benchmarks/region.py                 # a throwaway cluster
    .venv/bin/python benchmarks/region.py --url URL       # keep the data for reruns
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from benchmarks._common import load_average, machine, now_utc, percentile, table, throwaway_postgres
from kulisser import migrate
from kulisser.app import create_app
from kulisser.config import Settings
from kulisser.db import Database
from kulisser.staff import service as staff
from kulisser.staff.models import Role
from kulisser.stats import region
from kulisser.stats.models import WorkDay
from kulisser.stats.service import Period
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


def timed(runs: int, call: Callable[[], object]) -> list[float]:
    """Milliseconds of each of `runs` calls, after one warm-up call."""
    call()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def run(url: str, runs: int) -> None:
    """The benchmark on one database."""
    database = Database(url)
    migrate.upgrade(database.engine)
    generate(database)
    with database.session() as s:
        unit_id = s.scalar(select(func.min(WorkDay.unit_id)))
        user = staff.create_user(s, username=f"region{time.time_ns()}", full_name="Region Admin",
                                 role=Role.REGION_ADMIN, password="bench-losenord-1234",  # noqa: S106
                                 unit_ids=[unit_id or 1])
        token, _row = staff.start_session(s, user=user)
    settings = Settings(mode="test", secret_key="bench-" + "x" * 40, database_url=url,
                        cookie_secure=False, jobs="worker")
    app = create_app(settings, database)
    rows = []
    with TestClient(app) as client:
        client.cookies.set(SESSION_COOKIE, token)
        for period in Period:
            with database.session() as s:
                service = timed(runs, lambda p=period, s=s: region.region(s, period=p, until=LAST))
            page = timed(runs, lambda p=period: client.get(
                "/oversikt/region", params={"period": p.value, "till": LAST.isoformat(),
                                            "sort": "-forsenade"}).raise_for_status())
            rows.append([period.value, f"{percentile(service, 50):.0f}",
                         f"{percentile(service, 95):.0f}", f"{percentile(page, 50):.0f}",
                         f"{percentile(page, 95):.0f}"])
    print(f"\n{now_utc()} · {machine()} · load {load_average()}")
    print(f"stats_work_day: {UNITS} units x {DAYS} days x {KINDS} kinds; {runs} runs each\n")
    print(table(["period", "service p50 ms", "service p95 ms", "page p50 ms", "page p95 ms"], rows))


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
