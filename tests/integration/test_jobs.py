"""The job runner: transactional defer, retries, dead workers, dedupe, idempotent runs.

Each test gets a database of its own: a worker takes whatever job is due, and jobs left
over by other tests must not be taken (or leave theirs to be taken) here.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kulisser.db import Database, utcnow
from kulisser.jobs import runner
from kulisser.jobs.context import JobContext
from kulisser.jobs.models import Job
from kulisser.staff.models import CareUnit
from tests.integration.conftest import JOB_SETTINGS, key, load

CALLS: Counter[str] = Counter()
_LOCK = threading.Lock()


@runner.task("tests.jobs.count")
def count(ctx: JobContext, *, key: str) -> None:
    """Count the call and write a row in the job's own transaction."""
    CALLS[key] += 1
    ctx.session.add(CareUnit(hsa_id=f"{key}-{CALLS[key]}", name="Skapad av jobb"))


@runner.task("tests.jobs.flaky")
def flaky(ctx: JobContext, *, key: str, failures: int) -> None:
    """Fail the first `failures` calls; the row written before the failure must not stay."""
    CALLS[key] += 1
    ctx.session.add(CareUnit(hsa_id=f"{key}-{CALLS[key]}", name="Ska rullas tillbaka"))
    ctx.session.flush()
    if CALLS[key] <= failures:
        raise RuntimeError(f"boom {CALLS[key]}")


@runner.task("tests.jobs.tally")
def tally(ctx: JobContext, *, key: str) -> None:
    """Count the call (from many worker threads at once)."""
    with _LOCK:
        CALLS[key] += 1




def units_named(database: Database, k: str) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(CareUnit).where(
            CareUnit.hsa_id.startswith(k))) or 0


def test_a_job_exists_only_if_its_transaction_commits(jobdb: Database) -> None:
    k = key()
    with jobdb.sessions() as s:
        runner.defer(s, "tests.jobs.count", key=k)
        s.rollback()
    with jobdb.session() as s:
        assert s.scalar(select(func.count()).select_from(Job)) == 0
    assert runner.work(jobdb, settings=JOB_SETTINGS, burst=True) == 0 and CALLS[k] == 0
    with pytest.raises(KeyError), jobdb.session() as s:
        runner.defer(s, "tests.jobs.no-such-task")


def test_defer_and_work_runs_it_once(jobdb: Database) -> None:
    k = key()
    with jobdb.session() as s:
        job_id = runner.defer(s, "tests.jobs.count", key=k).id
    queued = load(jobdb, job_id)
    assert (queued.status, queued.attempts, queued.args) == ("queued", 0, {"key": k})
    assert runner.work(jobdb, settings=JOB_SETTINGS, burst=True) == 1
    assert runner.work(jobdb, settings=JOB_SETTINGS, burst=True) == 0
    assert CALLS[k] == 1 and units_named(jobdb, k) == 1
    done = load(jobdb, job_id)
    assert (done.status, done.attempts, done.last_error, done.locked_by, done.locked_until) == (
        "done", 1, None, None, None)
    assert done.finished_at is not None


def test_a_job_scheduled_for_later_waits(jobdb: Database) -> None:
    k = key()
    with jobdb.session() as s:
        job_id = runner.defer(s, "tests.jobs.count", key=k, run_after=utcnow() + timedelta(hours=1)).id
    assert runner.work(jobdb, settings=JOB_SETTINGS, burst=True) == 0
    assert runner.claim(jobdb, worker="w", now=utcnow() + timedelta(hours=2)) == job_id


def test_a_failing_job_is_retried_then_marked_failed(jobdb: Database) -> None:
    k = key()
    with jobdb.session() as s:
        job_id = runner.defer(s, "tests.jobs.flaky", key=k, failures=99, max_attempts=3).id
    assert runner.work(jobdb, settings=JOB_SETTINGS, burst=True) == 1
    before = utcnow()
    for attempt in (1, 2):
        job = load(jobdb, job_id)
        assert (job.status, job.attempts, job.last_error, job.locked_by) == (
            "queued", attempt, f"RuntimeError: boom {attempt}", None)
        assert job.run_after > before and job.finished_at is None
        assert runner.work(jobdb, settings=JOB_SETTINGS, burst=True) == 0  # not before its time
        assert runner.claim(jobdb, worker="w", now=job.run_after + timedelta(seconds=1)) == job_id
        assert runner.run_job(jobdb, job_id, settings=JOB_SETTINGS) is False
    failed = load(jobdb, job_id)
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", 3, "RuntimeError: boom 3")
    assert failed.finished_at is not None
    assert runner.claim(jobdb, worker="w", now=utcnow() + timedelta(days=1)) is None
    assert CALLS[k] == 3 and units_named(jobdb, k) == 0  # each failed run was rolled back


def test_a_retry_that_succeeds_is_done(jobdb: Database) -> None:
    k = key()
    with jobdb.session() as s:
        job_id = runner.defer(s, "tests.jobs.flaky", key=k, failures=1).id
    runner.work(jobdb, settings=JOB_SETTINGS, burst=True)
    job = load(jobdb, job_id)
    assert runner.claim(jobdb, worker="w", now=job.run_after) == job_id
    assert runner.run_job(jobdb, job_id, settings=JOB_SETTINGS) is True
    done = load(jobdb, job_id)
    assert (done.status, done.attempts, done.last_error) == ("done", 2, None)
    assert units_named(jobdb, k) == 1


def test_a_job_of_a_dead_worker_is_taken_again(jobdb: Database) -> None:
    dead, alive = key(), key()
    with jobdb.session() as s:
        for k, until in ((dead, utcnow() - timedelta(minutes=1)),
                         (alive, utcnow() + timedelta(minutes=10))):
            job = runner.defer(s, "tests.jobs.count", key=k)
            job.status, job.attempts, job.locked_by, job.locked_until = "running", 1, "gone:1", until
        s.flush()
    assert runner.work(jobdb, settings=JOB_SETTINGS, burst=True) == 1
    assert CALLS[dead] == 1 and CALLS[alive] == 0  # a live lease is left alone
    with jobdb.session() as s:
        by_key = {j.args["key"]: j for j in s.scalars(select(Job))}
    assert (by_key[dead].status, by_key[dead].attempts) == ("done", 2)
    assert (by_key[alive].status, by_key[alive].locked_by) == ("running", "gone:1")


def test_dedupe_key_keeps_one_waiting_copy(jobdb: Database) -> None:
    k = key()
    dedupe = f"remind:{k}"
    with jobdb.session() as s:
        first = runner.defer(s, "tests.jobs.count", key=k, dedupe_key=dedupe).id
        assert runner.defer(s, "tests.jobs.count", key=k, dedupe_key=dedupe).id == first
    with jobdb.session() as s:
        assert runner.defer(s, "tests.jobs.count", key=k, dedupe_key=dedupe).id == first
        other = runner.defer(s, "tests.jobs.count", key=k, dedupe_key=f"other:{k}").id
        assert other != first
    # Once taken by a worker the job may already have read its record: a new request queues anew.
    assert runner.claim(jobdb, worker="w") == first
    with jobdb.session() as s:
        again = runner.defer(s, "tests.jobs.count", key=k, dedupe_key=dedupe).id
        assert again not in (first, other)
        assert runner.defer(s, "tests.jobs.count", key=k, dedupe_key=dedupe).id == again
    runner.run_job(jobdb, first, settings=JOB_SETTINGS)
    assert runner.work(jobdb, settings=JOB_SETTINGS, burst=True) == 2
    assert CALLS[k] == 3
    with jobdb.session() as s:
        assert s.scalar(select(func.count()).select_from(Job).where(Job.dedupe_key == dedupe)) == 2


def test_running_a_finished_job_again_does_nothing(jobdb: Database) -> None:
    k = key()
    with jobdb.session() as s:
        job_id = runner.defer(s, "tests.jobs.count", key=k).id
    assert runner.claim(jobdb, worker="w") == job_id
    assert runner.run_job(jobdb, job_id, settings=JOB_SETTINGS) is True
    finished = load(jobdb, job_id)
    assert runner.run_job(jobdb, job_id, settings=JOB_SETTINGS) is False
    assert runner.run_job(jobdb, job_id + 1000, settings=JOB_SETTINGS) is False  # no such job
    again = load(jobdb, job_id)
    assert CALLS[k] == 1 and units_named(jobdb, k) == 1
    assert (again.status, again.attempts, again.finished_at) == ("done", 1, finished.finished_at)
    # An unclaimed (queued) job is not run by run_job either: only claimed ones are.
    with jobdb.session() as s:
        queued = runner.defer(s, "tests.jobs.count", key=k).id
    assert runner.run_job(jobdb, queued, settings=JOB_SETTINGS) is False and CALLS[k] == 1


def test_concurrent_workers_take_each_job_once(jobdb: Database) -> None:
    keys = [key() for _ in range(120)]
    with jobdb.session() as s:
        for k in keys:
            runner.defer(s, "tests.jobs.tally", key=k)
    ran: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            ran.append(runner.work(jobdb, settings=JOB_SETTINGS, burst=True))
        except BaseException as exc:  # surfaced below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == [] and sum(ran) == len(keys)
    assert sorted(CALLS[k] for k in keys) == [1] * len(keys)
    with jobdb.session() as s:
        assert set(s.scalars(select(Job.status))) == {"done"}
        assert set(s.scalars(select(Job.attempts))) == {1}
