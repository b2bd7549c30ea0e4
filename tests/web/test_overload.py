"""Under load the server answers: a line with 503 and Retry-After, never a frozen loop."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy import exc as sa_exc
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from kulisser.app import create_app
from kulisser.db import Database, is_transient
from kulisser.staff import service as staff
from kulisser.staff.models import User
from kulisser.web.overload import Admission
from tests.conftest import test_settings as settings_for
from tests.factories import World


def test_a_request_that_waits_too_long_in_line_gets_503_with_retry_after() -> None:
    """One slot, taken: the next request waits its time, then is told to come back."""

    async def main() -> None:
        entered, release = anyio.Event(), anyio.Event()

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["path"] == "/api/v1/slow":
                entered.set()
                await release.wait()
            await PlainTextResponse("ok")(scope, receive, send)

        admitted = Admission(app, limit=1, queue_seconds=0.2, retry_after=7)
        transport = httpx.ASGITransport(app=admitted)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            first: dict[str, httpx.Response] = {}

            async def hold() -> None:
                first["r"] = await client.get("/api/v1/slow")

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(hold)
                await entered.wait()
                busy = await client.get("/api/v1/work-items")
                assert busy.status_code == 503
                assert busy.headers["retry-after"] == "7"
                assert busy.json()["error"] == "busy"
                page = await client.get("/arbetslista")
                assert page.status_code == 503
                assert "försök igen" in page.text
                assert "default-src 'self'" in page.headers["content-security-policy"]
                # The login page and static files need no database: they skip the line.
                assert (await client.get("/login")).status_code == 200
                assert (await client.get("/static/app.css")).status_code == 200
                release.set()
            assert first["r"].status_code == 200
            assert (await client.get("/api/v1/work-items")).status_code == 200

    anyio.run(main)


def test_no_free_connection_is_503_and_the_event_loop_stays_free(database: Database,
                                                                   world: World) -> None:
    """The only pooled connection is held: the API call waits in a thread, then gets 503.

    Meanwhile the login page answers at once: the wait happens in the thread pool, not on
    the event loop (before the fix the loop itself waited for the pool, and froze).
    """
    settings = settings_for(database.url, db_pool_size=1, db_max_overflow=0, db_pool_timeout=3)
    db = Database(database.url, **settings.pool_options)
    app = create_app(settings, db)
    with database.session() as session:
        user = session.get(User, world.secretary_id)
        assert user is not None
        token = staff.create_api_token(session, user=user)
    held = db.engine.connect()  # the pool's only connection
    try:
        with TestClient(app, base_url="http://testserver") as client:
            answered = threading.Event()
            result: dict[str, httpx.Response] = {}

            def call_api() -> None:
                result["r"] = client.get("/api/v1/work-items",
                                         headers={"Authorization": f"Bearer {token}"})
                answered.set()

            caller = threading.Thread(target=call_api)
            caller.start()
            time.sleep(0.5)  # let the call reach the pool (no timing is asserted)
            login = client.get("/login")
            assert login.status_code == 200
            assert not answered.is_set(), "the API call should still be waiting for a connection"
            caller.join(timeout=30)
            assert answered.is_set()
    finally:
        held.close()
        db.engine.dispose()
    busy = result["r"]
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == str(settings.retry_after_seconds)
    assert busy.json()["error"] == "busy"


def test_pool_is_sized_for_every_admitted_request() -> None:
    """No admitted request can wait for a connection held by a queued one."""
    settings = settings_for("sqlite:///x.db", max_concurrent_requests=12)
    assert settings.pool_options["pool_size"] > 12
    assert settings_for("sqlite:///x.db", db_pool_size=3).pool_options["pool_size"] == 3


def test_a_lock_is_transient_and_a_schema_error_is_not(tmp_path: Path) -> None:
    """A busy database answers 503; a missing column (a missed migration) stays a 500."""
    url = f"sqlite:///{tmp_path / 'locks.db'}"
    holder = create_engine(url)
    waiter = create_engine(url, connect_args={"timeout": 0})
    with holder.connect() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.commit()
        conn.exec_driver_sql("BEGIN EXCLUSIVE")
        with pytest.raises(sa_exc.OperationalError) as locked, waiter.connect() as other:
            other.execute(text("INSERT INTO t VALUES (1)"))
        conn.rollback()
    with pytest.raises(sa_exc.OperationalError) as schema, waiter.connect() as other:
        other.execute(text("SELECT nothing FROM t"))
    holder.dispose()
    waiter.dispose()
    assert is_transient(locked.value)
    assert not is_transient(schema.value)
    assert not is_transient(ValueError("not a database error"))
