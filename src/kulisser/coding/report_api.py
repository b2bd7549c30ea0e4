"""JSON API of the patient-register report (/api/v1/coding/reports) and a coded contact as
FHIR (/api/v1/coding/contacts/{id}/fhir)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from kulisser.bounds import Id
from kulisser.coding import fhir
from kulisser.coding import register_report as report
from kulisser.coding.report_models import RegisterExport
from kulisser.db import utcnow
from kulisser.web.api import auth_dependencies, error_responses
from kulisser.web.deps import AppSettings, CurrentCtx

router = APIRouter(prefix="/api/v1/coding", tags=["coding"], responses=error_responses(401),
                   dependencies=auth_dependencies())
_ERRORS = error_responses(403, 404, 422)
_MONTH = Query(pattern=r"^\d{4}-\d{2}$", description="The month, YYYY-MM.")


class ReportIn(BaseModel):
    """The month to export."""

    model_config = ConfigDict(extra="forbid")

    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM; an ended month.")


class ReportOut(BaseModel):
    """One export run: counts and the file's sha256 (the contacts held back: ``errors``)."""

    id: int
    unit_id: int
    month: str
    version: int
    layout_version: str
    created_at: datetime
    created_by_id: int | None
    sha256: str
    reported: int
    listed: int
    deadline: date
    file_url: str
    errors: list[dict[str, Any]] | None = None


class CompletenessOut(BaseModel):
    """One clinician's reportable contacts of the month and the share coded."""

    clinician_id: int | None
    clinician_name: str
    total: int
    coded: int
    share: float


def _out(run: RegisterExport, *, with_errors: bool) -> ReportOut:
    return ReportOut(id=run.id, unit_id=run.unit_id, month=f"{run.month:%Y-%m}", version=run.version,
                     layout_version=run.layout_version, created_at=run.created_at,
                     created_by_id=run.created_by_id, sha256=run.sha256, reported=run.reported,
                     listed=run.listed, deadline=report.deadline(run.month),
                     file_url=f"/api/v1/coding/reports/{run.id}/file",
                     errors=list(run.errors) if with_errors else None)


@router.get("/reports", response_model=list[ReportOut], summary="The unit's register exports",
            responses=error_responses(422))
def list_reports(ctx: CurrentCtx, month: Annotated[str | None, _MONTH] = None) -> list[ReportOut]:
    """The unit's export runs, newest first (counts only: no patient data, nothing logged)."""
    chosen = report.parse_month(month) if month else None
    return [_out(r, with_errors=False) for r in report.list_exports(ctx.db, actor=ctx.actor,
                                                                     month=chosen)]


@router.post("/reports", response_model=ReportOut, status_code=201, responses=_ERRORS,
             summary="Export a month to the patient register")
def run_report(body: ReportIn, ctx: CurrentCtx, settings: AppSettings) -> ReportOut:
    """Write the month's file; a contact with an error is held back and listed in ``errors``.
    The same month again is its next version (the older stay downloadable). Logged once."""
    run = report.run_export(ctx.db, actor=ctx.actor, month=report.parse_month(body.month),
                            provider_hsa=settings.care_provider_hsa_id, now=utcnow())
    return _out(run, with_errors=True)


@router.get("/reports/completeness", response_model=list[CompletenessOut],
            summary="Share of the month's contacts coded, per clinician", responses=_ERRORS)
def completeness(ctx: CurrentCtx, month: Annotated[str, _MONTH]) -> list[CompletenessOut]:
    """Per clinician, the month's reportable contacts and how many are coded (counts only)."""
    rows = report.completeness(ctx.db, unit_id=ctx.actor.unit_id, month=report.parse_month(month))
    return [CompletenessOut(clinician_id=r.clinician_id, clinician_name=r.clinician_name,
                            total=r.total, coded=r.coded, share=round(r.share, 4)) for r in rows]


@router.get("/reports/{export_id}", response_model=ReportOut, responses=_ERRORS,
            summary="One export run with the contacts held back")
def get_report(export_id: Id, ctx: CurrentCtx) -> ReportOut:
    """The run with its held-back contacts and their errors; the read is logged."""
    return _out(report.get_export(ctx.db, actor=ctx.actor, export_id=export_id), with_errors=True)


@router.get("/reports/{export_id}/file", response_class=Response, summary="The run's file",
            responses={**_ERRORS, 200: {"content": {"text/plain": {}}}})
def report_file(export_id: Id, ctx: CurrentCtx) -> Response:
    """The file as it was written (its sha256 in the run); the download is logged."""
    run = report.get_export(ctx.db, actor=ctx.actor, export_id=export_id)
    return Response(run.content, media_type="text/plain; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{run.file_name}"'})


@router.get("/contacts/{contact_id}/fhir", response_class=Response,
            summary="A coded contact as a FHIR R4 Bundle (Encounter, Condition, Procedure)",
            responses={**error_responses(403, 404, 409),
                       200: {"content": {fhir.FHIR_JSON: {}}}})
def contact_fhir(contact_id: Id, ctx: CurrentCtx) -> Response:
    """A Bundle of the Encounter with its Conditions and Procedures; only a coded contact
    exports (409 otherwise); the read is logged."""
    out = fhir.bundle(ctx.db, actor=ctx.actor, contact_id=contact_id)
    return Response(out.model_dump_json(), media_type=fhir.FHIR_JSON)
