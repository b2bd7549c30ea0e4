"""JSON API of the introductions (/api/v1/introductions): the unit's newcomers with their
progress, one introduction with its tasks, starting one, marking a task done with a note.

Secretaries, managers and administrators of the unit start and list; a task's owner and the
mentor mark theirs done too. Bad input is 422 with a Swedish message per field, a task already
done 409, another unit's introduction 404 (logged), a role without the right 403.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, Field

from kulisser.access_rights import introduction as intros
from kulisser.access_rights.models import Introduction, IntroductionTask
from kulisser.access_rights.states import Phase
from kulisser.bounds import Day, Id
from kulisser.web.api import Timestamp, auth_dependencies, error_responses
from kulisser.web.deps import CurrentCtx
from kulisser.workdays import local_today

router = APIRouter(prefix="/api/v1/introductions", tags=["introductions"],
                   responses=error_responses(401), dependencies=auth_dependencies())


class TaskOut(BaseModel):
    """One task of an introduction."""

    id: int
    phase: Phase
    title: str
    owner_id: int | None
    due_on: date
    done_at: Timestamp | None
    done_by: int | None
    note: str
    overdue: bool


class PhaseProgress(BaseModel):
    """Done and total tasks of one phase."""

    done: int
    total: int


class IntroductionOut(BaseModel):
    """A newcomer's introduction with its progress (and, one by one, its tasks)."""

    id: int
    person_id: int
    person_name: str
    profile_id: int | None
    profile_name: str
    start_on: date
    mentor_id: int | None
    started_by: int | None
    started_at: Timestamp
    done_at: Timestamp | None
    done: int
    total: int
    overdue: int
    phases: dict[Phase, PhaseProgress]
    tasks: list[TaskOut] | None = None


class IntroductionIn(BaseModel):
    """Start an introduction at the caller's unit."""

    person_id: Id
    profile_id: Id
    start_on: Day
    mentor_id: Id | None = None


class DoneIn(BaseModel):
    """What was done."""

    note: str = Field(max_length=2000)


def _task(t: IntroductionTask, today: date) -> TaskOut:
    return TaskOut(id=t.id, phase=Phase(t.phase), title=t.title, owner_id=t.owner_id,
                   due_on=t.due_on, done_at=t.done_at, done_by=t.done_by, note=t.note,
                   overdue=t.done_at is None and t.due_on < today)


def _out(row: intros.Progress, *, tasks: bool = False) -> IntroductionOut:
    i, today = row.introduction, local_today()
    return IntroductionOut(
        id=i.id, person_id=i.person_id, person_name=row.person_name, profile_id=i.profile_id,
        profile_name=row.profile_name, start_on=i.start_on, mentor_id=i.mentor_id,
        started_by=i.started_by, started_at=i.started_at, done_at=i.done_at, done=row.done,
        total=row.total, overdue=row.overdue,
        phases={Phase(k): PhaseProgress(done=d, total=n) for k, (d, n) in row.phases.items()},
        tasks=[_task(t, today) for t in i.tasks] if tasks else None)


def _one(ctx: CurrentCtx, intro: Introduction) -> IntroductionOut:
    [row] = intros.describe(ctx.db, [intro], today=local_today())
    return _out(row, tasks=True)


@router.get("", response_model=list[IntroductionOut], responses=error_responses(403),
            summary="The unit's introductions with their progress")
def introductions(ctx: CurrentCtx, include_done: bool = False) -> list[IntroductionOut]:
    """Ongoing introductions of the caller's unit (with `include_done`, all), newest start first."""
    return [_out(r) for r in intros.overview(ctx.db, actor=ctx.actor, include_done=include_done)]


@router.post("", response_model=IntroductionOut, status_code=201,
             responses=error_responses(403, 404, 422), summary="Start an introduction")
def start(body: IntroductionIn, ctx: CurrentCtx) -> IntroductionOut:
    """Every checklist task of the profile becomes a task and a work item, due from `start_on`."""
    intro = intros.start_introduction(ctx.db, actor=ctx.actor, person_id=body.person_id,
                                      profile_id=body.profile_id, start_on=body.start_on,
                                      mentor_id=body.mentor_id)
    return _one(ctx, intro)


@router.get("/{introduction_id}", response_model=IntroductionOut,
            responses=error_responses(404), summary="One introduction with its tasks")
def introduction(introduction_id: Id, ctx: CurrentCtx) -> IntroductionOut:
    """The introduction, its progress and every task."""
    return _one(ctx, intros.get_introduction(ctx.db, actor=ctx.actor,
                                             introduction_id=introduction_id))


@router.post("/tasks/{task_id}/complete", response_model=IntroductionOut,
             responses=error_responses(403, 404, 409, 422), summary="Mark a task done")
def complete(task_id: Id, body: DoneIn, ctx: CurrentCtx) -> IntroductionOut:
    """The task is done with the note; its work item closes; the last one ends the introduction."""
    task = intros.complete_task(ctx.db, actor=ctx.actor, task_id=task_id, note=body.note)
    return _one(ctx, task.introduction)
