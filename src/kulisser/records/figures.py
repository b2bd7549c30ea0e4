"""Figures for record requests, per month of receipt and care unit, and their page and CSV.

Counts and working days only, no patient: the page writes no patient's audit row. Handling
time is counted in working days from receipt to ``handled_on`` (delivered, the refusal sent);
withdrawn requests count as received but not as handled. Open requests are shown by their age
in working days today.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from statistics import median

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser import workdays
from kulisser.i18n import N_, _
from kulisser.records.intake import local_today
from kulisser.records.models import RecordRequest
from kulisser.records.states import OPEN_STATUSES, RequestStatus
from kulisser.staff import service as staff
from kulisser.web import csv as csvout
from kulisser.web.deps import CurrentCtx
from kulisser.web.templating import render

router = APIRouter(include_in_schema=False)
MONTHS = 12
# Age bands of open requests in working days since receipt: (upper bound, label).
AGE_BANDS: tuple[tuple[int | None, str], ...] = (
    (1, N_("0–1 arbetsdagar")), (3, N_("2–3 arbetsdagar")), (10, N_("4–10 arbetsdagar")),
    (None, N_("Mer än 10 arbetsdagar")))
_HANDLED = (RequestStatus.DELIVERED.value, RequestStatus.CLOSED.value)


@dataclass
class MonthFigures:
    """One unit's requests received in one month."""

    unit_id: int
    month: str  # YYYY-MM
    received: int = 0
    open: int = 0
    handled: int = 0
    within_target: int = 0
    breached: int = 0
    days: list[int] = field(default_factory=list)

    @property
    def median_days(self) -> float | None:
        """The median handling time in working days, None when nothing is handled."""
        return median(self.days) if self.days else None

    @property
    def share_within(self) -> float | None:
        """The share of handled requests handled by the target date, in per cent."""
        return round(100 * self.within_target / self.handled, 1) if self.handled else None

    @property
    def share_breached(self) -> float | None:
        """The share of received requests breached (handled late, or open past the breach date)."""
        return round(100 * self.breached / self.received, 1) if self.received else None


def _first_month(today: date) -> date:
    year, month = today.year, today.month - (MONTHS - 1)
    while month < 1:
        month, year = month + 12, year - 1
    return date(year, month, 1)


def compute(session: Session, *, unit_ids: tuple[int, ...], today: date
            ) -> tuple[list[MonthFigures], dict[int, list[int]]]:
    """Per unit and month of receipt (the last twelve months), and open requests by age band."""
    rows = session.scalars(select(RecordRequest).where(
        RecordRequest.unit_id.in_(unit_ids), RecordRequest.received_on >= _first_month(today))
        .order_by(RecordRequest.unit_id, RecordRequest.received_on))
    months: dict[tuple[int, str], MonthFigures] = {}
    for r in rows:
        key = (r.unit_id, r.received_on.strftime("%Y-%m"))
        m = months.setdefault(key, MonthFigures(unit_id=r.unit_id, month=key[1]))
        m.received += 1
        if r.status in {s.value for s in OPEN_STATUSES}:
            m.open += 1
            m.breached += today > r.breach_date
        elif r.status in _HANDLED and r.handled_on is not None:
            m.handled += 1
            m.days.append(workdays.working_days_between(r.received_on, r.handled_on))
            m.within_target += r.handled_on <= r.target_date
            m.breached += r.handled_on > r.breach_date
    ages: dict[int, list[int]] = {uid: [0] * len(AGE_BANDS) for uid in unit_ids}
    for unit_id, received_on in session.execute(
            select(RecordRequest.unit_id, RecordRequest.received_on).where(
                RecordRequest.unit_id.in_(unit_ids),
                RecordRequest.status.in_([s.value for s in OPEN_STATUSES]))):
        age = workdays.working_days_between(received_on, today)
        band = next(i for i, (top, _label) in enumerate(AGE_BANDS) if top is None or age <= top)
        ages[unit_id][band] += 1
    return sorted(months.values(), key=lambda m: (m.unit_id, m.month), reverse=False), ages


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}".replace(".", ",")


@router.get("/journalkopior/statistik")
def figures_page(request: Request, ctx: CurrentCtx) -> Response:
    """Open requests by age, median handling time and shares within target and breached."""
    today = local_today()
    months, ages = compute(ctx.db, unit_ids=ctx.actor.unit_ids, today=today)
    return render(request, "records/figures.html", {
        "nav": "records", "months": months, "ages": ages, "bands": [_(b) for _t, b in AGE_BANDS],
        "units": dict(staff.unit_choices(ctx.db, unit_ids=ctx.actor.unit_ids)), "number": _number,
        "today": today})


CSV_HEADER = [N_("Vårdenhet"), N_("Månad"), N_("Mottagna"), N_("Pågående"), N_("Hanterade"),
              N_("Median handläggningstid (arbetsdagar)"), N_("Inom måldatum"),
              N_("Andel inom måldatum (%)"), N_("Överskridna"), N_("Andel överskridna (%)")]


@router.get("/journalkopior/statistik.csv")
def figures_csv(request: Request, ctx: CurrentCtx) -> Response:
    """The monthly figures per unit as CSV (no patient in them)."""
    today = local_today()
    months, _ages = compute(ctx.db, unit_ids=ctx.actor.unit_ids, today=today)
    names = dict(staff.unit_choices(ctx.db, unit_ids=ctx.actor.unit_ids))
    body = [[names.get(m.unit_id, m.unit_id), m.month, m.received, m.open, m.handled,
             _number(m.median_days), m.within_target, _number(m.share_within), m.breached,
             _number(m.share_breached)] for m in months]
    name = f"kulisser-journalkopior-statistik-{today.isoformat()}.csv"
    return csvout.attachment(csvout.document([_(h) for h in CSV_HEADER], body), name)
