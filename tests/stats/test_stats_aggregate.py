"""The daily aggregate against hand-built work items: a known day's flow, turnaround, backlog
bands and overdue (with a due time changed afterwards); the refresh job run twice, and equal to
a full recount after items move on or are entered in error."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kulisser.db import Database, utcnow
from kulisser.stats import aggregate
from kulisser.stats.models import Watermark, WorkDay
from kulisser.worklist import service as worklist
from tests import factories
from tests.stats import moves

D = date(2026, 11, 10)  # a Tuesday, in Stockholm winter time (UTC+1)


def at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    """A Stockholm wall-clock time relative to D, as an aware datetime."""
    return datetime.combine(D + timedelta(days=day_offset), time(hour, minute), tzinfo=aggregate.TZ)


def _item(s: Session, actor: worklist.Actor, created: datetime, due: datetime,
          kind: str = "task") -> worklist.WorkItem:
    return worklist.create_item(s, actor=actor, kind=kind, title="Ring tillbaka", now=created,
                                due_at=due)


def _rows(s: Session, unit_id: int) -> list[tuple[object, ...]]:
    rows = s.scalars(select(WorkDay).where(WorkDay.unit_id == unit_id)
                     .order_by(WorkDay.day, WorkDay.kind))
    return [(r.day, r.kind, r.incoming, r.done, r.cancelled, r.done_in_time,
             round(r.turnaround_hours_sum, 6),
             r.turnaround_count, dict(r.turnaround_hist), r.open_total, r.open_0_2, r.open_3_14,
             r.open_over_14, r.overdue, r.oldest_created_at) for r in rows]


def test_a_known_day(database: Database, world: factories.World) -> None:
    with database.session() as s:
        actor = factories.actor(s, world.secretary_id)
        uid = world.secretary_id
        far = at(30, 12)
        a = _item(s, actor, at(0, 8), far)
        a.complete(actor_id=uid, now=at(0, 10))                       # 2 h
        b = _item(s, actor, at(-1, 9), far)
        b.complete(actor_id=uid, now=at(0, 9))                        # 24 h
        c = _item(s, actor, at(-5, 12), far)
        c.complete(actor_id=uid, now=at(0, 12))                       # 120 h
        cancelled = _item(s, actor, at(0, 9), far)
        cancelled.cancel(actor_id=uid, reason="Dubblett", now=at(0, 11))
        old = _item(s, actor, at(-20, 8), at(-18, 8))                 # over 14 days, overdue
        _item(s, actor, at(-3, 8), at(5, 8))                          # 3-14 days, not overdue
        late = _item(s, actor, at(0, 13), at(0, 15))                  # 0-2 days, overdue
        error = _item(s, actor, at(-2, 8), at(-1, 8))
        error.mark_entered_in_error(actor_id=uid, reason="Fel patient", now=at(0, 8))
        # Due the next day at the end of D; moved earlier only the day after: not overdue on D.
        moved = _item(s, actor, at(0, 7), at(1, 12))
        moved.change_due(actor_id=uid, due_at=at(0, 12), reason="Brådskande", now=at(1, 10))
        s.flush()
        rows = aggregate.compute(s, unit_id=world.unit_id, first=D - timedelta(days=1), last=D,
                                 now=at(2, 12))
    day = rows[(D, "task")]
    assert (day.incoming, day.done, day.cancelled) == (4, 3, 1)
    assert day.turnaround_count == 3 and round(day.turnaround_hours_sum, 6) == 146
    assert day.turnaround_hist == {"2": 1, "24": 1, "120": 1}
    hist = aggregate.merge([day.turnaround_hist])
    assert aggregate.percentile(hist, 50) == 24 and aggregate.percentile(hist, 90) == 120
    assert (day.open_total, day.open_0_2, day.open_3_14, day.open_over_14) == (4, 2, 1, 1)
    assert day.overdue == 2  # the old one and the late one; not the one moved the day after
    assert day.oldest_created_at == old.created_at
    before = rows[(D - timedelta(days=1), "task")]
    # The day before: b came in; b, c, the 3-day and the 20-day item open; the error never was.
    assert (before.incoming, before.done, before.open_total, before.overdue) == (1, 0, 4, 1)
    assert late.id and set(rows) == {(D, "task"), (D - timedelta(days=1), "task")}
    assert day.done_in_time == 3  # every one done well before its due time


def test_done_within_due_time(database: Database, world: factories.World) -> None:
    """Closed exactly at the due time counts; a minute late does not; the due time it had when
    closed decides, whether it was moved before closing or after."""
    with database.session() as s:
        actor = factories.actor(s, world.secretary_id)
        uid = world.secretary_id
        exact = _item(s, actor, at(0, 8), at(0, 12), kind="callback")
        exact.complete(actor_id=uid, now=at(0, 12))                   # at the due time: in time
        late = _item(s, actor, at(0, 8), at(0, 12), kind="callback")
        late.complete(actor_id=uid, now=at(0, 12, 1))                 # a minute late
        # Moved later before closing: judged by the new due time.
        moved = _item(s, actor, at(0, 8), at(0, 10), kind="callback")
        moved.change_due(actor_id=uid, due_at=at(0, 16), reason="Patienten ringer senare",
                         now=at(0, 9))
        moved.complete(actor_id=uid, now=at(0, 15))
        # Done late; the due time moved after closing does not make it in time.
        after = _item(s, actor, at(0, 8), at(0, 10), kind="callback")
        after.complete(actor_id=uid, now=at(0, 11))
        after.change_due(actor_id=uid, due_at=at(0, 18), reason="Efterhand", now=at(0, 14))
        # Done in time; moved earlier after closing stays in time.
        early = _item(s, actor, at(0, 8), at(0, 17))
        early.complete(actor_id=uid, now=at(0, 11))
        early.change_due(actor_id=uid, due_at=at(0, 9), reason="Efterhand", now=at(0, 14))
        cancelled = _item(s, actor, at(0, 8), at(0, 17), kind="callback")
        cancelled.cancel(actor_id=uid, reason="Dubblett", now=at(0, 9))
        s.flush()
        rows = aggregate.compute(s, unit_id=world.unit_id, first=D, last=D, now=at(1, 12))
    day = rows[(D, "callback")]
    assert (day.done, day.cancelled, day.done_in_time) == (4, 1, 2)
    assert (rows[(D, "task")].done, rows[(D, "task")].done_in_time) == (1, 1)


def _set_watermark(s: Session, until: datetime) -> None:
    s.execute(delete(Watermark).where(Watermark.name == aggregate.JOB))
    s.add(Watermark(name=aggregate.JOB, until=until))
    s.flush()


def test_refresh_twice_gives_the_same_rows_and_equals_a_full_recount(
        database: Database, world: factories.World) -> None:
    now = utcnow().replace(microsecond=0)
    with database.session() as s:
        actor = factories.actor(s, world.secretary_id)
        items = [_item(s, actor, now - timedelta(days=n, hours=3), now + timedelta(days=2 - n))
                 for n in range(0, 40, 3)]
        for item in items[::3]:
            item.complete(actor_id=world.secretary_id, now=item.created_at + timedelta(hours=20))
        s.flush()
        ids = [i.id for i in items]
        first = aggregate.local_day(now - timedelta(days=40))
        aggregate.rebuild(s, first=first, last=aggregate.local_day(now), now=now,
                          unit_ids=[world.unit_id])
        _set_watermark(s, now)
    with database.session() as s:
        aggregate.refresh(s, now=now)
        once = _rows(s, world.unit_id)
    with database.session() as s:
        aggregate.refresh(s, now=now)
        assert _rows(s, world.unit_id) == once
        assert once and sum(r[2] for r in once) == len(ids)  # type: ignore[misc]
    # Later: one item is done, an old one is entered in error; the job catches up exactly.
    later = now + timedelta(hours=2)
    with database.session() as s:
        loaded = {i.id: i for i in s.scalars(select(worklist.WorkItem)
                                              .where(worklist.WorkItem.id.in_(ids)))}
        loaded[ids[1]].complete(actor_id=world.secretary_id, now=later - timedelta(hours=1))
        loaded[ids[-1]].mark_entered_in_error(actor_id=world.secretary_id, reason="Fel",
                                              now=later - timedelta(minutes=30))
    with database.session() as s:
        aggregate.refresh(s, now=later)
        incremental = _rows(s, world.unit_id)
        aggregate.rebuild(s, first=first, last=aggregate.local_day(later), now=later,
                          unit_ids=[world.unit_id])
        assert _rows(s, world.unit_id) == incremental
        assert sum(r[2] for r in incremental) == len(ids) - 1  # type: ignore[misc]
        assert s.get(Watermark, aggregate.JOB).until == later  # type: ignore[union-attr]


def test_random_histories_refreshed_step_by_step_equal_a_full_recount(
        database: Database, world: factories.World) -> None:
    """Items created, handed over, held, resumed, re-dated, completed, cancelled and entered in
    error over twelve days, the job run after each half day: its rows equal a full recount."""
    rng = random.Random(15)
    base = utcnow().replace(microsecond=0) - timedelta(days=12)
    uid, other = world.secretary_id, world.secretary2_id
    with database.session() as s:
        _set_watermark(s, base)
    ids: list[int] = []
    for step in range(24):
        clock = base + timedelta(hours=12 * step)
        with database.session() as s:
            actor = factories.actor(s, uid)
            for _n in range(rng.randint(0, 4)):
                clock += timedelta(minutes=rng.randint(1, 90))
                ids.append(_item(s, actor, clock, clock + timedelta(hours=rng.randint(-10, 200))).id)
            items = list(s.scalars(select(worklist.WorkItem).where(worklist.WorkItem.id.in_(ids))))
            for item in rng.sample(items, k=min(len(items), 3)):
                clock += timedelta(minutes=rng.randint(1, 60))
                move = rng.choice(["complete", "cancel", "handover", "hold", "due", "error"])
                moves.move(item, move, uid=uid, other=other, clock=clock, rng=rng)
        with database.session() as s:
            aggregate.refresh(s, now=clock + timedelta(minutes=5))
    with database.session() as s:
        incremental = _rows(s, world.unit_id)
        aggregate.rebuild(s, first=aggregate.local_day(base), last=aggregate.local_day(clock),
                          now=clock + timedelta(minutes=5), unit_ids=[world.unit_id])
        assert _rows(s, world.unit_id) == incremental
        statuses = {i.status for i in s.scalars(select(worklist.WorkItem)
                                                 .where(worklist.WorkItem.id.in_(ids)))}
    assert {"completed", "cancelled", "entered-in-error"} <= statuses and len(incremental) > 10
