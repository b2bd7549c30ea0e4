"""The OpenID Connect protocol against the region's provider: discovery, the authorization
code flow with PKCE (authlib's OAuth2 client over httpx), the ID token's signature and claims
(joserfc, with the provider's JWKS), and the RP-initiated logout URL.

Every call here does network I/O and is synchronous: call it only from plain `def` routes,
which FastAPI runs in its thread pool, never on the event loop.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from kulisser.config import Settings

TIMEOUT = 10.0  # seconds for each call to the provider
METADATA_SECONDS = 3600  # discovery and keys are cached this long (refetched on an unknown key)
LEEWAY = 60  # seconds of clock skew allowed on exp, iat, nbf
_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


class OidcError(RuntimeError):
    """The provider could not be reached, or its answer did not pass the checks."""


@dataclass(frozen=True)
class Pending:
    """What the browser carries (signed) between the redirect and the callback."""

    state: str
    nonce: str
    verifier: str
    next: str


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=TIMEOUT, follow_redirects=False)
        response.raise_for_status()
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcError(f"{url}: {exc}") from exc
    if not isinstance(data, dict):
        raise OidcError(f"{url}: not a JSON object")
    return data


def _cached(url: str, *, fresh: bool = False) -> dict[str, Any]:
    with _lock:
        hit = _cache.get(url)
    if hit is not None and not fresh and time.monotonic() - hit[0] < METADATA_SECONDS:
        return hit[1]
    data = _get_json(url)
    with _lock:
        _cache[url] = (time.monotonic(), data)
    return data


def metadata(settings: Settings) -> dict[str, Any]:
    """The provider's discovery document (cached), checked to be the configured issuer's."""
    issuer = (settings.oidc_issuer or "").rstrip("/")
    meta = _cached(issuer + "/.well-known/openid-configuration")
    if str(meta.get("issuer", "")).rstrip("/") != issuer:
        raise OidcError("the discovery document names another issuer")
    return meta


def begin(settings: Settings, *, redirect_uri: str, next_: str) -> tuple[str, Pending]:
    """The provider's authorization URL (code flow, S256 PKCE, nonce) and what to keep."""
    meta = metadata(settings)
    pending = Pending(state=secrets.token_urlsafe(24), nonce=secrets.token_urlsafe(24),
                      verifier=secrets.token_urlsafe(48), next=next_)
    query = {"response_type": "code", "client_id": settings.oidc_client_id,
             "redirect_uri": redirect_uri, "scope": settings.oidc_scopes,
             "state": pending.state, "nonce": pending.nonce,
             "code_challenge": create_s256_code_challenge(pending.verifier),
             "code_challenge_method": "S256"}
    return str(meta["authorization_endpoint"]) + "?" + urlencode(query), pending


def finish(settings: Settings, *, pending: Pending, code: str,
           redirect_uri: str) -> tuple[dict[str, Any], str]:
    """Exchange the code (with the PKCE verifier) and check the ID token; its claims and it."""
    meta = metadata(settings)
    with OAuth2Client(client_id=settings.oidc_client_id,
                      client_secret=settings.oidc_client_secret or None,
                      redirect_uri=redirect_uri, timeout=TIMEOUT) as client:
        try:
            token = client.fetch_token(str(meta["token_endpoint"]), grant_type="authorization_code",
                                       code=code, code_verifier=pending.verifier)
        except Exception as exc:  # authlib raises its own errors and httpx's
            raise OidcError(f"token exchange failed: {exc}") from exc
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise OidcError("the token answer has no id_token")
    return verify_id_token(settings, id_token=id_token, nonce=pending.nonce), id_token


def verify_id_token(settings: Settings, *, id_token: str, nonce: str) -> dict[str, Any]:
    """Check the ID token's signature (the provider's JWKS) and its iss, aud, exp and nonce."""
    meta = metadata(settings)
    jwks_uri = str(meta["jwks_uri"])
    algorithms = list(meta.get("id_token_signing_alg_values_supported") or ["RS256"])
    algorithms = [a for a in algorithms if a != "none"]
    try:
        try:
            decoded = jwt.decode(id_token, KeySet.import_key_set(_cached(jwks_uri)),  # type: ignore[arg-type]
                                 algorithms=algorithms)
        except JoseError:
            # The provider may have rolled its keys since we cached them: fetch once more.
            decoded = jwt.decode(id_token, KeySet.import_key_set(_cached(jwks_uri, fresh=True)),  # type: ignore[arg-type]
                                 algorithms=algorithms)
        jwt.JWTClaimsRegistry(
            leeway=LEEWAY,
            iss={"essential": True, "value": str(meta["issuer"])},
            aud={"essential": True, "value": settings.oidc_client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(decoded.claims)
    except (JoseError, ValueError) as exc:
        raise OidcError(f"the ID token did not pass: {exc}") from exc
    return dict(decoded.claims)


def logout_url(settings: Settings, *, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
    """The provider's end-session URL (RP-initiated logout), or None if it has none."""
    try:
        endpoint = metadata(settings).get("end_session_endpoint")
    except OidcError:
        return None  # the provider is away: log out here at least
    if not endpoint:
        return None
    query = {"post_logout_redirect_uri": post_logout_redirect_uri,
             "client_id": settings.oidc_client_id}
    if id_token:
        query["id_token_hint"] = id_token
    return str(endpoint) + "?" + urlencode(query)
