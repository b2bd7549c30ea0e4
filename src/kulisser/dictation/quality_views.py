"""The unit manager's page of dictation quality figures, with charts and a CSV export.

Aggregates only (kulisser.dictation.quality): no patient is shown or exported, so these
routes write no audit rows. Charts are inline SVG laid out here, with the same figures in
tables below them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kulisser.dictation import quality, recognizer_help
from kulisser.dictation.quality import BACKLOG_BUCKETS, PRIORITIES, MonthFigures, QualityReport
from kulisser.i18n import _, ngettext
from kulisser.web import csv as csv_export
from kulisser.web.deps import ManagerCtx
from kulisser.web.templating import render
from kulisser.worklist.service import PRIORITY_LABELS, Priority

router = APIRouter(include_in_schema=False)

MONTH_NAMES = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 52, 8, 10, 26
BAR_COLOR, MARK_COLOR = "#0b5cad", "#8a5300"  # app.css palette (WCAG AA on white)


# -- formatting (Swedish: decimal comma; "–" where there is no figure) ----------------------

def number(value: float | None, digits: int = 1) -> str:
    """A number with a decimal comma, or "–"."""
    if value is None:
        return "–"
    return f"{value:.{digits}f}".replace(".", ",")


def percent(value: float | None, digits: int = 1) -> str:
    """A share as a percentage ("30,8 %"), or "–"."""
    return "–" if value is None else f"{number(value * 100, digits)} %"


def month_label(day: date) -> str:
    """"jan 2026"."""
    return f"{MONTH_NAMES[day.month - 1]} {day.year}"


# -- charts ----------------------------------------------------------------------------------

@dataclass
class Bar:
    """One bar, in SVG user units."""

    label: str
    text: str  # the value as shown
    x: float
    y: float
    width: float
    height: float


@dataclass
class Chart:
    """A bar chart (with optional markers, e.g. the median over the mean) for an inline SVG."""

    title: str
    desc: str
    bars: list[Bar]
    ticks: list[tuple[str, float]]  # (text, y)
    labels: list[tuple[str, float]]  # (text, x)
    marks: list[tuple[float, float, str]] = field(default_factory=list)  # (x, y, title)
    bar_legend: str = ""
    mark_legend: str = ""
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    base: int = HEIGHT - BOTTOM
    bar_color: str = BAR_COLOR
    mark_color: str = MARK_COLOR


def nice_top(peak: float, *, integer: bool = False) -> tuple[float, float]:
    """A round axis maximum at or above the peak and its tick step (1, 2 or 5 times 10^k).

    integer: counts, whose ticks must be whole numbers.
    """
    if peak <= 0:
        return 1.0, 1.0
    raw = peak / 4
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-9))
    if integer:
        step = max(1.0, round(step))
    return step * math.ceil(peak / step - 1e-9), step


def bar_chart(items: Sequence[tuple[str, float | None]], *, title: str, desc: str,
              fmt: Callable[[float | None], str], marks: Sequence[float | None] = (),
              bar_legend: str = "", mark_legend: str = "", integer: bool = False) -> Chart:
    """Lay out one bar per item (None: no bar) and an optional marker per item."""
    values = [v for _label, v in items if v is not None] + [m for m in marks if m is not None]
    top, step = nice_top(max(values, default=0), integer=integer)
    plot_w, plot_h, base = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM, HEIGHT - BOTTOM
    slot = plot_w / max(1, len(items))
    gap = slot * 0.25

    def y_of(value: float) -> float:
        return round(base - value / top * plot_h, 2)

    bars = [Bar(label=label, text=fmt(value), x=round(LEFT + i * slot + gap / 2, 2),
                y=y_of(value), width=round(slot - gap, 2), height=round(base - y_of(value), 2))
            for i, (label, value) in enumerate(items) if value is not None]
    ticks = [(fmt(i * step), y_of(i * step)) for i in range(round(top / step) + 1)]
    labels = [(label, round(LEFT + i * slot + slot / 2, 2)) for i, (label, _v) in enumerate(items)]
    chart_marks = [(round(LEFT + i * slot + slot / 2, 2), y_of(m), f"{items[i][0]}: {fmt(m)}")
                   for i, m in enumerate(marks) if m is not None]
    return Chart(title=title, desc=desc, bars=bars, ticks=ticks, labels=labels, marks=chart_marks,
                 bar_legend=bar_legend, mark_legend=mark_legend)


def _count(value: float | None) -> str:
    return "–" if value is None else number(value, 0)


def _pct0(value: float | None) -> str:
    return percent(value, 0)


def charts(report: QualityReport) -> dict[str, Chart]:
    """The page's three charts: dictations per month, draft error rate, backlog now."""
    months = report.months
    short = [f"{MONTH_NAMES[m.start.month - 1]}" for m in months]
    uploaded = sum(m.uploaded for m in months)
    with_wer = [m for m in months if m.wer_mean is not None]
    backlog = report.backlog_now
    return {
        "uploaded": bar_chart(
            [(s, float(m.uploaded)) for s, m in zip(short, months, strict=True)],
            title=_("Diktat per månad"), fmt=_count, integer=True,
            desc=ngettext("{d} diktat den senaste månaden.", "{d} diktat de senaste {n} månaderna.",
                          len(months), d=uploaded)),
        "wer": bar_chart(
            [(s, m.wer_mean) for s, m in zip(short, months, strict=True)],
            marks=[m.wer_median for m in months], fmt=_pct0,
            title=_("Utkastens ordfelfrekvens per månad"),
            desc=_("Medelvärde som stapel, median som punkt; {n} månader med utkast.",
                   n=len(with_wer)),
            bar_legend=_("Medelvärde"), mark_legend=_("Median")),
        "backlog": bar_chart(
            [(b.label, float(backlog.get(b.key, 0))) for b in BACKLOG_BUCKETS], fmt=_count,
            integer=True,
            title=_("Öppna diktat nu efter ålder"),
            desc=_("{n} öppna diktat.", n=sum(backlog.values()))),
    }


def help_chart(months: Sequence[recognizer_help.RecognizerHelp]) -> Chart:
    """Review minutes per audio minute: from the draft as bars, typed without one as points."""
    return bar_chart(
        [(MONTH_NAMES[m.month.month - 1],
          m.draft_minutes_per_audio_minute) for m in months],
        marks=[m.empty_minutes_per_audio_minute for m in months], fmt=number,
        title=_("Aktiva granskningsminuter per ljudminut"),
        desc=_("Median per månad: från utkast som stapel, utan utkast som punkt; "
               "{a} diktat från utkast och {b} utan.",
               a=sum(m.draft_count for m in months), b=sum(m.empty_count for m in months)),
        bar_legend=_("Från utkast"), mark_legend=_("Utan utkast"))


# -- the page and the export -----------------------------------------------------------------

PRIORITY_NAMES = {p.value: label for p, label in PRIORITY_LABELS.items()}


@router.get("/diktat/kvalitet")
def quality_page(request: Request, ctx: ManagerCtx) -> Response:
    """The unit's dictation figures per month for the last twelve months."""
    report = quality.unit_report(ctx.db, unit_id=ctx.actor.unit_id)
    helped = recognizer_help.last_months(ctx.db, unit_id=ctx.actor.unit_id, now=report.now)
    return render(request, "dictation/quality.html", {
        "help": list(reversed(helped)), "help_chart": help_chart(helped),
        "report": report, "months": list(reversed(report.months)), "charts": charts(report),
        "buckets": BACKLOG_BUCKETS, "priorities": PRIORITIES,
        "priority_names": {k: _(v) for k, v in PRIORITY_NAMES.items()},
        "month_label": month_label, "number": number, "percent": percent,
        "nav": "dictation_quality"})


def csv_header() -> list[str]:
    """The export's column names (Swedish)."""
    return [_("Månad"), _("Uppladdade diktat"), _("Ljudminuter"), _("Signerade diktat"),
            *[_("Median ledtid {p} (timmar)", p=_(PRIORITY_LABELS[Priority(p)]).lower())
              for p in PRIORITIES],
            _("Öppna vid månadens slut"),
            *[_("Öppna {b}", b=b.label) for b in BACKLOG_BUCKETS],
            _("Signerade med utkast"), _("Ordfelfrekvens medel (%)"),
            _("Ordfelfrekvens median (%)"), _("Ändrade utkastord"), _("Varav markerade"),
            _("Markerade ords träffsäkerhet (%)")]


def csv_row(m: MonthFigures) -> list[object]:
    """One month as cells: numbers with a decimal comma for Swedish Excel, empty for none."""
    def opt(value: float | None, digits: int = 1) -> str:
        return "" if value is None else number(value, digits)

    def pct(value: float | None) -> str:
        return opt(None if value is None else value * 100)

    return [
        m.start.strftime("%Y-%m"), m.uploaded, opt(m.audio_minutes), m.signed,
        *[opt(m.turnaround_hours.get(p)) for p in PRIORITIES],
        m.backlog_total, *[m.backlog.get(b.key, 0) for b in BACKLOG_BUCKETS],
        m.drafts, pct(m.wer_mean), pct(m.wer_median), m.changed_words, m.marked_changed_words,
        pct(m.recall)]


def csv_text(report: QualityReport) -> str:
    """The report as CSV for Swedish Excel (semicolons, CRLF, BOM, formula-safe cells)."""
    return csv_export.document(csv_header(), (csv_row(m) for m in report.months))


@router.get("/diktat/kvalitet.csv")
def quality_csv(ctx: ManagerCtx) -> Response:
    """The same figures as CSV, one row per month, oldest first."""
    report = quality.unit_report(ctx.db, unit_id=ctx.actor.unit_id)
    local = report.now.astimezone(quality.TZ).date().isoformat()
    return csv_export.attachment(csv_text(report), f"kulisser-diktatkvalitet-{local}.csv")
