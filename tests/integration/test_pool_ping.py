"""The pool asks a connection "are you there?" only after it lay idle (kulisser.db.ping_when_idle):
a busy pool saves the round trip per transaction, and a connection that died while idle (a
database restart) is still replaced before a request gets it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from kulisser import db as kdb


@pytest.fixture()
def engine(tmp_path: Path) -> Engine:
    return create_engine(f"sqlite:///{tmp_path / 'ping.db'}", pool_size=1, max_overflow=0)


def _pings(engine: Engine, monkeypatch: pytest.MonkeyPatch, *, fail: bool = False) -> list[Any]:
    """Count the dialect's pings (each one fails with fail=True, as on a dead connection)."""
    pinged: list[Any] = []

    def ping(dbapi_connection: Any) -> bool:
        pinged.append(dbapi_connection)
        if fail:
            raise RuntimeError("server closed the connection unexpectedly")
        return True

    monkeypatch.setattr(engine.dialect, "do_ping", ping)
    return pinged


def _use(engine: Engine) -> Any:
    """Run a statement on a pooled connection; the DBAPI connection it ran on."""
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
        return conn.connection.dbapi_connection


def test_a_connection_back_a_moment_ago_goes_to_work_unpinged(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    kdb.ping_when_idle(engine, idle_seconds=60)
    pinged = _pings(engine, monkeypatch)
    first = _use(engine)
    assert _use(engine) is first and _use(engine) is first  # the pool's one connection, reused
    assert pinged == []


def test_an_idle_connection_is_pinged_and_a_dead_one_replaced(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    kdb.ping_when_idle(engine, idle_seconds=60)
    first = _use(engine)
    clock = [kdb.time.monotonic() + 61]  # a minute later
    monkeypatch.setattr(kdb.time, "monotonic", lambda: clock[0])
    pinged = _pings(engine, monkeypatch)
    assert _use(engine) is first and pinged == [first]  # alive: pinged once, kept
    clock[0] += 61
    pinged = _pings(engine, monkeypatch, fail=True)
    second = _use(engine)  # the request still gets a working connection, a new one
    assert pinged == [first] and second is not first


def test_make_engine_pings_idle_connections_unless_pre_ping_is_asked_for() -> None:
    checkout = "checkout"
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # never connected to here
    idle = kdb.make_engine(url)
    assert not idle.pool._pre_ping
    assert any(fn.__name__ == "checked_out" for fn in getattr(idle.pool.dispatch, checkout))
    every = kdb.make_engine(url, pool_pre_ping=True)
    assert every.pool._pre_ping
    assert not any(fn.__name__ == "checked_out" for fn in getattr(every.pool.dispatch, checkout))
