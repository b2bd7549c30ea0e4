"""The work item of an introduction task: `intro-task`, one per task while it is undone, owned
as the checklist says (the manager, the mentor, the newcomer, or the unit's queue), due on the
task's due date. The worklist may take, assign, hand over and start it; it is completed only by
marking the task done with a note (on the introduction's page or the item's own page).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.access_rights.models import Introduction, IntroductionTask
from kulisser.access_rights.states import PHASE_LABELS, Phase
from kulisser.i18n import N_, _
from kulisser.staff.service import Actor
from kulisser.worklist import service as worklist
from kulisser.worklist.service import (
    GENERIC_OPERATIONS,
    Finding,
    KindSpec,
    Priority,
    WorkItem,
    register,
    register_record_page,
)

REF_TYPE = "introduction_task"  # ref_id: the task's id
TZ = ZoneInfo("Europe/Stockholm")
DUE_HOUR = time(16, 0)  # due by the afternoon of the due date, Swedish time
register_record_page(REF_TYPE, label=N_("Introduktionsuppgiften"),
                     path="/behorigheter/introduktion/uppgifter/{id}")


def _load(session: Session, ids: list[int]) -> dict[int, Any]:
    return {t.id: t for t in session.scalars(
        select(IntroductionTask).where(IntroductionTask.id.in_(ids)))}


def _check(session: Session) -> list[Finding]:
    """An undone task has an open item; a done (or removed) task has none."""
    found: list[Finding] = []
    what = _(TASK.label)
    items = worklist.open_items_subquery(ref_type=REF_TYPE, kind=TASK.code)
    undone = session.execute(
        select(IntroductionTask.id, Introduction.unit_id)
        .join(Introduction, Introduction.id == IntroductionTask.introduction_id)
        .outerjoin(items, items.c.ref_id == IntroductionTask.id)
        .where(IntroductionTask.done_at.is_(None), items.c.id.is_(None))
        .order_by(IntroductionTask.id))
    for task_id, unit_id in undone:
        found.append(Finding(unit_id=unit_id, ref_type=REF_TYPE, ref_id=task_id, problem=_(
            "Introduktionsuppgiften väntar på arbete men har inget öppet ärende ”{kind}”.",
            kind=what)))
    stale = session.execute(
        select(WorkItem.ref_id, WorkItem.unit_id)
        .join(items, items.c.id == WorkItem.id)
        .outerjoin(IntroductionTask, IntroductionTask.id == WorkItem.ref_id)
        .where((IntroductionTask.id.is_(None)) | (IntroductionTask.done_at.is_not(None)))
        .order_by(WorkItem.id))
    for task_id, unit_id in stale:
        found.append(Finding(unit_id=unit_id, ref_type=REF_TYPE, ref_id=task_id, problem=_(
            "Ärendet ”{kind}” är öppet fast introduktionsuppgiften är klar.", kind=what)))
    return found


TASK = register(KindSpec(
    code="intro-task", label=N_("Introduktionsuppgift"),
    label_plural=N_("Introduktionsuppgifter"),
    # Not used for the due time (the task's due date is); kept for the rule table.
    default_hours={Priority.ACUTE: 24, Priority.HIGH: 72, Priority.NORMAL: 120, Priority.LOW: 240},
    ref_type=REF_TYPE, detail_template="access_rights/_intro_item.html", load_refs=_load,
    operations=GENERIC_OPERATIONS,
    record_hint=N_("Klarmarkera uppgiften med en anteckning på introduktionens sida."),
    check=_check))


def due_at(day: date) -> datetime:
    """When a task due on ``day`` falls due: the afternoon, Swedish time."""
    return datetime.combine(day, DUE_HOUR, TZ)


def open_for(session: Session, *, actor: Actor, task: IntroductionTask, person_name: str,
             now: datetime) -> WorkItem:
    """Open the task's item in the actor's unit, for its owner (or the queue), due on its day."""
    phase = _(PHASE_LABELS[Phase(task.phase)])
    return worklist.open_item(
        session, actor=actor, kind=TASK.code, ref_type=REF_TYPE, ref_id=task.id,
        title=_("{task} – {person}", task=task.title, person=person_name),
        owner_id=task.owner_id, due_at=due_at(task.due_on), now=now,
        description=_("Introduktion av {person}, {phase} (senast {day}).", person=person_name,
                      phase=phase.lower(), day=task.due_on.isoformat()))


def close_for(session: Session, *, actor_id: int | None, task: IntroductionTask,
              now: datetime) -> None:
    """Complete the task's open items: the task is done."""
    items = worklist.open_items(session, ref_type=REF_TYPE, ref_id=task.id, kind=TASK.code)
    worklist.close_items(session, items=items, actor_id=actor_id, now=now,
                         reason=_("Introduktionsuppgiften är klarmarkerad"))
