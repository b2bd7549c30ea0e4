"""Test harness: one migrated database per run (SQLite or PostgreSQL), the app, clients.

KULISSER_TEST_DATABASE=sqlite (default) or postgresql; for PostgreSQL, KULISSER_TEST_PG_URL
points at a server where a throwaway database is created and dropped (make test does this).
Tests do not share rows: each builds its own unit, staff and patients with the factories.

The migrations run once per pytest session, into a template (tests/dbtemplate.py); every
test or module that needs a migrated database of its own gets a copy of it
(`migrated_database_url`). Tests of the migrations themselves start from
`fresh_database_url`, an empty database.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from kulisser import demo, packages
from kulisser.app import create_app
from kulisser.config import Settings
from kulisser.db import Database
from kulisser.demo import DemoResult
from tests import dbtemplate, factories
from tests.factories import login_client

TEST_SECRET = "test-secret-" + "x" * 40


def backend() -> str:
    """Which database the suite runs on."""
    return os.environ.get("KULISSER_TEST_DATABASE", "sqlite")


def _pg_admin_url() -> str:
    url = os.environ.get("KULISSER_TEST_PG_URL")
    if not url:
        raise RuntimeError("KULISSER_TEST_DATABASE=postgresql needs KULISSER_TEST_PG_URL (see Makefile)")
    return url


@contextmanager
def exclusive(name: str) -> Iterator[None]:
    """Take turns with the other pass of scripts/test.sh, which runs the SQLite and PostgreSQL
    passes at once: a lock file in KULISSER_TEST_LOCK_DIR (nothing to wait for without it)."""
    folder = os.environ.get("KULISSER_TEST_LOCK_DIR")
    if not folder:
        yield
        return
    with (Path(folder) / f"{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def fresh_database_url(tmp_dir: Path, name: str) -> tuple[str, object]:
    """Create an empty database for this run and return its URL and a cleanup function."""
    return _new_database(tmp_dir, name, template=None)


def migrated_database_url(tmp_dir: Path, name: str) -> tuple[str, object]:
    """A database of its own at the migration head (a copy of the session's migrated
    template, procrastinate's queue included on PostgreSQL): its URL and a cleanup function."""
    return _new_database(tmp_dir, name, template=dbtemplate.template(backend(), _pg_admin_url))


def demo_database_url(tmp_dir: Path, name: str, *, now: datetime) -> tuple[str, object, DemoResult]:
    """A database of its own with the demo seeded at `now` (`demo.seed(s, now=now)`), as a copy
    of a template seeded once per session and moment: its URL, a cleanup function and what
    the seeding returned."""

    def seed(database: Database) -> DemoResult:
        with database.session() as session:
            return demo.seed(session, now=now)

    location, result = dbtemplate.derived(backend(), _pg_admin_url, f"demo:{now.isoformat()}", seed)
    url, drop = _new_database(tmp_dir, name, template=location)
    return url, drop, result  # type: ignore[return-value]


def _new_database(tmp_dir: Path, name: str, *, template: str | None) -> tuple[str, object]:
    if backend() == "postgresql":
        admin = make_url(_pg_admin_url())
        dbname = f"kt_{re.sub(r'[^a-z0-9]', '', name.lower())[:20]}_{secrets.token_hex(4)}"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        if template is None:
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{dbname}"'))
        else:
            dbtemplate.copy_pg(engine, template, dbname)
        url = admin.set(database=dbname).render_as_string(hide_password=False)

        def drop() -> None:
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
            engine.dispose()

        return url, drop
    path = tmp_dir / f"{name}.db"
    if template is not None:
        dbtemplate.copy_sqlite(template, path)
    return f"sqlite:///{path}", lambda: None


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The run's migrated database, with every installed package set up as the app and the
    worker set them up (kinds, jobs and event subscribers registered), whatever test runs first."""
    packages.setup()
    url, drop = migrated_database_url(tmp_path_factory.mktemp("db"), "suite")
    db = Database(url)
    yield db
    db.engine.dispose()
    drop()  # type: ignore[operator]


@pytest.fixture()
def db(database: Database) -> Iterator[Session]:
    """A session for arranging and checking; committed at the end of the test."""
    with database.session() as session:
        yield session


def test_settings(url: str, **overrides: object) -> Settings:
    """Settings for an app under test."""
    values: dict[str, object] = {"mode": "test", "secret_key": TEST_SECRET, "database_url": url,
                                 "cookie_secure": False, "jobs": "worker"}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def app(database: Database, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """The application on the run's database, with a data directory (audio) of its own."""
    return create_app(test_settings(database.url, data_dir=tmp_path_factory.mktemp("data")),
                      database)


@pytest.fixture()
def client(app: FastAPI) -> Iterator[TestClient]:
    """An anonymous HTTP client."""
    with TestClient(app, base_url="http://testserver") as c:
        yield c


Client = Callable[[int], TestClient]


@pytest.fixture()
def client_as(app: FastAPI, database: Database) -> Iterator[Client]:
    """Clients logged in as given users (cookie session + CSRF header), closed at the end."""
    opened: list[TestClient] = []

    def make(user_id: int) -> TestClient:
        client = TestClient(app, base_url="http://testserver")
        client.__enter__()
        login_client(client, database, user_id)
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture()
def world(database: Database) -> factories.World:
    """A unit of its own with a secretary, a clinician, a manager and patients."""
    with database.session() as session:
        return factories.make_world(session)


@pytest.fixture()
def secretary_client(app: FastAPI, database: Database, world: factories.World) -> Iterator[TestClient]:
    """A client logged in as the world's secretary."""
    with TestClient(app, base_url="http://testserver") as c:
        login_client(c, database, world.secretary_id)
        yield c


@pytest.fixture()
def manager_client(app: FastAPI, database: Database, world: factories.World) -> Iterator[TestClient]:
    """A client logged in as the world's unit manager."""
    with TestClient(app, base_url="http://testserver") as c:
        login_client(c, database, world.manager_id)
        yield c


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop the session's migrated template (a PostgreSQL database, or an SQLite file)."""
    dbtemplate.drop()
