"""JSON API of the catalogue: the unit's systems (/api/v1/access-systems) and role profiles
with their needs-and-risk analyses (/api/v1/access-profiles).

The caller's current unit is the unit. Everyone at the unit reads; managers and
administrators change (403 otherwise); bad input is 422 with a Swedish message per field;
another unit's profile or system is 404 (the refusal logged).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from kulisser.access_rights import catalogue, catalogue_systems
from kulisser.access_rights.analysis_files import AnalysisStore, media_type
from kulisser.access_rights.catalogue_views import store_analysis
from kulisser.access_rights.models import AccessSystem, RoleProfile
from kulisser.bounds import Id
from kulisser.staff import service as staff
from kulisser.web.api import Timestamp, auth_dependencies, error_responses
from kulisser.web.deps import AppSettings, CurrentCtx, FormStr

profiles_router = APIRouter(prefix="/api/v1/access-profiles", tags=["access rights"],
                            responses=error_responses(401), dependencies=auth_dependencies())
systems_router = APIRouter(prefix="/api/v1/access-systems", tags=["access rights"],
                           responses=error_responses(401), dependencies=auth_dependencies())
_ACT = error_responses(403, 404, 422)


class SystemOut(BaseModel):
    """A system of the unit's catalogue, in its place."""

    id: int
    unit_id: int
    name: str
    code: str = Field(description="kulisser, hsa, siths, record ... for the default systems; "
                                  "empty for one the unit added.")
    carried_by: str
    task_label: str
    active: bool
    position: int


class SystemIn(BaseModel):
    """A new system, last in the catalogue."""

    name: str = Field(max_length=200)
    carried_by: str = Field("", max_length=200)
    task_label: str = Field("", max_length=300)


class SystemPatch(BaseModel):
    """Changed fields only; `active` false deactivates the system."""

    name: str | None = Field(None, max_length=200)
    carried_by: str | None = Field(None, max_length=200)
    task_label: str | None = Field(None, max_length=300)
    active: bool | None = None


class OrderIn(BaseModel):
    """Every system of the unit, each once, in the new order."""

    system_ids: list[Id] = Field(max_length=500)


class ProfileSystem(BaseModel):
    """One system of a profile and the access profile to have in it."""

    system_id: Id
    access_profile: str = Field("", max_length=300)


class ProfileSystemOut(ProfileSystem):
    """One system of a profile, with the system's name."""

    name: str
    active: bool


class AnalysisOut(BaseModel):
    """A documented needs-and-risk analysis."""

    id: int
    made_on: date
    author: str
    text: str
    next_review: date
    file_name: str | None
    file_url: str | None
    current: bool
    created_by: int | None
    created_at: Timestamp


class ProfileOut(BaseModel):
    """A role profile: its systems, its analyses (newest first) and whether it may be ordered."""

    id: int
    unit_id: int
    name: str
    kulisser_role: str
    description: str
    active: bool
    systems: list[ProfileSystemOut]
    analysis_state: str = Field(description="current, due_soon (within 30 days), expired, "
                                            "future or missing.")
    next_review: date | None
    orderable: bool
    not_orderable_reason: str | None = Field(description="Why it cannot be ordered (Swedish).")
    analyses: list[AnalysisOut]


class ProfileIn(BaseModel):
    """A new role profile of the caller's unit, optionally with its systems."""

    name: str = Field(max_length=200)
    kulisser_role: str = Field("", max_length=20)
    description: str = Field("", max_length=8000)
    systems: list[ProfileSystem] = Field(default_factory=list, max_length=500)


class ProfilePatch(BaseModel):
    """Changed fields only; `systems` replaces the profile's systems."""

    name: str | None = Field(None, max_length=200)
    kulisser_role: str | None = Field(None, max_length=20)
    description: str | None = Field(None, max_length=8000)
    active: bool | None = None
    systems: list[ProfileSystem] | None = Field(None, max_length=500)


def _system(s: AccessSystem) -> SystemOut:
    return SystemOut(id=s.id, unit_id=s.unit_id, name=s.name, code=s.code,
                     carried_by=s.carried_by, task_label=s.task_label, active=s.active,
                     position=s.position)


def _profile(ctx: CurrentCtx, p: RoleProfile) -> ProfileOut:
    today = staff.local_today()
    found = catalogue.standing(p, on=today)
    reason = catalogue.orderable_reason(p, on=today)
    current_id = found.current.id if found.current else None
    base = f"/api/v1/access-profiles/{p.id}/analyses"
    analyses = sorted(p.analyses, key=lambda a: (a.made_on, a.id), reverse=True)
    return ProfileOut(
        id=p.id, unit_id=p.unit_id, name=p.name, kulisser_role=p.kulisser_role,
        description=p.description, active=p.active,
        systems=[ProfileSystemOut(system_id=line.system_id, access_profile=line.access_profile,
                                  name=line.system.name, active=line.system.active)
                 for line in p.systems],
        analysis_state=found.state, next_review=found.next_review, orderable=reason is None,
        not_orderable_reason=reason,
        analyses=[AnalysisOut(id=a.id, made_on=a.made_on, author=a.author, text=a.text,
                              next_review=a.next_review, file_name=a.file_name,
                              file_url=f"{base}/{a.id}/file" if a.file_sha256 else None,
                              current=a.id == current_id, created_by=a.created_by,
                              created_at=a.created_at) for a in analyses])


def _reload(ctx: CurrentCtx, profile_id: int) -> ProfileOut:
    ctx.db.expire_all()
    return _profile(ctx, catalogue.get_profile(ctx.db, actor=ctx.actor, profile_id=profile_id))


# -- systems --------------------------------------------------------------------------------

@systems_router.get("", response_model=list[SystemOut], summary="The unit's systems, in order")
def list_systems(ctx: CurrentCtx) -> list[SystemOut]:
    """The caller's unit's catalogue (the default systems for a unit without any)."""
    return [_system(s) for s in catalogue_systems.systems(ctx.db, actor=ctx.actor,
                                                  unit_id=ctx.actor.unit_id)]


@systems_router.post("", response_model=SystemOut, status_code=201, responses=_ACT,
                     summary="Add a system (managers)")
def add_system(body: SystemIn, ctx: CurrentCtx) -> SystemOut:
    """A new system, last in the catalogue."""
    return _system(catalogue_systems.add_system(ctx.db, actor=ctx.actor, unit_id=ctx.actor.unit_id,
                                        **body.model_dump()))


@systems_router.post("/order", response_model=list[SystemOut], responses=_ACT,
                     summary="Reorder the catalogue (managers)")
def reorder(body: OrderIn, ctx: CurrentCtx) -> list[SystemOut]:
    """Every system of the unit, each once, in the new order."""
    return [_system(s) for s in catalogue_systems.reorder_systems(
        ctx.db, actor=ctx.actor, unit_id=ctx.actor.unit_id, system_ids=body.system_ids)]


@systems_router.patch("/{system_id}", response_model=SystemOut, responses=_ACT,
                      summary="Rename, change or (de)activate a system (managers)")
def change_system(system_id: Id, body: SystemPatch, ctx: CurrentCtx) -> SystemOut:
    """Only the fields sent change."""
    system = catalogue_systems.get_system(ctx.db, actor=ctx.actor, system_id=system_id, action="update")
    fields = body.model_dump(exclude_none=True)
    if {"name", "carried_by", "task_label"} & set(fields):
        catalogue_systems.update_system(ctx.db, actor=ctx.actor, system_id=system_id,
                                name=fields.get("name", system.name),
                                carried_by=fields.get("carried_by", system.carried_by),
                                task_label=fields.get("task_label", system.task_label))
    if body.active is not None:
        catalogue_systems.set_system_active(ctx.db, actor=ctx.actor, system_id=system_id,
                                    active=body.active)
    return _system(system)


# -- profiles -------------------------------------------------------------------------------

@profiles_router.get("", response_model=list[ProfileOut], summary="The unit's role profiles")
def list_profiles(ctx: CurrentCtx, due_for_review: bool = False) -> list[ProfileOut]:
    """Every profile of the caller's unit; `due_for_review=true`: the active ones whose analysis
    is missing, past its review or due within 30 days (managers)."""
    if due_for_review:
        rows = catalogue.due_for_review(ctx.db, actor=ctx.actor, unit_id=ctx.actor.unit_id,
                                        on=staff.local_today())
        return [_profile(ctx, r.profile) for r in rows]
    return [_profile(ctx, p) for p in catalogue.profiles(ctx.db, actor=ctx.actor,
                                                         unit_id=ctx.actor.unit_id)]


@profiles_router.post("", response_model=ProfileOut, status_code=201, responses=_ACT,
             summary="Add a role profile (managers)")
def add_profile(body: ProfileIn, ctx: CurrentCtx) -> ProfileOut:
    """A profile with its systems; it can be ordered once it has a current analysis."""
    profile = catalogue.create_profile(
        ctx.db, actor=ctx.actor, unit_id=ctx.actor.unit_id, name=body.name,
        kulisser_role=body.kulisser_role, description=body.description,
        systems={s.system_id: s.access_profile for s in body.systems})
    return _reload(ctx, profile.id)


@profiles_router.get("/{profile_id}", response_model=ProfileOut, responses=error_responses(404),
            summary="One role profile")
def get_profile(profile_id: Id, ctx: CurrentCtx) -> ProfileOut:
    """The profile, its systems and analyses, and whether it may be ordered today."""
    return _profile(ctx, catalogue.get_profile(ctx.db, actor=ctx.actor, profile_id=profile_id))


@profiles_router.patch("/{profile_id}", response_model=ProfileOut, responses=_ACT,
              summary="Change a role profile (managers)")
def change_profile(profile_id: Id, body: ProfilePatch, ctx: CurrentCtx) -> ProfileOut:
    """Only the fields sent change; `systems` replaces the list."""
    profile = catalogue.get_profile(ctx.db, actor=ctx.actor, profile_id=profile_id,
                                    action="update")
    fields = body.model_dump(exclude_none=True, exclude={"systems"})
    if fields:
        catalogue.update_profile(
            ctx.db, actor=ctx.actor, profile_id=profile_id,
            name=fields.get("name", profile.name),
            kulisser_role=fields.get("kulisser_role", profile.kulisser_role),
            description=fields.get("description", profile.description),
            active=fields.get("active", profile.active))
    if body.systems is not None:
        catalogue.set_profile_systems(ctx.db, actor=ctx.actor, profile_id=profile_id,
                                      systems={s.system_id: s.access_profile
                                               for s in body.systems})
    return _reload(ctx, profile_id)


@profiles_router.post("/{profile_id}/analyses", response_model=ProfileOut, status_code=201,
             responses=_ACT, summary="Document a needs-and-risk analysis (managers; multipart)")
def add_analysis(profile_id: Id, settings: AppSettings, ctx: CurrentCtx, *,
                 made_on: FormStr = "", author: FormStr = "", next_review: FormStr = "",
                 text: FormStr = "",
                 file: Annotated[UploadFile | None, File(description="PDF, DOCX, ODT or TXT.")] = None,
                 ) -> ProfileOut:
    """Form fields made_on and next_review (YYYY-MM-DD), author, and text or a file (or both)."""
    store_analysis(ctx, settings=settings, profile_id=profile_id, file=file,
                    values={"made_on": made_on, "author": author, "next_review": next_review,
                            "text": text})
    return _reload(ctx, profile_id)


@profiles_router.get("/{profile_id}/analyses/{analysis_id}/file", response_class=FileResponse,
            responses={**error_responses(403, 404), 200: {"description": "The attached file."}},
            summary="An analysis' attached file")
def analysis_file(profile_id: Id, analysis_id: Id, ctx: CurrentCtx,
                  settings: AppSettings) -> Response:
    """The file as it was attached (the unit's members and managers)."""
    analysis, path = catalogue.analysis_file(ctx.db, actor=ctx.actor,
                                             store=AnalysisStore.from_settings(settings),
                                             profile_id=profile_id, analysis_id=analysis_id)
    name = analysis.file_name or "analys"
    return FileResponse(path, media_type=media_type(name), filename=name)


# One module, one router for the package's declaration: the systems' and the profiles' routes.
router = APIRouter()
router.include_router(systems_router)
router.include_router(profiles_router)
