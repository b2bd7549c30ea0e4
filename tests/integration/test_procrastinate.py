"""Production jobs through procrastinate on PostgreSQL: transactional defer, retries, dead workers.

PostgreSQL only (procrastinate has no SQLite backend); on the SQLite pass of the suite these
tests are skipped with that reason. Each test has a database of its own.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from kulisser import migrate
from kulisser.config import ConfigError, Settings
from kulisser.db import Database
from kulisser.jobs import pgqueue, runner
from kulisser.jobs.context import JobContext
from kulisser.jobs.models import Job
from kulisser.staff.models import CareUnit
from tests.conftest import TEST_SECRET, backend, migrated_database_url
from tests.conftest import test_settings as settings_for

pytestmark = pytest.mark.skipif(backend() != "postgresql",
                                reason="procrastinate runs on PostgreSQL only")
ROOT = Path(__file__).resolve().parents[2]
CALLS: Counter[str] = Counter()


@runner.task("tests.pq.unit")
def make_unit(ctx: JobContext, *, key: str, failures: int = 0) -> None:
    """Write a care unit; fail the first `failures` calls (their rows must not stay)."""
    CALLS[key] += 1
    ctx.session.add(CareUnit(hsa_id=f"{key}-{CALLS[key]}", name="Skapad av jobb"))
    ctx.session.flush()
    if CALLS[key] <= failures:
        raise RuntimeError(f"boom {CALLS[key]}")


@runner.task("tests.pq.sleepy")
def sleepy(ctx: JobContext, *, key: str, marker: str) -> None:
    """Sleep while the marker file exists (a worker is killed meanwhile), then write a unit."""
    deadline = time.monotonic() + 120
    while Path(marker).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    ctx.session.add(CareUnit(hsa_id=key, name="Efter omstart"))


def pq_settings(database: Database) -> Settings:
    """The settings a procrastinate worker on this database starts with."""
    return settings_for(database.url, jobs="procrastinate")


@pytest.fixture()
def pqdb(tmp_path: Path) -> Iterator[Database]:
    """A fresh migrated PostgreSQL database whose jobs go through procrastinate."""
    url, drop = migrated_database_url(tmp_path, "pq")
    database = Database(url)
    runner.use_procrastinate(url)
    yield database
    runner.use_procrastinate(None)
    database.engine.dispose()
    drop()  # type: ignore[operator]


def queue_rows(db: Database) -> list[dict[str, object]]:
    """Procrastinate's jobs of the Kulisser queue."""
    with db.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT id, task_name, args, status::text AS status, lock, attempts, scheduled_at "
            "FROM procrastinate_jobs WHERE queue_name = 'kulisser' ORDER BY id"))
        return [dict(r._mapping) for r in rows]


def job_row(db: Database, job_id: int) -> Job:
    with db.session() as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job


def units(db: Database, prefix: str) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(CareUnit.hsa_id).where(CareUnit.hsa_id.like(f"{prefix}%"))))


def test_settings_refuse_procrastinate_on_sqlite() -> None:
    with pytest.raises(ConfigError, match="PostgreSQL"):
        Settings(mode="test", secret_key=TEST_SECRET, jobs="procrastinate",
                 database_url="sqlite:///var/x.db")
    with pytest.raises(ValueError, match="PostgreSQL"):
        runner.use_procrastinate("sqlite:///var/x.db")


def test_migration_creates_the_queue_and_downgrade_removes_it(pqdb: Database) -> None:
    with pqdb.engine.connect() as conn:
        assert conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None
    migrate.downgrade(pqdb.engine, "0007")
    with pqdb.engine.connect() as conn:
        assert conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is None
        left = conn.execute(text(
            "SELECT count(*) FROM pg_proc WHERE proname LIKE 'procrastinate%'")).scalar()
        assert left == 0
    migrate.upgrade(pqdb.engine)
    with pqdb.engine.connect() as conn:
        assert conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None


def test_defer_is_part_of_the_callers_transaction(pqdb: Database) -> None:
    key = uuid.uuid4().hex[:10]
    with pytest.raises(RuntimeError), pqdb.session() as s:
        runner.defer(s, "tests.pq.unit", key=key)
        raise RuntimeError("the request failed after deferring")
    assert queue_rows(pqdb) == []
    with pqdb.session() as s:
        job_id = runner.defer(s, "tests.pq.unit", dedupe_key=f"unit:{key}", key=key).id
    rows = queue_rows(pqdb)
    assert len(rows) == 1
    assert rows[0]["task_name"] == pgqueue.RUN and rows[0]["args"] == {"job_id": job_id}
    assert rows[0]["status"] == "todo" and rows[0]["lock"] == f"unit:{key}"
    # A second request while the first still waits is absorbed, in both tables.
    with pqdb.session() as s:
        assert runner.defer(s, "tests.pq.unit", dedupe_key=f"unit:{key}", key=key).id == job_id
    assert len(queue_rows(pqdb)) == 1


def test_worker_runs_the_job_and_retries_a_failure(pqdb: Database) -> None:
    key = uuid.uuid4().hex[:10]
    with pqdb.session() as s:
        job_id = runner.defer(s, "tests.pq.unit", key=key, failures=1).id
    pgqueue.run_worker(pq_settings(pqdb), burst=True)
    job = job_row(pqdb, job_id)
    # The failure is on the row, with its reason, and the retry waits in procrastinate.
    assert (job.status, job.attempts) == ("queued", 1)
    assert job.last_error == "RuntimeError: boom 1"
    assert units(pqdb, key) == []  # the failed attempt's row was rolled back
    # (The worker also ran the periodic tasks: only this test's job is looked at.)
    ours = [r for r in queue_rows(pqdb) if r["args"] == {"job_id": job_id}]
    # The first delivery finished (the row records the failure) and was deleted; the retry waits.
    assert [r["status"] for r in ours] == ["todo"]
    waiting = ours[0]
    assert waiting["scheduled_at"] > job.run_after - timedelta(seconds=1)
    with pqdb.engine.begin() as conn:  # the back-off has passed
        conn.execute(text("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE id = :id"),
                     {"id": waiting["id"]})

    async def from_a_running_loop() -> None:  # as under Playwright's sync API in this suite
        pgqueue.run_worker(pq_settings(pqdb), burst=True)

    # On a thread of its own: this thread may already run a loop (Playwright's, in the suite).
    errors: list[BaseException] = []

    def in_thread() -> None:
        try:
            asyncio.run(from_a_running_loop())
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join(timeout=120)
    assert errors == [] and not thread.is_alive()
    job = job_row(pqdb, job_id)
    assert (job.status, job.attempts, job.last_error) == ("done", 2, None)
    assert units(pqdb, key) == [f"{key}-2"]
    # Delivered again (a repeated message): a finished row is left alone.
    assert runner.run_dispatched(pqdb, job_id, settings=pq_settings(pqdb)) is False
    assert units(pqdb, key) == [f"{key}-2"]


def test_a_killed_worker_s_job_runs_again(pqdb: Database, tmp_path: Path) -> None:
    key = uuid.uuid4().hex[:10]
    marker = tmp_path / "hold"
    marker.write_text("hold")
    with pqdb.session() as s:
        job_id = runner.defer(s, "tests.pq.sleepy", dedupe_key=f"sleepy:{key}", key=key,
                              marker=str(marker)).id
    env = {k: v for k, v in os.environ.items() if not k.startswith("KULISSER_")}
    env.update(KULISSER_DATABASE_URL=pqdb.url, KULISSER_MODE="production",
               KULISSER_SECRET_KEY="s" * 40, KULISSER_JOBS="procrastinate",
               PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'src'}")  # this checkout's kulisser
    # `kulisser worker`, with this module imported so that it knows the test's task.
    code = ("import tests.integration.test_procrastinate, sys; from kulisser.cli import main; "
            "sys.argv = ['kulisser', 'worker']; main()")
    worker = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while job_row(pqdb, job_id).status != "running":
            assert time.monotonic() < deadline, "the worker never took the job"
            assert worker.poll() is None, "the worker stopped"
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    marker.unlink()
    assert [r["status"] for r in queue_rows(pqdb) if r["args"] == {"job_id": job_id}] == ["doing"]
    assert units(pqdb, key) == []
    with pqdb.engine.begin() as conn:  # a minute later: the dead worker's heartbeat is old
        conn.execute(text("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour'"))
    assert pgqueue.retry_stalled(pq_settings(pqdb)) == 1
    pgqueue.run_worker(pq_settings(pqdb), burst=True)
    job = job_row(pqdb, job_id)
    assert (job.status, job.attempts) == ("done", 2)
    assert units(pqdb, key) == [key]
