"""Login through the region's OpenID provider: the redirect, the callback, the choice of care
unit after login, and RP-initiated logout. The claims' mapping is `staff/oidc.py`."""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Any
from urllib.parse import urlparse

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from kulisser.config import Settings
from kulisser.errors import NotFound
from kulisser.i18n import _
from kulisser.staff import oidc, oidc_client
from kulisser.staff import service as staff
from kulisser.staff.models import UserSession
from kulisser.web.deps import SESSION_COOKIE, AppSettings, DbSession, FormStr, client_ip
from kulisser.web.templating import render

router = APIRouter(include_in_schema=False)
log = logging.getLogger("kulisser")

FLOW_COOKIE = "kulisser_oidc"  # state, nonce, PKCE verifier between redirect and callback
CHOICE_COOKIE = "kulisser_oidc_choice"  # a login waiting for its care unit to be chosen
COOKIE_PATH = "/login"
FLOW_SECONDS = 600
MAX_ID_TOKEN = 2800  # a larger one is not kept in the cookie: logout then goes without the hint


def _signer(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="kulisser-oidc-" + purpose)


def _read(request: Request, settings: Settings, cookie: str) -> dict[str, Any] | None:
    raw = request.cookies.get(cookie)
    if not raw:
        return None
    try:
        data = _signer(settings, cookie).loads(raw, max_age=FLOW_SECONDS)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


def _base(request: Request, settings: Settings) -> str:
    """This server's origin: the configured redirect URI's, else the request's."""
    if settings.oidc_redirect_uri:
        parsed = urlparse(settings.oidc_redirect_uri)
        return f"{parsed.scheme}://{parsed.netloc}"
    return str(request.base_url).rstrip("/")


def _redirect_uri(request: Request, settings: Settings) -> str:
    return settings.oidc_redirect_uri or _base(request, settings) + "/login/oidc/callback"


def _safe_next(target: str) -> str:
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/arbetslista"
    return target


def _refused(request: Request, message: str, *, status: int, clear: bool = True) -> Response:
    response = render(request, "staff/oidc_refused.html", {"message": message},
                      status_code=status)
    if clear:  # not on a forged post: it must not end the user's own pending login
        response.delete_cookie(FLOW_COOKIE, path=COOKIE_PATH)
        response.delete_cookie(CHOICE_COOKIE, path=COOKIE_PATH)
    return response


def _configured(settings: Settings) -> None:
    if not settings.oidc_issuer:
        raise NotFound(_("Inloggning med e-tjänstekort är inte påslagen."))


def _logged_in(settings: Settings, *, token: str, next_: str) -> Response:
    response = RedirectResponse(_safe_next(next_), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=settings.secure_cookies, max_age=settings.session_max_hours * 3600)
    response.delete_cookie(FLOW_COOKIE, path=COOKIE_PATH)
    response.delete_cookie(CHOICE_COOKIE, path=COOKIE_PATH)
    return response


@router.get("/login/oidc")
def oidc_start(request: Request, *, next: str = "/arbetslista",
               settings: AppSettings) -> Response:
    """Send the browser to the provider (code flow with PKCE); a plain def: it fetches metadata."""
    _configured(settings)
    try:
        url, pending = oidc_client.begin(settings, redirect_uri=_redirect_uri(request, settings),
                                         next_=_safe_next(next))
    except oidc_client.OidcError as exc:
        log.warning("OpenID provider unavailable: %s", exc)
        return _refused(request, _("Inloggningstjänsten svarar inte. Försök igen om en stund."),
                        status=503)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(FLOW_COOKIE, _signer(settings, FLOW_COOKIE).dumps(pending.__dict__),
                        httponly=True, samesite="lax", secure=settings.secure_cookies,
                        path=COOKIE_PATH, max_age=FLOW_SECONDS)
    return response


@router.get("/login/oidc/callback")
def oidc_callback(request: Request, *, code: str = "", state: str = "", error: str = "",
                  db: DbSession, settings: AppSettings) -> Response:
    """Take the provider's answer: exchange the code, check the ID token, map the claims."""
    _configured(settings)
    flow = _read(request, settings, FLOW_COOKIE)
    if (flow is None or not code or error
            or not hmac.compare_digest(str(flow.get("state", "")).encode(), state.encode())):
        return _refused(request, _("Inloggningen avbröts eller har gått ut. Försök igen."),
                        status=400)
    pending = oidc_client.Pending(**{k: str(flow.get(k, "")) for k in
                                     ("state", "nonce", "verifier", "next")})
    try:
        claims, id_token = oidc_client.finish(settings, pending=pending, code=code,
                                              redirect_uri=_redirect_uri(request, settings))
    except oidc_client.OidcError as exc:
        log.warning("OpenID login failed: %s", exc)
        return _refused(request, _("Inloggningen kunde inte kontrolleras. Försök igen."),
                        status=400)
    names = oidc.ClaimNames(person=settings.oidc_claim_person,
                            assignment=settings.oidc_claim_assignment,
                            provider=settings.oidc_claim_provider)
    found = oidc.resolve_login(db, claims=claims, names=names)
    oidc.record_attempt(db, resolution=found, ip=client_ip(request))
    if found.refused or found.user is None:
        db.commit()  # keep the refused attempt: an error response stores nothing else
        return _refused(request, found.message, status=403)
    method = found.claims.login_method
    if len(found.units) == 1:
        token, _row = staff.start_session(db, user=found.user, unit_id=found.units[0].id,
                                          login_method=method, id_token=id_token)
        return _logged_in(settings, token=token, next_=pending.next)
    choice = {"user_id": found.user.id, "unit_ids": [u.id for u in found.units],
              "method": method, "next": pending.next, "csrf": secrets.token_urlsafe(24),
              "id_token": id_token if len(id_token) <= MAX_ID_TOKEN else None}
    response = RedirectResponse("/login/enhet", status_code=303)
    response.set_cookie(CHOICE_COOKIE, _signer(settings, CHOICE_COOKIE).dumps(choice),
                        httponly=True, samesite="strict", secure=settings.secure_cookies,
                        path=COOKIE_PATH, max_age=FLOW_SECONDS)
    response.delete_cookie(FLOW_COOKIE, path=COOKIE_PATH)
    return response


@router.get("/login/enhet")
def choose_unit_form(request: Request, *, db: DbSession, settings: AppSettings) -> Response:
    """List the care units of the login's assignments to choose one."""
    choice = _read(request, settings, CHOICE_COOKIE)
    if choice is None:
        return _refused(request, _("Inloggningen har gått ut. Logga in igen."), status=400)
    units = staff.unit_choices(db, unit_ids=tuple(int(u) for u in choice["unit_ids"]))
    return render(request, "staff/oidc_choose.html",
                  {"units": units, "choice_csrf": choice["csrf"]})


@router.post("/login/enhet")
def choose_unit(request: Request, *, unit_id: FormStr = "", csrf_token: FormStr = "",
                db: DbSession, settings: AppSettings) -> Response:
    """Start the session in the chosen unit, one of the login's candidates."""
    choice = _read(request, settings, CHOICE_COOKIE)
    if choice is None or not hmac.compare_digest(str(choice["csrf"]).encode(), csrf_token.encode()):
        return _refused(request, _("Inloggningen har gått ut. Logga in igen."), status=400,
                        clear=choice is None)
    allowed = [int(u) for u in choice["unit_ids"]]
    if not unit_id.isdigit() or int(unit_id) not in allowed:
        units = staff.unit_choices(db, unit_ids=tuple(allowed))
        return render(request, "staff/oidc_choose.html",
                      {"units": units, "choice_csrf": choice["csrf"],
                       "error": _("Välj en av vårdenheterna i listan.")}, status_code=422)
    user = db.get(staff.User, int(choice["user_id"]))
    if user is None or not user.active:
        return _refused(request, _(oidc.UNKNOWN_PERSON), status=403)
    try:
        token, _row = staff.start_session(db, user=user, unit_id=int(unit_id),
                                          login_method=str(choice["method"]),
                                          id_token=choice.get("id_token"))
    except staff.StaffError as exc:  # the membership ended meanwhile
        return _refused(request, exc.message, status=403)
    return _logged_in(settings, token=token, next_=str(choice["next"]))


def logout_target(request: Request, settings: Settings, row: UserSession | None) -> str:
    """Where logout goes: the provider's end-session endpoint after an OpenID login, else /login."""
    if row is None or not row.login_method.startswith("oidc") or not settings.oidc_issuer:
        return "/login"
    url = oidc_client.logout_url(settings, id_token=row.id_token,
                                 post_logout_redirect_uri=_base(request, settings) + "/login")
    return url or "/login"
