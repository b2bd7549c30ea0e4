"""Introductions of newcomers (issue 13 item 4): started from a start date by a role profile's
checklist, each task a work item with an owner and a due date, each done with a note; the
introduction is done when every task is. The unit's manager follows every newcomer's progress.

Who may: the unit's secretaries, managers and administrators start introductions and mark any
task done; a task's owner and the introduction's mentor mark theirs; everyone else is refused.
Who did what and when is on the rows (started_by/at, done_by/at with the note).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulisser.access_rights import intro_items
from kulisser.access_rights.intro_checklist import (
    OwnerKind,
    checklist,
    due_on,
    get_profile,
)
from kulisser.access_rights.models import Introduction, IntroductionTask, RoleProfile
from kulisser.access_rights.service import require_member
from kulisser.access_rights.states import Phase
from kulisser.audit import service as audit
from kulisser.bounds import FIRST_DAY, LAST_DAY, in_range
from kulisser.db import utcnow
from kulisser.errors import Forbidden, NotFound, ValidationFailed
from kulisser.i18n import N_, _
from kulisser.staff import service as staff
from kulisser.staff.service import Actor, Role, StaffPerson
from kulisser.workdays import local_today, parse_day
from kulisser.worklist import service as worklist
from kulisser.worklist.service import TransitionError

NO_INTRODUCTION = N_("Introduktionen finns inte.")
NO_TASK = N_("Introduktionsuppgiften finns inte.")
STAFF_ONLY = N_("Endast enhetens sekreterare och enhetschef får starta introduktioner.")
NOT_YOURS = N_("Uppgiften är inte din: den klarmarkeras av sin ansvariga, handledaren, "
               "en sekreterare eller enhetschefen.")
NOTE_MAX = 2000
_STAFF_ROLES = (Role.SECRETARY, Role.MANAGER, Role.ADMIN)


def require_staff(actor: Actor, unit_id: int) -> None:
    """Forbidden unless the actor is a secretary, manager or administrator of the unit."""
    require_member(actor, unit_id)
    if actor.role not in _STAFF_ROLES:
        raise Forbidden(STAFF_ONLY)


def _unit_manager(session: Session, unit_id: int) -> int | None:
    managers = [u for u in staff.unit_members(session, unit_id=unit_id)
                if u.role == Role.MANAGER.value]
    return min(managers, key=lambda u: (u.full_name, u.id)).id if managers else None


def owner_for(kind: str, *, manager_id: int | None, mentor_id: int | None,
              newcomer_id: int | None) -> int | None:
    """The user who gets a task of the owner kind (None: the unit's queue)."""
    match kind:
        case OwnerKind.MANAGER:
            return manager_id
        case OwnerKind.MENTOR:
            return mentor_id
        case OwnerKind.NEWCOMER:
            return newcomer_id if newcomer_id is not None else mentor_id
    return None


def _start_errors(session: Session, *, actor: Actor, person_id: int | None,
                  profile_id: int | None, start_on: str | date | None,
                  mentor_id: int | None) -> tuple[dict[str, str], date | None, list[int]]:
    errors: dict[str, str] = {}
    start = parse_day(start_on, "start_on", errors)
    if start is None and "start_on" not in errors:
        errors["start_on"] = _("Ange första arbetsdagen.")
    elif start is not None and not in_range(start):
        # Due dates are counted from it: a day near year 1 or 9999 would overflow the calendar.
        errors["start_on"] = _("Ange ett datum mellan {first} och {last}.",
                               first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat())
        start = None
    if person_id is None:
        errors["person_id"] = _("Välj den nyanställda i personalregistret.")
    if profile_id is None:
        errors["profile_id"] = _("Välj rollprofil.")
    members = [u.id for u in staff.unit_members(session, unit_id=actor.unit_id)]
    if mentor_id is not None and mentor_id not in members:
        errors["mentor_id"] = _("Handledaren ska vara en användare på enheten.")
    return errors, start, members


def start_introduction(session: Session, *, actor: Actor, person_id: int | None,
                       profile_id: int | None, start_on: str | date | None,
                       mentor_id: int | None = None, now: datetime | None = None) -> Introduction:
    """Start a newcomer's introduction at the actor's unit: every checklist task of the profile
    becomes a task with its due date from the start date, its owner and its open work item."""
    now = now or utcnow()
    require_staff(actor, actor.unit_id)
    errors, start, members = _start_errors(session, actor=actor, person_id=person_id,
                                           profile_id=profile_id, start_on=start_on,
                                           mentor_id=mentor_id)
    template = []
    if profile_id is not None:
        profile = get_profile(session, actor=actor, profile_id=profile_id)
        template = checklist(session, profile_id=profile.id)
        if profile.unit_id != actor.unit_id or not profile.active:
            errors["profile_id"] = _("Välj en aktiv rollprofil på din enhet.")
        elif not template:
            errors["profile_id"] = _("Rollprofilen har ingen introduktionschecklista ännu.")
    person = None
    if person_id is not None:
        person = staff.get_person(session, actor=actor, person_id=person_id)
        if session.scalar(select(Introduction.id).where(
                Introduction.person_id == person.id, Introduction.unit_id == actor.unit_id,
                Introduction.done_at.is_(None))) is not None:
            errors["person_id"] = _("Personen har redan en pågående introduktion på enheten.")
    if errors:
        raise ValidationFailed(errors)
    assert person is not None and start is not None and profile_id is not None
    # The newcomer's own login gets their tasks only once it works at the unit (the assignment
    # begins on the start date); until then the mentor does.
    newcomer = person.user_id if person.user_id in members else None
    manager = _unit_manager(session, actor.unit_id)
    intro = Introduction(unit_id=actor.unit_id, person_id=person.id, profile_id=profile_id,
                         start_on=start, mentor_id=mentor_id, started_by=actor.user_id,
                         started_at=now)
    intro.tasks = [IntroductionTask(
        phase=t.phase, title=t.title, due_on=due_on(start, t.phase),
        owner_id=owner_for(t.owner, manager_id=manager, mentor_id=mentor_id, newcomer_id=newcomer))
        for t in template]
    session.add(intro)
    session.flush()
    for task in intro.tasks:
        intro_items.open_for(session, actor=actor, task=task, person_name=person.full_name,
                             now=now)
    return intro


def get_introduction(session: Session, *, actor: Actor, introduction_id: int,
                     action: str = "read") -> Introduction:
    """One introduction with its tasks; another unit's is not found (and the refusal logged)."""
    intro = session.scalar(select(Introduction).where(Introduction.id == introduction_id)
                           .options(selectinload(Introduction.tasks)))
    if intro is None:
        raise NotFound(NO_INTRODUCTION)
    audit.require_unit(actor=actor, object_type="introduction", object_id=intro.id,
                       unit_id=intro.unit_id, hidden=_(NO_INTRODUCTION), action=action)
    return intro


def get_task(session: Session, *, actor: Actor, task_id: int,
             action: str = "read") -> IntroductionTask:
    """One task of an introduction of the actor's units (another unit's: not found, logged)."""
    task = session.get(IntroductionTask, task_id)
    if task is None:
        raise NotFound(NO_TASK)
    intro = task.introduction
    audit.require_unit(actor=actor, object_type="introduction", object_id=intro.id,
                       unit_id=intro.unit_id, hidden=_(NO_TASK), action=action)
    return task


def may_complete(actor: Actor, task: IntroductionTask, *, item_owner: int | None = None) -> bool:
    """Whether the actor may mark the task done: staff of the unit, the task's owner, the
    mentor, or whoever its work item has been handed to (`item_owner`)."""
    return (actor.role in _STAFF_ROLES
            or actor.user_id in (task.owner_id, task.introduction.mentor_id)
            or (item_owner is not None and actor.user_id == item_owner))


def item_owners(session: Session, tasks: list[IntroductionTask]) -> dict[int, int | None]:
    """The owner of each undone task's open work item now (the worklist may have moved it)."""
    found = worklist.open_items_for(session, ref_type=intro_items.REF_TYPE,
                                    ref_ids=[t.id for t in tasks if t.done_at is None],
                                    kind=intro_items.TASK.code)
    return {task_id: items[0].owner_id for task_id, items in found.items() if items}


def complete_task(session: Session, *, actor: Actor, task_id: int, note: str,
                  now: datetime | None = None) -> IntroductionTask:
    """Mark a task done with a note; its work item closes, and with the last task the
    introduction is done."""
    now = now or utcnow()
    task = get_task(session, actor=actor, task_id=task_id, action="update")
    if not may_complete(actor, task, item_owner=item_owners(session, [task]).get(task.id)):
        raise Forbidden(NOT_YOURS)
    if task.done_at is not None:
        raise TransitionError(_("Uppgiften är redan klarmarkerad."), code="already_done")
    note = note.strip()
    if not note:
        raise ValidationFailed({"note": _("Skriv en anteckning om vad som gjorts.")})
    if len(note) > NOTE_MAX:
        raise ValidationFailed({"note": _("Anteckningen får vara högst {n} tecken.", n=NOTE_MAX)})
    task.done_at, task.done_by, task.note = now, actor.user_id, note
    intro_items.close_for(session, actor_id=actor.user_id, task=task, now=now)
    intro = task.introduction
    if all(t.done_at is not None for t in intro.tasks):
        intro.done_at = now
    session.flush()
    return task


@dataclass
class Progress:
    """One newcomer's introduction as the overview shows it."""

    introduction: Introduction
    person_name: str
    profile_name: str
    mentor_name: str
    # Per phase (in order): (done, total); phases without tasks are left out.
    phases: dict[str, tuple[int, int]] = field(default_factory=dict)
    done: int = 0
    total: int = 0
    overdue: int = 0


def progress_of(intro: Introduction, *, today: date) -> Progress:
    """Done and total per phase, and how many undone tasks are past their due date."""
    row = Progress(introduction=intro, person_name="", profile_name="", mentor_name="")
    for phase in Phase:
        tasks = [t for t in intro.tasks if t.phase == phase.value]
        if tasks:
            row.phases[phase.value] = (sum(t.done_at is not None for t in tasks), len(tasks))
    row.done = sum(t.done_at is not None for t in intro.tasks)
    row.total = len(intro.tasks)
    row.overdue = sum(t.done_at is None and t.due_on < today for t in intro.tasks)
    return row


def overview(session: Session, *, actor: Actor, include_done: bool = False,
             now: datetime | None = None) -> list[Progress]:
    """The introductions of the actor's current unit (ongoing, or all), by start date."""
    require_staff(actor, actor.unit_id)
    stmt = (select(Introduction).where(Introduction.unit_id == actor.unit_id)
            .options(selectinload(Introduction.tasks))
            .order_by(Introduction.start_on.desc(), Introduction.id.desc()))
    if not include_done:
        stmt = stmt.where(Introduction.done_at.is_(None))
    intros = list(session.scalars(stmt))
    return describe(session, intros, today=local_today(now))


def describe(session: Session, intros: list[Introduction], *, today: date) -> list[Progress]:
    """Each introduction's progress with the names of its newcomer, profile and mentor."""
    people = dict(session.execute(select(StaffPerson.id, StaffPerson.full_name).where(
        StaffPerson.id.in_({i.person_id for i in intros}))).tuples().all()) if intros else {}
    profiles = dict(session.execute(select(RoleProfile.id, RoleProfile.name).where(
        RoleProfile.id.in_({i.profile_id for i in intros if i.profile_id}))).tuples().all()
        ) if intros else {}
    mentors = staff.user_names(session, {i.mentor_id for i in intros if i.mentor_id})
    rows = []
    for intro in intros:
        row = progress_of(intro, today=today)
        row.person_name = people.get(intro.person_id, "")
        row.profile_name = profiles.get(intro.profile_id or 0, "")
        row.mentor_name = mentors.get(intro.mentor_id or 0, "")
        rows.append(row)
    return rows


def candidates(session: Session, *, actor: Actor) -> list[tuple[int, str]]:
    """(id, name) of the register's people a newcomer at the actor's unit may be: those with an
    assignment at the unit (from any day) and those without any assignment yet."""
    at_unit = select(staff.StaffAssignment.person_id).where(
        staff.StaffAssignment.unit_id == actor.unit_id)
    anywhere = select(staff.StaffAssignment.person_id)
    rows = session.execute(
        select(StaffPerson.id, StaffPerson.full_name, StaffPerson.hsa_id)
        .where(StaffPerson.id.in_(at_unit) | StaffPerson.id.not_in(anywhere))
        .order_by(StaffPerson.full_name, StaffPerson.id)).tuples().all()
    return [(pid, f"{name} ({hsa})") for pid, name, hsa in rows]
