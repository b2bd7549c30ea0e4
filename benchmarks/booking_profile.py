"""Python's share of one booking with its calling letter, measured in one process, one at a time.

Seeds a unit as benchmarks/booking.py does, books a few slots to warm up, then books N more
one after another through `kulisser.booking.service.book` (letters' subscriber on), each in
its own committed transaction, and prints per booking: the process's CPU time (the Python
around the statements, plus the driver), the wall time, the statements sent, and the Python
function calls (a second pass under cProfile: unlike the times, the count does not move when
other work shares the machine). `--top N` prints the profile's N most expensive functions.

    .venv/bin/python benchmarks/booking_profile.py                  # throwaway PostgreSQL
    .venv/bin/python benchmarks/booking_profile.py --bookings 1000 --top 40
    .venv/bin/python benchmarks/booking_profile.py --database-url postgresql+psycopg://u@host/emptydb
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from benchmarks import booking as bench
from benchmarks._common import load_average, machine, now_utc, throwaway_postgres
from kulisser.db import Database
from kulisser.migrate import upgrade

WARM_UP = 50


def measure(url: str, *, bookings: int, seed_value: int, top: int) -> None:
    """Book 2 x `bookings` slots one at a time (plain, then profiled); print the figures."""
    db = Database(url)
    upgrade(db.engine)
    actor, slot_ids, patient_ids = bench.seed(db, slots=WARM_UP + 2 * bookings, clinicians=10,
                                              seed_value=seed_value)
    sent = [0]

    def count(*_args: Any) -> None:
        sent[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    work = list(zip(slot_ids, patient_ids, strict=False))

    def book(part: list[tuple[int, int]]) -> None:
        for slot_id, patient_id in part:
            with db.session() as session:
                bench.booking.book(session, actor=actor, slot_id=slot_id, patient_id=patient_id,
                                   now=bench.NOW)

    book(work[:WARM_UP])
    sent[0] = 0
    load = load_average()
    cpu, wall = time.process_time(), time.perf_counter()
    book(work[WARM_UP:WARM_UP + bookings])
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    statements = sent[0] / bookings
    profile = cProfile.Profile()
    profile.enable()
    book(work[WARM_UP + bookings:])
    profile.disable()
    stats = pstats.Stats(profile)
    print(f"### One booking with its letter, in one process ({now_utc()})\n")
    print(f"Machine: {machine()}; load average {load} before, {load_average()} after.")
    print(f"{bookings} bookings one at a time: **{cpu / bookings * 1000:.2f} ms CPU** and "
          f"{wall / bookings * 1000:.2f} ms wall per booking, {statements:.1f} statements, "
          f"**{stats.total_calls / bookings:.0f} Python function calls** (cProfile).")
    if top:
        stats.sort_stats("tottime").print_stats(top)
    db.engine.dispose()


def main() -> int:
    """Parse the arguments; measure on the given database or a throwaway PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: a throwaway cluster)")
    parser.add_argument("--bookings", type=int, default=500, help="bookings measured, twice")
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument("--top", type=int, default=0, help="print the profile's N most expensive functions")
    args = parser.parse_args()
    if args.database_url:
        measure(args.database_url, bookings=args.bookings, seed_value=args.seed, top=args.top)
        return 0
    with throwaway_postgres() as url:
        measure(url, bookings=args.bookings, seed_value=args.seed, top=args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
