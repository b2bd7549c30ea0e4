"""JSON API of the team's load and the staffing figure (``/api/v1/stats/team``, ``/staffing``).

The same service objects as ``/oversikt/team`` and ``/oversikt/bemanning``. Counts per person
and kind, no patient: no audit row, as the pages write none. The team follows the page's rule:
a manager gets every secretary's row, a secretary the totals and her own row only, never ranked.
The staffing figure is the unit's aggregate; a region administrator names the unit as for the
overview. Bad input is a 422 with a Swedish message naming the parameter.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from kulisser.bounds import Day, Id
from kulisser.db import utcnow
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.i18n import _
from kulisser.stats import service, staffing, team
from kulisser.stats.aggregate import local_day
from kulisser.stats.api import PeriodQuery, UntilQuery
from kulisser.stats.api import _unit as overview_unit
from kulisser.stats.load_schemas import (
    AbsenceOut,
    KindLoadOut,
    KindNeedOut,
    LoadOut,
    PersonLoadOut,
    StaffingMonthOut,
    StaffingOut,
    StandardTimeOut,
    TeamOut,
)
from kulisser.stats.service import Period
from kulisser.stats.staffing import MAX_MONTHS, StaffingMonth, add_months, month_start
from kulisser.stats.staffing_defaults import HOURS_PER_FTE
from kulisser.stats.team_views import ALLOWED as TEAM_ROLES
from kulisser.stats.team_views import visible
from kulisser.web.api import auth_dependencies, error_responses
from kulisser.web.deps import CurrentCtx

router = APIRouter(prefix="/api/v1/stats", tags=["statistics"], responses=error_responses(401),
                   dependencies=auth_dependencies())


def _load(load: team.Load, kinds: list[tuple[str, str]]) -> dict[str, object]:
    def of(counter: Counter[str], code: str) -> int:
        return int(counter[code])
    return {"open": load.open_total, "overdue": load.overdue_total, "handed_in": load.in_total,
            "handed_out": load.out_total,
            "kinds": [KindLoadOut(kind=c, label=label, open=of(load.open, c),
                                  overdue=of(load.overdue, c), handed_in=of(load.handed_in, c),
                                  handed_out=of(load.handed_out, c)) for c, label in kinds]}


@router.get("/team", response_model=TeamOut, responses=error_responses(403, 422))
def team_load(ctx: CurrentCtx, period: PeriodQuery = Period.WEEK,
              until: UntilQuery = None) -> TeamOut:
    """The team's load: open, overdue and hand-overs per secretary as visible, team totals per kind."""
    if ctx.actor.role not in TEAM_ROLES:
        raise Forbidden(_("Översikten är till för sekreterare och enhetschefer."))
    now = utcnow()
    first, last, _ps, _pe = service.period_bounds(period, until or local_day(now))
    t = team.balance(ctx.db, unit_id=ctx.actor.unit_id, first=first, last=last, now=now)
    people = [PersonLoadOut(user_id=p.user_id, name=p.name, **_load(p.load, t.kinds),
                            away=None if p.away is None else
                            AbsenceOut(first_day=p.away.first_day, last_day=p.away.last_day))
              for p in visible(ctx, t)]
    return TeamOut(period=period, start=first, end=last, unit_id=ctx.actor.unit_id, people=people,
                   queue=LoadOut(**_load(t.queue, t.kinds)), team=LoadOut(**_load(t.team, t.kinds)),
                   total=LoadOut(**_load(t.total, t.kinds)), absent_today=len(t.absent),
                   left_with_absent=t.left_with_absent)


def _month(m: StaffingMonth) -> StaffingMonthOut:
    return StaffingMonthOut(
        month=m.month, end=m.end, in_progress=m.in_progress, needed_hours=m.needed_hours,
        staffed_hours=m.staffed_hours, staffed_counted_hours=m.staffed_counted,
        gap_hours=m.gap_hours, gap_fte=m.gap_fte, open_end=m.open_end, open_change=m.open_change,
        backlog_hours=m.backlog_hours,
        kinds=[KindNeedOut(kind=k.kind, label=k.label, incoming=k.incoming,
                           standard_minutes=k.minutes, hours=k.hours) for k in m.kinds])


@router.get("/staffing", response_model=StaffingOut, responses=error_responses(403, 404, 422))
def staffing_figure(
        ctx: CurrentCtx, until: UntilQuery = None,
        first: Annotated[Day | None, Query(alias="from", description=(
            "The first month: any day of it, YYYY-MM-DD (default the eleventh month before "
            "until's, so twelve months)."))] = None,
        unit_id: Annotated[Id | None, Query(description="Region administrators: the unit "
                                                        "(required); others: their own unit "
                                                        "only.")] = None) -> StaffingOut:
    """Hours needed per kind against staffed hours, the gap in hours and FTE, the backlog trend."""
    unit = overview_unit(ctx, unit_id)
    last = until or local_day(utcnow())
    start: date = month_start(first) if first is not None else add_months(month_start(last), -11)
    months = (last.year - start.year) * 12 + last.month - start.month + 1
    if months < 1:
        raise ValidationFailed({"from": _("Början får inte ligga efter slutet.")})
    if months > MAX_MONTHS:
        raise ValidationFailed({"from": _("Välj mellan 1 och {n} månader.", n=MAX_MONTHS)})
    figures = staffing.staffing_months(ctx.db, unit_id=unit, first=start, last=last)
    return StaffingOut(
        unit_id=unit, start=start, end=last, hours_per_fte=HOURS_PER_FTE,
        months=[_month(m) for m in figures],
        standard_times=[StandardTimeOut(kind=r.kind, label=r.label, minutes=r.minutes,
                                        is_default=not r.own, default_minutes=r.default,
                                        default_reason=r.why)
                        for r in staffing.standard_times(ctx.db, unit_id=unit)])
