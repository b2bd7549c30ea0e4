"""A region administrator's drill-down into a unit's overview: which unit, and the CSV of
speech recognition's help there (issue 15 items 6 and 8).

On ``/oversikt?enhet=N`` she sees the sections listed in ``views.REGION_SECTIONS``: counts of
the unit only, no person and no patient (the dictation chain, the domains' figures, the staffing
gap, speech recognition's help). Their CSV links carry ``enhet`` and are inside her gate
(``web.deps.REGION_PATHS``); each route resolves the unit with ``drilled_unit``. Aggregates,
not patient accesses: no audit rows.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from kulisser.bounds import parse_id
from kulisser.db import utcnow
from kulisser.dictation import service as dictations
from kulisser.errors import Forbidden, NotFound
from kulisser.i18n import _
from kulisser.staff.service import Role
from kulisser.stats import charts, region, service
from kulisser.stats.aggregate import local_day
from kulisser.stats.staffing import add_months, month_start
from kulisser.web import csv as csv_export
from kulisser.web.deps import Ctx, CurrentCtx, RegionOnly

router = APIRouter(include_in_schema=False)

HELP_CSV = "/oversikt/taligenkanning.csv"


def drilled_unit(ctx: Ctx, enhet: str | None) -> int:
    """The unit asked for: one's own; any unit only for a region administrator (who has no unit
    of her own to see: without `enhet` she goes to the region's view)."""
    if ctx.actor.role is not Role.REGION_ADMIN:
        if enhet and parse_id(enhet) != ctx.actor.unit_id:
            raise Forbidden(_("Du ser bara översikten för din egen vårdenhet."))
        return ctx.actor.unit_id
    if not enhet:
        raise RegionOnly()
    unit_id = parse_id(enhet)
    if unit_id is None or not region.unit_exists(ctx.db, unit_id=unit_id):
        raise NotFound(_("Vårdenheten finns inte."))
    return unit_id


def _opt(value: float | None, digits: int = 1) -> str:
    return "" if value is None else charts.number(value, digits)


@router.get(HELP_CSV)
def help_csv(ctx: CurrentCtx, till: str | None = None, enhet: str | None = None) -> Response:
    """Speech recognition's help per month, twelve months to `till`'s, as CSV (counts only)."""
    if ctx.actor.role not in (Role.MANAGER, Role.REGION_ADMIN):
        raise Forbidden(_("Siffrorna om taligenkänningen är till för enhetschefen."))
    unit_id = drilled_unit(ctx, enhet)
    last = month_start(service.parse_day(till, default=local_day(utcnow())))
    header = [_("Månad"), _("Granskade från utkast"),
              _("Median aktiva minuter per ljudminut, från utkast"), _("Skrivna utan utkast"),
              _("Median aktiva minuter per ljudminut, utan utkast"), _("Utkastord"),
              _("Behållna utkastord"), _("Andel behållna utkastord (%)"),
              _("Ordfelfrekvens median (%)")]
    rows: list[list[object]] = []
    for n in range(-11, 1):
        m = dictations.recognizer_help(ctx.db, unit_id=unit_id, month=add_months(last, n))
        rows.append([m.month.strftime("%Y-%m"), m.draft_count,
                     _opt(m.draft_minutes_per_audio_minute), m.empty_count,
                     _opt(m.empty_minutes_per_audio_minute), m.draft_words, m.kept_words,
                     _opt(None if m.kept_share is None else m.kept_share * 100),
                     _opt(None if m.wer_median is None else m.wer_median * 100)])
    return csv_export.attachment(csv_export.document(header, rows),
                                 f"kulisser-taligenkanning-{unit_id}-{last.isoformat()[:7]}.csv")
