"""Headers every answer carries, including those written below the app (500, 503)."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("kulisser.access")

SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]


class PageHeaders:
    """Security and cache headers on every answer of the app, and our own access log line.

    A plain ASGI middleware: Starlette's BaseHTTPMiddleware (``@app.middleware("http")``)
    runs each request in a task group with memory streams, a cost every request paid.
    """

    _CSP = (b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'")

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.defaults = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
                         (b"x-frame-options", b"DENY"), (b"content-security-policy", self._CSP)]
        if hsts:
            # Secure cookies mean the site is served over TLS: browsers must never fall back.
            self.defaults.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers an answer lacks as it starts; log method, path, status and time."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope["path"]
        wanted = self.defaults if path.startswith("/static/") else [
            *self.defaults, (b"cache-control", b"no-store")]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in wanted if k not in present]
                message = {**message, "headers": headers}
                # The path only, never the query string (searches carry personnummer and
                # names); uvicorn's own access log is turned off in `kulisser serve`.
                access_log.info("%s %s %s %.1fms", scope["method"], path, message["status"],
                                (time.perf_counter() - started) * 1000)
            await send(message)

        await self.app(scope, receive, send_with_headers)
