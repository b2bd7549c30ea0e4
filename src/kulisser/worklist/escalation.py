"""Escalation: an open item of an escalating kind past its due time goes to the unit manager.

Kinds opt in with KindSpec(escalates=True) (referral assessments, results to sign). A periodic
job finds overdue items not yet escalated, records an "escalated" event on each and gives the
unit's manager an `escalation` item pointing at it. It is safe to run any number of times.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.i18n import N_, _
from kulisser.jobs.context import JobContext
from kulisser.jobs.runner import periodic
from kulisser.staff.service import Role, UnitMembership, User
from kulisser.worklist.kinds import KindSpec, all_kinds, register
from kulisser.worklist.models import WorkItem, WorkItemEvent
from kulisser.worklist.queries import is_open_clause
from kulisser.worklist.states import Priority, Status


def _load_items(session: Session, ids: list[int]) -> dict[int, Any]:
    return {i.id: i for i in session.scalars(select(WorkItem).where(WorkItem.id.in_(ids)))}


ESCALATION = register(KindSpec(
    code="escalation", label=N_("Eskalering"), label_plural=N_("Eskaleringar"),
    default_hours={Priority.ACUTE: 1, Priority.HIGH: 8, Priority.NORMAL: 24, Priority.LOW: 72},
    ref_type="work_item", detail_template="worklist/_escalation_detail.html", load_refs=_load_items,
))


def unit_manager(session: Session, *, unit_id: int) -> int | None:
    """The unit's manager (the first by name), or None when it has none."""
    return session.scalar(
        select(User.id).join(UnitMembership, UnitMembership.user_id == User.id)
        .where(UnitMembership.unit_id == unit_id, User.role == Role.MANAGER.value,
               User.active.is_(True)).order_by(User.full_name).limit(1))


def escalate_overdue(session: Session, *, now: datetime | None = None, batch: int = 500) -> int:
    """Escalate overdue open items of escalating kinds once each; return how many."""
    now = now or utcnow()
    kinds = [k.code for k in all_kinds() if k.escalates]
    if not kinds:
        return 0
    done = exists().where(WorkItemEvent.work_item_id == WorkItem.id,
                          WorkItemEvent.type == "escalated")
    items = list(session.scalars(
        select(WorkItem).where(WorkItem.kind.in_(kinds), is_open_clause(WorkItem),
                               WorkItem.due_at < now, ~done)
        .order_by(WorkItem.due_at).limit(batch).with_for_update(skip_locked=True)))
    for item in items:
        manager = unit_manager(session, unit_id=item.unit_id)
        item.record("escalated", actor_id=None, now=now, to_owner=manager,
                    reason=_("Förfallotiden har passerats"))
        esc = WorkItem(kind=ESCALATION.code, unit_id=item.unit_id, owner_id=manager,
                       priority=Priority.HIGH.value, status=Status.REQUESTED.value,
                       title=_("Försenat: {title}", title=item.title)[:200], patient_id=item.patient_id,
                       ref_type="work_item", ref_id=item.id, created_at=now, updated_at=now,
                       due_at=now + timedelta(hours=ESCALATION.default_hours[Priority.HIGH]))
        esc.record("created", actor_id=None, now=now, to_status=esc.status)
        session.add(esc)
        session.flush()
        if item.patient_id is not None:
            # A system act on patient data is logged like any other, under the system's name.
            audit.log_system(session, unit_id=item.unit_id, patient_id=item.patient_id,
                             action="create", object_type="work_item", object_id=esc.id,
                             reason=_("Automatisk eskalering"), now=now)
    return len(items)


@periodic("worklist.escalate", every_seconds=300)
def escalate_task(ctx: JobContext) -> None:
    """The periodic job: escalate what is overdue."""
    escalate_overdue(ctx.session)
