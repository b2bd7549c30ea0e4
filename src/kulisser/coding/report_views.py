"""The patient-register report page (/kodning/rapport): choose a month, see completeness
before the deadline (share coded per clinician), run the export, download its file, the
contacts held back with their errors (and that list as CSV)."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kulisser import workdays
from kulisser.bounds import Id
from kulisser.coding import register_layout as layout
from kulisser.coding import register_report as report
from kulisser.coding.report_models import RegisterExport
from kulisser.coding.states import KIND_LABELS
from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.web import csv as csvout
from kulisser.web.deps import AppSettings, Ctx, CurrentCtx, FormStr
from kulisser.web.templating import render

router = APIRouter(include_in_schema=False)
ERRORS_HEADER = [N_("Vårdkontakt"), N_("Datum"), N_("Slag"), N_("Kod"), N_("Regel"), N_("Fel")]


def _last_month() -> date:
    return (workdays.local_today().replace(day=1) - timedelta(days=1)).replace(day=1)


def _page(request: Request, ctx: Ctx, *, month_text: str, run_id: int | None = None,
          errors: dict[str, str] | None = None, status: int = 200) -> Response:
    errors = dict(errors or {})
    try:
        month = report.parse_month(month_text) if month_text else _last_month()
    except ValidationFailed as exc:
        errors.update(exc.errors)
        month, status = _last_month(), 422
    runs = report.list_exports(ctx.db, actor=ctx.actor, month=month)
    chosen: RegisterExport | None = None
    if run_id is not None:
        chosen = report.get_export(ctx.db, actor=ctx.actor, export_id=run_id)
    elif runs:
        chosen = report.get_export(ctx.db, actor=ctx.actor, export_id=runs[0].id)
    rows = report.completeness(ctx.db, unit_id=ctx.actor.unit_id, month=month)
    total, coded = sum(r.total for r in rows), sum(r.coded for r in rows)
    return render(request, "coding/report.html", {
        "nav": "coding", "month": f"{month:%Y-%m}", "deadline": report.deadline(month),
        "rows": rows, "total": total, "coded": coded, "runs": runs, "chosen": chosen,
        "errors": errors, "kinds": {k: _(v) for k, v in KIND_LABELS.items()},
        "layout_version": layout.VERSION, "regulation": _(layout.REGULATION),
        "ended": report.month_end(month) < workdays.local_today()}, status_code=status)


@router.get("/kodning/rapport")
def report_page(request: Request, *, manad: str = "", korning: Id | None = None,
                ctx: CurrentCtx) -> Response:
    """The month's completeness, its export runs and the contacts held back."""
    return _page(request, ctx, month_text=manad, run_id=korning)


@router.post("/kodning/rapport")
def report_run(request: Request, manad: FormStr, ctx: CurrentCtx,
               settings: AppSettings) -> Response:
    """Export the month; the page shows the new run with its held-back contacts."""
    try:
        run = report.run_export(ctx.db, actor=ctx.actor, month=report.parse_month(manad),
                                provider_hsa=settings.care_provider_hsa_id)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _page(request, ctx, month_text=manad, errors=exc.errors, status=422)
    return RedirectResponse(f"/kodning/rapport?manad={run.month:%Y-%m}&korning={run.id}",
                            status_code=303)


@router.get("/kodning/rapport/{export_id}/fil")
def report_file(export_id: Id, ctx: CurrentCtx) -> Response:
    """The run's file as written; the download is logged."""
    run = report.get_export(ctx.db, actor=ctx.actor, export_id=export_id)
    return Response(run.content, media_type="text/plain; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{run.file_name}"'})


@router.get("/kodning/rapport/{export_id}/fel.csv")
def report_errors_csv(export_id: Id, ctx: CurrentCtx) -> Response:
    """The contacts the run held back, one line per error (no patient data beyond the ids)."""
    run = report.get_export(ctx.db, actor=ctx.actor, export_id=export_id)
    kinds = {k: _(v) for k, v in KIND_LABELS.items()}
    body = [[h["contact_id"], h["contact_date"], kinds.get(h["kind"], h["kind"]), e["code"],
             e["rule"], e["message"]] for h in run.errors for e in h["errors"]]
    name = f"kulisser-patientregistret-fel-{run.month:%Y-%m}-v{run.version}.csv"
    return csvout.attachment(csvout.document([_(h) for h in ERRORS_HEADER], body), name)
