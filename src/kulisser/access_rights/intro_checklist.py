"""Introduction checklist templates (issue 13 item 4): per role profile, the tasks of the phases
before the first day, the first day, the first week and the first month, each with who does it.
The unit's manager edits them (add, change, remove, move up and down); a profile without any is
offered a default checklist. The due date of each phase from a start date is here too (pure).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser.access_rights.models import IntroTemplateTask, RoleProfile
from kulisser.access_rights.service import require_manager
from kulisser.access_rights.states import Phase
from kulisser.audit import service as audit
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import N_, _
from kulisser.staff.service import Actor
from kulisser.workdays import add_working_days, deadline_day, is_working_day

NO_PROFILE = N_("Rollprofilen finns inte.")
NO_TEMPLATE_TASK = N_("Uppgiften finns inte i checklistan.")
PHASE_ORDER = {phase: n for n, phase in enumerate(Phase)}
TITLE_MAX = 200


class OwnerKind(StrEnum):
    """Who does a checklist task: the owner of its work item once an introduction starts."""

    MANAGER = "manager"  # the unit's manager
    SECRETARY = "secretary"  # unassigned, in the unit's queue
    MENTOR = "mentor"  # the introduction's mentor (handledare)
    NEWCOMER = "newcomer"  # the newcomer's login when they have one, else the mentor


OWNER_LABELS = {OwnerKind.MANAGER: N_("Enhetschef"),
                OwnerKind.SECRETARY: N_("Sekreterare (enhetens kö)"),
                OwnerKind.MENTOR: N_("Handledare"), OwnerKind.NEWCOMER: N_("Den nyanställda")}

# Offered to a profile that has no checklist yet: (phase, title, who does it).
DEFAULT_CHECKLIST: tuple[tuple[Phase, str, OwnerKind], ...] = (
    (Phase.BEFORE, N_("Beställ behörigheter"), OwnerKind.SECRETARY),
    (Phase.BEFORE, N_("Förbered arbetsplats"), OwnerKind.SECRETARY),
    (Phase.BEFORE, N_("Utse handledare"), OwnerKind.MANAGER),
    (Phase.FIRST_DAY, N_("Välkomstsamtal"), OwnerKind.MANAGER),
    (Phase.FIRST_DAY, N_("Genomgång av brandskydd och larm"), OwnerKind.MENTOR),
    (Phase.FIRST_DAY, N_("Utdelning av SITHS-kort"), OwnerKind.SECRETARY),
    (Phase.FIRST_WEEK, N_("Genomgång av journalsystemet"), OwnerKind.MENTOR),
    (Phase.FIRST_WEEK, N_("Sekretess och PDL: loggkontroll och behörigheter"), OwnerKind.NEWCOMER),
    (Phase.FIRST_MONTH, N_("Uppföljningssamtal"), OwnerKind.MANAGER),
)


def _one_month_after(day: date) -> date:
    # 31 January + one month is the last day of February, not 3 March.
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_on(start: date, phase: Phase | str) -> date:
    """A phase's due date from the start date: before, the last working day before the start;
    the first day, the start; the first week, the start + 4 working days; the first month, one
    month after the start, moved forward to a working day."""
    match Phase(phase):
        case Phase.BEFORE:
            day = start - timedelta(days=1)
            while not is_working_day(day):
                day -= timedelta(days=1)
            return day
        case Phase.FIRST_DAY:
            return start
        case Phase.FIRST_WEEK:
            return add_working_days(start, 4)
        case Phase.FIRST_MONTH:
            return deadline_day(_one_month_after(start))
    raise AssertionError(phase)  # pragma: no cover - every phase is matched above


def get_profile(session: Session, *, actor: Actor, profile_id: int,
                action: str = "read") -> RoleProfile:
    """A role profile of one of the actor's units; another unit's is not found (and logged)."""
    profile = session.get(RoleProfile, profile_id)
    if profile is None:
        raise NotFound(NO_PROFILE)
    audit.require_unit(actor=actor, object_type="role_profile", object_id=profile.id,
                       unit_id=profile.unit_id, hidden=_(NO_PROFILE), action=action)
    return profile


def unit_profiles(session: Session, *, unit_id: int, active_only: bool = True) -> list[RoleProfile]:
    """The unit's role profiles, by name."""
    stmt = select(RoleProfile).where(RoleProfile.unit_id == unit_id)
    if active_only:
        stmt = stmt.where(RoleProfile.active.is_(True))
    return list(session.scalars(stmt.order_by(RoleProfile.name)))


def checklist(session: Session, *, profile_id: int) -> list[IntroTemplateTask]:
    """A profile's checklist in phase order, then by position."""
    rows = session.scalars(select(IntroTemplateTask)
                           .where(IntroTemplateTask.profile_id == profile_id))
    return sorted(rows, key=lambda t: (PHASE_ORDER.get(Phase(t.phase), 9), t.position, t.id))


def counts_by_profile(session: Session, *, profile_ids: list[int]) -> dict[int, int]:
    """How many checklist tasks each profile has."""
    if not profile_ids:
        return {}
    return dict(session.execute(
        select(IntroTemplateTask.profile_id, func.count()).where(
            IntroTemplateTask.profile_id.in_(profile_ids))
        .group_by(IntroTemplateTask.profile_id)).tuples().all())


def _values(phase: str, title: str, owner: str) -> tuple[str, str, str]:
    errors: dict[str, str] = {}
    title = " ".join(title.split())
    if phase not in {p.value for p in Phase}:
        errors["phase"] = _("Välj när uppgiften ska göras.")
    if not title:
        errors["title"] = _("Skriv uppgiften.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("Uppgiften får vara högst {n} tecken.", n=TITLE_MAX)
    if owner not in {o.value for o in OwnerKind}:
        errors["owner"] = _("Välj vem som gör uppgiften.")
    if errors:
        raise ValidationFailed(errors)
    return phase, title, owner


def _next_position(session: Session, profile_id: int, phase: str) -> int:
    last = session.scalar(select(func.max(IntroTemplateTask.position)).where(
        IntroTemplateTask.profile_id == profile_id, IntroTemplateTask.phase == phase))
    return 0 if last is None else last + 1


def add_template_task(session: Session, *, actor: Actor, profile_id: int, phase: str, title: str,
                      owner: str) -> IntroTemplateTask:
    """Add a task at the end of its phase in a profile's checklist (the unit's manager)."""
    profile = get_profile(session, actor=actor, profile_id=profile_id, action="update")
    require_manager(actor, profile.unit_id)
    phase, title, owner = _values(phase, title, owner)
    task = IntroTemplateTask(profile_id=profile.id, phase=phase, title=title, owner=owner,
                             position=_next_position(session, profile.id, phase))
    session.add(task)
    session.flush()
    return task


def template_task(session: Session, *, actor: Actor, task_id: int) -> IntroTemplateTask:
    """A checklist task of a profile the actor manages (another unit's: not found, logged)."""
    task = session.get(IntroTemplateTask, task_id)
    if task is None:
        raise NotFound(NO_TEMPLATE_TASK)
    profile = get_profile(session, actor=actor, profile_id=task.profile_id, action="update")
    require_manager(actor, profile.unit_id)
    return task


def update_template_task(session: Session, *, actor: Actor, task_id: int, phase: str, title: str,
                         owner: str) -> IntroTemplateTask:
    """Change a checklist task; moved to another phase, it goes to that phase's end."""
    task = template_task(session, actor=actor, task_id=task_id)
    phase, title, owner = _values(phase, title, owner)
    if phase != task.phase:
        task.position = _next_position(session, task.profile_id, phase)
    task.phase, task.title, task.owner = phase, title, owner
    session.flush()
    return task


def remove_template_task(session: Session, *, actor: Actor, task_id: int) -> int:
    """Remove a task from the checklist (introductions already started keep theirs); its profile."""
    task = template_task(session, actor=actor, task_id=task_id)
    profile_id = task.profile_id
    session.delete(task)
    session.flush()
    return profile_id


def move_template_task(session: Session, *, actor: Actor, task_id: int,
                       direction: str) -> IntroTemplateTask:
    """Move a task one step up or down within its phase."""
    task = template_task(session, actor=actor, task_id=task_id)
    if direction not in ("up", "down"):
        raise ValidationFailed({"direction": _("Välj upp eller ned.")})
    same_phase = [t for t in checklist(session, profile_id=task.profile_id) if t.phase == task.phase]
    # Positions may have gaps or ties after edits: number the phase afresh, then swap.
    for n, t in enumerate(same_phase):
        t.position = n
    at = same_phase.index(task)
    other = at - 1 if direction == "up" else at + 1
    if 0 <= other < len(same_phase):
        neighbour = same_phase[other]
        task.position, neighbour.position = neighbour.position, task.position
    session.flush()
    return task


def add_default_checklist(session: Session, *, actor: Actor,
                          profile_id: int) -> list[IntroTemplateTask]:
    """Give a profile without a checklist the default one (the manager edits it afterwards)."""
    profile = get_profile(session, actor=actor, profile_id=profile_id, action="update")
    require_manager(actor, profile.unit_id)
    if checklist(session, profile_id=profile.id):
        raise ValidationFailed({"profile_id": _("Profilen har redan en checklista.")})
    positions: dict[Phase, int] = {}
    for phase, title, owner in DEFAULT_CHECKLIST:
        positions[phase] = positions.get(phase, -1) + 1
        session.add(IntroTemplateTask(profile_id=profile.id, phase=phase.value, title=_(title),
                                      owner=owner.value, position=positions[phase]))
    session.flush()
    return checklist(session, profile_id=profile.id)
