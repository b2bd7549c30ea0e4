"""Request plumbing: the unit-of-work session, who is logged in, and CSRF checks."""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import Annotated

from fastapi import Depends, Form, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from kulisser.audit.service import (
    AccessDenied,
    DeniedNotFound,
    refuse,
    rollback_keeping_denied,
    write_denied,
    write_kept_denied,
)
from kulisser.config import Settings
from kulisser.db import Database, utcnow
from kulisser.i18n import _
from kulisser.staff import service as staff
from kulisser.staff.actor import Actor
from kulisser.staff.models import Role, User, UserSession
from kulisser.web.unit_of_work import STATE_KEY

SESSION_COOKIE = "kulisser_session"
PRELOGIN_COOKIE = "kulisser_prelogin"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class LoginRequired(Exception):
    """No valid session or token: pages redirect to the login page, the API answers 401.

    `message` (Swedish) says why when there was a login: its assignment has ended."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or "login required")
        self.message = message


class CsrfFailed(Exception):
    """A form or API call without the session's CSRF token."""


# A region administrator sees every unit's aggregates and nothing else (issue 15): these exact
# paths (her own account, the region's view, a unit's overview, the stats API) and no other.
# Deny by default, so that a page added later stays closed to her until it is listed here.
REGION_HOME = "/oversikt/region"
REGION_PATHS = frozenset({
    REGION_HOME, "/oversikt/region.csv", "/oversikt", "/oversikt.csv",
    "/api/v1/stats/overview", "/api/v1/stats/region", "/api/v1/stats/staffing",
    "/api/v1/openapi.json", "/api/docs",
    "/logout", "/konto/losenord", "/enhet/byt",
    # The region's monthly report: the page, its text, making it, and one report's PDF or send.
    "/oversikt/rapporter", "/oversikt/rapporter/text",
    # A drilled-down unit's aggregate sections' CSV (stats.region_sections): counts, no patient.
    "/oversikt/domaner.csv", "/oversikt/bemanning.csv", "/oversikt/taligenkanning.csv",
})
REGION_REPORT = re.compile(r"/oversikt/rapporter/\d+/(pdf|skicka)")


class RegionOnly(Exception):
    """A region administrator outside REGION_PATHS: pages go to the region's view, else 403."""


def region_gate(request: Request, actor: Actor) -> None:
    """Refuse a region administrator every path but the region's aggregates and her account."""
    path = request.url.path
    if actor.role is Role.REGION_ADMIN and path not in REGION_PATHS \
            and not REGION_REPORT.fullmatch(path):
        raise RegionOnly()


async def get_settings(request: Request) -> Settings:
    """The app's settings (no I/O: on the event loop, saving each request a thread hop)."""
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    """One session per request; committed once as the response starts, rolled back on error.

    A denied access (403, or 404 for another unit's record) rolls the request's work back
    and stores the denied audit row alone.
    """
    database: Database = request.app.state.db
    session = database.sessions()
    # CommitBeforeResponse commits this session as the response starts (see unit_of_work.py).
    setattr(request.state, STATE_KEY, session)
    try:
        yield session
    except (AccessDenied, DeniedNotFound) as denied:
        session.rollback()
        write_denied(session, denied)
        write_kept_denied(session)
        session.commit()
        raise
    except BaseException:
        rollback_keeping_denied(session)
        raise
    finally:
        session.close()


def _address(value: str) -> IPv4Address | IPv6Address | None:
    """An address from a forwarded entry ("a.b.c.d", "a.b.c.d:port", "[v6]:port", "v6")."""
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1:value.index("]")]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        return ip_address(value)
    except ValueError:
        return None


def forwarded_client(peer: str, forwarded_for: list[str],
                     trusted: tuple[IPv4Network | IPv6Network, ...]) -> str:
    """The client's address: X-Forwarded-For is read only when the peer is a trusted proxy.

    Walks the header from the right (the entry the nearest proxy wrote) past trusted proxies;
    the first other entry is the client. Entries further left are the client's own say-so.
    """
    def is_trusted(address: IPv4Address | IPv6Address | None) -> bool:
        return address is not None and any(address in network for network in trusted)

    if not trusted or not is_trusted(_address(peer)):
        return peer
    hop = peer
    entries = [e for header in forwarded_for for e in header.split(",") if e.strip()]
    for entry in reversed(entries):
        address = _address(entry)
        if address is None:
            return hop  # garbage left of a trusted hop: the client wrote it, trust the hop
        hop = str(address)
        if not is_trusted(address):
            return hop
    return hop


def client_ip(request: Request) -> str:
    """The caller's address, through KULISSER_TRUSTED_PROXIES only (audit rows, throttling)."""
    peer = request.client.host if request.client else ""
    settings: Settings = request.app.state.settings
    return forwarded_client(peer, request.headers.getlist("x-forwarded-for"),
                            settings.trusted_proxies)


@dataclass
class Ctx:
    """Everything a route needs about the caller."""

    actor: Actor
    user: User
    db: Session
    session_row: UserSession | None  # None when the API is called with a bearer token
    # Plain copies, so error pages can render after the session was rolled back and closed.
    csrf_token: str = ""
    role_label: str = ""
    units: tuple[tuple[int, str], ...] = ()


def _on_assignment(request: Request, db: Session, user: User, unit_id: int, *,
                   login_method: str) -> Actor:
    """The caller's Actor; refused (logged, 401) when the unit has no valid assignment now."""
    try:
        access = staff.request_access(db, user_id=user.id, unit_id=unit_id, now=utcnow())
    except staff.AssignmentEnded as ended:
        actor = staff.make_actor(user, unit_id=unit_id, ip=client_ip(request),
                                 login_method=login_method)
        refuse(db, actor=actor, patient_id=None, action="login", object_type="staff_assignment",
               object_id=None, reason=ended.message)
        raise LoginRequired(ended.message) from None
    return staff.make_actor(user, unit_id=unit_id, ip=client_ip(request), access=access,
                            login_method=login_method)


def _load(request: Request, db: Session, settings: Settings) -> Ctx:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        found_token = staff.load_api_token(db, token=auth[7:].strip())
        if found_token is None:
            raise LoginRequired()
        token_row, user = found_token
        actor = _on_assignment(request, db, user, token_row.unit_id, login_method="token")
        return Ctx(actor=actor, user=user, db=db, session_row=None)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise LoginRequired()
    found = staff.load_session(db, token=cookie, idle_minutes=settings.session_idle_minutes,
                               max_hours=settings.session_max_hours, now=utcnow())
    if found is None:
        raise LoginRequired()
    row, user = found
    actor = _on_assignment(request, db, user, row.unit_id, login_method=row.login_method)
    return Ctx(actor=actor, user=user, db=db, session_row=row, csrf_token=row.csrf_token,
               role_label=_(staff.ROLE_LABELS[actor.role]),
               units=staff.unit_choices(db, unit_ids=actor.unit_ids))


async def read_form(request: Request) -> FormData:
    """The request's form, parsed on the event loop (no database here); Starlette caches it."""
    return await request.form()


async def sent_csrf_token(request: Request) -> str:
    """The CSRF token an unsafe request carries, from its header or its form field."""
    if request.method not in UNSAFE_METHODS:
        return ""
    sent = request.headers.get("x-csrf-token", "")
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await read_form(request)).get("csrf_token", "")
        sent = value if isinstance(value, str) else ""
    return sent


def current(request: Request, db: DbSession,
            settings: AppSettings,
            sent: Annotated[str, Depends(sent_csrf_token)]) -> Ctx:
    """The logged-in caller; unsafe requests on a cookie session must carry the CSRF token.

    A plain `def`: FastAPI runs it in the thread pool, so its queries (and a wait for a
    pooled connection) never block the event loop. The form is read by the async
    dependency above, which touches no database.
    """
    ctx = _load(request, db, settings)
    region_gate(request, ctx.actor)
    if (request.method in UNSAFE_METHODS and ctx.session_row is not None
            and not hmac.compare_digest(sent.encode(), ctx.csrf_token.encode())):
        raise CsrfFailed()
    request.state.ctx = ctx
    return ctx


def caller(request: Request, db: Session, settings: Settings) -> Ctx:
    """The logged-in caller of a read-only route, without the CSRF check; LoginRequired if none."""
    ctx = _load(request, db, settings)
    region_gate(request, ctx.actor)
    return ctx


def manager(ctx: CurrentCtx) -> Ctx:
    """The caller, who must be a unit manager or administrator."""
    from kulisser.errors import Forbidden

    if not ctx.actor.is_manager:
        raise Forbidden(_("Sidan är till för enhetschefer."))
    return ctx


# Typed dependencies: a route names what it needs by its type (`ctx: CurrentCtx`) instead of a
# `= Depends(...)` default (ruff B008). DbSession is the request's unit of work (get_db).
DbSession = Annotated[Session, Depends(get_db)]
AppSettings = Annotated[Settings, Depends(get_settings)]
CurrentCtx = Annotated[Ctx, Depends(current)]
ManagerCtx = Annotated[Ctx, Depends(manager)]
RequestForm = Annotated[FormData, Depends(read_form)]
FormStr = Annotated[str, Form()]  # one form field, as typed
