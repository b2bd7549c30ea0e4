"""The monthly report's sections from the other parts of the picture: the dictation chain, the
domains' shares (care guarantee, call-backs, record copies, coding) and the staffing gap.

Each is a function (session, scope, month) -> its template's context, listed in
``report_sections.SECTIONS``. They reuse the parts' own figures (``chain_views.figures``,
``domains.collect``, ``staffing.staffing_months``) for a calendar month, so the report prints
the same numbers as the pages. For the region the chain and the staffing figure are the sum
of its units; the domains' shares are the unit's only (the region's report leaves them out).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from kulisser.dictation import service as dictations
from kulisser.stats import (
    aggregate,
    chain_views,
    domains,
    service,
    staffing,
    staffing_defaults,
    staffing_views,
)
from kulisser.stats.service import Overview, Period
from kulisser.stats.staffing import StaffingMonth, add_months, month_end

if TYPE_CHECKING:  # report_sections lists these functions, so it is imported only for its type
    from kulisser.stats.report_sections import Scope


def _month_overview(session: Session, unit_id: int, month: date) -> Overview:
    # The month and the month before (compared day for day, as on the overview).
    return service.overview(session, unit_id=unit_id, period=Period.MONTH, until=month_end(month))


def _units(session: Session, scope: Scope) -> list[int]:
    return [scope.unit_id] if scope.unit_id is not None else aggregate.units(session)


def _sum_chains(figures: list[chain_views.ChainFigures]) -> chain_views.ChainFigures:
    first, *rest = figures
    steps = [replace(s, hist=dict(s.hist), previous_hist=dict(s.previous_hist)) for s in first.steps]
    for other in rest:
        for mine, theirs in zip(steps, other.steps, strict=True):
            for name in ("entered", "left", "previous_entered", "waiting", "waiting_0_2",
                         "waiting_3_14", "waiting_over_14", "not_in_record_2", "unsigned_14",
                         "previous_not_in_record_2", "previous_unsigned_14"):
                setattr(mine, name, getattr(mine, name) + getattr(theirs, name))
            for key, count in theirs.hist.items():
                mine.hist[key] = mine.hist.get(key, 0) + count
            for key, count in theirs.previous_hist.items():
                mine.previous_hist[key] = mine.previous_hist.get(key, 0) + count
    return chain_views.ChainFigures(
        steps=steps, signed=sum(f.signed for f in figures),
        previous_signed=sum(f.previous_signed for f in figures),
        not_in_record_2=sum(f.not_in_record_2 for f in figures),
        unsigned_14=sum(f.unsigned_14 for f in figures),
        previous_not_in_record_2=sum(f.previous_not_in_record_2 for f in figures),
        previous_unsigned_14=sum(f.previous_unsigned_14 for f in figures))


def chain_section(session: Session, scope: Scope, month: date) -> dict[str, Any] | None:
    """The dictation chain in the month: days in each step, waiting at its end, the targets."""
    unit_ids = _units(session, scope)
    if not unit_ids:
        return None
    figures = [chain_views.figures(session, unit_id=u,
                                   ov=_month_overview(session, u, month)) for u in unit_ids]
    fig = _sum_chains(figures)
    return {"fig": fig, "charts": chain_views.build_charts(fig), "days": chain_views.days}


def shares_section(session: Session, scope: Scope, month: date) -> dict[str, Any] | None:
    """The unit's shares in the month: care guarantee, call-backs, record copies, coding."""
    if scope.unit_id is None:
        return None
    ov = _month_overview(session, scope.unit_id, month)
    fig = domains.collect(session, unit_id=scope.unit_id, ov=ov, today=month_end(month))
    return {"shares": fig.shares, "percent": domains.percent}


def _sum_months(per_unit: list[list[StaffingMonth]]) -> list[StaffingMonth]:
    out: list[StaffingMonth] = []
    for months in zip(*per_unit, strict=True):
        staffed = [m.staffed_hours for m in months if m.staffed_hours is not None]
        changes = [m.open_change for m in months if m.open_change is not None]
        out.append(StaffingMonth(
            month=months[0].month, end=months[0].end,
            kinds=[k for m in months for k in m.kinds],
            staffed_hours=sum(staffed) if staffed else None,
            open_end=sum(m.open_end for m in months),
            open_change=sum(changes) if changes else None,
            backlog_hours=sum(m.backlog_hours for m in months)))
    return out


def staffing_section(session: Session, scope: Scope, month: date) -> dict[str, Any] | None:
    """The staffing gap: twelve months of hours needed against staffed, the gap in FTE."""
    first, last = add_months(month, -11), month_end(month)
    unit_ids = _units(session, scope)
    if not unit_ids:
        return None
    by_unit = staffing.staffing_months_of_units(session, unit_ids=unit_ids, first=first,
                                                last=last)
    months = _sum_months([by_unit[u] for u in unit_ids])
    return {"months": months, "charts": staffing_views.build_charts(months),
            "hours": staffing_views.hours, "fte": staffing_views.fte,
            "month_label": staffing.month_label, "per_fte": staffing_defaults.HOURS_PER_FTE}


def recognizer_section(session: Session, scope: Scope, month: date) -> dict[str, Any] | None:
    """Does speech recognition help: review minutes per audio minute with and without a draft
    (the unit's report; medians of different units do not add up, so the region's has none)."""
    if scope.unit_id is None:
        return None
    return {"fig": dictations.recognizer_help(session, unit_id=scope.unit_id, month=month)}
