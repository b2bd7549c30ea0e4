"""The access log's risk signals (issue 13 item 6) over 10,000,000 audit rows on PostgreSQL.

Generates a region's log with set-based SQL (generate_series): 40 units, 2,000 staff,
200,000 patients (0.05 % protected, 100 on watch lists), 500,000 rows a day over 20 days,
all but 0.2 % in office hours, with emergency accesses, refusals and a few bursts. Then runs the
signal rules (kulisser.audit.signal_rules.find_signals) day by day, as the periodic job
does, and prints the time of each day's run, rows per second and the time of a second run
over the same day (it finds nothing new). Target: a region's day in under 10 seconds.

    .venv/bin/python benchmarks/log_signals.py                 # a throwaway cluster
    .venv/bin/python benchmarks/log_signals.py --url URL       # keep the data for reruns

With --url the generated log stays in that database and a rerun reuses it (generating
10 M rows takes minutes on a small machine).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import Engine, func, select, text

from benchmarks._common import load_average, machine, now_utc, throwaway_postgres
from kulisser import migrate
from kulisser.audit.models import AuditEvent, AuditSignal
from kulisser.audit.signal_rules import day_bounds, find_signals
from kulisser.db import Database

UNITS, USERS, PATIENTS, SURNAMES = 40, 2000, 200_000, 1000
FIRST_DAY = date(2026, 11, 2)  # a Monday

SEED = """
-- The bulk load checks no foreign key or append-only trigger row by row.
SET session_replication_role = replica;
INSERT INTO care_unit (id, hsa_id, name, address, phone)
  SELECT g, 'SE2321000016-B' || g, 'Enhet ' || g, '', '' FROM generate_series(1, :units) g;
INSERT INTO app_user (id, username, full_name, role, password_hash, active, created_at,
                      password_changed_at)
  SELECT g, 'bench' || g, 'Person' || g || ' Efternamn' || (g % :surnames), 'secretary', 'x',
         true, now(), now() FROM generate_series(1, :users) g;
INSERT INTO unit_membership (user_id, unit_id)
  SELECT g, 1 + g % :units FROM generate_series(1, :users) g;
INSERT INTO patient (id, id_kind, id_value, given_name, family_name, search_name, address,
                     postal_code, city, phone, protected_identity, created_at)
  SELECT g, 'reservnummer', 'B' || g, 'Fornamn' || g, 'Efternamn' || (g % :surnames),
         'efternamn' || (g % :surnames), '', '', '', '', g % 2000 = 0, now()
  FROM generate_series(1, :patients) g;
INSERT INTO audit_watch (unit_id, patient_id, reason, added_by_id, added_at)
  SELECT 1 + g % :units, g * 1000, 'Bevakad', 1, :first - interval '1 day'
  FROM generate_series(1, 100) g;
"""

# One day's rows (day_start is local midnight): user u works in unit 1 + u % UNITS; all but
# 0.2 % in office hours (07-18 local), emergency 0.05 %, denied 0.3 %, list views 20 %.
DAY = """
SET session_replication_role = replica;
INSERT INTO audit_event (at, user_id, username, role, unit_id, patient_id, action, object_type,
                         object_id, outcome)
SELECT t.at, t.u, 'bench' || t.u, 'secretary', 1 + t.u % :units, t.p,
       CASE WHEN t.r < 0.2 THEN 'list' ELSE 'read' END, 'patient', t.p::text,
       CASE WHEN t.r2 < 0.0005 THEN 'emergency' WHEN t.r2 < 0.0035 THEN 'denied'
            ELSE 'allowed' END
FROM (SELECT :day_start + CASE WHEN random() < 0.998 THEN interval '7 hours'
                                    + random() * interval '11 hours'
                               ELSE random() * interval '24 hours' END AS at,
             1 + floor(random() * :users)::int AS u, 1 + floor(random() * :patients)::int AS p,
             random() AS r, random() AS r2
      FROM generate_series(1, :rows)) t;
-- A few bursts: a user reading 80 patients in 20 minutes, another refused 8 times.
INSERT INTO audit_event (at, user_id, username, role, unit_id, patient_id, action, object_type,
                         object_id, outcome)
SELECT :day_start + interval '10 hours' + g * interval '15 seconds', 7, 'bench7', 'secretary',
       1 + 7 % :units, 5000 + g, 'read', 'patient', (5000 + g)::text,
       CASE WHEN g <= 8 THEN 'denied' ELSE 'allowed' END
FROM generate_series(1, 80) g;
"""


def _exec(engine: Engine, sql: str, **params: object) -> None:
    with engine.begin() as conn:
        for statement in sql.split(";\n"):
            if statement.strip():
                conn.execute(text(statement), params)


def generate(engine: Engine, *, days: int, per_day: int) -> None:
    """Staff, patients and the log, day by day, then the indexes the migrations create."""
    _exec(engine, SEED, units=UNITS, users=USERS, surnames=SURNAMES, patients=PATIENTS,
          first=day_bounds(FIRST_DAY)[0])
    indexes = list(AuditEvent.__table__.indexes)
    with engine.begin() as conn:
        for index in indexes:
            conn.execute(text(f"DROP INDEX IF EXISTS {index.name}"))
    for n in range(days):
        t0 = time.perf_counter()
        start, _end = day_bounds(FIRST_DAY + timedelta(days=n))
        _exec(engine, DAY, units=UNITS, users=USERS, patients=PATIENTS, rows=per_day,
              day_start=start)
        print(f"  day {n + 1}/{days} generated in {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        for index in indexes:
            index.create(conn)
        conn.execute(text("ANALYZE"))
    print(f"  indexes and ANALYZE in {time.perf_counter() - t0:.1f} s", flush=True)


def main() -> None:
    """Generate (or reuse) the log, run the signals day by day, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="PostgreSQL URL to keep (and reuse) the data in")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--per-day", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=5, help="days whose signals are timed")
    args = parser.parse_args()
    if args.url:
        run(args.url, args)
    else:
        with throwaway_postgres() as url:
            run(url, args)


def run(url: str, args: argparse.Namespace) -> None:
    """The benchmark on one database."""
    database = Database(url)
    engine = database.engine
    migrate.upgrade(engine)
    days = max(1, args.rows // args.per_day)
    with database.session() as session:
        have = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    if have < days * args.per_day:
        if have:
            sys.exit(f"the database has {have} audit rows, not the {days * args.per_day} asked for")
        print(f"generating {days * args.per_day:,} audit rows over {days} days ...", flush=True)
        t0 = time.perf_counter()
        generate(engine, days=days, per_day=args.per_day)
        print(f"generated in {time.perf_counter() - t0:.0f} s", flush=True)
    with engine.begin() as conn:  # every run starts from no signals
        conn.execute(text("DELETE FROM audit_signal"))
    with database.session() as session:
        total = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    print(f"Kulisser log signals, {now_utc()}\nmachine: {machine()}; load {load_average()}")
    print(f"audit rows in the log: {total:,}")
    firsts, seconds, counted = [], [], 0
    # The last days: the indexes must find a day among all the others.
    for n in range(days - min(args.runs, days), days):
        day = FIRST_DAY + timedelta(days=n)
        start, end = day_bounds(day)
        with database.session() as session:
            rows = session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.at >= start, AuditEvent.at < end)) or 0
            t0 = time.perf_counter()
            found = find_signals(session, day=day)
            session.commit()
            first = time.perf_counter() - t0
            t0 = time.perf_counter()
            again = find_signals(session, day=day)
            session.commit()
            second = time.perf_counter() - t0
        firsts.append(first)
        seconds.append(second)
        counted += rows
        print(f"{day}: {rows:,} rows, run {first:.2f} s ({rows / first:,.0f} rows/s), "
              f"second run {second:.2f} s ({sum(again.values())} new); found {found}", flush=True)
    with database.session() as session:
        signals = session.scalar(select(func.count()).select_from(AuditSignal)) or 0
    print(f"a day's run: median {statistics.median(firsts):.2f} s, max {max(firsts):.2f} s "
          f"(target < 10 s); second run median {statistics.median(seconds):.2f} s")
    print(f"rows per second over the timed days: {counted / sum(firsts):,.0f}; "
          f"signals found: {signals}")


if __name__ == "__main__":
    main()
