"""Pages of the introductions (issue 13 item 4): every newcomer's progress (and its CSV), the
form that starts an introduction, an introduction's page where each task is marked done with a
note. Refused input is shown again with its message and the text kept.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kulisser.access_rights import introduction as intros
from kulisser.access_rights.intro_checklist import OWNER_LABELS, unit_profiles
from kulisser.access_rights.states import PHASE_LABELS, Phase
from kulisser.bounds import Id, parse_id
from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.staff import service as staff
from kulisser.web import csv as csvout
from kulisser.web.deps import Ctx, CurrentCtx, FormStr
from kulisser.web.templating import render
from kulisser.workdays import local_today
from kulisser.worklist.service import TransitionError

router = APIRouter(include_in_schema=False)
BASE = "/behorigheter/introduktion"
CSV_HEADER = [N_("Nyanställd"), N_("Rollprofil"), N_("Första dag"), N_("Handledare"),
              *(PHASE_LABELS[p] for p in Phase), N_("Klara"), N_("Totalt"), N_("Försenade"),
              N_("Klar")]
_ITEM_PAGE = re.compile(r"^/arenden/[0-9]{1,10}$")


def _phases() -> list[tuple[str, str]]:
    return [(p.value, _(PHASE_LABELS[p])) for p in Phase]


@router.get(BASE)
def overview_page(http: Request, ctx: CurrentCtx, alla: str = "") -> Response:
    """Each newcomer's progress: done and total per phase, overdue tasks (ongoing, or all)."""
    rows = intros.overview(ctx.db, actor=ctx.actor, include_done=bool(alla))
    return render(http, "access_rights/intro_overview.html", {
        "nav": "access_rights", "rows": rows, "all": bool(alla), "phases": _phases()})


@router.get(f"{BASE}.csv")
def overview_csv(ctx: CurrentCtx, alla: str = "") -> Response:
    """The overview as CSV (staff data, no patient data)."""
    rows = intros.overview(ctx.db, actor=ctx.actor, include_done=bool(alla))

    def phase(row: intros.Progress, p: Phase) -> str:
        done, total = row.phases.get(p.value, (0, 0))
        return f"{done}/{total}" if total else ""

    lines = [[r.person_name, r.profile_name, r.introduction.start_on.isoformat(), r.mentor_name,
              *(phase(r, p) for p in Phase), r.done, r.total, r.overdue,
              r.introduction.done_at.date().isoformat() if r.introduction.done_at else ""]
             for r in rows]
    return csvout.attachment(csvout.document([_(h) for h in CSV_HEADER], lines),
                             f"kulisser-introduktioner-{local_today().isoformat()}.csv")


def _new_page(http: Request, ctx: Ctx, *, values: dict[str, str] | None = None,
              errors: dict[str, str] | None = None, status: int = 200) -> Response:
    intros.require_staff(ctx.actor, ctx.actor.unit_id)
    profiles = [(str(p.id), p.name) for p in unit_profiles(ctx.db, unit_id=ctx.actor.unit_id)]
    people = [(str(pid), name) for pid, name in intros.candidates(ctx.db, actor=ctx.actor)]
    mentors = [(str(u.id), u.full_name)
               for u in staff.unit_member_names(ctx.db, unit_id=ctx.actor.unit_id)]
    return render(http, "access_rights/intro_new.html", {
        "nav": "access_rights", "values": values or {"start_on": local_today().isoformat()},
        "errors": errors or {}, "profiles": profiles, "people": people, "mentors": mentors},
        status_code=status)


@router.get(f"{BASE}/ny")
def new_page(http: Request, ctx: CurrentCtx, person_id: str = "") -> Response:
    """The form that starts an introduction (secretaries, managers)."""
    values = {"start_on": local_today().isoformat(), "person_id": person_id[:12]}
    return _new_page(http, ctx, values=values)


@router.post(f"{BASE}/ny")
def start(http: Request, *, person_id: FormStr = "", profile_id: FormStr = "",
          start_on: FormStr = "", mentor_id: FormStr = "", ctx: CurrentCtx) -> Response:
    """Start the introduction; on bad input the form again with its messages."""
    values = {"person_id": person_id, "profile_id": profile_id, "start_on": start_on,
              "mentor_id": mentor_id}
    try:
        intro = intros.start_introduction(
            ctx.db, actor=ctx.actor, person_id=parse_id(person_id),
            profile_id=parse_id(profile_id), start_on=start_on, mentor_id=parse_id(mentor_id))
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _new_page(http, ctx, values=values, errors=exc.errors, status=422)
    return RedirectResponse(f"{BASE}/{intro.id}", status_code=303)


def _intro_page(http: Request, ctx: Ctx, introduction_id: int, *,
                errors: dict[int, str] | None = None, typed: dict[int, str] | None = None,
                status: int = 200) -> Response:
    intro = intros.get_introduction(ctx.db, actor=ctx.actor, introduction_id=introduction_id)
    [progress] = intros.describe(ctx.db, [intro], today=local_today())
    # Who has an undone task now is its work item's owner (the worklist may have handed it on).
    owners = {t.id: t.owner_id for t in intro.tasks} | intros.item_owners(ctx.db, intro.tasks)
    names = staff.user_names(ctx.db, {o for o in owners.values() if o}
                             | {t.done_by for t in intro.tasks if t.done_by}
                             | ({intro.started_by} if intro.started_by else set()))
    by_phase: dict[str, list[Any]] = {p.value: [] for p in Phase}
    for task in intro.tasks:
        by_phase.setdefault(task.phase, []).append(task)
    return render(http, "access_rights/intro_page.html", {
        "nav": "access_rights", "intro": intro, "p": progress, "names": names, "phases": _phases(),
        "by_phase": by_phase, "today": local_today(), "errors": errors or {},
        "typed": typed or {}, "owners": owners,
        "may": {t.id: intros.may_complete(ctx.actor, t, item_owner=owners.get(t.id))
                for t in intro.tasks},
        "owner_labels": {k.value: _(v) for k, v in OWNER_LABELS.items()}}, status_code=status)


@router.get(BASE + "/{introduction_id:int}")
def introduction_page(http: Request, introduction_id: Id, ctx: CurrentCtx) -> Response:
    """An introduction: its tasks by phase with due dates, owners, notes and done forms."""
    return _intro_page(http, ctx, introduction_id)


@router.get(BASE + "/uppgifter/{task_id:int}")
def task_page(task_id: Id, ctx: CurrentCtx) -> Response:
    """A task's place on its introduction's page (where the worklist links)."""
    task = intros.get_task(ctx.db, actor=ctx.actor, task_id=task_id)
    return RedirectResponse(f"{BASE}/{task.introduction_id}#uppgift-{task.id}", status_code=303)


@router.post(BASE + "/uppgifter/{task_id:int}/klar")
def complete(http: Request, task_id: Id, *, note: FormStr = "", tillbaka: FormStr = "",
             ctx: CurrentCtx) -> Response:
    """Mark a task done with a note; back to the work item when done from there."""
    try:
        task = intros.complete_task(ctx.db, actor=ctx.actor, task_id=task_id, note=note)
    except (ValidationFailed, TransitionError) as exc:
        ctx.db.rollback()
        message = (exc.errors.get("note", "") if isinstance(exc, ValidationFailed)
                   else exc.message)
        task = intros.get_task(ctx.db, actor=ctx.actor, task_id=task_id)
        return _intro_page(http, ctx, task.introduction_id, errors={task_id: message},
                           typed={task_id: note}, status=422 if isinstance(
                               exc, ValidationFailed) else 409)
    # Only the worklist's own item page is a place to go back to (no open redirect).
    back = tillbaka if _ITEM_PAGE.match(tillbaka) else f"{BASE}/{task.introduction_id}#uppgift-{task.id}"
    return RedirectResponse(back, status_code=303)
