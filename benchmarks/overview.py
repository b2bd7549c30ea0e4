"""The unit overview and the region's view at region scale (issue 15 item 7), on PostgreSQL.

1. Seeds N work items (default 10,000,000) over 40 units and three years ending now, with their
   history, dictations and phone messages (``_overview_seed``: set-based, indexes after the load).
2. Builds the aggregates with the project's own code, as ``kulisser stats rebuild`` does
   (``aggregate.rebuild`` and ``chain.rebuild``), timed, and sets the jobs' watermarks.
3. Times through HTTP (in-process ASGI client, FastAPI's TestClient: routing, session, every
   section, template and charts; no network) ``/oversikt`` as a unit manager and
   ``/oversikt/region`` as a region administrator, for a week, month, quarter and year ending
   yesterday, and beside them, in the same run, a bare SQL scan of ``work_item`` computing the
   same figures (incoming, done, open at the end by age band, overdue, median and 90th
   percentile turnaround; per kind for the unit, per unit for the region). Checks that the
   scan's numbers equal the page's (read back through the pages' CSV) and says loudly if not.
4. Times each section of ``/oversikt`` (``views.SECTIONS``) and its slowest SQL statements.

The period ends yesterday (a finished day's figures never change), so the page and the scan
agree whenever the aggregate was rebuilt after it.

    .venv/bin/python benchmarks/overview.py --url URL                 # seed, rebuild, measure
    .venv/bin/python benchmarks/overview.py --url URL --reuse         # measure seeded data
    .venv/bin/python benchmarks/overview.py --url URL --reuse --rebuild
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from tqdm import tqdm

from benchmarks import _overview_seed
from benchmarks._common import Probes, load_average, machine, now_utc, percentile, table, timed
from kulisser import migrate
from kulisser.app import create_app
from kulisser.config import Settings
from kulisser.db import Database, utcnow
from kulisser.packages import setup
from kulisser.staff import service as staff
from kulisser.staff.models import Role, User
from kulisser.stats import aggregate, chain, region, service, views
from kulisser.stats.models import Watermark, WorkDay
from kulisser.stats.service import Period
from kulisser.web.deps import SESSION_COOKIE

setup()

TARGET_MS = 200.0
MANAGER = "chef.u0"  # the first unit's manager (``_worklist_seed``)
REGION_ADMIN = "bench.region"
COUNTED = ("work_item", "work_item_event", "phone_message", "dictation", "dictation_event",
           "stats_work_day", "stats_chain_day")
# The figures compared, as the pages' CSV headers name them, and the scan's columns.
FIGURES = {"Inkommande": "incoming", "Klara": "done", "Öppna": "open_total",
           "Öppna 0–2 dagar": "open_0_2", "Öppna 3–14 dagar": "open_3_14",
           "Öppna över 14 dagar": "open_over_14", "Försenade": "overdue",
           "Ledtid median (timmar)": "median", "Ledtid 90:e percentil (timmar)": "p90"}

# One statement computes a period's figures straight from work_item, grouped by :group (kind
# or unit) with a total, exactly as ``aggregate.compute`` defines them: local days, open at
# the end of the last day, the due time the item had then (its due_changed history), and the
# turnaround histogram's buckets (``aggregate.bucket``) for the nearest-rank percentiles.
SCAN = """
WITH w AS MATERIALIZED (
  SELECT {group} AS grp, id, created_at, closed_at, status, due_at,
         extract(epoch FROM closed_at - created_at) / 3600 AS hours,
         created_at < :moment AND (closed_at IS NULL OR closed_at >= :moment) AS open_end,
         :end_day - (created_at AT TIME ZONE 'Europe/Stockholm')::date AS age
  FROM work_item
  WHERE status <> 'entered-in-error' AND created_at < :moment
    AND (closed_at IS NULL OR closed_at >= :start) {where}
), f AS (
  SELECT w.*,
    CASE WHEN hours <= 48 THEN greatest(0, ceil(hours)) WHEN hours <= 2160 THEN ceil(hours / 24) * 24
         ELSE ceil(hours / 720) * 720 END AS bucket,
    status = 'completed' AND closed_at >= :start AND closed_at < :moment AS done_in,
    open_end AND coalesce(
      (SELECT (e.data ->> 'due_before')::timestamptz FROM work_item_event e
       WHERE e.work_item_id = w.id AND e.type = 'due_changed' AND e.at > :moment
       ORDER BY e.id LIMIT 1), due_at) < :moment AS overdue_end
  FROM w
)
SELECT grp,
  count(*) FILTER (WHERE created_at >= :start) AS incoming,
  count(*) FILTER (WHERE done_in) AS done,
  count(*) FILTER (WHERE open_end) AS open_total,
  count(*) FILTER (WHERE open_end AND age <= 2) AS open_0_2,
  count(*) FILTER (WHERE open_end AND age BETWEEN 3 AND 14) AS open_3_14,
  count(*) FILTER (WHERE open_end AND age > 14) AS open_over_14,
  count(*) FILTER (WHERE overdue_end) AS overdue,
  percentile_disc(0.5) WITHIN GROUP (ORDER BY bucket) FILTER (WHERE done_in) AS median,
  percentile_disc(0.9) WITHIN GROUP (ORDER BY bucket) FILTER (WHERE done_in) AS p90
FROM f GROUP BY ROLLUP (grp)
"""


def scan_sql(*, unit_id: int | None) -> str:
    """The bare scan for one unit (per kind) or for the region (per unit)."""
    if unit_id is None:
        return SCAN.format(group="unit_id", where="")
    return SCAN.format(group="kind", where="AND unit_id = :unit_id")


def sizes(db: Database) -> dict[str, int]:
    """Rows in the big tables."""
    with db.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in COUNTED}


def rebuild(db: Database, since: date | None = None, chain_since: date | None = None) -> None:
    """What ``kulisser stats rebuild`` does from the first item (or `since`; the chain from
    `chain_since` where given) to today, timed; then the watermarks, and the refresh job's
    steady-state run timed."""
    now = utcnow()
    with db.session() as s:
        first = since or aggregate.earliest_day(s)
        if first is None:
            return
        last = aggregate.local_day(now)
        unit_ids = aggregate.units(s)
        t0 = time.perf_counter()
        with tqdm(total=len(unit_ids) * ((last - first).days + 1), unit="day", desc="stats_work_day") as bar:
            n = aggregate.rebuild(s, first=first, last=last, now=now, unit_ids=unit_ids,
                                  progress=bar.update)
        s.commit()
        print(f"  stats_work_day: {n:,} rows in {time.perf_counter() - t0:.0f} s", flush=True)
        t0 = time.perf_counter()
        n = chain.rebuild(s, first=max(first, chain_since or first), last=last, now=now,
                          unit_ids=unit_ids)
        print(f"  stats_chain_day: {n:,} rows in {time.perf_counter() - t0:.0f} s", flush=True)
        # As the jobs' first run leaves them: the next run refreshes from here, not from scratch.
        for job in (aggregate.JOB, chain.JOB):
            mark = s.get(Watermark, job) or Watermark(name=job, until=now)
            mark.until = now
            s.add(mark)
    # The refresh job as it runs every five minutes from here on: the days since its watermark
    # (less its margin) of every unit, rewritten; each run committed, as the job's are.
    times = []
    for _run in range(3):
        with db.session() as s:
            t0 = time.perf_counter()
            aggregate.refresh(s)
            s.commit()
            times.append(time.perf_counter() - t0)
    print("  refresh job (stats.work_days), steady state: "
          + ", ".join(f"{t:.1f}" for t in times) + " s", flush=True)


def sessions(db: Database) -> tuple[str, str, int]:
    """Session cookies for the first unit's manager and a region administrator; her unit."""
    with db.session() as s:
        manager = s.scalar(select(User).where(User.username == MANAGER))
        if manager is None:
            raise SystemExit(f"no user {MANAGER}: this database was not seeded by the benchmark")
        unit_id = min(m.unit_id for m in manager.memberships)
        admin = s.scalar(select(User).where(User.username == REGION_ADMIN)) or staff.create_user(
            s, username=REGION_ADMIN, full_name="Regionens Administratör", role=Role.REGION_ADMIN,
            password="bench-losenord-1234", unit_ids=[unit_id])  # noqa: S106 - throwaway data
        return staff.start_session(s, user=manager)[0], staff.start_session(s, user=admin)[0], unit_id


def read_csv(body: str, key: str) -> dict[str, dict[str, int | None]]:
    """A page's CSV as {row key: {scan column: number}} for the compared figures."""
    rows = csv.DictReader(io.StringIO(body.lstrip("\ufeff")), delimiter=";")
    return {row[key]: {col: (int(row[h]) if row[h] not in ("", None) else None)
                       for h, col in FIGURES.items()} for row in rows}


def compare(label: str, page: dict[str, dict[str, int | None]],
            scan: dict[str, dict[str, int | None]]) -> int:
    """Print every figure where the page and the scan differ; return how many."""
    bad = []
    for key in sorted(set(page) | set(scan)):
        for col in FIGURES.values():
            a, b = page.get(key, {}).get(col), scan.get(key, {}).get(col)
            if a != b and not (a is None and b in (None, 0)) and not (b is None and a in (None, 0)):
                bad.append(f"{key}/{col}: page {a} scan {b}")
    if bad:
        print(f"!!! MISMATCH {label}: {len(bad)} figures differ: " + "; ".join(bad[:12]), flush=True)
    return len(bad)


def one(client: TestClient, conn: Any, probes: Probes, *, route: str, unit: int | None,
        period: Period, until: date, runs: int, warmup: int, scan_runs: int) -> tuple[list[str], int]:
    """Time one route for one period and its bare scan; compare their numbers. A table row."""
    start, end, _ps, _pe = service.period_bounds(period, until)
    params = {"period": period.value, "till": end.isoformat()}

    def get() -> None:
        # The breakdown is the unit's page (its sections); the region's view is one piece.
        if unit is not None:
            probes.begin()
        client.get(route, params=params).raise_for_status()
        if unit is not None:
            probes.end()
    page = timed(runs, get, warmup=warmup)
    sql = text(scan_sql(unit_id=unit))
    args: dict[str, Any] = {"start": aggregate.day_start(start), "end_day": end,
                            "moment": aggregate.day_start(end + timedelta(days=1))}
    if unit is not None:
        args["unit_id"] = unit
    result: list[Any] = []
    bare = timed(scan_runs, lambda: result.append(conn.execute(sql, args).mappings().all()),
                 warmup=1)
    if unit is None:
        names = dict(db_units(conn))
        total, key, csv_route = "Hela regionen", "Enhet", "/oversikt/region.csv"
    else:
        names = {r["grp"]: service.kind_label(r["grp"]) for r in result[-1] if r["grp"] is not None}
        total, key, csv_route = "Alla typer", "Typ", "/oversikt.csv"
    scan = {(total if r["grp"] is None else names[r["grp"]]):
            {c: (None if r[c] is None else int(r[c])) for c in FIGURES.values()} for r in result[-1]}
    csv_page = read_csv(client.get(csv_route, params=params).text, key)
    bad = compare(f"{route} {period.value}", csv_page, scan)
    p95 = percentile(page, 95)
    return [f"{route} {period.value}", f"{percentile(page, 50):.0f}", f"{p95:.0f}",
            "PASS" if p95 <= TARGET_MS else "FAIL", f"{percentile(bare, 50):.0f}",
            f"{percentile(bare, 95):.0f}", "equal" if not bad else f"{bad} DIFFER"], bad


def measure(db: Database, url: str, runs: int, warmup: int, scan_runs: int) -> None:
    """Time both pages and the bare scans for every period; compare their numbers."""
    manager_cookie, admin_cookie, unit_id = sessions(db)
    until = aggregate.local_day(utcnow()) - timedelta(days=1)
    settings = Settings(mode="test", secret_key="bench-" + "x" * 40, database_url=url,
                        cookie_secure=False, jobs="worker")
    app = create_app(settings, db)
    probes = Probes(db.engine)
    probes.wrap(service, "overview", "service.overview")
    probes.wrap(region, "region", "region.region")
    for i, (template, fn) in enumerate(list(views.SECTIONS)):
        name = template.removeprefix("stats/_").removesuffix(".html")
        holder = type("Section", (), {"fn": staticmethod(fn)})
        probes.wrap(holder, "fn", f"section {name}")
        views.SECTIONS[i] = (template, holder.fn)
    rows, mismatches = [], 0
    # The scans on their own engine, so that the breakdown's statements are the page's only.
    scan_db = Database(url)
    with TestClient(app) as client, scan_db.engine.connect() as conn:
        for period in Period:
            for route, cookie, unit in (("/oversikt", manager_cookie, unit_id),
                                        ("/oversikt/region", admin_cookie, None)):
                client.cookies.set(SESSION_COOKIE, cookie)
                row, bad = one(client, conn, probes, route=route, unit=unit, period=period,
                               until=until, runs=runs, warmup=warmup, scan_runs=scan_runs)
                rows.append(row)
                mismatches += bad
                print("  " + " | ".join(row), flush=True)
    print(f"\n{now_utc()} · {machine()} · load {load_average()}")
    print(f"period ending {until}; {runs} requests per route and period after {warmup} warm-up; "
          f"scan {scan_runs} runs after 1; HTTP: in-process ASGI client (TestClient)\n")
    print(table(["route, period", "page p50 ms", "page p95 ms", f"≤ {TARGET_MS:.0f} ms",
                 "scan p50 ms", "scan p95 ms", "numbers"], rows))
    print("\nWhere /oversikt's time goes (median per request over its periods):")
    print(probes.report())
    print("\nSlowest statements (every request of both routes; the bare scans not included):")
    print(probes.slowest_statements(10))
    probes.close()
    print("\nALL FIGURES EQUAL" if not mismatches else f"\n!!! {mismatches} FIGURES DIFFER")


def db_units(conn: Any) -> list[tuple[int, str]]:
    """The care units' ids and names."""
    return [(r[0], r[1]) for r in conn.execute(text("SELECT id, name FROM care_unit"))]


def main() -> None:
    """Seed (or reuse), rebuild the aggregates, measure both routes beside the bare scan."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="PostgreSQL URL (an empty database, or "
                        "one this benchmark seeded with --reuse)")
    parser.add_argument("--items", type=int, default=10_000_000)
    parser.add_argument("--reuse", action="store_true", help="skip the seeding")
    parser.add_argument("--rebuild", action="store_true",
                        help="with --reuse: rebuild the aggregates again (default: only if empty)")
    parser.add_argument("--rebuild-from", type=date.fromisoformat, metavar="YYYY-MM-DD",
                        help="rebuild from this day only (faster; periods before it read as empty)")
    parser.add_argument("--chain-from", type=date.fromisoformat, metavar="YYYY-MM-DD",
                        help="rebuild the dictation chain from this day only (its rows per unit "
                        "and day do not grow with the items; its Python rebuild does)")
    parser.add_argument("--no-measure", action="store_true", help="seed and rebuild only")
    parser.add_argument("--runs", type=int, default=30, help="timed requests per route and period")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--scan-runs", type=int, default=5, help="timed runs of each bare scan")
    args = parser.parse_args()
    db = Database(args.url)
    print(f"{now_utc()} · {machine()} · load {load_average()}", flush=True)
    migrate.upgrade(db.engine)  # a reused database gets the migrations added since its seeding
    if not args.reuse:
        with db.session() as s:
            if s.scalar(select(func.count()).select_from(User)):
                raise SystemExit("the database is not empty: use --reuse, or an empty database")
        t0 = time.perf_counter()
        _overview_seed.seed(db, items=args.items)
        print(f"seeded in {time.perf_counter() - t0:.0f} s", flush=True)
    with db.session() as s:
        empty = not s.scalar(select(func.count()).select_from(WorkDay))
    if empty or args.rebuild:
        rebuild(db, args.rebuild_from, args.chain_from)
    print("sizes: " + ", ".join(f"{t} {n:,}" for t, n in sizes(db).items()), flush=True)
    if not args.no_measure:
        measure(db, args.url, args.runs, args.warmup, args.scan_runs)


if __name__ == "__main__":
    main()
