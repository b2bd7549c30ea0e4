"""The demo's hand-overs (issue 15 item 3): the worklist's bulk writer gives a handed-over past
item the history that ``hand_over`` and ``claim`` write, the team's load counts it in and out,
and in the demo the team page's hand-over columns have figures this week and over the year."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser import demo
from kulisser.db import Database
from kulisser.staff.models import CareUnit, User
from kulisser.stats import demo_handovers, team
from kulisser.stats.aggregate import local_day
from kulisser.worklist import service as worklist
from kulisser.worklist.models import WorkItem, WorkItemEvent
from tests import factories
from tests.conftest import demo_database_url

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the moment of test_stats_demo: one seeding
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _past(owner: int, *handovers: worklist.HandOver) -> worklist.ClosedItem:
    return worklist.ClosedItem(kind="task", title="Förr", priority="normal", created_at=T0,
                               due_at=T0 + timedelta(days=3), closed_at=T0 + timedelta(hours=9),
                               created_by_id=owner, owner_id=owner,
                               claimed_at=T0 + timedelta(hours=1), handovers=handovers)


def test_a_past_hand_over_is_written_as_the_worklist_writes_it(db: Session,
                                                              world: factories.World) -> None:
    a, b = world.secretary_id, world.secretary2_id
    items = [_past(b, worklist.HandOver(at=T0 + timedelta(hours=2), from_owner=a, to_owner=b,
                                        taken_at=T0 + timedelta(hours=3), reason="Ledig")),
             _past(a, worklist.HandOver(at=T0 + timedelta(hours=2), from_owner=b, to_owner=None,
                                        taken_at=T0 + timedelta(hours=4), reason="Till kön")),
             _past(a)]
    worklist.add_closed_items(db, unit_id=world.unit_id, items=items)
    ids = db.scalars(select(WorkItem.id).where(WorkItem.unit_id == world.unit_id)
                     .order_by(WorkItem.id)).all()[-3:]
    history = [[(e.type, e.from_status, e.to_status, e.data.get("from_owner"),
                 e.data.get("to_owner")) for e in db.scalars(
        select(WorkItemEvent).where(WorkItemEvent.work_item_id == i).order_by(WorkItemEvent.id))]
        for i in ids]
    assert history[0] == [("created", None, "requested", None, None),
                          ("claimed", "requested", "accepted", None, a),
                          ("handed_over", "accepted", "requested", a, b),
                          ("claimed", "requested", "accepted", b, b),
                          ("status_changed", "accepted", "completed", None, None)]
    assert history[1][2:4] == [("handed_over", "accepted", "requested", b, None),
                               ("claimed", "requested", "accepted", None, a)]
    assert [e[0] for e in history[2]] == ["created", "claimed", "status_changed"]
    t = team.balance(db, unit_id=world.unit_id, first=local_day(T0), last=local_day(T0),
                     now=T0 + timedelta(days=1))
    loads = {p.user_id: p.load for p in t.people}
    assert (loads[a].in_total, loads[a].out_total) == (0, 1)  # taking from the queue is no hand-over
    assert (loads[b].in_total, loads[b].out_total) == (1, 1)


def test_the_year_gets_hand_overs_from_colleagues_and_to_the_queue() -> None:
    items = [_past(1 + n % 3) for n in range(2000)]
    got = demo_handovers.add_to_history(items, secretary_ids=[1, 2, 3], rng=random.Random(1))
    handed = [h for i in got for h in i.handovers]
    assert 0.04 < len(handed) / len(items) < 0.09
    assert any(h.to_owner is None for h in handed) and any(h.to_owner for h in handed)
    for item in got:
        for h in item.handovers:
            assert h.from_owner != item.owner_id and h.to_owner in (None, item.owner_id)
            assert item.claimed_at is not None
            assert item.claimed_at <= h.at <= h.taken_at <= item.closed_at


def test_the_demo_team_page_shows_hand_overs_this_week_and_over_the_year(
        tmp_path_factory: object) -> None:
    url, drop, _made = demo_database_url(tmp_path_factory.mktemp("handovers"),  # type: ignore[attr-defined]
                                         "handovers", now=NOW)
    database = Database(url)
    try:
        with database.session() as s:
            clinic = s.scalar(select(CareUnit.id).where(CareUnit.hsa_id == demo.UNIT_HSA))
            assert clinic is not None
            today = local_day(NOW)
            week = team.balance(s, unit_id=clinic, first=today - timedelta(days=today.weekday()),
                                last=today, now=NOW)
            assert week.team.in_total > 0 and week.team.out_total > 0
            year = team.balance(s, unit_id=clinic, first=today - timedelta(days=365), last=today,
                                now=NOW)
            present = [p for p in year.people if p.away is None]
            assert len(present) >= 2
            assert all(p.load.in_total > 20 and p.load.out_total > 20 for p in year.people)
            assert year.team.out_total > year.team.in_total  # some went to the queue
            # This week's were made by the worklist's own operation: each handed-over open
            # item's owner is the last hand-over's target, and its status is "requested".
            names = {u.id: u.username for u in s.scalars(select(User))}
            moved = s.execute(select(WorkItem, WorkItemEvent).join(
                WorkItemEvent, WorkItemEvent.work_item_id == WorkItem.id).where(
                WorkItem.unit_id == clinic, WorkItemEvent.type == "handed_over",
                WorkItem.closed_at.is_(None))).all()
            assert len(moved) == sum(n for _w, n in demo_handovers.THIS_WEEK)
            for item, event in moved:
                assert item.owner_id == event.data.get("to_owner") and item.status == "requested"
                assert names[event.data["from_owner"]] != "sekreterare2"  # she is away
    finally:
        database.engine.dispose()
        drop()  # type: ignore[operator]
