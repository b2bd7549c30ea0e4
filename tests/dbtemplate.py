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


_current: _Template | None = None


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
    """Drop the session's template, if one was built."""
    global _current
    current, _current = _current, None
    if current is None:
        return
    if current.backend == "postgresql":
        engine = create_engine(make_url(current.admin_url), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{current.location}" WITH (FORCE)'))
        finally:
            engine.dispose()
    else:
        shutil.rmtree(Path(current.location).parent, ignore_errors=True)
