"""Escalation of overdue items to the unit manager, and periodic job scheduling."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from kulisser.audit.models import AuditEvent
from kulisser.db import Database, utcnow
from kulisser.jobs import runner
from kulisser.jobs.models import Job
from kulisser.worklist import service as worklist
from kulisser.worklist.escalation import escalate_overdue
from kulisser.worklist.kinds import KindSpec, register
from kulisser.worklist.models import WorkItem
from tests import factories

register(KindSpec(code="test-escalating", label="Testeskalering", label_plural="Testeskaleringar",
                  escalates=True))


def _item(database: Database, world: factories.World, *, due_in_hours: float,
          kind: str = "test-escalating") -> int:
    with database.session() as s:
        actor = factories.actor(s, world.secretary_id)
        return worklist.create_item(s, actor=actor, kind=kind, title="Bedöm remiss",
                                    patient_id=world.patient_ids[0],
                                    due_at=utcnow() + timedelta(hours=due_in_hours)).id


def _escalations_of(database: Database, item_id: int) -> list[WorkItem]:
    with database.session() as s:
        return list(s.scalars(select(WorkItem).where(WorkItem.kind == "escalation",
                                                     WorkItem.ref_id == item_id)))


def test_overdue_item_goes_to_the_manager_once(database: Database, world: factories.World) -> None:
    overdue = _item(database, world, due_in_hours=-2)
    later = _item(database, world, due_in_hours=5)
    plain = _item(database, world, due_in_hours=-2, kind="task")  # task does not escalate
    with database.session() as s:
        assert escalate_overdue(s) >= 1
    with database.session() as s:
        assert escalate_overdue(s) == 0 or not _escalations_of(database, overdue)[1:]
    found = _escalations_of(database, overdue)
    assert len(found) == 1
    esc = found[0]
    assert esc.owner_id == world.manager_id and esc.unit_id == world.unit_id
    assert esc.priority == "high" and esc.patient_id == world.patient_ids[0]
    assert _escalations_of(database, later) == [] and _escalations_of(database, plain) == []
    with database.session() as s:
        original = s.get(WorkItem, overdue)
        assert original is not None and original.events[-1].type == "escalated"
        assert original.events[-1].data.get("to_owner") == world.manager_id
        logged = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.object_id == str(esc.id), AuditEvent.username == "kulisser-system"))
        assert logged == 1


def test_closed_items_are_not_escalated(database: Database, world: factories.World) -> None:
    item = _item(database, world, due_in_hours=-1)
    with database.session() as s:
        worklist.perform(s, actor=factories.actor(s, world.secretary_id), item_id=item,
                         operation="complete")
    with database.session() as s:
        escalate_overdue(s)
    assert _escalations_of(database, item) == []


def test_periodic_tasks_are_queued_once_per_period(database: Database) -> None:
    calls: list[int] = []

    @runner.periodic("test.periodic-once", every_seconds=3600)
    def _task(ctx: object) -> None:
        calls.append(1)

    try:
        _check_once_per_period(database)
    finally:
        runner._PERIODIC.pop("test.periodic-once", None)
        runner._TASKS.pop("test.periodic-once", None)


def _check_once_per_period(database: Database) -> None:
    now = utcnow()
    runner.schedule_periodic(database, now=now)
    runner.schedule_periodic(database, now=now + timedelta(seconds=1))
    with database.session() as s:
        keys = list(s.scalars(select(Job.dedupe_key).where(Job.task == "test.periodic-once")))
    assert len(keys) == 1 and keys[0].startswith("periodic:test.periodic-once:")
    runner.schedule_periodic(database, now=now + timedelta(hours=1, seconds=5))
    with database.session() as s:
        n = s.scalar(select(func.count()).select_from(Job).where(Job.task == "test.periodic-once"))
    assert n == 2
