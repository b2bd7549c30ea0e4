"""JSON API of the statistics (``/api/v1/stats``): a unit's overview and the region's view.

The same service objects as ``/oversikt`` and ``/oversikt/region``, as JSON. Aggregates only:
no patient, no person, no audit row. Bad input is a 422 with a Swedish message per parameter.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from kulisser.bounds import Day, Id
from kulisser.db import utcnow
from kulisser.errors import Forbidden, NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.staff.service import Role
from kulisser.stats import region, service
from kulisser.stats.aggregate import local_day
from kulisser.stats.region_views import check_region_admin
from kulisser.stats.schemas import (
    BucketOut,
    FiguresOut,
    KindFiguresOut,
    OverviewOut,
    RegionOut,
    UnitFiguresOut,
)
from kulisser.stats.service import KindFigures, Period
from kulisser.stats.views import ALLOWED
from kulisser.web.api import auth_dependencies, error_responses
from kulisser.web.deps import Ctx, CurrentCtx

router = APIRouter(prefix="/api/v1/stats", tags=["statistics"], responses=error_responses(401),
                   dependencies=auth_dependencies())

PeriodQuery = Annotated[Period, Query(description="vecka, manad, kvartal or ar (default manad).")]
UntilQuery = Annotated[Day | None, Query(description="The period's last day, YYYY-MM-DD "
                                                     "(default today, Stockholm).")]
KindQuery = Annotated[str | None, Query(max_length=40, description="One kind of work's code "
                                                                    "(default all kinds).")]


def _figures(f: KindFigures, *, end: date) -> dict[str, object]:
    before = f.previous_incoming
    return {
        "incoming": f.incoming, "done": f.done, "cancelled": f.cancelled,
        "previous_incoming": before, "previous_done": f.previous_done,
        "change_pct": None if before == 0 else round((f.incoming - before) / before * 100, 1),
        "open_total": f.open_total, "open_0_2": f.open_0_2, "open_3_14": f.open_3_14,
        "open_over_14": f.open_over_14, "overdue": f.overdue,
        "turnaround_median_hours": f.median_hours, "turnaround_p90_hours": f.p90_hours,
        "oldest_open_created_at": f.oldest_created_at,
        "oldest_open_days": None if f.oldest_created_at is None
        else (end - local_day(f.oldest_created_at)).days,
    }


def _unit(ctx: Ctx, unit_id: int | None) -> int:
    """One's own unit; any unit (and one must be named) only for a region administrator."""
    if ctx.actor.role not in ALLOWED:
        raise Forbidden(_("Översikten är till för sekreterare och enhetschefer."))
    if ctx.actor.role is not Role.REGION_ADMIN:
        if unit_id is not None and unit_id != ctx.actor.unit_id:
            raise Forbidden(_("Du ser bara översikten för din egen vårdenhet."))
        return ctx.actor.unit_id
    if unit_id is None:
        raise ValidationFailed({"unit_id": _("Ange vårdenheten vars översikt du vill se.")})
    if not region.unit_exists(ctx.db, unit_id=unit_id):
        raise NotFound(_("Vårdenheten finns inte."))
    return unit_id


@router.get("/overview", response_model=OverviewOut, responses=error_responses(403, 404, 422))
def overview(ctx: CurrentCtx, period: PeriodQuery = Period.MONTH, until: UntilQuery = None,
             kind: KindQuery = None,
             unit_id: Annotated[Id | None, Query(description="Region administrators: the unit "
                                                             "(required); others: their own "
                                                             "unit only.")] = None) -> OverviewOut:
    """A unit's overview for a week, month, quarter or year, with the period before."""
    unit = _unit(ctx, unit_id)
    ov = service.overview(ctx.db, unit_id=unit, period=period,
                          until=until or local_day(utcnow()), kind=kind or None)
    return OverviewOut(
        period=ov.period, start=ov.start, end=ov.end, previous_start=ov.previous_start,
        previous_end=ov.previous_end, updated_at=ov.updated, unit_id=unit, kind=kind or None,
        buckets=[BucketOut(start=d, incoming=i, done=x) for d, i, x in ov.buckets],
        kinds=[KindFiguresOut(kind=f.kind, label=f.label, **_figures(f, end=ov.end))
               for f in ov.kinds],
        total=FiguresOut(**_figures(ov.total, end=ov.end)))


@router.get("/region", response_model=RegionOut, responses=error_responses(403, 422))
def region_view(ctx: CurrentCtx, period: PeriodQuery = Period.MONTH, until: UntilQuery = None,
                kind: KindQuery = None,
                sort: Annotated[str | None, Query(max_length=20, description=(
                    "The column to sort by: enhet (default), inkommande, klara, forandring, "
                    "oppna, oppna_0_2, oppna_3_14, oppna_over_14, forsenade, median, p90, "
                    "aldsta; a leading '-' for largest first."))] = None) -> RegionOut:
    """Every care unit's figures side by side (region administrators only)."""
    check_region_admin(ctx)
    column, descending = region.parse_sort(sort)
    rg = region.region(ctx.db, period=period, until=until or local_day(utcnow()),
                       kind=kind or None, sort=column, descending=descending)
    return RegionOut(
        period=rg.period, start=rg.start, end=rg.end, previous_start=rg.previous_start,
        previous_end=rg.previous_end, updated_at=rg.updated, kind=rg.kind,
        sort=("-" if descending else "") + column.value,
        units=[UnitFiguresOut(unit_id=u.unit_id, name=u.name,
                              **_figures(u.figures, end=rg.end))
               for u in rg.units],
        total=FiguresOut(**_figures(rg.total, end=rg.end)))
