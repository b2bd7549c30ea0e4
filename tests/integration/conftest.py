"""Helpers of the job tests (a fresh migrated database per test, job keys, reloading a job) and
of the tests of one migration (a database migrated from empty)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kulisser import migrate
from kulisser.config import Settings
from kulisser.db import Database
from kulisser.jobs.models import Job
from tests.conftest import fresh_database_url, migrated_database_url, test_settings

# The settings a test's runner starts with and hands each task in its JobContext; the
# database URL is the runner's own (procrastinate tests pass theirs).
JOB_SETTINGS: Settings = test_settings("sqlite://")


@pytest.fixture()
def jobdb(tmp_path: Path) -> Iterator[Database]:
    """A fresh migrated database for one test."""
    url, drop = migrated_database_url(tmp_path, "jobs")
    database = Database(url)
    yield database
    database.engine.dispose()
    drop()  # type: ignore[operator]


@pytest.fixture()
def migrated(tmp_path: Path) -> Iterator[Database]:
    """An empty database of its own, migrated to the head by a real run of every migration."""
    # Not a template copy: a migration's own test starts where a fresh deployment does.
    url, drop = fresh_database_url(tmp_path, "migrated")
    database = Database(url)
    migrate.upgrade(database.engine)
    yield database
    database.engine.dispose()
    drop()  # type: ignore[operator]


def key() -> str:
    """A unique job key."""
    return uuid.uuid4().hex[:12]


def load(database: Database, job_id: int) -> Job:
    """The job row as stored now."""
    with database.session() as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job
