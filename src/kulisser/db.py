"""Database engine, sessions and the declarative base with a naming convention."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect, Engine, Result
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql import Executable
from sqlalchemy.types import TypeDecorator

from kulisser.errors import ValidationFailed
from kulisser.i18n import _

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both SQLite (which stores naive) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base class of every model; constraint names follow NAMING_CONVENTION."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; for SQLite, make the file's folder and turn on WAL and foreign keys."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        if not path or path == ":memory:":
            # One connection per thread: the pool's size and timeout do not apply.
            for key in ("pool_size", "max_overflow", "pool_timeout"):
                kwargs.pop(key, None)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    idle = kwargs.pop("ping_after_idle", PING_AFTER_IDLE)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        ping_when_idle(engine, idle_seconds=idle)
    return engine


# A pooled connection is asked "are you there?" before use only when it has lain idle this
# long: one that was checked in a moment ago (a busy server, the booking benchmark) goes
# straight to work, saving a round trip per transaction, while one that may have outlived a
# database restart or a firewall's idle timeout is still tested and replaced, as
# pool_pre_ping did for every checkout.
PING_AFTER_IDLE = 10.0
_IDLE_SINCE = "kulisser.idle_since"


def ping_when_idle(engine: Engine, *, idle_seconds: float = PING_AFTER_IDLE) -> None:
    """Ping a pooled connection at checkout if it was idle longer than idle_seconds."""

    def connected(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is not None and time.monotonic() - since <= idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure: like pre-ping, the pool starts afresh
            raise sa_exc.InvalidatePoolError() from exc

    event.listen(engine, "connect", connected)
    event.listen(engine, "checkin", checked_in)
    event.listen(engine, "checkout", checked_out)


# SQLSTATE classes and codes that mean "not now": connection trouble (08), a transaction
# rolled back for a conflict (40: serialization failure, deadlock), too many connections
# (53300), the server shutting down or starting (57P), a lock not available (55P03), a
# statement timeout (57014).
_TRANSIENT_SQLSTATES = ("08", "40", "53300", "57P", "55P03", "57014")
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def is_transient(exc: BaseException) -> bool:
    """Whether a database error says "busy, try again": no free connection, a lock, a restart.

    Such a request is answered 503 with Retry-After, not 500: nothing was stored and the same
    request can succeed in a moment. A schema or programming error is not transient (a
    missing migration must not look like a busy server).
    """
    if isinstance(exc, sa_exc.TimeoutError):
        return True
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    if isinstance(orig, sqlite3.OperationalError):
        return str(orig).lower().startswith(_SQLITE_BUSY)
    state = getattr(orig, "sqlstate", None)
    if state is None:  # psycopg: a connection-level error carries no SQLSTATE
        return isinstance(exc, sa_exc.OperationalError)
    return str(state).startswith(_TRANSIENT_SQLSTATES)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def refuse_nul(_conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any,
               _executemany: bool) -> None:
    """Refuse a text with a NUL character before it reaches the database (ValidationFailed)."""
    # PostgreSQL cannot store NUL in text (psycopg raises DataError, a 500) and SQLite would keep
    # it; checked here, at the last step before the driver, every input path and both databases
    # answer the same clear 422.
    rows = parameters if isinstance(parameters, list) else [parameters]
    for row in rows:
        # A plain loop, most values told apart by their class alone: this runs for every
        # statement, and a generator with isinstance per value was a tenth of a booking's calls.
        for value in (row.values() if isinstance(row, dict) else row or ()):
            kind = value.__class__
            if kind in _NOT_TEXT or (kind is not str and not isinstance(value, str)):
                continue
            if "\x00" in value:
                raise ValidationFailed({"text": _("Texten innehåller ett otillåtet tecken (NUL).")})


_NOT_TEXT = frozenset({int, float, bool, type(None), datetime, dict, list, bytes})


def read(session: Session, statement: Executable, params: dict[str, Any]) -> Result[Any]:
    """Run a read built once on the session's connection, flushing pending changes first as
    session.execute's autoflush would, but without the ORM's execution path (a Core statement
    needs none of it, and a booking sends several)."""
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    return session.connection().execute(statement, params)


class Database:
    """An engine with its session factory."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **kwargs)
        event.listen(self.engine, "before_cursor_execute", refuse_nul)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Open a session that commits on success and rolls back on error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @property
    def is_postgres(self) -> bool:
        """Whether this database is PostgreSQL."""
        return self.engine.dialect.name == "postgresql"
