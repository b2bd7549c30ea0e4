"""The team's daily aggregate per person (``stats_person_day``) against the history: random
histories refreshed step by step equal a full recount; the team page and my week read through
it equal the live reads; the job run twice; the migration down and up."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import delete, inspect, select
from sqlalchemy.orm import Session

from kulisser import migrate
from kulisser.db import Database, utcnow
from kulisser.staff.models import Role
from kulisser.stats import aggregate, person_days, team
from kulisser.stats.aggregate import local_day
from kulisser.stats.models import Watermark
from kulisser.stats.person_models import PersonDay
from kulisser.worklist import service as worklist
from tests import factories
from tests.conftest import migrated_database_url

Rows = dict[tuple[date, int | None, str], tuple[int, int, int]]


@pytest.fixture()
def no_mark(database: Database) -> Iterator[None]:
    """The job's watermark and rows are the run's shared state: start and leave without them,
    so that other tests (which date their events in the past) read everything live."""

    def clear() -> None:
        with database.session() as s:
            s.execute(delete(Watermark).where(Watermark.name == person_days.JOB))
            s.execute(delete(PersonDay))

    clear()
    yield
    clear()


def _set_mark(s: Session, until: datetime) -> None:
    s.execute(delete(Watermark).where(Watermark.name == person_days.JOB))
    s.add(Watermark(name=person_days.JOB, until=until))
    s.flush()


def _stored(s: Session, unit_id: int) -> Rows:
    return {(r.day, r.user_id, r.kind): (r.handed_in, r.handed_out, r.done)
            for r in s.scalars(select(PersonDay).where(PersonDay.unit_id == unit_id))}


def _recount(s: Session, unit_id: int) -> Rows:
    """The figures counted straight from the unit's items and their whole history."""
    counts: dict[tuple[date, int | None, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    wi, ev = worklist.WorkItem, worklist.WorkItemEvent
    for kind, type_, data, at in s.execute(
            select(wi.kind, ev.type, ev.data, ev.at).join(wi, wi.id == ev.work_item_id)
            .where(wi.unit_id == unit_id)):
        move = team.owner_move(type_, data or {})
        if move is not None:
            counts[(local_day(at), move[1], kind)][0] += 1
            counts[(local_day(at), move[0], kind)][1] += 1
    for kind, owner, closed in s.execute(select(wi.kind, wi.owner_id, wi.closed_at).where(
            wi.unit_id == unit_id, wi.status == worklist.Status.COMPLETED.value)):
        counts[(local_day(closed), owner, kind)][2] += 1
    return {k: (a, b, c) for k, (a, b, c) in counts.items()}


def _figures(s: Session, unit_id: int, users: list[int], first: date, last: date,
             now: datetime) -> tuple[object, ...]:
    """What the team page and each person's weeks show of the period."""
    t = team.balance(s, unit_id=unit_id, first=first, last=last, now=now)
    loads = [(p.user_id, dict(p.load.handed_in), dict(p.load.handed_out), dict(p.load.open))
             for p in t.people]
    weeks = []
    monday = team.week_start(first)
    while monday <= last:
        for user in users:
            w = team.my_week(s, user_id=user, unit_id=unit_id, monday=monday, now=now)
            weeks.append((user, monday, w.done, dict(w.handed_in), dict(w.handed_out), w.kinds))
        monday += timedelta(days=7)
    return loads, dict(t.total.handed_in), t.kinds, weeks


def _random_step(s: Session, rng: random.Random, items: list[worklist.WorkItem],
                 clock: datetime, people: list[int | None]) -> datetime:
    """Move up to four of the items at random: every move the worklist has, wherever allowed,
    and a record's hand-over of its item not yet begun (from the queue, too)."""
    for item in rng.sample(items, k=min(len(items), 4)):
        clock += timedelta(minutes=rng.randint(1, 50))
        who = rng.choice([p for p in people if p is not None])
        move = rng.choice(["claim", "assign", "handover", "handover", "queue", "hold", "complete",
                           "complete", "cancel", "error", "record", "record"])
        try:
            if move == "claim":
                item.claim(actor_id=who, now=clock)
            elif move == "assign":
                item.assign(actor_id=who, to_user_id=rng.choice(people[:-1]) or who, now=clock)
            elif move == "handover":
                item.hand_over(actor_id=who, to_user_id=rng.choice(people[:-1]), reason="Semester",
                               now=clock)
            elif move == "queue":
                item.hand_over(actor_id=who, to_user_id=None, reason="Till kön", now=clock)
            elif move == "hold":
                if item.status == "on-hold":
                    item.resume(actor_id=who, now=clock)
                else:
                    item.hold(actor_id=who, reason="Väntar", now=clock)
            elif move == "complete":
                item.complete(actor_id=who, now=clock)
            elif move == "record":
                if item.status == worklist.Status.REQUESTED.value:  # its record handed over
                    worklist.set_owner(s, item=item, actor_id=who, to_user_id=rng.choice(people),
                                       reason="Överlämnad", now=clock)
            elif move == "cancel":
                item.cancel(actor_id=who, reason="Behövs inte", now=clock)
            else:
                item.mark_entered_in_error(actor_id=who, reason="Fel", now=clock)
        except worklist.TransitionError:
            pass  # not allowed from its status: the item stays as it was
    return clock


@pytest.mark.parametrize("seed", [3, 21])
def test_random_histories_refreshed_step_by_step_equal_a_full_recount(
        database: Database, world: factories.World, no_mark: None, seed: int) -> None:
    """Items created (owned or in the queue), claimed, assigned, handed over to colleagues and to
    the queue, held, completed, cancelled and entered in error (completed ones too) over fourteen
    days, in two units, the job run after each half day: its rows equal a count of the history,
    and the team page and my week read through them equal the live reads."""
    rng = random.Random(seed)
    base = utcnow().replace(microsecond=0) - timedelta(days=15)
    with database.session() as s:
        third = factories.make_user(s, world.unit_id, Role.SECRETARY).id
        stranger = factories.make_user(s, world.other_unit_id, Role.SECRETARY).id
        _set_mark(s, base)
    ours: list[int | None] = [world.secretary_id, world.secretary2_id, third, None]
    ids: list[int] = []
    clock = base
    for step in range(28):
        clock = max(clock, base + timedelta(hours=12 * step))
        with database.session() as s:
            for actor_id, owners in ((world.secretary_id, ours), (stranger, [stranger, None])):
                actor = factories.actor(s, actor_id)
                for _n in range(rng.randint(0, 3)):
                    clock += timedelta(minutes=rng.randint(1, 40))
                    ids.append(worklist.create_item(
                        s, actor=actor, kind=rng.choice(["task", "callback"]), title="Uppgift",
                        now=clock, due_at=clock + timedelta(days=2),
                        owner_id=rng.choice(owners)).id)
            if step == 3:  # a record handed from the queue to a person, whatever the dice say
                queued = worklist.create_item(s, actor=factories.actor(s, world.secretary_id),
                                              kind="task", title="Remiss", now=clock,
                                              due_at=clock + timedelta(days=2))
                worklist.set_owner(s, item=queued, actor_id=world.secretary_id,
                                   to_user_id=world.secretary2_id, reason="Överlämnad", now=clock)
                ids.append(queued.id)
            s.flush()
            items = list(s.scalars(select(worklist.WorkItem).where(worklist.WorkItem.id.in_(ids))))
            for unit_items, people in (([i for i in items if i.unit_id == world.unit_id], ours),
                                       ([i for i in items if i.unit_id != world.unit_id],
                                        [stranger, None])):
                clock = _random_step(s, rng, unit_items, clock, people)
        with database.session() as s:
            person_days.refresh(s, now=clock + timedelta(minutes=5))
    now = clock + timedelta(minutes=5)
    with database.session() as s:
        incremental = _stored(s, world.unit_id)
        # Equal to a count of the whole history, for both units.
        assert incremental == _recount(s, world.unit_id)
        assert _stored(s, world.other_unit_id) == _recount(s, world.other_unit_id)
        # And to the job's own full recount.
        person_days.rebuild(s, first=local_day(base), last=local_day(now), now=now,
                            unit_ids=[world.unit_id, world.other_unit_id])
        assert _stored(s, world.unit_id) == incremental
        # The history had every kind of move: to and from the queue, completed items in error.
        assert any(k[1] is None and v[0] for k, v in incremental.items())  # into the queue
        assert any(k[1] is None and v[1] for k, v in incremental.items())  # out of the queue
        assert sum(v[2] for v in incremental.values()) > 3
        erred_after_done = s.scalar(select(worklist.WorkItemEvent.id).where(
            worklist.WorkItemEvent.work_item_id.in_(ids),
            worklist.WorkItemEvent.from_status == worklist.Status.COMPLETED.value,
            worklist.WorkItemEvent.to_status == worklist.Status.ENTERED_IN_ERROR.value).limit(1))
        assert erred_after_done is not None
        # The pages: the table up to the watermark, the history after it ...
        first, last = local_day(base), local_day(now)
        users = [world.secretary_id, world.secretary2_id, third]
        assert person_days.watermark(s) == now
        through = _figures(s, world.unit_id, users, first, last, now)
        week = _figures(s, world.unit_id, users, last - timedelta(days=6), last, now)
        s.execute(delete(Watermark).where(Watermark.name == person_days.JOB))
        # ... equal the live reads of the whole history (no watermark: nothing from the table).
        assert person_days.watermark(s) is None
        assert _figures(s, world.unit_id, users, first, last, now) == through
        assert _figures(s, world.unit_id, users, last - timedelta(days=6), last, now) == week
        s.rollback()
    assert through[1]  # hand-overs were shown


def test_the_job_run_twice_gives_the_same_rows_and_its_first_run_counts_everything(
        database: Database, world: factories.World, no_mark: None) -> None:
    now = utcnow().replace(microsecond=0)
    old = now - timedelta(days=9)
    with database.session() as s:
        actor = factories.actor(s, world.secretary_id)
        item = worklist.create_item(s, actor=actor, kind="task", title="Uppgift", now=old,
                                    due_at=old + timedelta(days=1))
        item.claim(actor_id=world.secretary_id, now=old)
        item.hand_over(actor_id=world.secretary_id, to_user_id=world.secretary2_id,
                       reason="Semester", now=old + timedelta(hours=1))
        item.claim(actor_id=world.secretary2_id, now=old + timedelta(hours=2))
        item.complete(actor_id=world.secretary2_id, now=old + timedelta(days=1))
        item_id = item.id
    with database.session() as s:
        person_days.refresh(s, now=now)  # no watermark: a full rebuild
        once = _stored(s, world.unit_id)
    with database.session() as s:
        person_days.refresh(s, now=now)
        assert _stored(s, world.unit_id) == once
    day = local_day(old)
    assert once == {(day, world.secretary2_id, "task"): (1, 0, 0),
                    (day, world.secretary_id, "task"): (0, 1, 0),
                    (local_day(old + timedelta(days=1)), world.secretary2_id, "task"): (0, 0, 1)}
    with database.session() as s:
        monday = team.week_start(local_day(old + timedelta(days=1)))
        w = team.my_week(s, user_id=world.secretary2_id, unit_id=world.unit_id, monday=monday,
                         now=now)
        assert sum(w.done_per_day) == 1 and sum(w.handed_in.values()) == 1
    # Entered in error now: the live part drops it at once, the job's next run from the table.
    later = now + timedelta(minutes=10)
    with database.session() as s:
        loaded = s.get(worklist.WorkItem, item_id)
        assert loaded is not None
        loaded.mark_entered_in_error(actor_id=world.secretary_id, reason="Fel", now=later)
    with database.session() as s:
        person_days.refresh(s, now=later + timedelta(minutes=1))
        assert _stored(s, world.unit_id) == {k: v for k, v in once.items() if v != (0, 0, 1)}
        assert _stored(s, world.unit_id) == _recount(s, world.unit_id)
        mark = s.get(Watermark, person_days.JOB)
        assert mark is not None and mark.until == later + timedelta(minutes=1)


def test_the_pages_read_the_table_up_to_the_watermark_and_the_history_after_it(
        database: Database, world: factories.World, no_mark: None) -> None:
    now = utcnow().replace(microsecond=0)
    yesterday = now - timedelta(days=1)
    anna, berit = world.secretary_id, world.secretary2_id
    with database.session() as s:
        item = worklist.create_item(s, actor=factories.actor(s, anna), kind="task",
                                    title="Uppgift", now=yesterday, due_at=now + timedelta(days=3))
        item.claim(actor_id=anna, now=yesterday)
        item.hand_over(actor_id=anna, to_user_id=berit, reason="Semester",
                       now=yesterday + timedelta(minutes=1))
        item_id = item.id
    with database.session() as s:
        person_days.refresh(s, now=now)
        # The table is what is read up to the watermark: a figure changed there shows.
        row = s.scalar(select(PersonDay).where(PersonDay.unit_id == world.unit_id,
                                               PersonDay.user_id == berit))
        assert row is not None and row.handed_in == 1
        row.handed_in = 5
    later = now + timedelta(minutes=2)
    with database.session() as s:  # after the watermark: Berit takes it and hands it back
        loaded = s.get(worklist.WorkItem, item_id)
        assert loaded is not None
        loaded.claim(actor_id=berit, now=now + timedelta(minutes=1))
        loaded.hand_over(actor_id=berit, to_user_id=anna, reason="Tillbaka", now=later)
    first, last = local_day(yesterday), local_day(later)
    with database.session() as s:
        t = team.balance(s, unit_id=world.unit_id, first=first, last=last, now=later)
        loads = {p.user_id: p.load for p in t.people}
        assert (loads[berit].in_total, loads[berit].out_total) == (5, 1)  # table, then live
        assert (loads[anna].in_total, loads[anna].out_total) == (1, 1)  # live, then table
        w = team.my_week(s, user_id=berit, unit_id=world.unit_id, monday=team.week_start(last),
                         now=later)
        assert sum(w.handed_out.values()) == 1  # today's, live
        assert person_days.live_start(None, first) == aggregate.day_start(first)
        assert person_days.live_start(now, first) == now + timedelta(microseconds=1)
        s.execute(delete(Watermark).where(Watermark.name == person_days.JOB))
        t = team.balance(s, unit_id=world.unit_id, first=first, last=last, now=later)
        assert {p.user_id: (p.load.in_total, p.load.out_total) for p in t.people
                if p.user_id in (anna, berit)} == {anna: (1, 1), berit: (1, 1)}  # all live
        s.rollback()


def test_the_migration_goes_down_and_up(tmp_path: Path) -> None:
    url, drop = migrated_database_url(tmp_path, "persondays")
    database = Database(url)
    try:
        script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_revision("0039")
        assert script is not None and isinstance(script.down_revision, str)
        assert "stats_person_day" in inspect(database.engine).get_table_names()
        migrate.downgrade(database.engine, script.down_revision)
        insp = inspect(database.engine)
        assert "stats_person_day" not in insp.get_table_names()
        assert "ix_work_item_closed_status_at" not in {i["name"] for i in insp.get_indexes("work_item")}
        migrate.upgrade(database.engine)
        insp = inspect(database.engine)
        assert "stats_person_day" in insp.get_table_names()
        assert "ix_work_item_closed_status_at" in {i["name"] for i in insp.get_indexes("work_item")}
    finally:
        database.engine.dispose()
        drop()  # type: ignore[operator]
