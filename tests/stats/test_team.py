"""The team's load on a hand-made unit: who carries what, hand-overs in and out (an item handed
over twice, one held and taken up again), absences and the one action that moves an absent
secretary's open items; one's own week. Real database (SQLite, or PostgreSQL in make test)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.db import utcnow
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.staff import service as staff
from kulisser.staff.models import Role
from kulisser.stats import team, team_actions
from kulisser.stats.aggregate import local_day
from kulisser.worklist import service as worklist
from kulisser.worklist.models import WorkItem, WorkItemEvent
from kulisser.worklist.states import Operation
from tests import factories


@dataclass
class Unit:
    """A unit with three secretaries named in alphabetical order, a manager and a clinician."""

    unit_id: int
    anna: int
    berit: int
    cecilia: int
    manager: int
    clinician: int
    patient_id: int


def _unit(s: Session) -> Unit:
    unit = factories.make_unit(s)
    tag = factories.unique("")
    # Made in another order than their names: the rows come by name.
    cecilia = factories.make_user(s, unit, Role.SECRETARY, f"Cecilia C{tag}").id
    anna = factories.make_user(s, unit, Role.SECRETARY, f"Anna A{tag}").id
    berit = factories.make_user(s, unit, Role.SECRETARY, f"Berit B{tag}").id
    manager = factories.make_user(s, unit, Role.MANAGER).id
    clinician = factories.make_user(s, unit, Role.CLINICIAN).id
    patient = factories.make_patient(s, unit).id
    return Unit(unit.id, anna, berit, cecilia, manager, clinician, patient)


def _item(s: Session, u: Unit, *, by: int, owner: int | None = None, kind: str = "task",
          due: datetime | None = None) -> WorkItem:
    return worklist.create_item(s, actor=factories.actor(s, by), kind=kind, title="Uppgift",
                                patient_id=u.patient_id, owner_id=owner,
                                due_at=due or utcnow() + timedelta(days=2))


def _do(s: Session, user: int, item: WorkItem, op: Operation, to: int | None = None) -> None:
    worklist.perform(s, actor=factories.actor(s, user), item_id=item.id, operation=op,
                     reason="Orsak", to_user_id=to)


def _seed(s: Session) -> tuple[Unit, dict[str, WorkItem]]:
    u = _unit(s)
    past = utcnow() - timedelta(hours=1)
    items = {
        "anna_new": _item(s, u, by=u.manager, owner=u.anna),
        "anna_late": _item(s, u, by=u.anna, owner=u.anna, due=past),
        "twice": _item(s, u, by=u.anna),
        "held": _item(s, u, by=u.berit, kind="task"),
        "queue": _item(s, u, by=u.anna),
        "queue_late": _item(s, u, by=u.anna, due=past),
        "done": _item(s, u, by=u.anna, owner=u.anna),
        "clinicians": _item(s, u, by=u.clinician, owner=u.clinician),
    }
    # Handed over twice: Anna takes it, hands it to Berit, who takes it and hands it to Cecilia.
    _do(s, u.anna, items["twice"], Operation.CLAIM)
    _do(s, u.anna, items["twice"], Operation.HANDOVER, to=u.berit)
    _do(s, u.berit, items["twice"], Operation.CLAIM)
    _do(s, u.berit, items["twice"], Operation.HANDOVER, to=u.cecilia)
    # Held and taken up again: still one open item of Berit's.
    _do(s, u.berit, items["held"], Operation.CLAIM)
    _do(s, u.berit, items["held"], Operation.HOLD)
    _do(s, u.berit, items["held"], Operation.RESUME)
    _do(s, u.anna, items["done"], Operation.COMPLETE)
    # Another unit's item never shows.
    other = factories.make_unit(s)
    stranger = factories.make_user(s, other, Role.SECRETARY)
    worklist.create_item(s, actor=factories.actor_for(stranger), kind="task", title="Annan",
                         owner_id=stranger.id)
    s.flush()
    return u, items


def _week(now: datetime) -> tuple[date, date]:
    today = local_day(now)
    return today - timedelta(days=6), today


def test_balance_on_a_hand_made_unit(db: Session) -> None:
    u, _items = _seed(db)
    now = utcnow()
    first, last = _week(now)
    t = team.balance(db, unit_id=u.unit_id, first=first, last=last, now=now)
    # The secretaries by name, never by volume; the clinician's item is not the team's.
    assert [p.user_id for p in t.people] == [u.anna, u.berit, u.cecilia]
    loads = {p.user_id: p.load for p in t.people}
    assert (loads[u.anna].open["task"], loads[u.anna].overdue["task"]) == (2, 1)
    assert (loads[u.berit].open["task"], loads[u.berit].overdue["task"]) == (1, 0)
    assert (loads[u.cecilia].open["task"], loads[u.cecilia].overdue["task"]) == (1, 0)
    assert (t.queue.open["task"], t.queue.overdue["task"]) == (2, 1)
    # The item handed over twice: once out of Anna, into and out of Berit, into Cecilia.
    assert (loads[u.anna].out_total, loads[u.anna].in_total) == (1, 0)
    assert (loads[u.berit].out_total, loads[u.berit].in_total) == (1, 1)
    assert (loads[u.cecilia].out_total, loads[u.cecilia].in_total) == (0, 1)
    # Totals per kind: the team and the queue; the completed and the clinician's items are not.
    assert (t.team.open["task"], t.team.overdue["task"]) == (4, 1)
    assert (t.total.open["task"], t.total.overdue["task"]) == (6, 2)
    assert t.kinds == [("task", "Uppgifter")]
    assert t.left_with_absent == 0 and t.absent == []
    # A secretary's view is her own row only.
    assert [p.user_id for p in t.only(u.berit)] == [u.berit]
    # Hand-overs outside the period are not counted.
    earlier = team.balance(db, unit_id=u.unit_id, first=first - timedelta(days=30),
                           last=first - timedelta(days=8), now=now)
    assert all(p.load.in_total == p.load.out_total == 0 for p in earlier.people)
    # The overview's section reads the open items only.
    now_only = team.balance(db, unit_id=u.unit_id, first=first, last=last, now=now, handovers=False)
    assert now_only.total.open == t.total.open and now_only.team.out_total == 0


def test_owner_moves_count_only_changes_between_owners() -> None:
    assert team.owner_move("handed_over", {"from_owner": 1, "to_owner": 2}) == (1, 2)
    assert team.owner_move("handed_over", {"from_owner": 1}) == (1, None)  # to the queue
    assert team.owner_move("assigned", {"to_owner": 2}) is None  # a first owner
    assert team.owner_move("assigned", {"from_owner": 1, "to_owner": 2}) == (1, 2)
    assert team.owner_move("claimed", {"from_owner": 2, "to_owner": 2}) is None
    assert team.owner_move("claimed", {"from_owner": 1, "to_owner": 3}) == (1, 3)
    assert team.owner_move("status_changed", {"from_owner": 1, "to_owner": 3}) is None


def test_absence_is_validated_and_permitted(db: Session) -> None:
    u = _unit(db)
    today = local_day(utcnow())
    anna, manager = factories.actor(db, u.anna), factories.actor(db, u.manager)
    with pytest.raises(ValidationFailed) as bad:
        staff.mark_absent(db, actor=anna, user_id=u.anna, first_day=today + timedelta(days=3),
                          last_day=today)
    assert bad.value.errors == {"last_day": "Sista dagen kan inte vara före första dagen."}
    with pytest.raises(ValidationFailed) as typed:
        staff.mark_absent(db, actor=anna, user_id=u.anna, first_day="imorgon", last_day="")
    assert set(typed.value.errors) == {"first_day", "last_day"}
    with pytest.raises(Forbidden):  # a secretary marks only herself
        staff.mark_absent(db, actor=anna, user_id=u.berit, first_day=today, last_day=today)
    mine = staff.mark_absent(db, actor=anna, user_id=u.anna, first_day=today, last_day=today)
    berits = staff.mark_absent(db, actor=manager, user_id=u.berit, first_day=today,
                               last_day=today + timedelta(days=4))
    with pytest.raises(ValidationFailed):  # overlapping days
        staff.mark_absent(db, actor=manager, user_id=u.anna, first_day=today - timedelta(days=1),
                          last_day=today + timedelta(days=1))
    assert staff.away_on(db, user_ids={u.anna, u.berit, u.cecilia}, day=today).keys() == {
        u.anna, u.berit}
    assert staff.away_on(db, user_ids={u.anna, u.berit}, day=today + timedelta(days=2)).keys() == {
        u.berit}
    assert not hasattr(mine, "reason")  # nothing but the days is kept
    with pytest.raises(Forbidden):
        staff.remove_absence(db, actor=anna, absence_id=berits.id)
    staff.remove_absence(db, actor=manager, absence_id=berits.id)
    assert staff.away_on(db, user_ids={u.berit}, day=today) == {}


def _events(s: Session, item_id: int) -> list[tuple[str, dict[str, object]]]:
    return [(e.type, e.data) for e in s.scalars(select(WorkItemEvent).where(
        WorkItemEvent.work_item_id == item_id).order_by(WorkItemEvent.id))]


@pytest.mark.parametrize("to_colleague", [False, True], ids=["to-queue", "to-colleague"])
def test_one_action_moves_exactly_her_open_items(db: Session, to_colleague: bool) -> None:
    u, items = _seed(db)
    today = local_day(utcnow())
    manager = factories.actor(db, u.manager)
    staff.mark_absent(db, actor=manager, user_id=u.anna, first_day=today, last_day=today)
    t = team.balance(db, unit_id=u.unit_id, first=today, last=today, now=utcnow())
    assert [p.user_id for p in t.absent] == [u.anna] and t.left_with_absent == 2
    others = {k: (i.owner_id, i.status, i.version) for k, i in items.items()
              if k not in ("anna_new", "anna_late")}
    target = u.cecilia if to_colleague else None
    outcome = team_actions.hand_over_absent(db, actor=manager, user_id=u.anna, to_user_id=target)
    assert sorted(outcome.moved) == sorted([items["anna_new"].id, items["anna_late"].id])
    assert outcome.skipped == []
    for key in ("anna_new", "anna_late"):
        item = db.get(WorkItem, items[key].id)
        assert item is not None and item.owner_id == target and worklist.is_open(item.status)
        last_type, data = _events(db, item.id)[-1]
        assert data.get("from_owner") == u.anna and data.get("to_owner") == target
        assert last_type in ("handed_over", "assigned")
        assert team.owner_move(last_type, data) == (u.anna, target)
    # Nothing else moved, and nothing was copied.
    for key, before in others.items():
        item = db.get(WorkItem, items[key].id)
        assert item is not None and (item.owner_id, item.status, item.version) == before, key
    assert db.scalar(select(WorkItem.id).where(WorkItem.unit_id == u.unit_id,
                                               WorkItem.owner_id == u.anna,
                                               WorkItem.status.in_(team.OPEN))) is None
    after = team.balance(db, unit_id=u.unit_id, first=today, last=today, now=utcnow())
    anna = after.only(u.anna)[0]
    assert anna.load.open_total == 0 and anna.load.out_total == 1 + 2
    assert after.left_with_absent == 0


def test_the_action_is_refused_without_an_absence_or_for_an_absent_colleague(db: Session) -> None:
    u, _items = _seed(db)
    today = local_day(utcnow())
    manager, berit = factories.actor(db, u.manager), factories.actor(db, u.berit)
    with pytest.raises(ValidationFailed):
        team_actions.hand_over_absent(db, actor=manager, user_id=u.anna, to_user_id=None)
    staff.mark_absent(db, actor=manager, user_id=u.anna, first_day=today + timedelta(days=1),
                      last_day=today + timedelta(days=2))
    staff.mark_absent(db, actor=manager, user_id=u.cecilia, first_day=today, last_day=today)
    with pytest.raises(Forbidden):  # a colleague may not move her items
        team_actions.hand_over_absent(db, actor=berit, user_id=u.anna, to_user_id=u.berit)
    with pytest.raises(ValidationFailed) as away:
        team_actions.hand_over_absent(db, actor=manager, user_id=u.anna, to_user_id=u.cecilia)
    assert "frånvarande" in away.value.errors["to_user_id"]
    # The absent person herself, before she leaves, hands them to a colleague.
    outcome = team_actions.hand_over_absent(db, actor=factories.actor(db, u.anna), user_id=u.anna,
                                            to_user_id=u.berit)
    assert len(outcome.moved) == 2


def test_a_kind_that_keeps_the_hand_over_for_its_record_is_left_and_reported(db: Session) -> None:
    u, items = _seed(db)
    spec = worklist.get_kind("task")
    kept = worklist.KindSpec(code=factories.unique("kept"), label="Hålls", label_plural="Hållna",
                             operations=frozenset({Operation.CLAIM, Operation.START}),
                             record_hint="Öppna posten.")
    worklist.register(kept)
    try:
        item = _item(db, u, by=u.manager, owner=u.anna, kind=kept.code)
        today = local_day(utcnow())
        manager = factories.actor(db, u.manager)
        staff.mark_absent(db, actor=manager, user_id=u.anna, first_day=today, last_day=today)
        outcome = team_actions.hand_over_absent(db, actor=manager, user_id=u.anna, to_user_id=None)
        assert [i for i, _m in outcome.skipped] == [item.id]
        assert "Öppna posten." in outcome.skipped[0][1]
        assert db.get(WorkItem, item.id).owner_id == u.anna  # type: ignore[union-attr]
        assert items["anna_new"].id in outcome.moved
    finally:
        worklist.register(spec)


def test_my_week(db: Session) -> None:
    u, _items = _seed(db)
    now = utcnow()
    monday = team.week_start(local_day(now))
    w = team.my_week(db, user_id=u.anna, unit_id=u.unit_id, monday=monday, now=now)
    day = (local_day(now) - monday).days
    assert w.done == {"task": [1 if n == day else 0 for n in range(7)]}
    assert w.done_per_day[day] == 1 and sum(w.done_per_day) == 1
    waiting = dict(w.waiting)
    assert waiting["overdue"]["task"] == 1
    assert sum(sum(c.values()) for c in waiting.values()) == 2  # her two open items
    assert (sum(w.handed_in.values()), sum(w.handed_out.values())) == (0, 1)
    berit = team.my_week(db, user_id=u.berit, unit_id=u.unit_id, monday=monday, now=now)
    assert (sum(berit.handed_in.values()), sum(berit.handed_out.values())) == (1, 1)
    assert berit.done == {}
    # Last week: nothing done, the same open items wait.
    before = team.my_week(db, user_id=u.anna, unit_id=u.unit_id, monday=monday - timedelta(days=7),
                          now=now)
    assert before.done == {} and sum(before.handed_out.values()) == 0
