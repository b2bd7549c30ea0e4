"""The monthly reports page (``/oversikt/rapporter``): the manager's text, "Skapa rapporten nu",
the kept versions to download, and sending them; and the overview's section linking to it.

Secretaries read and download their unit's reports; managers also write the text, make and
send them; administrators choose the region (``?omfang=region``) too. Every route reads or
writes aggregates only (no patient data); another unit's report is refused and logged.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kulisser.bounds import Id
from kulisser.db import utcnow
from kulisser.errors import ValidationFailed
from kulisser.i18n import _
from kulisser.stats import report, report_send
from kulisser.stats.report_sections import Scope, month_name
from kulisser.stats.service import Overview
from kulisser.web.deps import AppSettings, Ctx, CurrentCtx, FormStr
from kulisser.web.templating import render

router = APIRouter(include_in_schema=False)
REGION = "region"


def _scope(ctx: Ctx, omfang: str) -> Scope:
    return report.scope_for(ctx.db, actor=ctx.actor, region=omfang == REGION)


def _url(month: date, omfang: str, **extra: object) -> str:
    query = f"manad={month:%Y-%m}" + (f"&omfang={REGION}" if omfang == REGION else "")
    return "/oversikt/rapporter?" + query + "".join(f"&{k}={v}" for k, v in extra.items())


def _page(request: Request, ctx: Ctx, *, month_text: str, omfang: str,
          errors: dict[str, str] | None = None, typed: str | None = None,
          notice: str = "", status: int = 200) -> Response:
    scope = _scope(ctx, omfang)
    errors = dict(errors or {})
    try:
        month = report.parse_month(month_text) if month_text else report.last_month()
    except ValidationFailed as exc:
        errors.update(exc.errors)
        month, status = report.last_month(), 422
    reports = report.list_reports(ctx.db, scope_keys=[scope.key])
    sends = report_send.sends_of(ctx.db, report_ids=[r.id for r in reports])
    return render(request, "stats/reports.html", {
        "nav": "overview", "scope": scope, "omfang": REGION if scope.is_region else "",
        "month": month, "month_value": f"{month:%Y-%m}", "month_name": month_name(month),
        "text": typed if typed is not None else report.draft_text(ctx.db, scope=scope, month=month),
        "reports": reports, "sends": sends, "makers": report.maker_names(ctx.db, reports),
        "may_make": report.may_make(ctx.actor, region=scope.is_region),
        "may_region": report.may_make(ctx.actor, region=True), "errors": errors,
        "notice": notice, "text_max": report.TEXT_MAX, "month_name_of": month_name,
        "ended": month <= report.last_month()}, status_code=status)


@router.get("/oversikt/rapporter")
def reports_page(request: Request, ctx: CurrentCtx, manad: str = "", omfang: str = "",
                 sparad: str = "", skickad: str = "", ny: str = "") -> Response:
    """The month's text, the kept reports and their sends."""
    notice = (_("Texten är sparad.") if sparad else
              _("Rapporten är skickad till {n} mottagare.", n=skickad) if skickad.isdigit() else
              _("Rapporten är skapad.") if ny else "")
    return _page(request, ctx, month_text=manad, omfang=omfang, notice=notice)


@router.post("/oversikt/rapporter/text")
def save_text(request: Request, ctx: CurrentCtx, manad: FormStr, text: FormStr = "",
              omfang: FormStr = "") -> Response:
    """Keep the manager's text for the month (the report is made later, with it)."""
    scope = _scope(ctx, omfang)
    try:
        month = report.parse_month(manad)
        report.save_text(ctx.db, actor=ctx.actor, scope=scope, month=month, text=text,
                         now=utcnow())
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _page(request, ctx, month_text=manad, omfang=omfang, errors=exc.errors,
                     typed=text, status=422)
    return RedirectResponse(_url(month, omfang, sparad=1), status_code=303)


@router.post("/oversikt/rapporter")
def make_now(request: Request, ctx: CurrentCtx, settings: AppSettings, manad: FormStr,
             text: FormStr = "", omfang: FormStr = "") -> Response:
    """"Skapa rapporten nu": keep the text and make the month's next version."""
    scope = _scope(ctx, omfang)
    try:
        month = report.parse_month(manad)
        made = report.make(ctx.db, data_dir=Path(settings.data_dir), scope=scope, month=month,
                           now=utcnow(), actor=ctx.actor, text=text)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _page(request, ctx, month_text=manad, omfang=omfang, errors=exc.errors,
                     typed=text, status=422)
    return RedirectResponse(_url(month, omfang, ny=made.id), status_code=303)


@router.get("/oversikt/rapporter/{report_id}/pdf")
def report_pdf(report_id: Id, ctx: CurrentCtx, settings: AppSettings) -> Response:
    """The kept PDF of one report, as made."""
    row = report.get_report(ctx.db, actor=ctx.actor, report_id=report_id)
    return Response(report.read_pdf(Path(settings.data_dir), row), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{row.file_name}"'})


@router.post("/oversikt/rapporter/{report_id}/skicka")
def send_report(request: Request, report_id: Id, ctx: CurrentCtx,
                settings: AppSettings) -> Response:
    """Send a report to its recipients through the mailbox (each recipient once)."""
    row = report.get_report(ctx.db, actor=ctx.actor, report_id=report_id, action="update")
    omfang = REGION if row.unit_id is None else ""
    try:
        made = report_send.send(ctx.db, settings=settings, report_row=row, now=utcnow(),
                                actor=ctx.actor)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _page(request, ctx, month_text=f"{row.month:%Y-%m}", omfang=omfang,
                     errors=exc.errors, status=422)
    return RedirectResponse(_url(row.month, omfang, skickad=len(made)), status_code=303)


def overview_section(ctx: Ctx, ov: Overview) -> dict[str, Any] | None:
    """The overview's link to the monthly reports, with the unit's newest ones."""
    if not report.may_read(ctx.actor):
        return None
    reports = report.list_reports(ctx.db, scope_keys=[f"unit:{ctx.actor.unit_id}"])[:3]
    return {"reports": reports, "last_month": month_name(report.last_month()),
            "month_name": month_name, "may_make": report.may_make(ctx.actor)}
