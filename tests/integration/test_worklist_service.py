"""Work item operations and the worklist queries on a real database."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.audit.models import AuditEvent
from kulisser.audit.service import AccessDenied
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.identity import Identifier, IdKind
from kulisser.patients.models import Patient
from kulisser.staff.actor import Actor
from kulisser.worklist import queries
from kulisser.worklist import service as wl
from kulisser.worklist.models import WorkItem
from kulisser.worklist.queries import WorklistFilter
from kulisser.worklist.states import Operation, TransitionError
from tests import factories
from tests.factories import World

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def actors(db: Session, w: World) -> tuple[Actor, Actor, Actor]:
    """The world's secretary, second secretary and manager."""
    return (factories.actor(db, w.secretary_id), factories.actor(db, w.secretary2_id),
            factories.actor(db, w.manager_id))


def new(db: Session, actor: Actor, **kw: object) -> WorkItem:
    kw.setdefault("kind", "task")
    kw.setdefault("title", "Ring patienten")
    kw.setdefault("now", NOW)
    return wl.create_item(db, actor=actor, **kw)


def walk(db: Session, actor: Actor, f: WorklistFilter, now: datetime = NOW) -> list[int]:
    """Every id the filter shows, page by page; fails on a page that repeats a row."""
    ids: list[int] = []
    cursor = ""
    for _ in range(100):
        page = queries.list_items(db, actor=actor, f=replace(f, cursor=cursor), now=now)
        assert len(page.rows) <= f.limit
        ids += [r.item.id for r in page.rows]
        if page.next_cursor is None:
            assert len(ids) == len(set(ids))
            return ids
        assert page.rows, "a next cursor after an empty page"
        cursor = page.next_cursor
    raise AssertionError("pagination did not end")


# -- create_item and the due-time rules -------------------------------------------------


def test_due_time_comes_from_the_kind_default(db: Session) -> None:
    w = factories.make_world(db)
    me, _, _ = actors(db, w)
    task = new(db, me, priority="normal")
    callback = new(db, me, kind="callback", priority="high", title="Ring tillbaka")
    assert task.due_at == NOW + 72 * H and callback.due_at == NOW + 4 * H
    assert (task.status, task.owner_id, task.unit_id, task.created_by_id) == (
        "requested", None, w.unit_id, me.user_id)
    [created] = task.events
    assert (created.type, created.to_status, created.actor_id) == ("created", "requested", me.user_id)


def test_a_unit_rule_overrides_the_default_for_that_unit_only(db: Session) -> None:
    w, other = factories.make_world(db), factories.make_world(db)
    me, _, boss = actors(db, w)
    stranger = factories.actor(db, other.secretary_id)
    wl.set_rule(db, actor=boss, kind="task", priority="high", hours=10)
    assert new(db, me, priority="high").due_at == NOW + 10 * H
    assert new(db, me, priority="low").due_at == NOW + 240 * H  # other priorities untouched
    assert new(db, stranger, priority="high").due_at == NOW + 24 * H
    row = next(r for r in wl.rule_table(db, unit_id=w.unit_id)
               if (r["kind"], r["priority"]) == ("task", "high"))
    assert (row["hours"], row["default"], row["overridden"]) == (10, 24, True)
    wl.set_rule(db, actor=boss, kind="task", priority="high", hours=12)
    assert new(db, me, priority="high").due_at == NOW + 12 * H
    wl.set_rule(db, actor=boss, kind="task", priority="high", hours=None)
    assert new(db, me, priority="high").due_at == NOW + 24 * H


def test_only_managers_set_rules_and_bad_values_are_refused(db: Session) -> None:
    w = factories.make_world(db)
    me, _, boss = actors(db, w)
    with pytest.raises(Forbidden):
        wl.set_rule(db, actor=me, kind="task", priority="high", hours=1)
    assert wl.deadline_hours(db, unit_id=w.unit_id, kind="task", priority="high") == 24
    for bad in (0, -1, 24 * 365 + 1):
        with pytest.raises(ValidationFailed) as err:
            wl.set_rule(db, actor=boss, kind="task", priority="high", hours=bad)
        assert "hours" in err.value.errors
    with pytest.raises(ValidationFailed) as err:
        wl.set_rule(db, actor=boss, kind="no-such-kind", priority="high", hours=5)
    assert "kind" in err.value.errors
    with pytest.raises(ValidationFailed) as err:
        wl.set_rule(db, actor=boss, kind="task", priority="whenever", hours=5)
    assert "priority" in err.value.errors


def test_explicit_due_time_wins_over_rules(db: Session) -> None:
    w = factories.make_world(db)
    me, _, boss = actors(db, w)
    wl.set_rule(db, actor=boss, kind="task", priority="normal", hours=3)
    assert new(db, me, due_at=NOW + 500 * H).due_at == NOW + 500 * H
    with pytest.raises(ValidationFailed) as err:
        new(db, me, due_at=datetime(2026, 12, 1, 8, 0))  # naive: refused
    assert "due_at" in err.value.errors


def test_create_validates_and_assigns_only_to_members(db: Session) -> None:
    w, other = factories.make_world(db), factories.make_world(db)
    me, you, _ = actors(db, w)
    with pytest.raises(ValidationFailed) as err:
        new(db, me, kind="nope", priority="asap", title="  ")
    assert set(err.value.errors) == {"kind", "priority", "title"}
    with pytest.raises(ValidationFailed) as err:
        new(db, me, owner_id=other.secretary_id)
    assert "to_user_id" in err.value.errors
    item = new(db, me, owner_id=you.user_id, patient_id=w.patient_ids[0])
    assert (item.status, item.owner_id) == ("requested", you.user_id)
    assert [(e.type, e.actor_id, e.data.get("to_owner")) for e in item.events] == [
        ("created", me.user_id, None), ("assigned", me.user_id, you.user_id)]
    with pytest.raises(AccessDenied):
        new(db, me, patient_id=w.stranger_patient_id)


# -- operations --------------------------------------------------------------------------


def test_every_operation_records_its_event_with_the_actor(db: Session) -> None:
    w = factories.make_world(db)
    me, you, boss = actors(db, w)
    item = new(db, me, patient_id=w.patient_ids[0])
    steps = [
        (boss, Operation.ASSIGN, {"to_user_id": me.user_id}, "assigned", None, None),
        (me, Operation.CLAIM, {}, "claimed", "requested", "accepted"),
        (me, Operation.START, {}, "status_changed", "accepted", "in-progress"),
        (me, Operation.HOLD, {"reason": "Väntar på svar"}, "status_changed", "in-progress", "on-hold"),
        (me, Operation.RESUME, {}, "status_changed", "on-hold", "in-progress"),
        (me, Operation.HANDOVER, {"reason": "Semester", "to_user_id": you.user_id}, "handed_over",
         "in-progress", "requested"),
        (you, Operation.COMPLETE, {}, "status_changed", "requested", "completed"),
        (boss, Operation.ENTERED_IN_ERROR, {"reason": "Fel patient"}, "status_changed", "completed",
         "entered-in-error"),
    ]
    for i, (who, op, kw, *_rest) in enumerate(steps):
        wl.perform(db, actor=who, item_id=item.id, operation=op, now=NOW + i * H, **kw)
    db.expire_all()
    got = db.get(WorkItem, item.id)
    assert got is not None and got.status == "entered-in-error"
    events = got.events[1:]  # after "created"
    assert [(e.type, e.actor_id, e.from_status, e.to_status) for e in events] == [
        (t, who.user_id, fr, to) for who, _op, _kw, t, fr, to in steps]
    assert [e.at for e in events] == [NOW + i * H for i in range(len(steps))]
    assert [e.reason for e in events if e.reason] == ["Väntar på svar", "Semester", "Fel patient"]
    assert got.closed_at == NOW + 7 * H  # the last closing move
    # Cancel, on another item; the unknown operation is refused.
    other = new(db, me)
    wl.perform(db, actor=me, item_id=other.id, operation="cancel", reason="Dubblett", now=NOW)
    assert (other.status, other.events[-1].actor_id, other.events[-1].reason) == (
        "cancelled", me.user_id, "Dubblett")
    with pytest.raises(TransitionError) as err:
        wl.perform(db, actor=me, item_id=other.id, operation="approve")
    assert err.value.code == "unknown_operation"


def test_hand_over_needs_reason_and_a_member_and_moves_the_item(db: Session) -> None:
    w, other = factories.make_world(db), factories.make_world(db)
    me, you, _ = actors(db, w)
    item = new(db, me, patient_id=w.patient_ids[1])
    wl.perform(db, actor=me, item_id=item.id, operation="claim", now=NOW)
    mine = WorklistFilter(scope="mine", status="all")
    assert item.id in walk(db, me, mine)
    with pytest.raises(TransitionError) as err:
        wl.perform(db, actor=me, item_id=item.id, operation="handover", reason=" ",
                   to_user_id=you.user_id)
    assert err.value.code == "reason_required"
    with pytest.raises(ValidationFailed) as verr:
        wl.perform(db, actor=me, item_id=item.id, operation="handover", reason="Ledig",
                   to_user_id=other.secretary_id)
    assert "to_user_id" in verr.value.errors
    with pytest.raises(TransitionError) as err:
        wl.perform(db, actor=me, item_id=item.id, operation="handover", reason="Ledig",
                   to_user_id=me.user_id)
    assert err.value.code == "same_owner"
    assert (item.owner_id, item.status, len(item.events)) == (me.user_id, "accepted", 2)
    wl.perform(db, actor=me, item_id=item.id, operation="handover", reason="Ledig",
               to_user_id=you.user_id, now=NOW + H)
    db.flush()
    assert (item.owner_id, item.status) == (you.user_id, "requested")
    assert item.id not in walk(db, me, mine)
    assert item.id in walk(db, you, mine)
    # Handing over to the queue: nobody's, and in the unit's queue.
    wl.perform(db, actor=you, item_id=item.id, operation="claim", now=NOW + 2 * H)
    wl.perform(db, actor=you, item_id=item.id, operation="handover", reason="Tillbaka", now=NOW + 3 * H)
    assert item.owner_id is None
    assert item.id in walk(db, me, WorklistFilter(scope="queue"))
    assert item.id not in walk(db, you, mine)


def test_illegal_transitions_raise_and_change_nothing(db: Session) -> None:
    w = factories.make_world(db)
    me, you, _ = actors(db, w)
    item = new(db, me)
    with pytest.raises(TransitionError):
        wl.perform(db, actor=me, item_id=item.id, operation="resume")
    wl.perform(db, actor=me, item_id=item.id, operation="complete", now=NOW + H)
    db.flush()
    db.expire_all()
    before = db.get(WorkItem, item.id)
    assert before is not None
    snapshot = (before.status, before.owner_id, before.closed_at, before.updated_at, len(before.events))
    for op, kw in (("claim", {}), ("start", {}), ("hold", {"reason": "x"}), ("resume", {}),
                   ("complete", {}), ("cancel", {"reason": "x"}), ("assign", {"to_user_id": you.user_id}),
                   ("handover", {"reason": "x", "to_user_id": you.user_id})):
        with pytest.raises(TransitionError) as err:
            wl.perform(db, actor=you, item_id=item.id, operation=op, now=NOW + 5 * H, **kw)
        assert err.value.message.startswith("Det går inte att")
    db.flush()
    db.expire_all()
    after = db.get(WorkItem, item.id)
    assert after is not None
    assert (after.status, after.owner_id, after.closed_at, after.updated_at, len(after.events)) == snapshot
    assert snapshot[:3] == ("completed", me.user_id, NOW + H)


def test_due_change_and_comment_are_recorded(db: Session) -> None:
    w = factories.make_world(db)
    me, you, _ = actors(db, w)
    item = new(db, me, patient_id=w.patient_ids[0], due_at=NOW + H)
    wl.change_due(db, actor=you, item_id=item.id, due_at=NOW + 9 * H, reason="Patienten bortrest",
                  now=NOW)
    wl.add_comment(db, actor=me, item_id=item.id, text="Har ringt en gång", now=NOW + H)
    assert item.due_at == NOW + 9 * H
    assert [(e.type, e.actor_id, e.reason) for e in item.events[1:]] == [
        ("due_changed", you.user_id, "Patienten bortrest"), ("commented", me.user_id, "Har ringt en gång")]
    for bad in ({"reason": " "}, {"reason": "x", "due_at": datetime(2026, 12, 1)}):
        with pytest.raises(ValidationFailed):
            wl.change_due(db, actor=me, item_id=item.id, **{"due_at": NOW, **bad})
    with pytest.raises(ValidationFailed):
        wl.add_comment(db, actor=me, item_id=item.id, text="  ")
    wl.perform(db, actor=me, item_id=item.id, operation="complete", now=NOW + 2 * H)
    with pytest.raises(TransitionError):
        wl.change_due(db, actor=me, item_id=item.id, due_at=NOW, reason="För sent")
    assert item.due_at == NOW + 9 * H


# -- the worklist queries ----------------------------------------------------------------


def test_filters(db: Session) -> None:
    w = factories.make_world(db, patients=0)
    me, you, _ = actors(db, w)
    astrid = factories.make_patient(db, w.unit_id, given="Astrid", family=factories.unique("Zorn"))
    bo = factories.make_patient(db, w.unit_id, given="Bo", family=factories.unique("Åberg"))
    late = new(db, me, kind="callback", title="Ring", patient_id=astrid.id, due_at=NOW - H)
    soon = new(db, me, patient_id=bo.id, due_at=NOW + 2 * H, owner_id=you.user_id)
    later = new(db, me, patient_id=astrid.id, due_at=NOW + 50 * H)
    done = new(db, me, patient_id=bo.id, due_at=NOW - 5 * H)
    wl.perform(db, actor=me, item_id=done.id, operation="complete", now=NOW)
    wl.perform(db, actor=me, item_id=later.id, operation="claim", now=NOW)

    def ids(**kw: object) -> list[int]:
        return walk(db, me, WorklistFilter(scope="unit", **kw))

    assert ids() == [late.id, soon.id, later.id]  # open, by due time
    assert ids(status="closed") == [done.id]
    assert ids(status="all") == [done.id, late.id, soon.id, later.id]
    assert ids(status="accepted") == [later.id]
    assert ids(status="completed") == [done.id]
    assert ids(kind="callback") == [late.id]
    assert ids(kind="task", status="all") == [done.id, soon.id, later.id]
    assert ids(owner_id=you.user_id) == [soon.id]
    assert ids(overdue=True) == [late.id]
    assert walk(db, me, WorklistFilter(scope="unit", overdue=True), now=NOW + 3 * H) == [late.id, soon.id]
    assert ids(status="all", overdue=True) == [late.id]  # a closed item is never overdue
    assert ids(q="astrid") == [late.id, later.id]
    assert ids(q=astrid.family_name.upper()[:6]) == [late.id, later.id]
    assert ids(q=f"bo {bo.family_name.lower()}", status="all") == [done.id, soon.id]
    assert ids(q="strid") == []  # names match from the start of a word
    assert ids(q="%") == ids(q="_") == []  # not LIKE wildcards
    ident = Identifier(IdKind.PERSONNUMMER, bo.id_value)
    assert ids(q=bo.id_value, status="all") == [done.id, soon.id]
    assert ids(q=ident.formatted(), status="all") == [done.id, soon.id]
    assert ids(q=ident.short(), status="all") == [done.id, soon.id]
    if ident.short()[6] == "-":  # without a separator, a 10-digit number means under 100
        assert ids(q=ident.short().replace("-", "")) == [soon.id]
    with pytest.raises(ValidationFailed):
        ids(status="maybe")
    with pytest.raises(ValidationFailed):
        walk(db, me, WorklistFilter(scope="everything"))
    with pytest.raises(ValidationFailed):
        queries.list_items(db, actor=me, f=WorklistFilter(cursor="not-a-cursor"), now=NOW)


@pytest.mark.parametrize("status", ["open", "all"])
def test_pagination_walks_every_row_once_in_every_scope(db: Session, status: str) -> None:
    w = factories.make_world(db)
    me, you, _ = actors(db, w)
    owners = [me.user_id, you.user_id, None]
    for i in range(31):
        # Many items share a due time, so the id must break the ties.
        item = new(db, me, kind=("task", "callback")[i % 2], patient_id=w.patient_ids[i % 3],
                   due_at=NOW + ((i * 7) % 5 - 2) * H, owner_id=owners[i % 3])
        if i % 6 == 5:
            wl.perform(db, actor=me, item_id=item.id, operation="cancel", reason="Dubblett", now=NOW)
    db.flush()
    everything = list(db.scalars(select(WorkItem).where(WorkItem.unit_id == w.unit_id)))
    if status == "open":
        everything = [i for i in everything if i.closed_at is None]
    expected = {
        "mine": [i for i in everything if i.owner_id == me.user_id],
        "queue": [i for i in everything if i.owner_id is None],
        "unit": everything,
        "mine_queue": [i for i in everything if i.owner_id in (me.user_id, None)],
    }
    for scope, items in expected.items():
        want = [i.id for i in sorted(items, key=lambda i: (i.due_at, i.id))]
        assert len(want) >= 4
        for limit in (1, 4, 200):
            f = WorklistFilter(scope=scope, status=status, limit=limit)
            assert walk(db, me, f) == want, (scope, limit)
        counts = queries.counts_per_kind(db, actor=me, f=WorklistFilter(scope=scope, status=status,
                                                                         kind="task"), now=NOW)
        assert counts == dict(Counter(i.kind for i in items)), scope
    overdue = WorklistFilter(scope="mine_queue", overdue=True)
    assert sum(queries.counts_per_kind(db, actor=me, f=overdue, now=NOW).values()) == \
        queries.overdue_count(db, actor=me, now=NOW) == len(walk(db, me, overdue)) > 0


def test_deadline_flags_are_computed_not_stored(db: Session) -> None:
    w = factories.make_world(db)
    me, _, _ = actors(db, w)
    overdue = new(db, me, due_at=NOW - timedelta(minutes=1))
    soon = new(db, me, due_at=NOW + 3 * H)
    edge = new(db, me, due_at=NOW + 4 * H)
    far = new(db, me, due_at=NOW + 30 * H)
    closed = new(db, me, due_at=NOW - 10 * H)
    wl.perform(db, actor=me, item_id=closed.id, operation="complete", now=NOW)
    assert "overdue" not in WorkItem.__table__.c and "due_soon" not in WorkItem.__table__.c
    flags = {i.id: queries.deadline_flags(i, now=NOW, due_soon_hours=4)
             for i in (overdue, soon, edge, far, closed)}
    assert flags == {overdue.id: (True, False), soon.id: (False, True), edge.id: (False, False),
                     far.id: (False, False), closed.id: (False, False)}
    page = queries.list_items(db, actor=me, f=WorklistFilter(scope="unit", status="all"), now=NOW,
                              due_soon_hours=4)
    assert {r.item.id: (r.overdue, r.due_soon) for r in page.rows} == flags
    # The same rows a day later: everything open is overdue; nothing was written down.
    later = queries.list_items(db, actor=me, f=WorklistFilter(scope="unit"), now=NOW + 31 * H)
    assert all(r.overdue and not r.due_soon for r in later.rows) and len(later.rows) == 4


def test_listing_logs_one_row_per_distinct_patient_shown(db: Session) -> None:
    w = factories.make_world(db)
    me, _, _ = actors(db, w)
    a, b, unseen = w.patient_ids
    for pid in (a, a, a, b, None):
        new(db, me, patient_id=pid, due_at=NOW + H)
    new(db, me, patient_id=unseen, due_at=NOW + 100 * H)  # on page two
    when = NOW + timedelta(seconds=17)
    page = queries.list_items(db, actor=me, f=WorklistFilter(scope="unit", limit=5), now=when)
    assert len(page.rows) == 5 and page.next_cursor
    db.flush()
    logged = db.scalars(select(AuditEvent).where(AuditEvent.user_id == me.user_id,
                                                 AuditEvent.action == "list", AuditEvent.at == when))
    rows = list(logged)
    assert sorted(r.patient_id for r in rows) == sorted([a, b])
    assert {(r.outcome, r.object_type, r.unit_id, r.username) for r in rows} == {
        ("allowed", "worklist", w.unit_id, me.username)}


def test_patient_items_splits_open_and_closed(db: Session) -> None:
    w = factories.make_world(db)
    me, _, _ = actors(db, w)
    pid = w.patient_ids[0]
    first = new(db, me, patient_id=pid, due_at=NOW + 2 * H)
    second = new(db, me, patient_id=pid, due_at=NOW + H)
    done_early = new(db, me, patient_id=pid)
    done_late = new(db, me, patient_id=pid)
    new(db, me, patient_id=w.patient_ids[1])
    wl.perform(db, actor=me, item_id=done_early.id, operation="complete", now=NOW + H)
    wl.perform(db, actor=me, item_id=done_late.id, operation="cancel", reason="Fel", now=NOW + 2 * H)
    db.flush()
    open_, closed = queries.patient_items(db, patient_id=pid, unit_ids=(w.unit_id,))
    assert [i.id for i in open_] == [second.id, first.id]
    assert [i.id for i in closed] == [done_late.id, done_early.id]  # newest closed first
    assert queries.patient_items(db, patient_id=pid, unit_ids=(w.other_unit_id,)) == ([], [])
    assert db.get(Patient, pid) is not None


def test_a_statement_reused_for_its_shape_takes_each_callers_values(db: Session, world: World) -> None:
    # The worklist's statements are built once per shape of filter and reused with the caller's
    # values bound by name: nothing of the first caller (user, unit, time, kind, cursor) may stick.
    sec, sec2, _manager = actors(db, world)
    mine = new(db, sec, title="Min", due_at=NOW + H)
    theirs = new(db, sec2, title="Kollegans", due_at=NOW + 2 * H)
    for item, who in ((mine, sec), (theirs, sec2)):
        wl.perform(db, actor=who, item_id=item.id, operation=Operation.CLAIM, now=NOW)
    queued = [new(db, sec, title=f"Kö {n}", due_at=NOW + (3 + n) * H) for n in range(3)]
    late = new(db, sec, title="Sen", kind="task", due_at=NOW - H)
    f = WorklistFilter(limit=2)
    for who, own in ((sec, mine), (sec2, theirs), (sec, mine)):
        titles = [r.item.title for r in queries.list_items(db, actor=who, f=f, now=NOW).rows]
        assert titles == ["Sen", own.title], (who.username, titles)
    # The same shapes again with a cursor: each caller pages through her own list.
    first = queries.list_items(db, actor=sec2, f=f, now=NOW)
    rest = queries.list_items(db, actor=sec2, f=replace(f, cursor=first.next_cursor or ""), now=NOW)
    assert [r.item.title for r in rest.rows] == ["Kö 0", "Kö 1"]
    first = queries.list_items(db, actor=sec, f=f, now=NOW)
    rest = queries.list_items(db, actor=sec, f=replace(f, cursor=first.next_cursor or ""), now=NOW)
    assert [r.item.title for r in rest.rows] == ["Kö 0", "Kö 1"]
    # "Now" is bound too: an hour later the first queued item is overdue as well.
    overdue = WorklistFilter(overdue=True)
    assert [r.item.id for r in queries.list_items(db, actor=sec, f=overdue, now=NOW).rows] == [late.id]
    later = [r.item.id for r in queries.list_items(db, actor=sec, f=overdue, now=NOW + 4 * H).rows]
    assert later == [late.id, mine.id, queued[0].id]
    counts, n_late = queries.kind_counts(db, actor=sec, f=WorklistFilter(), now=NOW)
    assert (counts, n_late) == ({"task": 5}, 1)
    counts, n_late = queries.kind_counts(db, actor=sec2, f=WorklistFilter(), now=NOW + 4 * H)
    assert (counts, n_late) == ({"task": 5}, 3)
