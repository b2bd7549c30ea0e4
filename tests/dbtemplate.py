"""The session's migrated template: the migrations run once per pytest session, each test or
module that needs a migrated database of its own gets a copy.

Running every migration for each fresh database cost seconds apiece (migration 0026 alone
loads the ICD-10 code tree); a copy costs a few milliseconds on SQLite (a file copy) and a
fraction of a second on PostgreSQL (CREATE DATABASE ... TEMPLATE). The template is built at
first use, checked to stand at the head revision of the migrations as they are on disk now
(and, on PostgreSQL, to hold procrastinate's queue of migration 0008), and dropped when the
session ends (conftest's pytest_sessionfinish).
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from kulisser import migrate
from kulisser.db import Database


@dataclass
class _Template:
    backend: str
    location: str  # PostgreSQL: the database's name; SQLite: the file's path
    admin_url: str = ""
    value: object = None  # what the builder of a derived template returned


_current: _Template | None = None
# Templates made from a copy of the migrated one by a builder (the demo seeded at a moment).
_derived: dict[str, _Template] = {}


def head_revision() -> str:
    """The head revision of the migrations on disk."""
    head = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()
    assert head is not None, "no migrations found"
    return head


def template(backend: str, admin_url: Callable[[], str]) -> str:
    """The session's migrated template for the backend (built at first use): a PostgreSQL
    database name or an SQLite file path."""
    global _current
    if _current is None or _current.backend != backend:
        drop()
        _current = _build_pg(admin_url()) if backend == "postgresql" else _build_sqlite()
    return _current.location


def derived(backend: str, admin_url: Callable[[], str], key: str,
            build: Callable[[Database], object]) -> tuple[str, object]:
    """A template made once per session by `build` on a copy of the migrated one (the same key
    must always build the same thing): its name or path, and what `build` returned."""
    if key not in _derived:
        base = template(backend, admin_url)
        if backend == "postgresql":
            admin = make_url(admin_url())
            name = f"kt_tpl_{secrets.token_hex(6)}"
            engine = create_engine(admin, isolation_level="AUTOCOMMIT")
            try:
                copy_pg(engine, base, name)
                database = Database(admin.set(database=name).render_as_string(hide_password=False))
                value = build(database)
                database.engine.dispose()
                with engine.connect() as conn:
                    conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            finally:
                engine.dispose()
            _derived[key] = _Template(backend, name, admin_url(), value)
        else:
            path = Path(tempfile.mkdtemp(prefix="kulisser-template-")) / "derived.db"
            copy_sqlite(base, path)
            database = Database(f"sqlite:///{path}")
            value = build(database)
            with database.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            database.engine.dispose()
            _derived[key] = _Template(backend, str(path), value=value)
    found = _derived[key]
    return found.location, found.value


def _check(engine: Engine, head: str) -> None:
    # A template behind the head would hand every test an old schema: refuse it outright.
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert version == head, f"the test template stands at {version}, not at the head {head}"
        if engine.dialect.name == "postgresql":
            queue = conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar()
            assert queue is not None, "procrastinate's queue is missing from the test template"


def _build_sqlite() -> _Template:
    head = head_revision()
    path = Path(tempfile.mkdtemp(prefix="kulisser-template-")) / f"template-{head}.db"
    database = Database(f"sqlite:///{path}")
    migrate.upgrade(database.engine)
    _check(database.engine, head)
    with database.engine.connect() as conn:
        # Everything into the main file, so that a copy of that one file is the whole database.
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.engine.dispose()
    return _Template(backend="sqlite", location=str(path))


def _build_pg(admin_url: str) -> _Template:
    head = head_revision()
    # Unique per session: several sessions may share one cluster.
    name = f"kt_tpl_{head}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = make_url(admin_url)
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        database = Database(admin.set(database=name).render_as_string(hide_password=False))
        migrate.upgrade(database.engine)
        _check(database.engine, head)
        database.engine.dispose()
        with engine.connect() as conn:
            # No session may connect to it any more, autovacuum included: a copy needs the
            # template without connections.
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
    finally:
        engine.dispose()
    return _Template(backend="postgresql", location=name, admin_url=admin_url)


def copy_pg(engine: Engine, template_name: str, dbname: str) -> None:
    """Create database dbname as a copy of the template (engine: the cluster, autocommit)."""
    for attempt in range(20):
        try:
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{dbname}" TEMPLATE "{template_name}"'))
            return
        except OperationalError as exc:
            # 55006: a connection to the template is still closing; PostgreSQL waits 5 s itself.
            if getattr(exc.orig, "sqlstate", None) != "55006" or attempt == 19:
                raise
            time.sleep(0.1)


def copy_sqlite(template_path: str, path: Path) -> None:
    """Copy the template file to path (no -wal beside it: the template was checkpointed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template_path, path)


def drop() -> None:
    """Drop the session's templates, if any were built."""
    global _current
    built = [*_derived.values(), *([_current] if _current is not None else [])]
    _current = None
    _derived.clear()
    for each in built:
        if each.backend == "postgresql":
            engine = create_engine(make_url(each.admin_url), isolation_level="AUTOCOMMIT")
            try:
                with engine.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{each.location}" WITH (FORCE)'))
            finally:
                engine.dispose()
        else:
            shutil.rmtree(Path(each.location).parent, ignore_errors=True)
