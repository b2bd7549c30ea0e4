"""Benchmark the team's load (``kulisser.stats.team``) on a large worklist, live and through its aggregate.

Seeds N work items over 40 units on PostgreSQL (benchmarks/_worklist_seed: 6 secretaries per
unit, 10 % open), adds their owner history (a "claimed" event for every owned item at its
creation, and a "handed_over" event to a colleague for one item in ten), then times in-process,
on a warm session, the benchmark secretary's unit:

1. the old live reads (kept here as the baseline, as they were before the aggregate): the team
   page's read for a week and for a year of hand-overs, and her own week;
2. the job ``stats.person_days`` building ``stats_person_day`` (its first run, a full rebuild of
   the three years), and its steady-state run (the days since its watermark);
3. the same reads through the aggregate (``team.balance``, ``team.my_week``: whole past days
   from the table, today live), checked equal to the baseline;
4. the pages through HTTP (the in-process ASGI client): ``/oversikt/team`` for a week and a
   year as the unit's manager, ``/oversikt/min-vecka`` as the secretary.

Prints p50 and p95 (ms); no targets are asserted.

    .venv/bin/python benchmarks/team.py                 # throwaway PostgreSQL, 1,000,000 items
    .venv/bin/python benchmarks/team.py --items 200000
    .venv/bin/python benchmarks/team.py --url postgresql+psycopg://kulisser@127.0.0.1:5442/teambench
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from fastapi.testclient import TestClient
from sqlalchemy import BindParameter, bindparam, func, select, text
from sqlalchemy.orm import Session

from benchmarks import _worklist_seed as seed
from benchmarks._common import load_average, machine, now_utc, percentile, throwaway_postgres
from kulisser.app import create_app
from kulisser.config import Settings
from kulisser.db import Database, utcnow
from kulisser.migrate import upgrade
from kulisser.packages import setup
from kulisser.staff import service as staff
from kulisser.staff.models import User
from kulisser.stats import person_days, team
from kulisser.stats.aggregate import day_start, local_day
from kulisser.web.deps import SESSION_COOKIE
from kulisser.worklist.models import WorkItem, WorkItemEvent

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


# -- the live reads as they were before the aggregate (the baseline) --------------------------

_OLD_TYPES: BindParameter[list[str]] = bindparam("old_owner_types", list(team.OWNER_EVENTS), expanding=True,
                       literal_execute=True)


def _old_handovers(s: Session, *, unit_id: int, first: date, last: date,
                   owner: int | None = None) -> Iterable[tuple[str, int | None, int | None]]:
    """(kind, from, to) of every ownership move of the unit's items in the days, from the history."""
    rows = s.execute(
        select(WorkItem.kind, WorkItemEvent.type, WorkItemEvent.data)
        .join(WorkItem, WorkItem.id == WorkItemEvent.work_item_id)
        .where(WorkItem.unit_id == unit_id, WorkItemEvent.type.in_(_OLD_TYPES),
               WorkItemEvent.at >= day_start(first),
               WorkItemEvent.at < day_start(last + timedelta(days=1)))
        .order_by(WorkItemEvent.id))
    for kind, type_, data in rows:
        move = team.owner_move(type_, data or {})
        if move is not None and (owner is None or owner in move):
            yield kind, move[0], move[1]


def old_balance(s: Session, *, unit_id: int, first: date, last: date, now: datetime) -> team.Team:
    """team.balance as it was: the open items (unchanged), the hand-overs scanned from the history."""
    t = team.balance(s, unit_id=unit_id, first=first, last=last, now=now, handovers=False)
    loads = {p.user_id: p.load for p in t.people}
    for kind, src, dst in _old_handovers(s, unit_id=unit_id, first=first, last=last):
        if src is not None and src in loads:
            loads[src].handed_out[kind] += 1
        if dst is not None and dst in loads:
            loads[dst].handed_in[kind] += 1
    return t


def old_my_week(s: Session, *, user_id: int, unit_id: int, monday: date,
                now: datetime) -> dict[str, Any]:
    """team.my_week's done and hand-overs as they were (its open items are unchanged)."""
    days = [monday + timedelta(days=n) for n in range(7)]
    done: dict[str, list[int]] = defaultdict(lambda: [0] * 7)
    for kind, closed in s.execute(
            select(WorkItem.kind, WorkItem.closed_at)
            .where(WorkItem.unit_id == unit_id, WorkItem.owner_id == user_id,
                   WorkItem.status == "completed",
                   WorkItem.closed_at >= day_start(days[0]),
                   WorkItem.closed_at < day_start(days[-1] + timedelta(days=1)))).tuples():
        if closed is not None:
            done[kind][(local_day(closed) - monday).days] += 1
    waiting = Counter(k for (k,) in s.execute(select(WorkItem.kind).where(
        WorkItem.unit_id == unit_id, WorkItem.owner_id == user_id,
        WorkItem.status.in_(team.OPEN))))
    moved_in: Counter[str] = Counter()
    moved_out: Counter[str] = Counter()
    for kind, src, dst in _old_handovers(s, unit_id=unit_id, first=days[0], last=days[-1],
                                         owner=user_id):
        moved_in[kind] += dst == user_id
        moved_out[kind] += src == user_id
    return {"done": dict(done), "waiting": waiting, "in": +moved_in, "out": +moved_out}


def _same(old: team.Team, new: team.Team) -> bool:
    """Whether the two reads show the same hand-overs and open items per person."""
    def view(t: team.Team) -> list[Any]:
        return [(p.user_id, +p.load.handed_in, +p.load.handed_out, +p.load.open) for p in t.people]
    return view(old) == view(new)


def _manager_session(db: Database, unit_id: int) -> str:
    """A login session (cookie value) for the unit's manager."""
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == "chef.u0"))
        assert user is not None and any(m.unit_id == unit_id for m in user.memberships)
        cookie, _row = staff.start_session(s, user=user)
    return str(cookie)


def main() -> int:
    """Seed, then time the team's reads live, the job, and the reads through the aggregate."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--items", type=int, default=1_000_000, help="work items to seed")
    p.add_argument("--runs", type=int, default=30, help="timed calls per figure")
    p.add_argument("--url", help="an empty PostgreSQL database to use (default: a throwaway cluster)")
    args = p.parse_args()
    setup()
    with ExitStack() as stack:
        url = args.url or stack.enter_context(throwaway_postgres())
        db = Database(url)
        upgrade(db.engine)
        t0 = time.perf_counter()
        info = seed.seed(db, items=args.items)
        events = _events(db, args.items)
        print(f"- seeded in {time.perf_counter() - t0:.0f} s")
        now = utcnow()
        today = local_day(now)
        week, year = today - timedelta(days=6), today - timedelta(days=364)
        monday = team.week_start(today)
        unit, her = info.unit_id, info.user_id
        print(f"- machine: {machine()}\n- date: {now_utc()}\n- load: {load_average()}")
        print(f"- {args.items:,} work items over 40 units ({info.unit_items:,} in the unit), "
              f"{events:,} history events")
        results: list[tuple[str, float, float]] = []

        def timed(name: str, fn: Callable[[], object], runs: int = args.runs) -> None:
            fn()  # warm
            p50, p95 = _time(fn, runs)
            results.append((name, p50, p95))
            print(f"- {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms", flush=True)

        with db.sessions() as s:
            s.execute(text("SELECT 1"))
            old_week = old_balance(s, unit_id=unit, first=week, last=today, now=now)
            old_year = old_balance(s, unit_id=unit, first=year, last=today, now=now)
            old_mine = old_my_week(s, user_id=her, unit_id=unit, monday=monday, now=now)
            timed("live (before): team page, hand-overs of a week",
                  lambda: old_balance(s, unit_id=unit, first=week, last=today, now=now))
            timed("live (before): team page, hand-overs of a year",
                  lambda: old_balance(s, unit_id=unit, first=year, last=today, now=now))
            timed("live (before): my week",
                  lambda: old_my_week(s, user_id=her, unit_id=unit, monday=monday, now=now))
        # The job: its first run is a full rebuild of every unit's days, then the steady state.
        with db.session() as s:
            t0 = time.perf_counter()
            rows = person_days.refresh(s, now=now)
        build = time.perf_counter() - t0
        print(f"- job stats.person_days, first run (full rebuild): {build:.1f} s, {rows:,} rows",
              flush=True)
        steady: list[float] = []
        for n in range(5):
            with db.session() as s:
                t0 = time.perf_counter()
                person_days.refresh(s, now=now + timedelta(minutes=5 * (n + 1)))
            steady.append((time.perf_counter() - t0) * 1000)
        print(f"- job stats.person_days, steady-state run: p50 {percentile(steady, 50):.0f} ms, "
              f"max {max(steady):.0f} ms (5 runs)", flush=True)
        with db.sessions() as s:
            new_week = team.balance(s, unit_id=unit, first=week, last=today, now=now)
            new_year = team.balance(s, unit_id=unit, first=year, last=today, now=now)
            mine = team.my_week(s, user_id=her, unit_id=unit, monday=monday, now=now)
            assert _same(old_week, new_week) and _same(old_year, new_year), "figures differ"
            assert (old_mine["done"], old_mine["in"], old_mine["out"]) == (
                mine.done, +mine.handed_in, +mine.handed_out), "my week differs"
            print("- the aggregate's figures equal the live reads (week, year, my week)")
            timed("aggregate: team page, hand-overs of a week",
                  lambda: team.balance(s, unit_id=unit, first=week, last=today, now=now))
            timed("aggregate: team page, hand-overs of a year",
                  lambda: team.balance(s, unit_id=unit, first=year, last=today, now=now))
            timed("aggregate: my week",
                  lambda: team.my_week(s, user_id=her, unit_id=unit, monday=monday, now=now))
        settings = Settings(mode="test", secret_key="bench-" + "x" * 40, database_url=url,
                            cookie_secure=False, jobs="worker")
        manager = _manager_session(db, unit)
        with TestClient(create_app(settings, db)) as client:
            client.cookies.set(SESSION_COOKIE, manager)
            timed("HTTP /oversikt/team?period=vecka (manager)",
                  lambda: client.get("/oversikt/team", params={"period": "vecka"}).raise_for_status())
            timed("HTTP /oversikt/team?period=ar (manager)",
                  lambda: client.get("/oversikt/team", params={"period": "ar"}).raise_for_status())
            client.cookies.set(SESSION_COOKIE, info.cookie)
            timed("HTTP /oversikt/min-vecka (secretary)",
                  lambda: client.get("/oversikt/min-vecka").raise_for_status())
        print(f"- load after: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
