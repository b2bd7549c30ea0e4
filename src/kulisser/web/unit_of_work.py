"""Commit the request's database work before the first byte of a success response leaves.

FastAPI closes yield-dependencies only after the response is sent, so a commit there can
race the client's next request (a redirect after login arriving before the session row is
committed) and can fail after the client was told "saved". This middleware commits when the
response starts (and rolls back on a 4xx/5xx: an error stores nothing); if the commit
fails, the client gets a 500 instead of the response.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio
from sqlalchemy.orm.exc import StaleDataError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kulisser.audit.service import rollback_keeping_denied
from kulisser.db import is_transient
from kulisser.i18n import _
from kulisser.web.headers import SECURITY_HEADERS
from kulisser.web.overload import busy_response, conflict_response

log = logging.getLogger("kulisser")
STATE_KEY = "db_session"




def _is_api(scope: Scope) -> bool:
    return str(scope.get("path", "")).startswith("/api/")


def _crash_start(scope: Scope) -> Message:
    kind = b"application/json" if _is_api(scope) else b"text/html; charset=utf-8"
    return {"type": "http.response.start", "status": 500,
            "headers": [(b"content-type", kind), *SECURITY_HEADERS]}


def _crash_body(scope: Scope) -> bytes:
    message = _("Något gick fel. Ingen ändring sparades.")
    if _is_api(scope):
        return json.dumps({"error": "internal", "detail": message}).encode()
    return ('<!doctype html><html lang="sv"><meta charset="utf-8"><title>' + _("Fel") + " – Kulisser</title>"
            "<h1>" + message + '</h1><p><a href="/arbetslista">' + _("Till arbetslistan")
            + "</a></p></html>").encode()


async def _send(response: Any, scope: Scope, send: Send) -> None:
    async def no_body() -> Message:
        return {"type": "http.disconnect"}

    await response(scope, no_body, send)


async def _busy(scope: Scope, send: Send) -> None:
    app: Any = scope.get("app")
    retry_after = app.state.settings.retry_after_seconds if app is not None else 5
    await _send(busy_response(str(scope.get("path", "")), retry_after), scope, send)


class CommitBeforeResponse:
    """ASGI middleware: commit scope['state']['db_session'] when the response starts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        failed = False

        async def send_after_commit(message: Message) -> None:
            nonlocal failed
            if failed:
                return
            session: Any = scope.get("state", {}).get(STATE_KEY)
            if message["type"] == "http.response.start" and session is not None:
                if message.get("status", 500) >= 400:
                    # An error response stores nothing (a form shown again, a refusal) but
                    # the denied audit rows of refused lookups.
                    await anyio.to_thread.run_sync(rollback_keeping_denied, session)
                else:
                    try:
                        await anyio.to_thread.run_sync(session.commit)
                    except Exception as exc:  # nothing was saved: say so, not "200 OK"
                        failed = True
                        log.error("commit failed: %s", type(exc).__name__)
                        await anyio.to_thread.run_sync(session.rollback)
                        if is_transient(exc):  # a lock or a lost connection: try again
                            await _busy(scope, send)
                            return
                        if isinstance(exc, StaleDataError):  # a colleague changed it first
                            await _send(conflict_response(str(scope.get("path", ""))), scope, send)
                            return
                        await send(_crash_start(scope))
                        await send({"type": "http.response.body", "body": _crash_body(scope)})
                        return
            await send(message)

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send_after_commit(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            # The last line of defence: answer 500 ourselves instead of letting the server
            # log a traceback whose text may hold request data (personnummer, note text).
            log.error("unhandled %s on %s %s", type(exc).__name__, scope.get("method"),
                      scope.get("path"))
            session: Any = scope.get("state", {}).get(STATE_KEY)
            if session is not None:
                await anyio.to_thread.run_sync(session.rollback)
            if not started:
                await send(_crash_start(scope))
                await send({"type": "http.response.body", "body": _crash_body(scope)})
