"""The set-based rebuild (``aggregate_sql.store_sql``) writes exactly the rows that the Python
``aggregate.compute`` makes, on random item histories: creation over four weeks around a
daylight-saving change, completions (some after 90 days), cancellations, entered-in-error, due
times moved before and after closing (some events out of time order, some written without a UTC
offset), items open across the range's ends, and items created in the same instant as `now`
or a microsecond after. Ranges: the whole span, inner weeks, single days, today, days after
today. ``aggregate.rebuild`` (which takes the SQL path for long ranges on PostgreSQL) is checked
against the Python ``store`` the same way.

PostgreSQL only: the SQL is PostgreSQL's (``generate_series``, ``AT TIME ZONE``, ``FILTER``);
SQLite keeps the Python path, so on the SQLite pass of the suite this module is skipped.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from kulisser.db import Database
from kulisser.stats import aggregate, aggregate_sql
from kulisser.stats.models import WorkDay
from kulisser.worklist import service as worklist
from tests import factories
from tests.conftest import backend

pytestmark = pytest.mark.skipif(backend() != "postgresql",
                                reason="store_sql is PostgreSQL's set-based SQL; SQLite keeps "
                                       "the Python path")

# The two daylight-saving changes of 2026 in Stockholm (the clocks move at 01:00 UTC).
DST = (date(2026, 3, 29), date(2026, 10, 25))
CASES = 24
Key = tuple[int, date, str]


def _history(s: Session, rng: random.Random, units: list[tuple[int, int]], base: datetime,
             now: datetime) -> None:
    """Random items of the units ((unit, secretary) pairs) created from `base` over 28 days."""
    actors = {unit: factories.actor(s, user) for unit, user in units}
    midnights = [aggregate.day_start(aggregate.local_day(base) + timedelta(days=n))
                 for n in range(30)]
    for _n in range(rng.randint(20, 45)):
        unit, user = rng.choice(units)
        roll = rng.random()
        if roll < 0.08:
            created = now  # the same instant as the run: counted
        elif roll < 0.11:
            created = now + timedelta(microseconds=1)  # just after: not yet
        elif roll < 0.2:
            created = rng.choice(midnights)  # exactly at a local midnight
        else:
            created = base + timedelta(minutes=rng.randint(0, 28 * 24 * 60),
                                       microseconds=rng.randint(0, 999_999))
        due = created + timedelta(hours=rng.uniform(-10, 200))
        item = worklist.create_item(s, actor=actors[unit], kind=rng.choice(["task", "callback"]),
                                    title="Ring tillbaka", now=created, due_at=due)
        # A turnaround of any length, or exactly on a histogram bound (48 h, 90 days ...).
        closing = created + timedelta(hours=rng.choice([
            rng.uniform(0, 60), rng.uniform(0, 400), rng.uniform(2000, 2600),
            rng.choice([0, 1, 47, 48, 49, 72, 2160, 2161, 2880])]))
        end = rng.random()
        # Due changes: before and after closing, now and then out of time order, some in the
        # very instant of the closing, of a day's end or of `now`.
        for _k in range(rng.choice([0, 0, 1, 2, 3])):
            at = rng.choice([created + timedelta(hours=rng.uniform(0, 300))] * 4
                            + [closing, now, rng.choice(midnights)])
            item.change_due(actor_id=user, due_at=at + timedelta(hours=rng.uniform(-40, 80)),
                            reason="Ny tid", now=at)
        try:
            if end < 0.45:
                item.complete(actor_id=user, now=closing)
            elif end < 0.6:
                item.cancel(actor_id=user, reason="Behövs inte", now=closing)
            elif end < 0.67:
                item.mark_entered_in_error(actor_id=user, reason="Fel", now=closing)
            elif end < 0.75:
                item.hold(actor_id=user, reason="Väntar", now=closing)  # open, not closed
        except worklist.TransitionError:
            pass  # not allowed from its status: it stays as it was
        if rng.random() < 0.3:
            item.change_due(actor_id=user, due_at=closing + timedelta(hours=rng.uniform(-90, 30)),
                            reason="Efterhand", now=closing + timedelta(hours=rng.uniform(0, 50)))
    s.flush()
    # Some due changes written without an offset (as an older writer did): UTC, both paths say.
    for event in s.scalars(select(worklist.WorkItemEvent).where(
            worklist.WorkItemEvent.type == "due_changed",
            worklist.WorkItemEvent.work_item_id.in_(
                select(worklist.WorkItem.id).where(
                    worklist.WorkItem.unit_id.in_([u for u, _ in units]))))):
        if rng.random() < 0.2:
            before = datetime.fromisoformat(event.data["due_before"]).astimezone(UTC)
            event.data = {**event.data, "due_before": before.replace(tzinfo=None).isoformat()}
            flag_modified(event, "data")
    s.flush()


def _expected(s: Session, units: list[int], first: date, last: date,
              now: datetime) -> dict[Key, tuple[Any, ...]]:
    """compute's rows for the units, as (unit, day, kind) -> figures."""
    found: dict[Key, tuple[Any, ...]] = {}
    for unit in units:
        for (day, kind), row in aggregate.compute(s, unit_id=unit, first=first, last=last,
                                                  now=now).items():
            found[(unit, day, kind)] = _figures(row)
    return found


def _figures(row: Any) -> tuple[Any, ...]:
    return (row.incoming, row.done, row.cancelled, row.done_in_time, row.turnaround_hours_sum,
            row.turnaround_count, dict(row.turnaround_hist), row.open_total, row.open_0_2,
            row.open_3_14, row.open_over_14, row.overdue, row.oldest_created_at)


def _stored(s: Session, units: list[int], first: date, last: date) -> dict[Key, tuple[Any, ...]]:
    rows = s.scalars(select(WorkDay).where(WorkDay.unit_id.in_(units), WorkDay.day >= first,
                                           WorkDay.day <= last))
    return {(r.unit_id, r.day, r.kind): _figures(r) for r in rows}


def _assert_same(got: dict[Key, tuple[Any, ...]], want: dict[Key, tuple[Any, ...]],
                 label: str) -> None:
    """Row for row the same; the hours' sum to the last bits a different adding order moves."""
    assert sorted(got) == sorted(want), label
    for key, figures in want.items():
        mine = got[key]
        assert mine[:4] + mine[5:] == figures[:4] + figures[5:], (label, key, mine, figures)
        assert math.isclose(mine[4], figures[4], rel_tol=1e-12, abs_tol=1e-9), (label, key)


def _ranges(rng: random.Random, base: datetime, now: datetime) -> list[tuple[date, date]]:
    start, today = aggregate.local_day(base), aggregate.local_day(now)
    inner = start + timedelta(days=rng.randint(3, 20))
    return [(start - timedelta(days=2), today + timedelta(days=3)),   # the whole span and after
            (inner, inner + timedelta(days=rng.randint(0, 8))),       # inside, items open across
            (today, today),                                           # today: `now` decides
            (today - timedelta(days=1), today),
            (start + timedelta(days=rng.randint(0, 27)),) * 2]        # a single day


def test_store_sql_equals_compute_on_random_histories(database: Database) -> None:
    rng = random.Random(2026)
    for case in range(CASES):
        with database.session() as s:
            worlds = [factories.make_world(s, patients=0) for _ in range(2)]
            units = [(w.unit_id, w.secretary_id) for w in worlds]
            dst = DST[case % 2]
            base = aggregate.day_start(dst - timedelta(days=rng.randint(5, 20))) + timedelta(
                minutes=rng.randint(0, 600))
            now = base + timedelta(days=rng.choice([3, 10, 20, 27, 60]),
                                   minutes=rng.randint(0, 1440), microseconds=rng.randint(0, 10))
            _history(s, rng, units, base, now)
            ids = [u for u, _ in units]
            # The session's own time zone must not matter to the SQL.
            s.execute(text("SET LOCAL TIME ZONE 'America/Sao_Paulo'"))
            for first, last in _ranges(rng, base, now):
                label = f"case {case}, {first}..{last}, now {now.isoformat()}"
                want = _expected(s, ids, first, last, now)
                written = aggregate_sql.store_sql(s, unit_ids=ids, first=first, last=last, now=now)
                assert written == len(want), label
                _assert_same(_stored(s, ids, first, last), want, label)


def test_every_unit_at_once_and_rebuild_match_the_python_store(database: Database) -> None:
    """store_sql for every unit (None), and rebuild's SQL path, against the Python store."""
    rng = random.Random(15)
    with database.session() as s:
        worlds = [factories.make_world(s, patients=0) for _ in range(2)]
        units = [(w.unit_id, w.secretary_id) for w in worlds]
        ids = [u for u, _ in units]
        base = aggregate.day_start(DST[1] - timedelta(days=10))
        now = base + timedelta(days=27, hours=5)
        _history(s, rng, units, base, now)
        first, last = aggregate.local_day(base) - timedelta(days=1), aggregate.local_day(now)
        for unit in ids:
            aggregate.store(s, unit_id=unit, first=first, last=last, now=now)
        python = _stored(s, ids, first, last)
        assert python and any(f[7] for f in python.values()) and any(f[1] for f in python.values())
        settings = "SELECT current_setting('jit'), current_setting('work_mem')"
        before = s.execute(text(settings)).one()
        aggregate_sql.store_sql(s, unit_ids=None, first=first, last=last, now=now)
        _assert_same(_stored(s, ids, first, last), python, "every unit")
        assert s.execute(text(settings)).one() == before  # its own settings are put back
        days: list[int] = []
        aggregate.rebuild(s, first=first, last=last + timedelta(days=5), now=now, unit_ids=ids,
                          progress=days.append)
        _assert_same(_stored(s, ids, first, last + timedelta(days=5)), python, "rebuild")
        assert sum(days) == len(ids) * ((last - first).days + 1)
        s.rollback()  # every unit's rows of the shared database were rewritten: leave them be


def test_store_sql_refuses_a_naive_now(database: Database) -> None:
    with database.session() as s, pytest.raises(ValueError, match="aware"):
        aggregate_sql.store_sql(s, unit_ids=[1], first=date(2026, 1, 1), last=date(2026, 1, 2),
                                now=datetime(2026, 1, 2, 12))
