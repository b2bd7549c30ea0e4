"""Jinja2 set-up: one environment over every package's templates, Swedish helpers, htmx."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader

from kulisser.i18n import _, ngettext
from kulisser.worklist.kinds import kind_label, record_link
from kulisser.worklist.states import PRIORITY_LABELS, STATUS_LABELS, Priority, Status

TZ = ZoneInfo("Europe/Stockholm")
PACKAGE = Path(__file__).resolve().parent.parent


def _local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(TZ).strftime(fmt)


def _status(value: str) -> str:
    try:
        return _(STATUS_LABELS[Status(value)])
    except ValueError:
        return value


def _priority(value: str) -> str:
    try:
        return _(PRIORITY_LABELS[Priority(value)])
    except ValueError:
        return value


def make_templates(*, reload: bool = True) -> Jinja2Templates:
    """Templates from web/templates and each package's templates/ folder (as 'pkg/...')."""
    loaders: list[Any] = [FileSystemLoader(str(PACKAGE / "web" / "templates"))]
    for pkg in sorted(PACKAGE.iterdir()):
        if (pkg / "templates").is_dir() and pkg.name != "web":
            loaders.append(FileSystemLoader(str(pkg / "templates")))
    templates = Jinja2Templates(directory=str(PACKAGE / "web" / "templates"))
    templates.env.loader = ChoiceLoader(loaders)
    templates.env.autoescape = True
    # Outside demo mode the package's templates do not change under a running server: skip
    # the file-system check that every render of every included template would otherwise do.
    templates.env.auto_reload = reload
    templates.env.globals.update(_=_, kind_label=kind_label, record_link=record_link, status_label=_status,
                                 priority_label=_priority)
    templates.env.globals["ngettext"] = ngettext
    templates.env.filters.update(local=_local)
    return templates


def is_htmx(request: Request) -> bool:
    """Whether htmx asked for a fragment (and not a boosted whole page)."""
    return request.headers.get("hx-request") == "true" and request.headers.get(
        "hx-boosted") != "true"


def render(request: Request, template: str, context: dict[str, Any] | None = None, *,
           partial: str | None = None, status_code: int = 200) -> HTMLResponse:
    """Render the whole page, or on an htmx request the partial template."""
    templates: Jinja2Templates = request.app.state.templates
    ctx = getattr(request.state, "ctx", None)
    data: dict[str, Any] = {"request": request, "ctx": ctx,
                            "csrf_token": ctx.csrf_token if ctx else ""}
    if ctx is not None:
        data["unit_choices"] = ctx.units
        data["unit_name"] = next((name for uid, name in ctx.units if uid == ctx.actor.unit_id), "")
    data.update(context or {})
    name = partial if partial and is_htmx(request) else template
    return templates.TemplateResponse(request, name, data, status_code=status_code)
