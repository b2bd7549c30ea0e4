"""The worklist's service for domains: open, find, close, hold, resume, start, move the items
of a record, on a real database (SQLite, and PostgreSQL with KULISSER_TEST_DATABASE)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser.audit.models import AuditEvent
from kulisser.results.rows import allocate_ids, write
from kulisser.staff.actor import Actor
from kulisser.worklist import service as wl
from kulisser.worklist.models import WorkItem
from kulisser.worklist.states import TransitionError
from tests import factories
from tests.factories import World

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
REF = "phone_message"  # any record type: the service does not care whose record it is


def setup(db: Session) -> tuple[World, Actor]:
    """A world and its secretary."""
    w = factories.make_world(db)
    return w, factories.actor(db, w.secretary_id)


def ref(w: World, n: int) -> int:
    """Record number n of this test's world (the database is shared by the tests)."""
    return w.unit_id * 1000 + n


def opened(db: Session, w: World, me: Actor, n: int, **kw: object) -> WorkItem:
    kw.setdefault("kind", "task")
    return wl.open_item(db, actor=me, ref_type=REF, ref_id=ref(w, n), title="Ring patienten",
                        patient_id=w.patient_ids[0], now=NOW, **kw)  # type: ignore[arg-type]


def history(item: WorkItem) -> list[tuple[str, str | None, str | None]]:
    return [(e.type, e.to_status, e.reason) for e in item.events]


def audit_rows(db: Session, **where: object) -> int:
    stmt = select(func.count()).select_from(AuditEvent)
    for column, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, column) == value)
    return db.scalar(stmt) or 0


def test_open_item_by_an_actor_is_create_item_about_the_record(db: Session) -> None:
    w, me = setup(db)
    item = opened(db, w, me, 1, priority="high", owner_id=w.secretary2_id)
    assert (item.unit_id, item.ref_type, item.ref_id, item.owner_id) == (
        w.unit_id, REF, ref(w, 1), w.secretary2_id)
    assert item.due_at == NOW + 24 * H  # the task kind's rule at high priority
    assert [e.type for e in item.events] == ["created", "assigned"]
    assert audit_rows(db, user_id=me.user_id, action="create", object_type="work_item",
                      object_id=str(item.id), outcome="allowed") == 1
    with pytest.raises(ValueError):  # an actor opens items in their own unit only
        opened(db, w, me, 2, unit_id=w.other_unit_id)


def test_open_item_by_a_job_is_logged_as_the_system_and_needs_its_unit(db: Session) -> None:
    w, _me = setup(db)
    item = wl.open_item(db, actor=None, unit_id=w.unit_id, kind="task", ref_type=REF, ref_id=7,
                        title="  Bevaka svaret  ", patient_id=w.patient_ids[0],
                        system_reason="Svar saknas", now=NOW)
    assert (item.title, item.created_by_id, item.owner_id) == ("Bevaka svaret", None, None)
    [created] = item.events
    assert (created.type, created.actor_id) == ("created", None)
    row = db.scalar(select(AuditEvent).where(AuditEvent.object_type == "work_item",
                                             AuditEvent.object_id == str(item.id)))
    assert row is not None and (row.user_id, row.role, row.reason, row.action) == (
        None, "system", "Svar saknas", "create")
    for missing in ({"unit_id": None, "system_reason": "x"}, {"unit_id": w.unit_id, "system_reason": ""}):
        with pytest.raises(ValueError):
            wl.open_item(db, actor=None, kind="task", ref_type=REF, ref_id=8, title="x", now=NOW,
                         **missing)  # type: ignore[arg-type]


def test_open_items_finds_only_the_records_open_items_of_the_kind(db: Session) -> None:
    w, me = setup(db)
    task, callback = opened(db, w, me, 1), opened(db, w, me, 1, kind="callback")
    done, other_record = opened(db, w, me, 1), opened(db, w, me, 2)
    wl.close_items(db, items=[done], actor_id=me.user_id, now=NOW)
    one, two, three = ref(w, 1), ref(w, 2), ref(w, 3)
    assert wl.open_items(db, ref_type=REF, ref_id=one) == [task, callback]
    assert wl.open_items(db, ref_type=REF, ref_id=one, kind="callback") == [callback]
    assert wl.open_items(db, ref_type=REF, ref_id=one, kind=("task", "callback")) == [task, callback]
    assert wl.open_items(db, ref_type="letter", ref_id=one) == []
    db.flush()
    assert wl.open_items_for(db, ref_type=REF, ref_ids=[one, two, three]) == {
        one: [task, callback], two: [other_record]}
    assert wl.open_items_for(db, ref_type=REF, ref_ids=[one, two], kind="callback") == {
        one: [callback]}
    assert wl.open_items_for(db, ref_type=REF, ref_ids=[]) == {}
    sub = wl.open_items_subquery(ref_type=REF, kind="task")
    rows = db.execute(select(sub.c.ref_id, sub.c.id).order_by(sub.c.id)).tuples().all()
    assert [(r, i) for r, i in rows if i in {task.id, done.id, other_record.id}] == [
        (one, task.id), (two, other_record.id)]


def test_open_items_of_patients_is_by_patient_in_the_given_units_most_due_first(db: Session) -> None:
    w, me = setup(db)
    later = opened(db, w, me, 1, due_at=NOW + 9 * H)
    sooner = opened(db, w, me, 2, due_at=NOW + 2 * H)
    found = wl.open_items_of_patients(db, patient_ids=[w.patient_ids[0], w.patient_ids[1]],
                                      unit_ids=(w.unit_id,))
    assert found[w.patient_ids[0]][:2] == [sooner, later] and found[w.patient_ids[1]] == []
    assert wl.open_items_of_patients(db, patient_ids=[w.patient_ids[0]],
                                     unit_ids=(w.other_unit_id,)) == {w.patient_ids[0]: []}


def test_close_completes_an_item_on_hold_by_resuming_it_first(db: Session) -> None:
    w, me = setup(db)
    held, fresh = opened(db, w, me, 1), opened(db, w, me, 1)
    wl.hold_items(db, items=[held], actor_id=me.user_id, reason="Väntar på svar", now=NOW)
    wl.close_items(db, items=[held, fresh], actor_id=me.user_id, now=NOW + H, reason="Klart")
    assert history(held) == [("created", "requested", None),
                             ("status_changed", "on-hold", "Väntar på svar"),
                             ("status_changed", "requested", None),
                             ("status_changed", "completed", "Klart")]
    assert (held.status, held.closed_at, held.owner_id) == ("completed", NOW + H, me.user_id)
    assert history(fresh)[-1] == ("status_changed", "completed", "Klart")
    assert wl.open_items(db, ref_type=REF, ref_id=ref(w, 1)) == []


def test_close_with_cancel_needs_a_reason_and_keeps_it(db: Session) -> None:
    w, me = setup(db)
    item = opened(db, w, me, 1)
    with pytest.raises(TransitionError):
        wl.close_items(db, items=[item], actor_id=me.user_id, now=NOW, cancel=True)
    wl.close_items(db, items=[item], actor_id=None, now=NOW, reason="Makulerad", cancel=True)
    assert (item.status, history(item)[-1]) == (
        "cancelled", ("status_changed", "cancelled", "Makulerad"))
    assert item.events[-1].actor_id is None  # a job's close is the system's


def test_hold_resume_and_start_touch_only_the_items_they_apply_to(db: Session) -> None:
    w, me = setup(db)
    a, b = opened(db, w, me, 1), opened(db, w, me, 1)
    wl.hold_items(db, items=[a], actor_id=me.user_id, reason="Väntar", now=NOW)
    wl.hold_items(db, items=[a, b], actor_id=me.user_id, reason="Väntar", now=NOW)
    assert [e.type for e in a.events].count("status_changed") == 1  # held once
    wl.resume_items(db, items=[a, b], actor_id=me.user_id, now=NOW)
    assert (a.status, b.status) == ("requested", "requested")
    wl.resume_items(db, items=[a], actor_id=me.user_id, now=NOW)  # not held: nothing
    assert len(a.events) == 3  # created, held, resumed
    wl.start_items(db, items=[a], actor_id=me.user_id, now=NOW)
    assert (a.status, a.owner_id) == ("in-progress", me.user_id)
    wl.start_items(db, items=[a], actor_id=me.user_id, now=NOW)  # begun: nothing
    assert len(a.events) == 4


def test_move_item_records_a_new_due_time_or_unit_and_nothing_when_unchanged(db: Session) -> None:
    w, me = setup(db)
    item = opened(db, w, me, 1, owner_id=me.user_id)
    before = item.due_at
    assert not wl.move_item(db, item=item, actor_id=me.user_id, now=NOW, reason="x", due_at=before)
    assert wl.move_item(db, item=item, actor_id=me.user_id, now=NOW, reason="Nytt datum",
                        due_at=NOW + 5 * H)
    last = item.events[-1]
    assert (last.type, last.reason, last.data) == ("due_changed", "Nytt datum", {
        "due_before": before.isoformat(), "due_after": (NOW + 5 * H).isoformat()})
    assert wl.move_item(db, item=item, actor_id=me.user_id, now=NOW, reason="Fel enhet",
                        unit_id=w.other_unit_id)
    assert (item.unit_id, item.owner_id, item.events[-1].type, item.events[-1].data) == (
        w.other_unit_id, None, "unit_changed",
        {"from_unit": w.unit_id, "to_unit": w.other_unit_id, "from_owner": me.user_id})
    with pytest.raises(ValueError):
        wl.move_item(db, item=item, actor_id=me.user_id, now=NOW, reason="x",
                     due_at=datetime(2027, 1, 1))  # naive on purpose


def test_a_jobs_move_is_logged_as_the_system_and_needs_the_reason(db: Session) -> None:
    w, me = setup(db)
    item = opened(db, w, me, 1)
    db.flush()
    with pytest.raises(ValueError):
        wl.move_item(db, item=item, actor_id=None, now=NOW, reason="x", due_at=NOW + 3 * H)
    assert wl.move_item(db, item=item, actor_id=None, now=NOW, reason="Garantidatum", due_at=NOW + 4 * H,
                        system_reason="Flyttat av jobbet")
    assert audit_rows(db, role="system", action="update", object_id=str(item.id),
                      reason="Flyttat av jobbet", patient_id=w.patient_ids[0]) == 1
    assert wl.rule_due(db, item=item, now=NOW) == NOW + 72 * H


def test_update_details_records_only_what_changed(db: Session) -> None:
    w, me = setup(db)
    item = opened(db, w, me, 1)
    assert not wl.update_details(db, item=item, actor_id=me.user_id, now=NOW,
                                 patient_id=w.patient_ids[0], priority=item.priority,
                                 title=item.title)
    assert wl.update_details(db, item=item, actor_id=me.user_id, now=NOW, patient_id=None,
                             priority="acute")
    last = item.events[-1]
    assert (item.patient_id, item.priority, item.title) == (None, "acute", "Ring patienten")
    assert (last.type, last.data) == ("details_changed", {"patient": "None", "priority": "acute"})
    assert len(item.events) == 2


def test_set_owner_gives_a_new_item_away_with_the_reason(db: Session) -> None:
    w, me = setup(db)
    item = opened(db, w, me, 1, owner_id=me.user_id)
    wl.set_owner(db, item=item, actor_id=me.user_id, to_user_id=None, reason=" Semester ", now=NOW)
    last = item.events[-1]
    assert (item.owner_id, item.status, last.type, last.reason, last.data) == (
        None, "requested", "handed_over", "Semester", {"from_owner": me.user_id})


def test_open_items_bulk_writes_what_create_item_would(db: Session) -> None:
    w, me = setup(db)
    made = wl.open_items_bulk(db, actor=me, now=NOW, write=write, allocate_ids=allocate_ids, items=[
        wl.NewItem(kind="task", title="Första", priority="high", ref_type=REF, ref_id=ref(w, 101),
                   patient_id=w.patient_ids[0], owner_id=w.secretary2_id),
        wl.NewItem(kind="callback", title="Andra", priority="normal", ref_type=REF, ref_id=ref(w, 102))])
    assert set(made) == {ref(w, 101), ref(w, 102)}
    first, second = db.get(WorkItem, made[ref(w, 101)]), db.get(WorkItem, made[ref(w, 102)])
    assert first is not None and second is not None
    assert (first.status, first.owner_id, first.due_at, first.unit_id, first.created_by_id) == (
        "requested", w.secretary2_id, NOW + 24 * H, w.unit_id, me.user_id)
    assert [(e.type, e.data) for e in first.events] == [
        ("created", {}), ("assigned", {"to_owner": w.secretary2_id})]
    assert [e.type for e in second.events] == ["created"] and second.owner_id is None
    assert wl.open_items(db, ref_type=REF, ref_id=ref(w, 102)) == [second]


def test_nothing_is_committed_by_the_service(db: Session) -> None:
    w, me = setup(db)
    db.commit()
    item = opened(db, w, me, 1)
    wl.close_items(db, items=[item], actor_id=me.user_id, now=NOW)
    item_id = item.id
    db.rollback()
    assert db.get(WorkItem, item_id) is None
