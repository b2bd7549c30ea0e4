"""Holding under load: a line for requests, and 503 with Retry-After instead of a hang.

Each server process lets `max_concurrent_requests` requests work at once. The others wait
in a first-come line on the event loop, where they hold no thread and no database
connection; one that has waited `request_queue_seconds` is answered 503 with Retry-After.
The connection pool has room for every admitted request (config.Settings.pool_options),
so an admitted request never waits for a connection, and a thread never waits for a
connection held by a request that waits for a thread (the deadlock that froze the server).
The login page and static files need no database and skip the line: a clinic can always
reach the login page, even when the line is long.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import anyio
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from kulisser.i18n import N_, _
from kulisser.web.headers import SECURITY_HEADERS

BUSY_MESSAGE = N_("Kulisser har många förfrågningar just nu. Ingen ändring sparades; "
                  "försök igen om en stund.")


CONFLICT_MESSAGE = (N_("Någon annan ändrade samma sak samtidigt. Ingen ändring sparades; "
                       "ladda om sidan och försök igen."))


def plain_response(path: str, status: int, code: str, message: str,
                   headers: dict[str, str] | None = None) -> Response:
    """An answer made below the app's templates: JSON under /api/, a short Swedish page elsewhere."""
    all_headers = {k.decode(): v.decode() for k, v in SECURITY_HEADERS}
    all_headers.update(headers or {})
    if path.startswith("/api/"):
        body = json.dumps({"error": code, "detail": message})
        return Response(body, status_code=status, headers=all_headers, media_type="application/json")
    page = (f'<!doctype html><html lang="sv"><meta charset="utf-8"><title>Kulisser</title>'
            f'<div class="error-box"><h1>{message}</h1></div></html>')
    return Response(page, status_code=status, headers=all_headers, media_type="text/html")


def busy_response(path: str, retry_after: int) -> Response:
    """503 with Retry-After: nothing was stored, the same request can succeed in a moment."""
    return plain_response(path, 503, "busy", _(BUSY_MESSAGE), {"Retry-After": str(retry_after)})


def conflict_response(path: str) -> Response:
    """409: a row changed under the request (a lost update refused by its version)."""
    return plain_response(path, 409, "conflict", _(CONFLICT_MESSAGE))


def needs_no_database(scope: Scope) -> bool:
    """Requests that skip the line: static files and the login page itself."""
    path = str(scope.get("path", ""))
    return path.startswith("/static/") or (path == "/login" and scope.get("method") in ("GET", "HEAD"))


class Admission:
    """ASGI middleware: at most `limit` requests at work; the rest queue, then get 503."""

    def __init__(self, app: ASGIApp, *, limit: int, queue_seconds: float, retry_after: int,
                 exempt: Callable[[Scope], bool] = needs_no_database) -> None:
        self.app = app
        self.limit = limit
        self.queue_seconds = queue_seconds
        self.retry_after = retry_after
        self.exempt = exempt
        self._slots: anyio.Semaphore | None = None  # made in the server's event loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.exempt(scope):
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = anyio.Semaphore(self.limit)
        slots = self._slots
        admitted = False
        with anyio.move_on_after(self.queue_seconds):
            await slots.acquire()
            admitted = True
        if not admitted:
            # Waited too long in line: nothing has been read or done for this request.
            response = busy_response(str(scope.get("path", "")), self.retry_after)
            await response(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()
