"""The unit's overview (``/oversikt``): the flow of work, the backlog and turnaround, as charts.

Aggregates only (``kulisser.stats.service``): no patient and no person is shown, so these routes
write no audit rows and secretaries see the same page as their manager. Each chart has its
numbers as a table one click away and as CSV.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kulisser.db import utcnow
from kulisser.errors import Forbidden
from kulisser.i18n import _
from kulisser.staff.service import Role
from kulisser.stats import (
    aggregate,
    chain_views,
    charts,
    domains,
    region,
    report_views,
    service,
    srhelp,
    team_views,
)
from kulisser.stats.aggregate import local_day
from kulisser.stats.region_sections import drilled_unit
from kulisser.stats.service import PERIOD_LABELS, KindFigures, Overview, Period
from kulisser.stats.staffing_views import section as staffing_section
from kulisser.web import csv as csv_export
from kulisser.web.deps import Ctx, CurrentCtx
from kulisser.web.templating import render

router = APIRouter(include_in_schema=False)

ALLOWED = (Role.SECRETARY, Role.MANAGER, Role.ADMIN, Role.REGION_ADMIN)
# The page's further sections, in page order: (template, function of the request's context and
# the overview giving the template's variables as `s`, or None to leave the section out). Each
# part of the picture (dictation chain, other domains' figures, team, staffing) adds one line.
SECTIONS: list[tuple[str, Callable[[Ctx, Overview], dict[str, Any] | None]]] = [
    ("stats/_chain.html", chain_views.section),
    ("stats/_domains.html", domains.section),
    ("stats/_team.html", team_views.section),  # the team's load (issue 15 item 3)
    ("stats/_staffing.html", staffing_section),
    ("stats/_srhelp.html", srhelp.section),  # does speech recognition help (item 8)
    ("stats/_report.html", report_views.overview_section),  # the monthly reports (item 5)
]
# The sections' templates a region administrator may see on a unit's overview: aggregates of the
# unit only (no person, no patient), computed for the unit in ctx.actor.unit_id. Opt-in; their
# CSV links carry `enhet` and are inside her gate (region_sections, web.deps.REGION_PATHS).
REGION_SECTIONS: set[str] = {"stats/_chain.html", "stats/_domains.html", "stats/_staffing.html",
                             "stats/_srhelp.html"}
MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def _check(ctx: Ctx) -> None:
    if ctx.actor.role not in ALLOWED:
        raise Forbidden(_("Översikten är till för sekreterare och enhetschefer."))


def overview_unit(ctx: Ctx, enhet: str | None) -> int:
    """The unit whose overview is asked for: one's own; any unit only for a region administrator
    (who has no unit of her own to see: without `enhet` she goes to the region's view)."""
    return drilled_unit(ctx, enhet)


def day_label(d: date) -> str:
    """A short Swedish date: "5 dec"."""
    return f"{d.day} {MONTHS[d.month - 1]}"


def bucket_label(d: date, *, weekly: bool) -> str:
    """A flow bucket's label: the day, or "v. 49" for a week."""
    return _("v. {n}", n=d.isocalendar().week) if weekly else day_label(d)


def duration(hours: int | None) -> str:
    """A turnaround in words: hours up to two days, days after."""
    if hours is None:
        return "–"
    if hours <= 48:
        return _("{n} tim", n=hours)
    return _("{n} dagar", n=charts.number(hours / 24))


def change(now: int, before: int) -> str:
    """The change from the previous period: "+12 %" or "–" when there was nothing before."""
    if before == 0:
        return "–"
    pct = (now - before) / before * 100
    return ("+" if pct > 0 else "") + charts.number(pct) + " %"


def oldest_days(ov: Overview, f: KindFigures) -> int | None:
    """How many days old the oldest open item was at the end of the period."""
    return None if f.oldest_created_at is None else (ov.end - local_day(f.oldest_created_at)).days


def _days(hours: float) -> str:
    return charts.number(hours / 24, 1)


def build_charts(ov: Overview) -> dict[str, Any]:
    """The page's four charts (SVG Markup), each with a title and description in Swedish."""
    weekly = ov.period in (Period.QUARTER, Period.YEAR)
    labels = [bucket_label(d, weekly=weekly) for d, _i, _d in ov.buckets]
    kinds = [f.label for f in ov.kinds]
    per = _("vecka") if weekly else _("dag")
    return {
        "flow": charts.line_chart(
            "flow", title=_("Inkommande och klara per {per}", per=per),
            desc=_("{i} inkommande och {d} klara ärenden {a}–{b}.", i=ov.total.incoming,
                   d=ov.total.done, a=day_label(ov.start), b=day_label(ov.end)),
            labels=labels, series=[(_("Inkommande"), [float(i) for _d, i, _x in ov.buckets]),
                                   (_("Klara"), [float(x) for _d, _i, x in ov.buckets])]),
        "compare": charts.bar_chart(
            "compare", title=_("Inkommande per typ, jämfört med föregående period"),
            desc=_("{now} inkommande i perioden, {before} samma dagar i föregående period.",
                   now=ov.total.incoming, before=ov.total.previous_incoming),
            labels=kinds, series=[(_("Denna period"), [float(f.incoming) for f in ov.kinds]),
                                  (_("Föregående"), [float(f.previous_incoming) for f in ov.kinds])]),
        "backlog": charts.stacked_bars(
            "backlog", title=_("Öppna ärenden efter ålder"),
            desc=_("{n} öppna ärenden vid periodens slut, {o} försenade.", n=ov.total.open_total,
                   o=ov.total.overdue),
            labels=kinds, segments=[_("0–2 dagar"), _("3–14 dagar"), _("över 14 dagar")],
            values=[[f.open_0_2, f.open_3_14, f.open_over_14] for f in ov.kinds]),
        "turnaround": charts.bar_chart(
            "turnaround", title=_("Ledtid från nytt till klart, dagar"),
            desc=_("Median {m} och 90:e percentil {p} för alla typer.",
                   m=duration(ov.total.median_hours), p=duration(ov.total.p90_hours)),
            labels=kinds, fmt=lambda v: charts.number(v, 1),
            series=[(_("Median"), [None if f.median_hours is None else f.median_hours / 24
                                   for f in ov.kinds]),
                    (_("90:e percentil"), [None if f.p90_hours is None else f.p90_hours / 24
                                           for f in ov.kinds])]),
    }


def _overview(ctx: Ctx, period: str | None, till: str | None, typ: str | None,
              unit_id: int) -> Overview:
    _check(ctx)
    until = service.parse_day(till, default=local_day(utcnow()))
    return service.overview(ctx.db, unit_id=unit_id, period=service.parse_period(period),
                            until=until, kind=typ or None)


@router.get("/oversikt")
def overview_page(request: Request, ctx: CurrentCtx, period: str | None = None,
                  till: str | None = None, typ: str | None = None,
                  enhet: str | None = None) -> Response:
    """The unit's overview for a week, month, quarter or year, with the period before."""
    unit_id = overview_unit(ctx, enhet)
    ov = _overview(ctx, period, till, typ, unit_id)
    kinds = service.kinds_of(ctx.db, unit_id=unit_id)
    region_admin = ctx.actor.role is Role.REGION_ADMIN
    # The region administrator's sections are computed as if she worked in the unit she opened.
    section_ctx = replace(ctx, actor=replace(ctx.actor, unit_id=unit_id, unit_ids=(unit_id,))) \
        if region_admin else ctx
    sections = [(template, data) for template, section in SECTIONS
                if not region_admin or template in REGION_SECTIONS
                if (data := section(section_ctx, ov)) is not None]
    return render(request, "stats/overview.html", {
        "ov": ov, "charts": build_charts(ov), "periods": PERIOD_LABELS, "typ": typ or "",
        "kinds": [(k, service.kind_label(k)) for k in kinds],
        "query": {"period": ov.period.value, "till": till or "", "typ": typ or "",
                  "enhet": str(unit_id) if region_admin else ""},
        "unit_name": region.unit_name(ctx.db, unit_id=unit_id) if region_admin else "",
        "weekly": ov.period in (Period.QUARTER, Period.YEAR), "bucket_label": bucket_label,
        "day_label": day_label, "duration": duration, "change": change, "oldest_days": oldest_days,
        "number": charts.number, "nav": "overview", "sections": sections,
        "updated": None if ov.updated is None else
        ov.updated.astimezone(aggregate.TZ).strftime("%Y-%m-%d %H:%M")})


def csv_kinds(ov: Overview) -> str:
    """The figures per kind as CSV (Swedish Excel): one row per kind and one for all."""
    header = [_("Typ"), _("Inkommande"), _("Inkommande föregående period"), _("Klara"),
              _("Klara föregående period"), _("Makulerade"), _("Ledtid median (timmar)"),
              _("Ledtid 90:e percentil (timmar)"), _("Öppna"), _("Öppna 0–2 dagar"),
              _("Öppna 3–14 dagar"), _("Öppna över 14 dagar"), _("Försenade"),
              _("Äldsta öppna (dagar)"), _("Klara inom utsatt tid"),
              _("Andel inom utsatt tid (%)"), _("Andel inom utsatt tid föregående period (%)")]
    rows = [[f.label, f.incoming, f.previous_incoming, f.done, f.previous_done, f.cancelled,
             f.median_hours, f.p90_hours, f.open_total, f.open_0_2, f.open_3_14, f.open_over_14,
             f.overdue, oldest_days(ov, f), f.done_in_time, _share(f.in_time_share),
             _share(f.previous_in_time_share)] for f in [*ov.kinds, ov.total]]
    return csv_export.document(header, rows)


def _share(value: float | None) -> str:
    return "" if value is None else charts.number(value, 1)


def csv_flow(ov: Overview) -> str:
    """Incoming and done per day (or week) as CSV."""
    weekly = ov.period in (Period.QUARTER, Period.YEAR)
    header = [_("Vecka från") if weekly else _("Dag"), _("Inkommande"), _("Klara")]
    return csv_export.document(header, [[d.isoformat(), i, x] for d, i, x in ov.buckets])


@router.get("/oversikt.csv")
def overview_csv(ctx: CurrentCtx, period: str | None = None, till: str | None = None,
                 typ: str | None = None, figur: str | None = None,
                 enhet: str | None = None) -> Response:
    """The overview's figures as CSV: per kind (default), the flow, or the dictation chain."""
    unit_id = overview_unit(ctx, enhet)
    ov = _overview(ctx, period, till, typ, unit_id)
    name = f"kulisser-oversikt-{ov.period.value}-{ov.end.isoformat()}"
    if figur == "flode":
        return csv_export.attachment(csv_flow(ov), f"{name}-flode.csv")
    if figur == "diktat":
        chain = chain_views.figures(ctx.db, unit_id=unit_id, ov=ov)
        return csv_export.attachment(chain_views.csv_chain(chain), f"{name}-diktat.csv")
    return csv_export.attachment(csv_kinds(ov), f"{name}.csv")
