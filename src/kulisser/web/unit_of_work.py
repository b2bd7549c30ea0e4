"""Commit the request's database work before the first byte of a success response leaves.

FastAPI closes yield-dependencies only after the response is sent, so a commit there can
race the client's next request (a redirect after login arriving before the session row is
committed) and can fail after the client was told "saved". This middleware commits when the
response starts (and rolls back on a 4xx/5xx: an error stores nothing); if the commit
fails, the client gets a 500 instead of the response.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("kulisser")
STATE_KEY = "db_session"


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
                    # An error response stores nothing (a form shown again, a refusal).
                    await anyio.to_thread.run_sync(session.rollback)
                else:
                    try:
                        await anyio.to_thread.run_sync(session.commit)
                    except Exception as exc:  # nothing was saved: say so, not "200 OK"
                        failed = True
                        log.error("commit failed: %s", type(exc).__name__)
                        await anyio.to_thread.run_sync(session.rollback)
                        await send({"type": "http.response.start", "status": 500,
                                    "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
                        await send({"type": "http.response.body",
                                    "body": "Något gick fel. Ingen ändring sparades.".encode()})
                        return
            await send(message)

        await self.app(scope, receive, send_after_commit)
