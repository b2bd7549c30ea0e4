"""The access-rights landing page (/behorigheter): the unit's access work at a glance, with
the way to each part (catalogue and profiles, orders, introductions, reviews)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kulisser.access_rights import service
from kulisser.staff.service import local_today
from kulisser.web.deps import CurrentCtx
from kulisser.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/behorigheter")
def landing_page(http: Request, ctx: CurrentCtx) -> Response:
    """The unit's orders, introductions, reviews and profiles, counted, with links."""
    figures = service.overview(ctx.db, actor=ctx.actor, today=local_today())
    return render(http, "access_rights/index.html", {
        "nav": "access_rights", "figures": figures,
        "is_manager": service.is_manager_of(ctx.actor, ctx.actor.unit_id),
        "can_order": service.can_order(ctx.actor, ctx.actor.unit_id)})
