"""Pages of the catalogue: the unit's systems, its role profiles (list, CSV, one profile with
its systems and needs-and-risk analyses), the analyses due for review, an analysis' file.

Everyone at the unit reads; managers and administrators change. Refused input is shown
again with its message and what was typed kept.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from kulisser.access_rights import catalogue, catalogue_history, catalogue_systems
from kulisser.access_rights import service as access
from kulisser.access_rights.analysis_files import FIELD as FILE_FIELD
from kulisser.access_rights.analysis_files import MAX_BYTES, MB, AnalysisStore, StagedFile, media_type
from kulisser.bounds import Id, parse_id
from kulisser.config import Settings
from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.staff import service as staff
from kulisser.web import csv as csvout
from kulisser.web.deps import AppSettings, Ctx, CurrentCtx, FormStr, RequestForm
from kulisser.web.templating import render

router = APIRouter(include_in_schema=False)
NAV = "access_rights"
PROFILES_CSV = [N_("Rollprofil"), N_("Aktiv"), N_("Roll i Kulisser"), N_("System"),
                N_("Analysens läge"), N_("Analys gjord"), N_("Nästa uppföljning")]
SYSTEMS_CSV = [N_("Ordning"), N_("System"), N_("Utförs av"), N_("Uppgiftens rubrik"), N_("Aktivt")]


def _roles() -> list[tuple[str, str]]:
    return [(r.value, _(label)) for r, label in staff.ROLE_LABELS.items()]


def _state_labels() -> dict[str, str]:
    return {k: _(v) for k, v in catalogue.STATE_LABELS.items()}


# -- systems --------------------------------------------------------------------------------

def _systems_page(http: Request, ctx: Ctx, *, values: dict[str, str] | None = None,
                  errors: dict[str, str] | None = None, form: str = "",
                  status: int = 200) -> Response:
    unit_id = ctx.actor.unit_id
    return render(http, "access_rights/catalogue_systems.html", {
        "nav": NAV, "systems": catalogue_systems.systems(ctx.db, actor=ctx.actor, unit_id=unit_id),
        "can_edit": access.is_manager_of(ctx.actor, unit_id), "values": values or {},
        "errors": errors or {}, "form": form}, status_code=status)


@router.get("/behorigheter/system")
def systems_page(http: Request, ctx: CurrentCtx) -> Response:
    """The unit's systems catalogue, in order; managers add, rename, deactivate and reorder."""
    return _systems_page(http, ctx)


@router.get("/behorigheter/system.csv")
def systems_csv(ctx: CurrentCtx) -> Response:
    """The unit's systems as CSV."""
    rows = [[i + 1, s.name, s.carried_by, s.task_label, _("Ja") if s.active else _("Nej")]
            for i, s in enumerate(catalogue_systems.systems(ctx.db, actor=ctx.actor,
                                                    unit_id=ctx.actor.unit_id))]
    return csvout.attachment(csvout.document([_(h) for h in SYSTEMS_CSV], rows),
                             "kulisser-system.csv")


@router.post("/behorigheter/system")
def add_system(http: Request, *, name: FormStr = "", carried_by: FormStr = "",
               task_label: FormStr = "", ctx: CurrentCtx) -> Response:
    """Add a system last in the catalogue."""
    values = {"name": name, "carried_by": carried_by, "task_label": task_label}
    try:
        catalogue_systems.add_system(ctx.db, actor=ctx.actor, unit_id=ctx.actor.unit_id, **values)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _systems_page(http, ctx, values=values, errors=exc.errors, form="new", status=422)
    return RedirectResponse("/behorigheter/system", status_code=303)


@router.post("/behorigheter/system/{system_id}")
def update_system(http: Request, system_id: Id, *, name: FormStr = "", carried_by: FormStr = "",
                  task_label: FormStr = "", ctx: CurrentCtx) -> Response:
    """Rename a system or change who carries out its tasks."""
    values = {"name": name, "carried_by": carried_by, "task_label": task_label}
    try:
        catalogue_systems.update_system(ctx.db, actor=ctx.actor, system_id=system_id, **values)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _systems_page(http, ctx, values=values, errors=exc.errors,
                             form=str(system_id), status=422)
    return RedirectResponse(f"/behorigheter/system#s{system_id}", status_code=303)


@router.post("/behorigheter/system/{system_id}/aktiv")
def system_active(system_id: Id, *, active: FormStr = "", ctx: CurrentCtx) -> Response:
    """Deactivate a system ("0") or take it back into use ("1")."""
    catalogue_systems.set_system_active(ctx.db, actor=ctx.actor, system_id=system_id, active=active == "1")
    return RedirectResponse(f"/behorigheter/system#s{system_id}", status_code=303)


@router.post("/behorigheter/system/{system_id}/flytta")
def move_system(system_id: Id, *, direction: FormStr = "", ctx: CurrentCtx) -> Response:
    """Move a system one place up ("up") or down (anything else)."""
    catalogue_systems.move_system(ctx.db, actor=ctx.actor, system_id=system_id, up=direction == "up")
    return RedirectResponse(f"/behorigheter/system#s{system_id}", status_code=303)


# -- profiles -------------------------------------------------------------------------------

def _profiles_page(http: Request, ctx: Ctx, *, values: dict[str, str] | None = None,
                   errors: dict[str, str] | None = None, status: int = 200) -> Response:
    unit_id = ctx.actor.unit_id
    today = staff.local_today()
    rows = [catalogue.standing(p, on=today)
            for p in catalogue.profiles(ctx.db, actor=ctx.actor, unit_id=unit_id)]
    return render(http, "access_rights/catalogue_profiles.html", {
        "nav": NAV, "rows": rows, "today": today, "states": _state_labels(),
        "can_edit": access.is_manager_of(ctx.actor, unit_id), "roles": _roles(),
        "role_labels": dict(_roles()), "values": values or {}, "errors": errors or {}},
        status_code=status)


@router.get("/behorigheter/profiler")
def profiles_page(http: Request, ctx: CurrentCtx) -> Response:
    """The unit's role profiles with where each one's analysis stands."""
    return _profiles_page(http, ctx)


@router.get("/behorigheter/profiler.csv")
def profiles_csv(ctx: CurrentCtx) -> Response:
    """The unit's role profiles as CSV."""
    today = staff.local_today()
    rows = [catalogue.standing(p, on=today)
            for p in catalogue.profiles(ctx.db, actor=ctx.actor, unit_id=ctx.actor.unit_id)]
    return _standing_csv(rows, "kulisser-rollprofiler.csv")


def _standing_csv(rows: list[catalogue.Standing], filename: str) -> Response:
    roles, states = dict(_roles()), _state_labels()
    lines = []
    for r in rows:
        analysis = r.current or r.newest
        lines.append([
            r.profile.name, _("Ja") if r.profile.active else _("Nej"),
            roles.get(r.profile.kulisser_role, ""),
            ", ".join(f"{line.system.name}: {line.access_profile}".rstrip(": ")
                      for line in r.profile.systems),
            states[r.state], analysis.made_on.isoformat() if analysis else "",
            r.next_review.isoformat() if r.next_review else ""])
    return csvout.attachment(csvout.document([_(h) for h in PROFILES_CSV], lines), filename)


@router.post("/behorigheter/profiler")
def create_profile(http: Request, *, name: FormStr = "", kulisser_role: FormStr = "",
                   description: FormStr = "", ctx: CurrentCtx) -> Response:
    """A new role profile; its systems and analysis are added on its page."""
    values = {"name": name, "kulisser_role": kulisser_role, "description": description}
    try:
        profile = catalogue.create_profile(ctx.db, actor=ctx.actor, unit_id=ctx.actor.unit_id,
                                           name=name, kulisser_role=kulisser_role,
                                           description=description)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _profiles_page(http, ctx, values=values, errors=exc.errors, status=422)
    return RedirectResponse(f"/behorigheter/profiler/{profile.id}", status_code=303)


@router.get("/behorigheter/profiler/analyser")
def due_page(http: Request, ctx: CurrentCtx) -> Response:
    """The manager's list: profiles whose analysis is missing, past or due within 30 days."""
    today = staff.local_today()
    rows = catalogue.due_for_review(ctx.db, actor=ctx.actor, unit_id=ctx.actor.unit_id, on=today)
    return render(http, "access_rights/catalogue_due.html", {
        "nav": NAV, "rows": rows, "today": today, "states": _state_labels(),
        "days": catalogue.REVIEW_WARNING_DAYS})


@router.get("/behorigheter/profiler/analyser.csv")
def due_csv(ctx: CurrentCtx) -> Response:
    """The profiles whose analysis is due for review, as CSV."""
    rows = catalogue.due_for_review(ctx.db, actor=ctx.actor, unit_id=ctx.actor.unit_id,
                                    on=staff.local_today())
    return _standing_csv(rows, "kulisser-analyser-att-folja-upp.csv")


def _profile_page(http: Request, ctx: Ctx, profile_id: int, *,
                  values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                  form: str = "", status: int = 200) -> Response:
    profile = catalogue.get_profile(ctx.db, actor=ctx.actor, profile_id=profile_id)
    today = staff.local_today()
    found = catalogue.standing(profile, on=today)
    analyses = sorted(profile.analyses, key=lambda a: (a.made_on, a.id), reverse=True)
    names = staff.user_names(ctx.db, {a.created_by for a in analyses if a.created_by})
    chosen = {line.system_id: line.access_profile for line in profile.systems}
    history = catalogue_history.profile_history(ctx.db, profile_id=profile.id,
                                                system_ids=list(chosen))
    names.update(staff.user_names(ctx.db, {h.actor_id for h in history if h.actor_id}))
    data: dict[str, Any] = {
        "history": history,
        "nav": NAV, "profile": profile, "standing": found, "analyses": analyses, "names": names,
        "today": today, "states": _state_labels(), "role_labels": dict(_roles()),
        "roles": _roles(), "catalogue": access.ensure_systems(ctx.db, unit_id=profile.unit_id),
        "chosen": chosen, "can_edit": access.is_manager_of(ctx.actor, profile.unit_id),
        "orderable": catalogue.orderable_reason(profile, on=today),
        "days": catalogue.REVIEW_WARNING_DAYS, "form": form, "errors": errors or {},
        "max_mb": MAX_BYTES // MB, "me": ctx.actor.full_name,
        # A year is the usual interval between a profile's analyses; the manager may change it.
        "next_year": (today + timedelta(days=365)).isoformat(),
        "values": values or {"name": profile.name, "kulisser_role": profile.kulisser_role,
                             "description": profile.description}}
    return render(http, "access_rights/catalogue_profile.html", data, status_code=status)


@router.get("/behorigheter/profiler/{profile_id}")
def profile_page(http: Request, profile_id: Id, ctx: CurrentCtx) -> Response:
    """A profile: its systems and access profiles, its analyses newest first, the review date."""
    return _profile_page(http, ctx, profile_id)


@router.post("/behorigheter/profiler/{profile_id}")
def update_profile(http: Request, profile_id: Id, *, name: FormStr = "",
                   kulisser_role: FormStr = "", description: FormStr = "",
                   active: FormStr = "", ctx: CurrentCtx) -> Response:
    """Change the profile's name, role and description, or (de)activate it."""
    values = {"name": name, "kulisser_role": kulisser_role, "description": description}
    try:
        catalogue.update_profile(ctx.db, actor=ctx.actor, profile_id=profile_id,
                                 active=active == "1", **values)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _profile_page(http, ctx, profile_id, values=values, errors=exc.errors,
                             form="profile", status=422)
    return RedirectResponse(f"/behorigheter/profiler/{profile_id}", status_code=303)


def _chosen_systems(form: FormData) -> dict[int, str]:
    """{system id: access profile} from the checked boxes ("system") and their text fields."""
    chosen: dict[int, str] = {}
    for raw in form.getlist("system"):
        system_id = parse_id(raw if isinstance(raw, str) else "")
        if system_id is not None:
            text = form.get(f"access_{system_id}", "")
            chosen[system_id] = text if isinstance(text, str) else ""
    return chosen


@router.post("/behorigheter/profiler/{profile_id}/system")
def profile_systems(http: Request, profile_id: Id, form: RequestForm, ctx: CurrentCtx) -> Response:
    """The profile's systems and the access profile in each."""
    chosen = _chosen_systems(form)
    try:
        catalogue.set_profile_systems(ctx.db, actor=ctx.actor, profile_id=profile_id,
                                      systems=chosen)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _profile_page(http, ctx, profile_id, errors=exc.errors, form="systems",
                             status=422)
    return RedirectResponse(f"/behorigheter/profiler/{profile_id}#system", status_code=303)


@router.post("/behorigheter/profiler/{profile_id}/analyser")
def add_analysis(http: Request, profile_id: Id, settings: AppSettings, *,
                 made_on: FormStr = "", author: FormStr = "", next_review: FormStr = "",
                 text: FormStr = "", file: Annotated[UploadFile | None, File()] = None,
                 ctx: CurrentCtx) -> Response:
    """Document a needs-and-risk analysis: text, an attached file (PDF, DOCX, ODT, TXT), or both."""
    values = {"made_on": made_on, "author": author, "next_review": next_review, "text": text}
    try:
        store_analysis(ctx, settings=settings, profile_id=profile_id, values=values, file=file)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _profile_page(http, ctx, profile_id, values=values, errors=exc.errors,
                             form="analysis", status=422)
    return RedirectResponse(f"/behorigheter/profiler/{profile_id}#analyser", status_code=303)


def store_analysis(ctx: Ctx, *, settings: Settings, profile_id: int, values: dict[str, str],
                    file: UploadFile | None) -> None:
    """Check the upload (if any) and record the analysis; the file is placed only if all passed."""
    # The rights first: nobody but the unit's managers gets an upload checked or staged.
    profile = catalogue.get_profile(ctx.db, actor=ctx.actor, profile_id=profile_id,
                                    action="update")
    access.require_manager(ctx.actor, profile.unit_id)
    def add(staged: StagedFile | None) -> None:
        catalogue.add_analysis(ctx.db, actor=ctx.actor, profile_id=profile_id,
                               made_on=values["made_on"], author=values["author"],
                               next_review=values["next_review"], text=values["text"],
                               file=staged)

    if file is None or not file.filename:
        add(None)
        return
    try:
        with AnalysisStore.from_settings(settings).receive(file.filename, file.file) as staged:
            add(staged)
    except ValidationFailed as exc:
        if FILE_FIELD not in exc.errors:
            raise
        # The file was refused before the fields were looked at: tell about both at once.
        raise ValidationFailed({**catalogue.analysis_errors(
            made_on=values["made_on"], author=values["author"],
            next_review=values["next_review"], text=values["text"], has_file=True),
            **exc.errors}) from None


@router.get("/behorigheter/profiler/{profile_id}/analyser/{analysis_id}/fil")
def analysis_file(profile_id: Id, analysis_id: Id, ctx: CurrentCtx,
                  settings: AppSettings) -> Response:
    """The file attached to an analysis (the unit's members and managers)."""
    analysis, path = catalogue.analysis_file(ctx.db, actor=ctx.actor,
                                             store=AnalysisStore.from_settings(settings),
                                             profile_id=profile_id, analysis_id=analysis_id)
    name = analysis.file_name or "analys"
    return FileResponse(path, media_type=media_type(name), filename=name,
                        content_disposition_type="attachment")
