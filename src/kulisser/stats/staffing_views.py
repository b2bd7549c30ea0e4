"""The staffing figure (``/oversikt/bemanning``), its CSV, and the manager's inputs behind it.

Aggregates only: no patient and no person appears, so the figure writes no audit rows and
secretaries read it as their manager does. Only managers and administrators change the standard
times and staffed hours (``/oversikt/bemanning/underlag``); every change is kept in
``stats_staffing_change`` and listed on that page. ``section`` is the overview's part.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kulisser.bounds import parse_int
from kulisser.db import utcnow
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.i18n import _
from kulisser.staff import service as staff
from kulisser.staff.service import Role
from kulisser.stats import charts, service, staffing
from kulisser.stats.aggregate import TZ, local_day
from kulisser.stats.region_sections import drilled_unit
from kulisser.stats.service import Overview
from kulisser.stats.staffing import StaffingMonth, add_months, month_label, month_start
from kulisser.stats.staffing_charts import gap_chart
from kulisser.stats.staffing_defaults import HOURS_PER_FTE
from kulisser.web import csv as csv_export
from kulisser.web.deps import Ctx, CurrentCtx, ManagerCtx, RequestForm
from kulisser.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE = "/oversikt/bemanning"
INPUTS = "/oversikt/bemanning/underlag"
ALLOWED = (Role.SECRETARY, Role.MANAGER, Role.ADMIN)
SHORT = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
# A typed amount: digits, optionally a decimal comma or point and up to two decimals.
AMOUNT = re.compile(r"^\d{1,7}([.,]\d{1,2})?$")


def _check(ctx: Ctx) -> None:
    if ctx.actor.role not in ALLOWED:
        raise Forbidden(_("Bemanningsunderlaget är till för sekreterare och enhetschefer."))


def short_month(month: date) -> str:
    """A month on a chart's axis: "dec 26"."""
    return f"{SHORT[month.month - 1]} {month.year % 100:02d}"


def hours(value: float | None) -> str:
    """Hours with one decimal, Swedish; "–" for none."""
    return charts.number(value, 1)


def fte(value: float | None) -> str:
    """Full-time equivalents with two decimals, Swedish; "–" for none."""
    return charts.number(value, 2)


def gap_text(m: StaffingMonth) -> str:
    """The month's gap in words: a shortfall or a surplus, in hours and full-time equivalents."""
    if m.gap_hours is None or m.gap_fte is None:
        return _("– (bemannade timmar inte angivna)")
    if m.gap_hours >= 0:
        return _("Underskott: {h} timmar, {f} årsarbetare", h=hours(m.gap_hours), f=fte(m.gap_fte))
    return _("Överskott: {h} timmar, {f} årsarbetare", h=hours(-m.gap_hours), f=fte(-m.gap_fte))


class Number(float):
    """A number that a CSV cell writes with a decimal comma (Swedish Excel), never as a formula."""

    def __str__(self) -> str:
        return f"{float(self):.2f}".replace(".", ",")


def _twelve(ctx: Ctx, till: str | None, enhet: str | None = None, *,
            region_admin: bool = False) -> list[StaffingMonth]:
    # The CSV (region_admin=True) also serves a region administrator's drilled-down unit: counts
    # only. The page stays her unit's staff's: it names who changed the inputs.
    if not (region_admin and ctx.actor.role is Role.REGION_ADMIN):
        _check(ctx)
    unit_id = drilled_unit(ctx, enhet)
    last = service.parse_day(till, default=local_day(utcnow()))
    return staffing.staffing_months(ctx.db, unit_id=unit_id,
                                    first=add_months(month_start(last), -11), last=last)


def build_charts(months: list[StaffingMonth]) -> dict[str, Any]:
    """The page's three charts: needed against staffed, the gap, the backlog at month end."""
    labels = [short_month(m.month) for m in months]
    last = months[-1]
    return {
        "need": charts.bar_chart(
            "need", title=_("Timmar som behövs och bemannade timmar per månad"),
            desc=_("I {m} behövdes {n} timmar; bemannat {s}.", m=month_label(last.month),
                   n=hours(last.needed_hours), s=hours(last.staffed_counted)),
            labels=labels,
            series=[(_("Behövs"), [m.needed_hours for m in months]),
                    (_("Bemannat"), [m.staffed_counted for m in months])]),
        "gap": gap_chart(
            "gap", title=_("Gapet i timmar: behov minus bemanning"),
            desc=_("I {m} var gapet {g} timmar, {f} årsarbetare.", m=month_label(last.month),
                   g=hours(last.gap_hours), f=fte(last.gap_fte)),
            labels=labels, values=[m.gap_hours for m in months],
            names=(_("Underskott"), _("Överskott"))),
        "backlog": charts.line_chart(
            "backlog", title=_("Öppna ärenden vid månadens slut"),
            desc=_("{n} öppna ärenden i slutet av {m}.", n=last.open_end, m=month_label(last.month)),
            labels=labels, series=[(_("Öppna"), [float(m.open_end) for m in months])]),
    }


@router.get(PAGE)
def staffing_page(request: Request, ctx: CurrentCtx, till: str | None = None) -> Response:
    """Twelve months of hours needed against hours staffed, the gap and the backlog."""
    months = _twelve(ctx, till)
    return render(request, "stats/staffing.html", {
        "months": months, "charts": build_charts(months), "till": till or "",
        "hours": hours, "fte": fte, "gap_text": gap_text, "number": charts.number, "month_label": month_label,
        "hours_per_fte": HOURS_PER_FTE, "nav": "overview",
        "kinds": staffing.standard_times(ctx.db, unit_id=ctx.actor.unit_id)})


def csv_months(months: list[StaffingMonth]) -> str:
    """One row per month: need, staffing, gap, uncounted items and the backlog."""
    def opt(value: float | None) -> object:
        return "" if value is None else Number(value)

    header = [_("Månad"), _("Räknat till och med"), _("Timmar som behövs"),
              _("Bemannade timmar (hela månaden)"), _("Bemannade timmar (räknade dagar)"),
              _("Gap (timmar)"), _("Gap (årsarbetare à {h} timmar)", h=HOURS_PER_FTE),
              _("Ärenden med standardtid"), _("Ärenden utan standardtid"),
              _("Öppna vid månadens slut"), _("Förändring mot månaden före"),
              _("Timmar arbete i de öppna")]
    rows = [[m.month.strftime("%Y-%m"), m.end.isoformat(), Number(m.needed_hours),
             opt(m.staffed_hours), opt(m.staffed_counted), opt(m.gap_hours), opt(m.gap_fte),
             sum(k.incoming for k in m.kinds if k.minutes is not None),
             sum(k.incoming for k in m.uncounted), m.open_end,
             "" if m.open_change is None else m.open_change, Number(m.backlog_hours)]
            for m in months]
    return csv_export.document(header, rows)


def csv_kinds(months: list[StaffingMonth]) -> str:
    """One row per month and kind: items, standard time and hours (empty: no standard time)."""
    header = [_("Månad"), _("Typ"), _("Inkommande"), _("Standardtid (minuter)"), _("Timmar")]
    rows = [[m.month.strftime("%Y-%m"), k.label, k.incoming,
             "" if k.minutes is None else k.minutes, "" if k.hours is None else Number(k.hours)]
            for m in months for k in m.kinds]
    return csv_export.document(header, rows)


@router.get(PAGE + ".csv")
def staffing_csv(ctx: CurrentCtx, till: str | None = None, figur: str | None = None,
                 enhet: str | None = None) -> Response:
    """The twelve months as CSV: per month (default) or per month and kind (figur=typer)."""
    months = _twelve(ctx, till, enhet, region_admin=True)
    name = f"kulisser-bemanning-{months[-1].end.isoformat()}"
    if figur == "typer":
        return csv_export.attachment(csv_kinds(months), f"{name}-typer.csv")
    return csv_export.attachment(csv_months(months), f"{name}.csv")


def section(ctx: Ctx, ov: Overview) -> dict[str, Any] | None:
    """The overview's staffing part: the month of the period's end, with a link to the figure."""
    month = staffing.staffing_months(ctx.db, unit_id=ctx.actor.unit_id,
                                     first=month_start(ov.end), last=ov.end)[0]
    # A region administrator gets the twelve months as CSV: the page is the unit's own.
    link = (f"{PAGE}.csv?enhet={ctx.actor.unit_id}" if ctx.actor.role is Role.REGION_ADMIN
            else PAGE)
    return {"m": month, "label": month_label(month.month), "hours": hours, "gap": gap_text(month),
            "link": link, "csv": ctx.actor.role is Role.REGION_ADMIN,
            "hours_per_fte": HOURS_PER_FTE}


# -- the manager's inputs: standard times and staffed hours, with their history -----------------

def parse_amount(text: str) -> Decimal | None:
    """A typed amount ("52", "412,5"); None when empty; ValueError when it is not one."""
    value = text.strip().replace(" ", "").replace("\u00a0", "")
    if not value:
        return None
    if not AMOUNT.match(value):
        raise ValueError(value)
    return Decimal(value.replace(",", "."))


def typed_hours(minutes: int) -> str:
    """Stored minutes as the form shows them: hours with up to two decimals, which read back
    as the same minutes (so saving an unchanged form changes nothing)."""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def _minutes(value: int | None) -> str:
    return "–" if value is None else _("{n} min", n=value)


def _change_text(row: Any, labels: dict[str, str]) -> str:
    if row.what == "standard_time":
        return _("Standardtid för {k}: {a} → {b}", k=labels.get(row.kind, row.kind),
                 a=_minutes(row.before) + (_(" (standard)") if row.before_default else ""),
                 b=_minutes(row.after) + (_(" (standard)") if row.after_default else ""))
    return _("Bemannade timmar {m}: {a} → {b}", m=month_label(row.month),
             a=hours(None if row.before is None else row.before / 60),
             b=hours(None if row.after is None else row.after / 60))


def _inputs(request: Request, ctx: Ctx, till: str | None, *, errors: dict[str, str] | None = None,
            typed: dict[str, str] | None = None, saved: str = "", status: int = 200) -> Response:
    last = service.parse_day(till, default=local_day(utcnow()))
    months = [add_months(month_start(last), -n) for n in range(11, -1, -1)]
    staffed = staffing.staffed_minutes(ctx.db, unit_id=ctx.actor.unit_id, first=months[0], last=last)
    kinds = staffing.standard_times(ctx.db, unit_id=ctx.actor.unit_id)
    labels = {k.kind: k.label for k in kinds}
    history = staffing.changes(ctx.db, unit_id=ctx.actor.unit_id)
    names = staff.user_names(ctx.db, {c.actor_id for c in history if c.actor_id})
    return render(request, "stats/staffing_inputs.html", {
        "kinds": kinds, "nav": "overview", "errors": errors or {}, "typed": typed or {},
        "saved": saved, "till": till or "", "hours_per_fte": HOURS_PER_FTE,
        "max_minutes": staffing.MAX_STANDARD_MINUTES,
        "months": [(m.strftime("%Y-%m"), month_label(m),
                    "" if m not in staffed else typed_hours(staffed[m]))
                   for m in months],
        "history": [(c.at.astimezone(TZ).strftime("%Y-%m-%d %H:%M"),
                     names.get(c.actor_id or 0, _("systemet")), _change_text(c, labels))
                    for c in history]}, status_code=status)


@router.get(INPUTS)
def inputs_page(request: Request, ctx: ManagerCtx, till: str | None = None) -> Response:
    """The unit's standard times and staffed hours, editable, and the history of their changes."""
    return _inputs(request, ctx, till, saved=request.query_params.get("sparat", ""))


@router.post(INPUTS + "/standardtider")
def standard_times_save(request: Request, ctx: ManagerCtx, form: RequestForm) -> Response:
    """Save the standard times: empty means none (not counted); all or nothing."""
    errors: dict[str, str] = {}
    values: dict[str, int | None] = {}
    typed = {k: str(v) for k, v in form.items() if k.startswith("m_")}
    for key, raw in typed.items():
        kind, text = key[2:], raw.strip()
        minutes = parse_int(text) if text else None
        if text and minutes is None:
            errors[kind] = _("Ange ett helt antal minuter, eller lämna tomt för ingen standardtid.")
        values[kind] = minutes
    if not errors:
        try:
            staffing.set_standard_times(ctx.db, actor=ctx.actor, values=values)
        except ValidationFailed as exc:
            errors = exc.errors
    if errors:
        ctx.db.rollback()
        return _inputs(request, ctx, None, errors={f"m_{k}": v for k, v in errors.items()},
                       typed=typed, status=422)
    return RedirectResponse(INPUTS + "?sparat=standardtider", status_code=303)


@router.post(INPUTS + "/timmar")
def staffed_save(request: Request, ctx: ManagerCtx, form: RequestForm) -> Response:
    """Save the staffed hours per month, typed as hours or as full-time equivalents."""
    errors: dict[str, str] = {}
    values: dict[date, int | None] = {}
    typed = {k: str(v) for k, v in form.items() if k.startswith(("h_", "a_"))}
    for stamp in sorted({k[2:] for k in typed}):
        key = "h_" + stamp
        try:
            month = date.fromisoformat(stamp + "-01")
        except ValueError:
            errors[key] = _("Okänd månad.")
            continue
        try:
            amount = parse_amount(typed.get(key, ""))
            full_time = parse_amount(typed.get("a_" + stamp, ""))
        except ValueError:
            errors[key] = _("Skriv ett tal, t.ex. 412 eller 412,5.")
            continue
        if full_time is not None:
            from_fte = full_time * HOURS_PER_FTE
            if amount is not None and amount != from_fte:
                errors[key] = _("Ange antingen timmar eller årsarbetare, eller samma värde i båda.")
                continue
            amount = from_fte
        values[month] = None if amount is None else int((amount * 60).to_integral_value())
    if not errors:
        try:
            staffing.set_staffed(ctx.db, actor=ctx.actor, values=values)
        except ValidationFailed as exc:
            errors = {f"h_{k}": v for k, v in exc.errors.items()}
    if errors:
        ctx.db.rollback()
        return _inputs(request, ctx, str(form.get("till", "")) or None, errors=errors,
                       typed=typed, status=422)
    return RedirectResponse(INPUTS + "?sparat=timmar", status_code=303)
