"""The other domains' figures on ``/oversikt``: referrals, results, the care guarantee,
call-backs, record copies and coding, as the section ``stats/_domains.html`` and its CSV.

Each figure is one aggregate read through the domain's ``service`` module (counts and dates,
never a patient), so neither the page nor the CSV is a patient access and nothing is logged.
States ("awaiting now") are as of today; flows and shares are for the overview's period,
beside the same days of the period before. The share of items done within their due time
per kind comes from the daily aggregate (``stats_work_day.done_in_time``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.orm import Session

from kulisser.coding import service as coding
from kulisser.db import utcnow
from kulisser.errors import Forbidden
from kulisser.i18n import _
from kulisser.records import service as records
from kulisser.referrals import service as referrals
from kulisser.results import service as results
from kulisser.staff.service import Role
from kulisser.stats import charts, service
from kulisser.stats.aggregate import day_start, local_day
from kulisser.stats.region_sections import drilled_unit
from kulisser.stats.service import Overview
from kulisser.waitlist import service as waitlist
from kulisser.web import csv as csv_export
from kulisser.web.deps import Ctx, CurrentCtx

router = APIRouter(include_in_schema=False)

ALLOWED = (Role.SECRETARY, Role.MANAGER, Role.ADMIN)  # as the overview itself
CALLBACK = "callback"
OUTLOOK_DAYS = 30
MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
          "oktober", "november", "december")


@dataclass
class Share:
    """A share with its counts, this period and the one before (None where nothing was counted)."""

    label: str
    part: int
    whole: int
    previous_part: int
    previous_whole: int

    @property
    def now(self) -> float | None:
        """This period's share in per cent."""
        return None if not self.whole else 100 * self.part / self.whole

    @property
    def before(self) -> float | None:
        """The previous period's share in per cent."""
        return None if not self.previous_whole else 100 * self.previous_part / self.previous_whole


@dataclass
class Figures:
    """Everything the section shows, for one unit and period (no patient in it)."""

    today: date
    referrals: referrals.AwaitingAssessment
    referrals_received: tuple[int, int]  # this period, previous
    results: results.AwaitingSignature
    results_signed: tuple[int, int]
    outlook: waitlist.Outlook
    shares: list[Share]  # guarantee, call-backs, record copies, coding
    month: coding.MonthCompleteness


def _previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_label(month: date) -> str:
    """A month in Swedish words: "november 2026"."""
    return f"{MONTHS[month.month - 1]} {month.year}"


def collect(session: Session, *, unit_id: int, ov: Overview, today: date) -> Figures:
    """Read every domain's figures for the unit and the overview's period."""
    periods = ((ov.start, ov.end), (ov.previous_start, ov.previous_end))
    compliance = [waitlist.compliance(session, unit_id=unit_id, first=a, last=b) for a, b in periods]
    copies = [records.copy_figures(session, unit_id=unit_id, first=a, last=b, today=today)
              for a, b in periods]
    callback = service.overview(session, unit_id=unit_id, period=ov.period, until=ov.end,
                                kind=CALLBACK).total
    month = coding.month_completeness(session, unit_id=unit_id, month=ov.end)
    last_month = coding.month_completeness(session, unit_id=unit_id, month=_previous_month(ov.end))
    shares = [
        Share(_("Nybesök och behandlingar inom vårdgarantin"), compliance[0].within,
              compliance[0].ended, compliance[1].within, compliance[1].ended),
        Share(_("Återuppringningar inom utsatt tid"), callback.done_in_time, callback.done,
              callback.previous_done_in_time, callback.previous_done),
        Share(_("Journalkopior inom måldatum"), copies[0].within_target, copies[0].handled,
              copies[1].within_target, copies[1].handled),
        Share(_("Kodade kontakter, månaden hittills"), month.coded, month.reportable,
              last_month.coded, last_month.reportable),
    ]
    return Figures(
        today=today,
        referrals=referrals.awaiting_assessment(session, unit_id=unit_id, today=today),
        referrals_received=tuple(  # type: ignore[arg-type]
            referrals.received_between(session, unit_id=unit_id, first=a, last=b)
            for a, b in periods),
        results=results.awaiting_signature(
            session, unit_id=unit_id,
            day_starts=(day_start(today - timedelta(days=2)), day_start(today - timedelta(days=14)))),
        results_signed=tuple(  # type: ignore[arg-type]
            results.signed_between(session, unit_id=unit_id, start=day_start(a),
                                   end=day_start(b + timedelta(days=1))) for a, b in periods),
        outlook=waitlist.outlook(session, unit_id=unit_id, today=today, days=OUTLOOK_DAYS),
        shares=shares, month=month)


def weeks_ahead(fig: Figures) -> list[tuple[date, int]]:
    """Breaches to come per week from today (the window cut in 7-day steps), every week present."""
    out = []
    for n in range(0, OUTLOOK_DAYS, 7):
        first = fig.today + timedelta(days=n)
        out.append((first, sum(c for d, c in fig.outlook.upcoming.items()
                                if first <= d < first + timedelta(days=7))))
    return out


def percent(value: float | None) -> str:
    """A share as Swedish text: "87 %", or "–" when there was nothing to count."""
    return "–" if value is None else charts.number(value) + " %"


def _pct(value: float) -> str:
    return charts.number(value) + " %"


def build_charts(ov: Overview, fig: Figures) -> dict[str, Any]:
    """The section's four charts (SVG Markup), each with a Swedish title and description."""
    kinds = [f for f in ov.kinds if f.done]
    weeks = weeks_ahead(fig)
    awaiting: list[referrals.AwaitingAssessment | results.AwaitingSignature] = [
        fig.referrals, fig.results]
    return {
        "in_time": charts.bar_chart(
            "intime", title=_("Klara inom utsatt tid, per typ (andel)"),
            desc=_("{p} av alla klara ärenden i perioden blev klara inom sin utsatta tid.",
                   p=percent(ov.total.in_time_share)),
            labels=[f.label for f in kinds], fmt=_pct,
            series=[(_("Denna period"), [f.in_time_share for f in kinds]),
                    (_("Föregående"), [f.previous_in_time_share for f in kinds])]),
        "shares": charts.bar_chart(
            "shares", title=_("I tid: vårdgaranti, återuppringningar, journalkopior, kodning"),
            desc=_("Andel i tid denna period jämfört med samma dagar i föregående period; "
                   "kodningen för månaden jämfört med förra månaden."),
            labels=[_("Vårdgaranti"), _("Återuppringning"), _("Journalkopior"), _("Kodning")],
            fmt=_pct, series=[(_("Denna period"), [s.now for s in fig.shares]),
                              (_("Föregående"), [s.before for s in fig.shares])]),
        "awaiting": charts.stacked_bars(
            "awaiting", title=_("Remisser att bedöma och provsvar att vidimera, efter ålder"),
            desc=_("{r} remisser väntar på bedömning och {s} provsvar på vidimering i dag.",
                   r=fig.referrals.total, s=fig.results.total),
            labels=[_("Remisser"), _("Provsvar")],
            segments=[_("0–2 dagar"), _("3–14 dagar"), _("över 14 dagar")],
            values=[[a.age_0_2, a.age_3_14, a.age_over_14] for a in awaiting]),
        "breaches": charts.bar_chart(
            "breaches", title=_("Kommande vårdgarantibrott, per vecka framåt"),
            desc=_("{n} väntande passerar sin garantidag inom {d} dagar om de inte får tid; "
                   "{p} har redan passerat den.", n=fig.outlook.upcoming_total, d=OUTLOOK_DAYS,
                   p=fig.outlook.past_due),
            labels=[_("från {d}", d=f"{d.day}/{d.month}") for d, _n in weeks],
            series=[(_("Passerar garantidagen"), [float(n) for _d, n in weeks])]),
    }


def _check(ctx: Ctx) -> None:
    if ctx.actor.role not in ALLOWED:
        raise Forbidden(_("Översikten är till för sekreterare och enhetschefer."))


def section(ctx: Ctx, ov: Overview) -> dict[str, Any]:
    """The template variables of ``stats/_domains.html`` (``s``) for the overview shown."""
    today = local_day(utcnow())
    fig = collect(ctx.db, unit_id=ctx.actor.unit_id, ov=ov, today=today)
    return {"fig": fig, "charts": build_charts(ov, fig), "percent": percent,
            "weeks": weeks_ahead(fig), "month_label": month_label,
            "days_since": lambda d: None if d is None else (today - d).days,
            "local_day": local_day, "outlook_days": OUTLOOK_DAYS}


def csv_rows(fig: Figures) -> list[list[object]]:
    """The section's figures as rows: figure, part, this period, previous period."""
    def share(value: float | None) -> str:
        return "" if value is None else charts.number(value, 1)

    now, before = _("I dag"), ""
    rows: list[list[object]] = []
    waiting: list[tuple[str, referrals.AwaitingAssessment | results.AwaitingSignature,
                        tuple[int, int]]] = [
        (_("Remisser att bedöma"), fig.referrals, fig.referrals_received),
        (_("Provsvar att vidimera"), fig.results, fig.results_signed)]
    for name, a, received in waiting:
        rows += [[name, _("Totalt"), now, a.total, before],
                 [name, _("0–2 dagar"), now, a.age_0_2, before],
                 [name, _("3–14 dagar"), now, a.age_3_14, before],
                 [name, _("över 14 dagar"), now, a.age_over_14, before]]
        flow = _("Mottagna") if a is fig.referrals else _("Vidimerade")
        rows.append([name, flow, _("Perioden"), received[0], received[1]])
    oldest = fig.referrals.oldest_received_on
    rows.append([_("Remisser att bedöma"), _("Äldsta (dagar sedan mottagen)"), now,
                 "" if oldest is None else (fig.today - oldest).days, before])
    rows.append([_("Provsvar att matcha"), _("Totalt"), now, fig.results.unmatched, before])
    for s in fig.shares:
        rows += [[s.label, _("Andel (%)"), _("Perioden"), share(s.now), share(s.before)],
                 [s.label, _("I tid"), _("Perioden"), s.part, s.previous_part],
                 [s.label, _("Totalt"), _("Perioden"), s.whole, s.previous_whole]]
    rows.append([_("Vårdgaranti"), _("Passerar garantidagen inom {d} dagar", d=OUTLOOK_DAYS), now,
                 fig.outlook.upcoming_total, before])
    rows.append([_("Vårdgaranti"), _("Redan passerat garantidagen"), now, fig.outlook.past_due,
                 before])
    rows += [[_("Vårdgaranti"), _("Passerar garantidagen veckan från {d}", d=d.isoformat()), now,
              n, before] for d, n in weeks_ahead(fig)]
    return rows


@router.get("/oversikt/domaner.csv")
def domains_csv(ctx: CurrentCtx, period: str | None = None, till: str | None = None,
                enhet: str | None = None) -> Response:
    """The domains' figures (referrals, results, guarantee, call-backs, copies, coding) as CSV."""
    unit_id = drilled_unit(ctx, enhet)  # a region administrator's drilled-down unit
    if ctx.actor.role is not Role.REGION_ADMIN:
        _check(ctx)
    today = local_day(utcnow())
    until = service.parse_day(till, default=today)
    ov = service.overview(ctx.db, unit_id=unit_id, period=service.parse_period(period),
                          until=until)
    fig = collect(ctx.db, unit_id=unit_id, ov=ov, today=today)
    header = [_("Figur"), _("Del"), _("Avser"), _("Värde"), _("Föregående period")]
    name = f"kulisser-oversikt-domaner-{ov.period.value}-{ov.end.isoformat()}.csv"
    return csv_export.attachment(csv_export.document(header, csv_rows(fig)), name)
