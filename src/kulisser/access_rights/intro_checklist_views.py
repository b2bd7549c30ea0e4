"""The manager's pages for the introduction checklists: the unit's role profiles with the size of
their checklists, and one profile's checklist to edit (add, change, remove, move; the default
checklist offered while it has none)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kulisser.access_rights import intro_checklist as checklists
from kulisser.access_rights.intro_checklist import DEFAULT_CHECKLIST, OWNER_LABELS, OwnerKind
from kulisser.access_rights.service import is_manager_of, require_manager
from kulisser.access_rights.states import PHASE_LABELS, Phase
from kulisser.bounds import Id
from kulisser.errors import ValidationFailed
from kulisser.i18n import _
from kulisser.web.deps import Ctx, CurrentCtx, FormStr
from kulisser.web.templating import render

router = APIRouter(include_in_schema=False)
BASE = "/behorigheter/introduktion/checklistor"


@router.get(BASE)
def profiles_page(http: Request, ctx: CurrentCtx) -> Response:
    """The unit's role profiles and how many checklist tasks each has."""
    require_manager(ctx.actor, ctx.actor.unit_id)
    profiles = checklists.unit_profiles(ctx.db, unit_id=ctx.actor.unit_id, active_only=False)
    counts = checklists.counts_by_profile(ctx.db, profile_ids=[p.id for p in profiles])
    return render(http, "access_rights/intro_profiles.html", {
        "nav": "access_rights", "profiles": profiles, "counts": counts})


def _page(http: Request, ctx: Ctx, profile_id: int, *, errors: dict[str, str] | None = None,
          values: dict[str, str] | None = None, form: str = "", status: int = 200) -> Response:
    profile = checklists.get_profile(ctx.db, actor=ctx.actor, profile_id=profile_id)
    require_manager(ctx.actor, profile.unit_id)
    tasks = checklists.checklist(ctx.db, profile_id=profile.id)
    return render(http, "access_rights/intro_checklist.html", {
        "nav": "access_rights", "profile": profile, "tasks": tasks, "errors": errors or {},
        "values": values or {}, "form": form,
        "phases": [(p.value, _(PHASE_LABELS[p])) for p in Phase],
        "phase_labels": {p.value: _(PHASE_LABELS[p]) for p in Phase},
        "owners": [(o.value, _(OWNER_LABELS[o])) for o in OwnerKind],
        "owner_labels": {o.value: _(OWNER_LABELS[o]) for o in OwnerKind},
        "default": [(_(PHASE_LABELS[p]), _(t), _(OWNER_LABELS[o])) for p, t, o in DEFAULT_CHECKLIST],
        "is_manager": is_manager_of(ctx.actor, profile.unit_id)}, status_code=status)


def _back(profile_id: int, anchor: str = "") -> Response:
    return RedirectResponse(f"{BASE}/{profile_id}{anchor}", status_code=303)


@router.get(BASE + "/{profile_id:int}")
def checklist_page(http: Request, profile_id: Id, ctx: CurrentCtx) -> Response:
    """One profile's checklist by phase, each task with its edit, move and remove forms."""
    return _page(http, ctx, profile_id)


@router.post(BASE + "/{profile_id:int}")
def add_task(http: Request, profile_id: Id, *, phase: FormStr = "", title: FormStr = "",
             owner: FormStr = "", ctx: CurrentCtx) -> Response:
    """Add a task at the end of its phase."""
    try:
        checklists.add_template_task(ctx.db, actor=ctx.actor, profile_id=profile_id, phase=phase,
                                     title=title, owner=owner)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _page(http, ctx, profile_id, errors=exc.errors, form="new", status=422,
                     values={"phase": phase, "title": title, "owner": owner})
    return _back(profile_id, "#ny-uppgift")


@router.post(BASE + "/{profile_id:int}/standard")
def add_default(http: Request, profile_id: Id, *, ctx: CurrentCtx) -> Response:
    """Give a profile without a checklist the default checklist."""
    try:
        checklists.add_default_checklist(ctx.db, actor=ctx.actor, profile_id=profile_id)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _page(http, ctx, profile_id, errors=exc.errors, form="default", status=422)
    return _back(profile_id)


@router.post(BASE + "/uppgifter/{task_id:int}")
def change_task(http: Request, task_id: Id, *, phase: FormStr = "", title: FormStr = "",
                owner: FormStr = "", ctx: CurrentCtx) -> Response:
    """Change a task's phase, text or owner."""
    try:
        task = checklists.update_template_task(ctx.db, actor=ctx.actor, task_id=task_id,
                                               phase=phase, title=title, owner=owner)
    except ValidationFailed as exc:
        ctx.db.rollback()
        profile_id = checklists.template_task(ctx.db, actor=ctx.actor, task_id=task_id).profile_id
        return _page(http, ctx, profile_id, errors=exc.errors, form=f"task-{task_id}", status=422,
                     values={"phase": phase, "title": title, "owner": owner})
    return _back(task.profile_id, f"#mall-{task.id}")


@router.post(BASE + "/uppgifter/{task_id:int}/flytta")
def move_task(task_id: Id, *, direction: FormStr = "", ctx: CurrentCtx) -> Response:
    """Move a task one step up or down within its phase."""
    task = checklists.move_template_task(ctx.db, actor=ctx.actor, task_id=task_id,
                                         direction=direction)
    return _back(task.profile_id, f"#mall-{task.id}")


@router.post(BASE + "/uppgifter/{task_id:int}/ta-bort")
def remove_task(task_id: Id, *, ctx: CurrentCtx) -> Response:
    """Remove a task from the checklist (started introductions keep theirs)."""
    profile_id = checklists.remove_template_task(ctx.db, actor=ctx.actor, task_id=task_id)
    return _back(profile_id)
