"""Login, logout, password change and switching care unit."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kulisser.bounds import Id
from kulisser.config import Settings
from kulisser.db import utcnow
from kulisser.errors import Forbidden
from kulisser.i18n import _
from kulisser.staff import assignment_access, devices, oidc_views
from kulisser.staff import service as staff
from kulisser.web.deps import (
    PRELOGIN_COOKIE,
    SESSION_COOKIE,
    AppSettings,
    CurrentCtx,
    DbSession,
    FormStr,
    client_ip,
)
from kulisser.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str) -> str:
    """Only local paths: never redirect to another site after login."""
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/arbetslista"
    return target


def _login_page(request: Request, settings: Settings, *, username: str = "", error: str = "",
                next_: str = "/arbetslista", status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "staff/login.html",
                      {"login_csrf": token, "username": username, "error": error, "next": next_,
                       "demo": settings.mode == "demo", "oidc": bool(settings.oidc_issuer),
                       "password_login": settings.password_login}, status_code=status)
    response.set_cookie(PRELOGIN_COOKIE, token, httponly=True, samesite="strict",
                        secure=settings.secure_cookies, max_age=3600)
    return response


@router.get("/")
def home() -> RedirectResponse:
    """The start page is the worklist."""
    return RedirectResponse("/arbetslista", status_code=303)


@router.get("/login")
async def login_form(request: Request, *, next: str = "/arbetslista", uppdrag: str = "",
                     settings: AppSettings) -> Response:
    """Show the login form (with why, when a session's assignment has ended).

    On the event loop on purpose: it touches no database, and its template is compiled at
    start (app.py), so under load it answers without waiting for a thread.
    """
    error = _(assignment_access.ASSIGNMENT_ENDED) if uppdrag == "slut" else ""
    return _login_page(request, settings, next_=_safe_next(next), error=error)


@router.post("/login")
def login(
    request: Request,
    *,
    username: FormStr = "",
    password: FormStr = "",
    csrf_token: FormStr = "",
    next: FormStr = "/arbetslista",
    db: DbSession,
    settings: AppSettings,
) -> Response:
    """Check the password (throttled), start a session and set its cookie."""
    if not settings.password_login:  # KULISSER_LOCAL_LOGIN=0: only the identity provider
        return _login_page(request, settings, status=403,
                           error=_("Inloggning med lösenord är avstängd. Logga in med e-tjänstekort."))
    expected = request.cookies.get(PRELOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        return _login_page(request, settings, username=username, status=403,
                           error=_("Inloggningsformuläret har gått ut. Försök igen."))
    now = utcnow()
    device_cookie = request.cookies.get(devices.DEVICE_COOKIE)
    try:
        user = staff.authenticate(
            db, username=username, password=password, ip=client_ip(request),
            max_failures=settings.login_max_failures,
            max_failures_per_ip=settings.login_max_failures_per_ip,
            window_minutes=settings.login_window_minutes,
            devices=devices.known_devices(device_cookie, secret=settings.secret_key, now=now),
            now=now)
    except staff.LoginThrottled as exc:
        db.commit()
        return _login_page(request, settings, username=username, error=exc.message, status=429)
    except staff.StaffError as exc:
        db.commit()  # keep the failed attempt: it is what throttling counts
        return _login_page(request, settings, username=username, error=exc.message, status=401)
    staff.sync_user(db, user_id=user.id, now=now)  # memberships follow the assignments
    db.refresh(user)
    if not user.memberships:
        return _login_page(request, settings, username=username, status=403,
                           error=_("Du har inget giltigt medarbetaruppdrag i Kulisser."))
    token, _row = staff.start_session(db, user=user)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=settings.secure_cookies, max_age=settings.session_max_hours * 3600)
    response.delete_cookie(PRELOGIN_COOKIE)
    # This browser is now a known device for the user (see staff/devices.py).
    response.set_cookie(devices.DEVICE_COOKIE,
                        devices.remember(device_cookie, secret=settings.secret_key,
                                         user_id=user.id, now=now),
                        httponly=True, samesite="strict", secure=settings.secure_cookies,
                        path=devices.DEVICE_COOKIE_PATH, max_age=devices.DEVICE_DAYS * 86400)
    return response


@router.post("/logout")
def logout(request: Request, ctx: CurrentCtx, settings: AppSettings) -> Response:
    """End the session; after an OpenID login, at the provider too (RP-initiated logout)."""
    target = oidc_views.logout_target(request, settings, ctx.session_row)
    staff.end_session(ctx.db, token=request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/konto/losenord")
def password_form(request: Request, ctx: CurrentCtx) -> Response:
    """Show the password change form."""
    return render(request, "staff/password.html", {"errors": {}, "done": False})


@router.post("/konto/losenord")
def password_change(
    request: Request,
    *,
    current_password: FormStr = "",
    new_password: FormStr = "",
    repeat_password: FormStr = "",
    ctx: CurrentCtx,
    settings: AppSettings,
) -> Response:
    """Change the password; other sessions end and this one starts afresh."""
    try:
        staff.change_password(ctx.db, user=ctx.user, current=current_password, new=new_password,
                              repeat=repeat_password)
    except staff.StaffError as exc:
        field = {"bad_credentials": "current_password"}.get(exc.code, "new_password")
        return render(request, "staff/password.html", {"errors": {field: exc.message}, "done": False},
                      status_code=422)
    token, row = staff.start_session(ctx.db, user=ctx.user)
    row.unit_id = ctx.actor.unit_id
    ctx.session_row = row
    ctx.csrf_token = row.csrf_token
    response = render(request, "staff/password.html", {"errors": {}, "done": True})
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=settings.secure_cookies, max_age=settings.session_max_hours * 3600)
    return response


@router.post("/enhet/byt")
def switch_unit(unit_id: Annotated[Id, Form()], ctx: CurrentCtx) -> Response:
    """Work in another of the user's care units."""
    if ctx.session_row is None:
        raise Forbidden(_("Byt vårdenhet i webbläsaren; en API-nyckel hör till en enhet."))
    try:
        staff.switch_unit(ctx.db, row=ctx.session_row, user=ctx.user, unit_id=unit_id)
    except staff.StaffError as exc:  # a unit the user does not work in: refuse, don't crash
        raise Forbidden(exc.message) from None
    return RedirectResponse("/arbetslista", status_code=303)
