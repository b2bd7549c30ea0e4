"""The dictation chain's section of ``/oversikt`` and its CSV (``/oversikt.csv?figur=diktat``).

Reads ``stats_chain_day`` only (``chain``): the figures are sums per step, with no patient and
no person, so nothing here is a patient access and secretaries see the same as their manager.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.dictation import service as dictation
from kulisser.i18n import N_, _
from kulisser.stats import charts
from kulisser.stats.aggregate import Percentiles, percentile
from kulisser.stats.chain import STEPS
from kulisser.stats.chain_models import ChainDay
from kulisser.stats.service import Overview
from kulisser.web import csv as csv_export
from kulisser.web.deps import Ctx

# Short step names for the charts' axes (the tables and CSV use the domain's full labels).
AXIS_LABELS = {"dictated": N_("Dikterad"), "draft_ready": N_("Utkast"), "in_review": N_("Granskas"),
               "returned": N_("Fråga"), "awaiting_signature": N_("Signering")}


@dataclass
class StepFigures(Percentiles):
    """One step's figures for a period: its flow, time in it (of those that left it in the
    period: ``median_hours``, ``p90_hours``), and who waits at the end."""

    step: str
    label: str
    entered: int = 0
    left: int = 0
    previous_entered: int = 0
    hist: dict[int, int] = field(default_factory=dict)
    previous_hist: dict[int, int] = field(default_factory=dict)
    waiting: int = 0
    waiting_0_2: int = 0
    waiting_3_14: int = 0
    waiting_over_14: int = 0
    not_in_record_2: int = 0
    unsigned_14: int = 0
    previous_not_in_record_2: int = 0
    previous_unsigned_14: int = 0

    @property
    def previous_median_hours(self) -> int | None:
        """The previous period's median time in the step, hours."""
        return percentile(self.previous_hist, 50)


@dataclass
class ChainFigures:
    """The chain for a period: its steps, and the two targets now and in the previous period."""

    steps: list[StepFigures]
    signed: int
    previous_signed: int
    not_in_record_2: int
    unsigned_14: int
    previous_not_in_record_2: int
    previous_unsigned_14: int


def _rows(session: Session, unit_id: int, first: date, last: date) -> list[Any]:
    # Plain rows, not ORM objects: a year is a few thousand of them per unit.
    c = ChainDay
    return list(session.execute(select(
        c.day, c.step, c.entered, c.left, c.hours_hist, c.waiting, c.waiting_0_2, c.waiting_3_14,
        c.waiting_over_14, c.not_in_record_2, c.unsigned_14).where(
        c.unit_id == unit_id, c.day >= first, c.day <= last)))


def _add(hist: dict[int, int], stored: dict[str, Any] | None) -> None:
    for key, count in (stored or {}).items():
        hist[int(key)] = hist.get(int(key), 0) + int(count)


def figures(session: Session, *, unit_id: int, ov: Overview) -> ChainFigures:
    """The unit's chain figures for the overview's period and the same days of the one before."""
    steps = {step: StepFigures(step=step, label=dictation.status_label(step)) for step in STEPS}
    signed = previous_signed = 0
    for r in _rows(session, unit_id, ov.start, ov.end):
        if r.step == "signed":
            signed += r.entered
        f = steps.get(r.step)
        if f is None:
            continue
        f.entered += r.entered
        f.left += r.left
        _add(f.hist, r.hours_hist)
        if r.day == ov.end:
            f.waiting, f.waiting_0_2 = r.waiting, r.waiting_0_2
            f.waiting_3_14, f.waiting_over_14 = r.waiting_3_14, r.waiting_over_14
            f.not_in_record_2, f.unsigned_14 = r.not_in_record_2, r.unsigned_14
    for r in _rows(session, unit_id, ov.previous_start, ov.previous_end):
        if r.step == "signed":
            previous_signed += r.entered
        f = steps.get(r.step)
        if f is None:
            continue
        f.previous_entered += r.entered
        _add(f.previous_hist, r.hours_hist)
        if r.day == ov.previous_end:
            f.previous_not_in_record_2, f.previous_unsigned_14 = r.not_in_record_2, r.unsigned_14
    listed = list(steps.values())
    return ChainFigures(
        steps=listed, signed=signed, previous_signed=previous_signed,
        not_in_record_2=sum(f.not_in_record_2 for f in listed),
        unsigned_14=sum(f.unsigned_14 for f in listed),
        previous_not_in_record_2=sum(f.previous_not_in_record_2 for f in listed),
        previous_unsigned_14=sum(f.previous_unsigned_14 for f in listed))


def days(hours: int | None) -> float | None:
    """Hours as days (None stays None)."""
    return None if hours is None else hours / 24


def build_charts(fig: ChainFigures) -> dict[str, Any]:
    """The section's two charts: days in each step, and who waits in each step by age."""
    labels = [_(AXIS_LABELS[f.step]) for f in fig.steps]
    waiting = sum(f.waiting for f in fig.steps)
    slowest = max(fig.steps, key=lambda f: f.median_hours or 0)
    return {
        "stall": charts.bar_chart(
            "chain-stall", title=_("Dagar i varje steg av diktatkedjan"),
            desc=_("Median och 90:e percentil för diktat som lämnade steget i perioden. "
                   "Längst median: {step}.", step=slowest.label if slowest.median_hours else "–"),
            labels=labels, fmt=lambda v: charts.number(v, 1),
            series=[(_("Median"), [days(f.median_hours) for f in fig.steps]),
                    (_("90:e percentil"), [days(f.p90_hours) for f in fig.steps])]),
        "waiting": charts.stacked_bars(
            "chain-waiting", title=_("Diktat som väntar, per steg och ålder"),
            desc=_("{n} diktat väntade vid periodens slut; ålder räknas från diktatdagen.",
                   n=waiting),
            labels=labels, segments=[_("0–2 dagar"), _("3–14 dagar"), _("över 14 dagar")],
            values=[[f.waiting_0_2, f.waiting_3_14, f.waiting_over_14] for f in fig.steps]),
    }


def section(ctx: Ctx, ov: Overview) -> dict[str, Any] | None:
    """The overview's dictation chain section (its template gets this as `s`)."""
    fig = figures(ctx.db, unit_id=ctx.actor.unit_id, ov=ov)
    return {"fig": fig, "charts": build_charts(fig), "days": days}


def csv_chain(fig: ChainFigures) -> str:
    """The chain's figures per step as CSV, with the two targets as the last rows."""
    header = [_("Steg"), _("In i steget"), _("In i steget föregående period"), _("Ut ur steget"),
              _("Tid i steget median (timmar)"), _("Tid i steget 90:e percentil (timmar)"),
              _("Tid i steget median föregående period (timmar)"), _("Väntar"),
              _("Väntar 0–2 dagar"), _("Väntar 3–14 dagar"), _("Väntar över 14 dagar"),
              _("Inte i journalen efter 2 dagar"), _("Osignerade efter 14 dagar")]
    rows: list[list[object]] = [
        [f.label, f.entered, f.previous_entered, f.left, f.median_hours, f.p90_hours,
         f.previous_median_hours, f.waiting, f.waiting_0_2, f.waiting_3_14, f.waiting_over_14,
         f.not_in_record_2, f.unsigned_14] for f in fig.steps]
    blank = [""] * 10
    rows.append([_("Signerade i perioden"), fig.signed, fig.previous_signed, *blank])
    rows.append([_("Inte i journalen efter 2 dagar, vid periodens slut"), fig.not_in_record_2,
                 fig.previous_not_in_record_2, *blank])
    rows.append([_("Osignerade efter 14 dagar, vid periodens slut"), fig.unsigned_14,
                 fig.previous_unsigned_14, *blank])
    return csv_export.document(header, rows)
