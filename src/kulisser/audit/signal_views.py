"""The manager's pages for the risk signals (issue 13 item 6): open signals with their review
form, those reviewed, CSV, the unit's watch list and its opening hours and limits.

Every page here reads data derived from the access log, so each read is logged like the log
review's own pages; naming a patient for the watch list goes through the access check.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kulisser.audit import items, queries, signals
from kulisser.audit import service as audit
from kulisser.audit.signal_rules import RULES, TZ, Thresholds
from kulisser.bounds import Id
from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.web.csv import cell
from kulisser.web.deps import Ctx, FormStr, ManagerCtx
from kulisser.web.templating import render

router = APIRouter(include_in_schema=False)

CSV_HEADER = [N_("Regel"), N_("Användare"), N_("Från"), N_("Till"), N_("Loggrader"),
              N_("Patienter"), N_("Gräns"), N_("Varför"), N_("Granskad"), N_("Granskare"),
              N_("Bedömning"), N_("Kommentar")]


def _local(moment: datetime | None) -> str:
    return moment.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if moment else ""


def _show(request: Request, ctx: Ctx, *, errors: dict[int, dict[str, str]] | None = None,
          typed: dict[int, dict[str, str]] | None = None, status: int = 200) -> Response:
    pending = signals.list_signals(ctx.db, actor=ctx.actor, reviewed=False, limit=500)
    done = signals.list_signals(ctx.db, actor=ctx.actor, reviewed=True, limit=50)
    audit.log_review_read(ctx.db, actor=ctx.actor, what=_("Loggsignaler"),
                          rows=len(pending) + len(done))
    return render(request, "audit/signals.html",
                  {"nav": "audit", "pending": pending, "done": done, "row_errors": errors or {},
                   "typed": typed or {}, "verdicts": {k: _(v) for k, v in signals.VERDICTS.items()},
                   "rules": {k: _(v) for k, v in RULES.items()}}, status_code=status)


@router.get("/logg/signaler")
def signals_page(request: Request, ctx: ManagerCtx) -> Response:
    """Signals awaiting review (each with its form), then the 50 last reviewed."""
    return _show(request, ctx)


@router.post("/logg/signaler/{signal_id:int}/granska")
def review(request: Request, signal_id: Id, *, verdict: FormStr = "", comment: FormStr = "",
           ctx: ManagerCtx) -> Response:
    """Record the review of one signal; the unit's work item closes with the last one."""
    try:
        s = signals.review_signal(ctx.db, actor=ctx.actor, signal_id=signal_id, verdict=verdict,
                                  comment=comment)
    except ValidationFailed as exc:
        return _show(request, ctx, errors={signal_id: exc.errors},
                     typed={signal_id: {"verdict": verdict, "comment": comment}}, status=422)
    items.sync_items(ctx.db, unit_ids=[s.unit_id], actor_id=ctx.actor.user_id)
    return RedirectResponse("/logg/signaler", status_code=303)


@router.get("/logg/signaler.csv")
def signals_csv(ctx: ManagerCtx) -> Response:
    """Every signal of the caller's units (open and reviewed) as CSV for Swedish Excel."""
    rows = signals.list_signals(ctx.db, actor=ctx.actor, reviewed=None, limit=5000)
    audit.log_review_read(ctx.db, actor=ctx.actor, what=_("Loggsignaler"), rows=len(rows),
                          action="export")
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow([_(h) for h in CSV_HEADER])
    for r in rows:
        s = r.signal
        w.writerow([cell(v) for v in (
            r.rule_label, r.user_name, _local(s.window_start), _local(s.window_end), str(s.rows),
            str(s.patients), "" if s.threshold is None else str(s.threshold), r.why,
            _local(s.reviewed_at), r.reviewer_name, r.verdict_label, s.comment or "")])
    name = f"kulisser-loggsignaler-{datetime.now(TZ).date().isoformat()}.csv"
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _show_watch(request: Request, ctx: Ctx, *, errors: dict[str, str] | None = None,
                form: dict[str, str] | None = None, status: int = 200) -> Response:
    rows = signals.watch_list(ctx.db, actor=ctx.actor)
    audit.log_review_read(ctx.db, actor=ctx.actor, what=_("Bevakningslista"), rows=len(rows))
    return render(request, "audit/watch.html",
                  {"nav": "audit", "rows": rows, "errors": errors or {}, "form": form or {},
                   "t": signals.thresholds(ctx.db, unit_id=ctx.actor.unit_id)},
                  status_code=status)


@router.get("/logg/bevakning")
def watch_page(request: Request, ctx: ManagerCtx) -> Response:
    """The unit's watch list, its form, and the unit's opening hours and limits."""
    return _show_watch(request, ctx)


@router.post("/logg/bevakning")
def add_watch(request: Request, *, identifier: FormStr = "", reason: FormStr = "",
              ctx: ManagerCtx) -> Response:
    """Put a patient, by identity number, on the unit's watch list."""
    form = {"identifier": identifier, "reason": reason}
    try:
        if not identifier.strip():
            raise ValidationFailed({"identifier": _("Skriv patientens identitetsnummer.")})
        f = queries.resolve(ctx.db, queries.AuditFilter(identifier=identifier.strip()))
        if f.patient_id is None:
            raise ValidationFailed({"identifier": _("Patienten finns inte.")})
        signals.add_watch(ctx.db, actor=ctx.actor, patient_id=f.patient_id, reason=reason)
    except ValidationFailed as exc:
        errors = {("identifier" if k == "patient_id" else k): v for k, v in exc.errors.items()}
        return _show_watch(request, ctx, errors=errors, form=form, status=422)
    return RedirectResponse("/logg/bevakning", status_code=303)


@router.post("/logg/bevakning/{watch_id:int}/ta-bort")
def remove_watch(watch_id: Id, *, ctx: ManagerCtx) -> Response:
    """Take a patient off the watch list."""
    signals.remove_watch(ctx.db, actor=ctx.actor, watch_id=watch_id)
    return RedirectResponse("/logg/bevakning", status_code=303)


def _minutes(text: str, field: str) -> int:
    try:
        hh, mm = text.strip().split(":")
        value = int(hh) * 60 + int(mm)
    except ValueError:
        raise ValidationFailed({field: _("Skriv en tid som 07:00.")}) from None
    if not 0 <= value <= 24 * 60:
        raise ValidationFailed({field: _("Skriv en tid som 07:00.")})
    return value


def _int(text: str, field: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValidationFailed({field: _("Skriv ett heltal.")}) from None


@router.post("/logg/bevakning/installningar")
def save_settings(request: Request, *, open_from: FormStr = "", open_until: FormStr = "",
                  weekends_open: FormStr = "", rate_patients: FormStr = "",
                  rate_minutes: FormStr = "", refusals: FormStr = "",
                  refusal_minutes: FormStr = "", ctx: ManagerCtx) -> Response:
    """Store the unit's opening hours and the limits of the rate rules."""
    form = {"open_from": open_from, "open_until": open_until, "rate_patients": rate_patients,
            "rate_minutes": rate_minutes, "refusals": refusals, "refusal_minutes": refusal_minutes}
    try:
        values = Thresholds(
            open_from=_minutes(open_from, "open_from"), open_until=_minutes(open_until, "open_until"),
            weekends_open=bool(weekends_open), rate_patients=_int(rate_patients, "rate_patients"),
            rate_minutes=_int(rate_minutes, "rate_minutes"), refusals=_int(refusals, "refusals"),
            refusal_minutes=_int(refusal_minutes, "refusal_minutes"))
        signals.set_thresholds(ctx.db, actor=ctx.actor, values=values)
    except ValidationFailed as exc:
        return _show_watch(request, ctx, errors=exc.errors, form=form, status=422)
    return RedirectResponse("/logg/bevakning", status_code=303)
