"""Refuse a request body that is too large while it arrives: before authentication, before disk.

FastAPI parses a form (and spools its files to disk) before any dependency runs, so without
this an anonymous client could make the server read and store a 60 MB upload only to answer
401. This ASGI middleware, the outermost, answers 413 at once when `Content-Length` says too
much, and counts the bytes of a streamed (chunked) body as they come: the message that
crosses the limit is never handed to the app, which is then cut off and its answer replaced
by the 413. The routes that legitimately take large bodies have their own limits.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kulisser.config import Settings
from kulisser.i18n import _
from kulisser.web.headers import SECURITY_HEADERS

log = logging.getLogger("kulisser")
MB = 1024 * 1024
# A multipart body carries its form fields and part headers besides the files themselves.
MULTIPART_SLACK = 1 * MB

# (methods, path pattern, the setting's limit in bytes) for the routes that take large bodies.
_LARGE: list[tuple[frozenset[str], re.Pattern[str], Callable[[Settings], int]]] = [
    (frozenset({"POST"}), re.compile(r"^/(api/v1/dictations|diktat/ny)/?$"),
     lambda s: s.dictation_max_megabytes * MB + MULTIPART_SLACK),
    # A referral and its answers carry up to ten PDFs (referrals.storage.MAX_FILES).
    (frozenset({"POST"}), re.compile(
        r"^/(api/v1/referrals|api/v1/referrals/\d+/answer|api/v1/referrals/outgoing/\d+/reply"
        r"|remisser/ny|remisser/(utgaende/)?\d+/atgard/[a-z-]+)/?$"),
     lambda s: 10 * s.referral_attachment_max_megabytes * MB + MULTIPART_SLACK),
    (frozenset({"POST"}), re.compile(r"^/(api/v1/results(/csv|/bulk)?|provsvar/importera)/?$"),
     lambda s: s.results_import_max_megabytes * MB + MULTIPART_SLACK),
    # A record request with its scanned consent (records.intake.CONSENT_MAX_BYTES, 10 MB; the
    # API takes it in base64, a third more).
    (frozenset({"POST"}), re.compile(r"^/(api/v1/record-requests|journalkopior/ny)/?$"),
     lambda s: 14 * MB + MULTIPART_SLACK),
    # A needs-and-risk analysis with its attached file (access_rights.analysis_files.MAX_BYTES).
    (frozenset({"POST"}), re.compile(
        r"^/(api/v1/access-profiles/\d+/analyses|behorigheter/profiler/\d+/analyser)/?$"),
     lambda s: 10 * MB + MULTIPART_SLACK),
]


def limit_for(settings: Settings, method: str, path: str) -> int:
    """The most bytes a request's body may have: the route's own limit, or the general one."""
    for methods, pattern, limit in _LARGE:
        if method in methods and pattern.match(path):
            return limit(settings)
    return settings.max_body_megabytes * MB


class BodyTooLarge(Exception):
    """Raised into the app when a streamed body passes its limit."""


def _refusal(scope: Scope, limit: int) -> tuple[Message, Message]:
    megabytes = max(1, limit // MB)
    message = _("Begäran är för stor: högst {mb} MB tas emot här.", mb=megabytes)
    if str(scope.get("path", "")).startswith("/api/"):
        kind, body = b"application/json", json.dumps(
            {"error": "too_large", "detail": message, "max_bytes": limit}).encode()
    else:
        kind = b"text/html; charset=utf-8"
        body = ('<!doctype html><html lang="sv"><meta charset="utf-8"><title>'
                + _("För stor fil") + " – Kulisser</title><h1>" + message + "</h1><p>"
                + _("Inget har sparats. Dela upp filen eller välj en mindre och försök igen.")
                + '</p><p><a href="/arbetslista">' + _("Till arbetslistan") + "</a></p></html>"
                ).encode()
    start: Message = {"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", kind), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"), *SECURITY_HEADERS]}
    return start, {"type": "http.response.body", "body": body}


class BodyLimit:
    """ASGI middleware: 413 for a body over its route's limit, checked as the bytes arrive."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(self.settings, scope["method"], scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, send, limit)
            return
        received = 0
        exceeded = False
        answered = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal answered
            if exceeded:
                # Whatever the app answers to its cut-off body (a parse error, a 500), the
                # client is told the real reason, once.
                if not answered:
                    answered = True
                    await self._refuse(scope, send, limit)
                return
            answered = answered or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(BodyTooLarge):  # the app stopped reading: answered below
            await self.app(scope, counting_receive, guarded_send)
        if exceeded and not answered:
            await self._refuse(scope, send, limit)

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        log.info("body over %d bytes refused on %s %s", limit, scope.get("method"), scope.get("path"))
        start, body = _refusal(scope, limit)
        await send(start)
        await send(body)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
