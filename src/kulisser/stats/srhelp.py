"""The overview's section "Hjälper taligenkänningen?": the period's last month of the figure
from ``dictation.service.recognizer_help`` (issue 15 item 8), for the unit manager as on the
dictation quality page, which has its chart, the twelve months and the CSV."""

from __future__ import annotations

from typing import Any

from kulisser.dictation import service as dictations
from kulisser.staff.service import Role
from kulisser.stats.service import Overview
from kulisser.web.deps import Ctx


def section(ctx: Ctx, ov: Overview) -> dict[str, Any] | None:
    """The figure of the month the period ends in; None but for the unit's or region's manager."""
    if ctx.actor.role not in (Role.MANAGER, Role.REGION_ADMIN):
        return None  # as /diktat/kvalitet: the manager's figures (and the region's, counts only)
    fig = dictations.recognizer_help(ctx.db, unit_id=ctx.actor.unit_id, month=ov.end)
    return {"fig": fig}
