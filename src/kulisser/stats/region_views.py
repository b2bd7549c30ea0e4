"""The region's view (``/oversikt/region``): every unit side by side, for region administrators.

Aggregates only (``kulisser.stats.region``): no patient and no person, so no audit rows. The
table sorts on the server (``?sort=klara``, ``?sort=-klara`` for largest first): each column
heading is a link, so sorting needs no script and is reached with the keyboard. A unit's name
opens its overview (``/oversikt?enhet=ID``, for this role only). The chart compares the units
in the table's order; its numbers are the table, and the CSV is the same rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup, escape

from kulisser.bounds import parse_day
from kulisser.db import utcnow
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.i18n import _
from kulisser.staff.service import Role
from kulisser.stats import aggregate, charts, region, service
from kulisser.stats.aggregate import local_day
from kulisser.stats.region import COLUMN_LABELS, Column, Region
from kulisser.stats.service import PERIOD_LABELS
from kulisser.stats.views import change, day_label, duration
from kulisser.web import csv as csv_export
from kulisser.web.deps import Ctx, CurrentCtx
from kulisser.web.templating import render

router = APIRouter(include_in_schema=False)

BAR_H, GAP, LABEL_W, NUMBER_W = 7, 6, 190, 40


def check_region_admin(ctx: Ctx) -> None:
    """Only a region administrator sees every unit."""
    if ctx.actor.role is not Role.REGION_ADMIN:
        raise Forbidden(_("Regionens översikt är till för regionadministratörer."))


def parse_until(value: str | None) -> date:
    """The last day of the period (default today), between 1900 and 2999."""
    if not value:
        return local_day(utcnow())
    try:
        return parse_day(value)
    except ValueError:
        raise ValidationFailed({"till": _("Datumet ska skrivas ÅÅÅÅ-MM-DD.")}) from None


def load(ctx: Ctx, *, period: str | None, till: str | None, typ: str | None,
         sort: str | None) -> Region:
    """The region's view for a request's parameters; a clear error for a bad one."""
    check_region_admin(ctx)
    column, descending = region.parse_sort(sort)
    return region.region(ctx.db, period=service.parse_period(period), until=parse_until(till),
                         kind=(typ or "").strip()[:40] or None, sort=column, descending=descending)


def compare_chart(rg: Region) -> Markup:
    """Horizontal bars per unit (incoming, done, open at the end), in the table's order.

    Horizontal, because 40 units' names do not fit under vertical bars. The three series differ
    by pattern (solid, hatched, dotted), as in every chart of ``charts``; each bar has its number.
    """
    key = "region"
    series = [(_("Inkommande"), [u.figures.incoming for u in rg.units]),
              (_("Klara"), [u.figures.done for u in rg.units]),
              (_("Öppna vid periodens slut"), [u.figures.open_total for u in rg.units])]
    top = max([1, *(v for _n, values in series for v in values)])
    row_h = BAR_H * len(series) + GAP
    height = charts.TOP + 18 * len(series) + row_h * len(rg.units) + 10
    plot_w = charts.WIDTH - LABEL_W - NUMBER_W
    body: list[str] = []
    for n, (name, _v) in enumerate(series):  # legend above the bars
        x, y = LABEL_W + n * 150, charts.TOP - 14
        body.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{_fill(key, n)}" '
                    f'stroke="{charts.INK}" stroke-width="0.5"/><text x="{x + 18}" y="{y + 10}" '
                    f'font-size="11" fill="{charts.INK}">{escape(name)}</text>')
    y0 = charts.TOP + 18
    for i, unit in enumerate(rg.units):
        y = y0 + i * row_h
        body.append(f'<text x="{LABEL_W - 6}" y="{y + row_h / 2 + 1:.1f}" text-anchor="end" '
                    f'font-size="11" fill="{charts.INK}">{escape(unit.name[:32])}</text>')
        for n, (name, values) in enumerate(series):
            w = plot_w * values[i] / top
            by = y + n * BAR_H
            text = charts.number(values[i])
            body.append(f'<rect x="{LABEL_W}" y="{by}" width="{w:.1f}" height="{BAR_H}" '
                        f'fill="{_fill(key, n)}" stroke="{charts.INK}" stroke-width="0.5">'
                        f'<title>{escape(unit.name)}, {escape(name)}: {escape(text)}</title></rect>'
                        f'<text x="{LABEL_W + w + 3:.1f}" y="{by + BAR_H - 0.5}" font-size="8" '
                        f'fill="{charts.INK}">{escape(text)}</text>')
    body.append(f'<line x1="{LABEL_W}" x2="{LABEL_W}" y1="{y0 - 2}" y2="{height - 8}" '
                f'stroke="{charts.MUTED}"/>')
    title = _("Enheterna jämförda: inkommande, klara och öppna")
    desc = _("{n} enheter, {i} inkommande och {d} klara ärenden {a}–{b}, {o} öppna vid slutet.",
             n=len(rg.units), i=rg.total.incoming, d=rg.total.done, a=day_label(rg.start),
             b=day_label(rg.end), o=rg.total.open_total)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" '
            f'viewBox="0 0 {charts.WIDTH} {height}" role="img" '
            f'aria-labelledby="{key}-title {key}-desc"><title id="{key}-title">{escape(title)}'
            f'</title><desc id="{key}-desc">{escape(desc)}</desc>')
    # Every text went through escape(); the rest is our own markup.
    return Markup(head + _defs(key) + "".join(body) + "</svg>")  # noqa: S704


def _defs(key: str) -> str:
    # The same hatched and dotted fills as charts.py, under this chart's own ids.
    return (f'<defs><pattern id="{key}-p1" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{charts.COLOR}" stroke-width="3"/>'
            f'</pattern><pattern id="{key}-p2" width="5" height="5" '
            f'patternUnits="userSpaceOnUse"><rect width="5" height="5" fill="#fff"/>'
            f'<circle cx="2.5" cy="2.5" r="1.3" fill="{charts.INK}"/></pattern></defs>')


def _fill(key: str, n: int) -> str:
    return charts.COLOR if n == 0 else f"url(#{key}-p{min(n, 2)})"


def _query(rg: Region, **override: str) -> str:
    """The page's query string with some parameters changed (period, day, kind, sort)."""
    values = {"period": rg.period.value, "till": rg.end.isoformat(), "typ": rg.kind or "",
              "sort": ("-" if rg.descending else "") + rg.sort}
    values.update(override)
    return urlencode({k: v for k, v in values.items() if v})


def sort_links(rg: Region) -> list[dict[str, Any]]:
    """Each column's heading: its label, the link that sorts by it, and its aria-sort state.

    The first click sorts names A-Ö and figures largest first; clicking the sorted column again
    turns the order round.
    """
    out = []
    for column in Column:
        current = rg.sort == column.value
        descending = not rg.descending if current else column is not Column.NAME
        state = ("descending" if rg.descending else "ascending") if current else None
        out.append({"column": column.value, "label": _(COLUMN_LABELS[column]), "aria_sort": state,
                    "href": "/oversikt/region?" + _query(
                        rg, sort=("-" if descending else "") + column.value)})
    return out


@router.get("/oversikt/region")
def region_page(request: Request, ctx: CurrentCtx, period: str | None = None,
                till: str | None = None, typ: str | None = None,
                sort: str | None = None) -> Response:
    """Every care unit's figures side by side, sortable, with drill-down and CSV."""
    rg = load(ctx, period=period, till=till, typ=typ, sort=sort)
    return render(request, "stats/region.html", {
        "rg": rg, "chart": compare_chart(rg), "periods": PERIOD_LABELS, "headings": sort_links(rg),
        "kinds": region.kinds(ctx.db, first=rg.previous_start, last=rg.end),
        "query": _query(rg), "drill": _query(rg, sort="", typ=""), "nav": "region",
        "day_label": day_label, "duration": duration, "change": change, "number": charts.number,
        "updated": None if rg.updated is None else
        rg.updated.astimezone(aggregate.TZ).strftime("%Y-%m-%d %H:%M")})


def csv_region(rg: Region) -> str:
    """The units' figures as CSV (Swedish Excel), in the page's order, and the region's total."""
    header = [_("Enhet"), _("Enhetens id"), _("Inkommande"), _("Inkommande föregående period"),
              _("Klara"), _("Klara föregående period"), _("Makulerade"), _("Öppna"),
              _("Öppna 0–2 dagar"), _("Öppna 3–14 dagar"), _("Öppna över 14 dagar"),
              _("Försenade"), _("Ledtid median (timmar)"), _("Ledtid 90:e percentil (timmar)"),
              _("Äldsta öppna (dagar)")]
    rows: list[list[Any]] = []
    for u in rg.units:
        f = u.figures
        rows.append([u.name, u.unit_id, f.incoming, f.previous_incoming, f.done, f.previous_done,
                     f.cancelled, f.open_total, f.open_0_2, f.open_3_14, f.open_over_14,
                     f.overdue, f.median_hours, f.p90_hours, u.oldest_days])
    t = rg.total
    oldest = None if t.oldest_created_at is None else (rg.end - local_day(t.oldest_created_at)).days
    rows.append([t.label, "", t.incoming, t.previous_incoming, t.done, t.previous_done,
                 t.cancelled, t.open_total, t.open_0_2, t.open_3_14, t.open_over_14, t.overdue,
                 t.median_hours, t.p90_hours, oldest])
    return csv_export.document(header, rows)


@router.get("/oversikt/region.csv")
def region_csv(ctx: CurrentCtx, period: str | None = None, till: str | None = None,
               typ: str | None = None, sort: str | None = None) -> Response:
    """The region's view as CSV: one row per unit and one for the region."""
    rg = load(ctx, period=period, till=till, typ=typ, sort=sort)
    return csv_export.attachment(
        csv_region(rg), f"kulisser-region-{rg.period.value}-{rg.end.isoformat()}.csv")
