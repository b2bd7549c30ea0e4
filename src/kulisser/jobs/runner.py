"""The job interface and its runner: jobs take ids, live in the database, survive crashes.

`defer()` stores a job in the caller's transaction, so a job exists exactly when the work
that asked for it committed. Two ways run the jobs, chosen with KULISSER_JOBS:

- "embedded" and "worker": this module's runner, in a thread of the web process or in
  `kulisser worker` processes, on SQLite or PostgreSQL. Workers claim a job with a short
  lease (locked_until) that a heartbeat renews while the job runs (kulisser.jobs.lease); a
  worker that dies leaves the lease to run out, and another worker takes the job again. On
  PostgreSQL workers share the table through FOR UPDATE SKIP LOCKED.
- "procrastinate" (PostgreSQL, production): procrastinate carries each job to `kulisser
  worker` processes on any number of machines (kulisser.jobs.pgqueue); the job row stays
  the record of the job's state, attempts and errors.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session

from kulisser.db import Database, utcnow
from kulisser.jobs.context import JobContext
from kulisser.jobs.lease import LEASE_SECONDS, Lease, LeaseLost, heartbeat, settle
from kulisser.jobs.models import Job

if TYPE_CHECKING:
    from kulisser.config import Settings

log = logging.getLogger("kulisser.jobs")
TaskFn = Callable[..., None]
_TASKS: dict[str, TaskFn] = {}


def task(name: str) -> Callable[[TaskFn], TaskFn]:
    """Register a job function under a stable name; it gets (JobContext, **ids)."""

    def wrap(fn: TaskFn) -> TaskFn:
        _TASKS[name] = fn
        return fn

    return wrap


_PERIODIC: dict[str, int] = {}
# Set by use_procrastinate(): the database whose procrastinate queue carries the jobs.
_procrastinate_url: str | None = None


def use_procrastinate(database_url: str | None) -> None:
    """Send every job through procrastinate on that PostgreSQL database (None: this runner)."""
    global _procrastinate_url
    if database_url is not None:
        from kulisser.jobs import pgqueue

        pgqueue.conninfo(database_url)  # refuses anything but PostgreSQL
    _procrastinate_url = database_url


def configure(*, jobs: str, database_url: str) -> None:
    """Choose the runner from the settings (KULISSER_JOBS) for this process."""
    use_procrastinate(database_url if jobs == "procrastinate" else None)


def _dispatch(session: Session, job: Job) -> None:
    """Hand a queued job row to procrastinate, in the same transaction, when it carries jobs."""
    if _procrastinate_url is None:
        return  # this module's runner polls the table
    from kulisser.jobs import pgqueue

    session.flush()
    pgqueue.enqueue(session, database_url=_procrastinate_url, job_id=job.id,
                    dedupe_key=job.dedupe_key, run_after=job.run_after)


def periodic(name: str, *, every_seconds: int) -> Callable[[TaskFn], TaskFn]:
    """Register a task that workers queue once per period (it takes only the JobContext)."""

    def wrap(fn: TaskFn) -> TaskFn:
        _TASKS[name] = fn
        _PERIODIC[name] = every_seconds
        return fn

    return wrap


def schedule_periodic(db: Database, *, now: datetime | None = None) -> int:
    """Queue each periodic task for the current period unless some worker already did."""
    now = now or utcnow()
    queued = 0
    with db.session() as session:
        for name, every in _PERIODIC.items():
            # The period's number in the key: every worker computes the same one, so the task
            # runs once per period however many workers there are (the task is idempotent
            # should two workers race on the very first insert).
            key = f"periodic:{name}:{int(now.timestamp()) // every}"
            if session.scalar(select(Job.id).where(Job.dedupe_key == key)) is None:
                job = Job(task=name, args={}, dedupe_key=key, run_after=now)
                session.add(job)
                _dispatch(session, job)
                queued += 1
    return queued


def registered() -> dict[str, TaskFn]:
    """The registered tasks by name."""
    return dict(_TASKS)


def defer(session: Session, name: str, *, dedupe_key: str | None = None,
          run_after: datetime | None = None, max_attempts: int = 5, **args: Any) -> Job:
    """Queue a job in the caller's transaction; a waiting job with the same key is reused."""
    if name not in _TASKS:
        raise KeyError(f"unknown task {name!r}")
    if dedupe_key is not None:
        # Only a job still waiting can absorb this request: a running one may already have
        # read the record, so the change that asked for this run would go unseen.
        existing = session.scalar(select(Job).where(Job.dedupe_key == dedupe_key,
                                                    Job.status == "queued"))
        if existing is not None:
            return existing
    job = Job(task=name, args=args, dedupe_key=dedupe_key, run_after=run_after or utcnow(),
              max_attempts=max_attempts)
    session.add(job)
    session.flush()
    _dispatch(session, job)
    return job


def worker_name() -> str:
    """host:pid, written on the jobs a worker holds."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(db: Database, *, worker: str, lease_seconds: int = LEASE_SECONDS,
          now: datetime | None = None) -> int | None:
    """Take the next due job (or one whose worker's lease ran out); return its id."""
    lease = take(db, worker=worker, lease_seconds=lease_seconds, now=now)
    return lease.job_id if lease else None


def take(db: Database, *, worker: str, lease_seconds: int = LEASE_SECONDS,
         now: datetime | None = None) -> Lease | None:
    """Take the next due job (or one whose worker's lease ran out); return the lease."""
    now = now or utcnow()
    due = (or_(Job.status == "queued", (Job.status == "running") & (Job.locked_until < now)),
           Job.run_after <= now)
    for _ in range(100):
        with db.session() as session:
            stmt = select(Job.id).where(*due).order_by(Job.run_after, Job.id).limit(1)
            if db.is_postgres:
                stmt = stmt.with_for_update(skip_locked=True)
            job_id = session.scalar(stmt)
            if job_id is None:
                return None
            # The update checks the condition again: SQLite cannot lock the row, and two
            # workers that saw the same job must not both take it. The loser tries the next.
            taken = session.execute(
                update(Job).where(Job.id == job_id, *due).values(
                    status="running", attempts=Job.attempts + 1, locked_by=worker,
                    locked_until=now + timedelta(seconds=lease_seconds)),
                execution_options={"synchronize_session": False})
            if cast("CursorResult[Any]", taken).rowcount == 1:
                # Still this transaction's row: the attempt read is the one just written.
                attempt = session.scalar(select(Job.attempts).where(Job.id == job_id))
                return Lease(job_id=job_id, worker=worker, attempt=attempt or 0,
                             seconds=lease_seconds)
    return None


def run_job(db: Database, job_id: int, *, settings: Settings, lease: Lease | None = None,
            lease_seconds: int = LEASE_SECONDS) -> bool:
    """Run one claimed job in its own transaction; record success, or schedule a retry.

    The lease is renewed while the job runs; if another worker took the job meanwhile, this
    run's writes are rolled back and its outcome is not recorded. Without a lease, the claim
    the row carries now is the one run. The task gets the settings in its JobContext.
    """
    with db.session() as session:
        job = session.get(Job, job_id)
        if job is None or job.status != "running":
            return False
        if lease is None:
            lease = Lease(job_id=job_id, worker=job.locked_by, attempt=job.attempts,
                          seconds=lease_seconds)
        elif (job.locked_by, job.attempts) != (lease.worker, lease.attempt):
            return False  # taken by another worker before this one started
        name, args, attempts, max_attempts = job.task, dict(job.args), job.attempts, job.max_attempts
    fn = _TASKS.get(name)
    error = None
    with heartbeat(db, lease):
        if fn is None:
            error = f"unknown task {name!r}"
        else:
            try:
                with db.session() as session:
                    fn(JobContext(session=session, settings=settings), **args)
                    # In the task's own transaction: its writes commit exactly when the job is
                    # recorded done by the worker that still holds it.
                    if not settle(session, lease, status="done", finished_at=utcnow(),
                                  last_error=None):
                        raise LeaseLost
            except LeaseLost:
                log.warning("job %s (%s): taken by another worker; this run is rolled back",
                            job_id, name)
                return False
            except Exception as exc:  # a job failure is recorded, never lost
                error = f"{type(exc).__name__}: {exc}"
                log.warning("job %s (%s) failed: %s", job_id, name, type(exc).__name__)
                log.debug("%s", traceback.format_exc())
        if error is None:
            return True
        with db.session() as session:
            now = utcnow()
            if attempts >= max_attempts:
                settle(session, lease, status="failed", finished_at=now, last_error=error[:2000])
            elif settle(session, lease, status="queued", last_error=error[:2000],
                        run_after=now + timedelta(seconds=min(600, 5 * 2 ** attempts))):
                requeued = session.get(Job, job_id)
                assert requeued is not None
                _dispatch(session, requeued)
    return False


def run_dispatched(db: Database, job_id: int, *, settings: Settings,
                   lease_seconds: int = LEASE_SECONDS) -> bool:
    """Take one job row that procrastinate handed to this worker and run it.

    A row still marked running belonged to a worker that procrastinate found dead (its
    heartbeat stopped), so it is taken again; should that worker still be alive, its result
    is refused (its attempt is no longer the row's). A row already done or failed is left
    alone, which makes a repeated delivery harmless.
    """
    now = utcnow()
    worker = worker_name()
    with db.session() as session:
        taken = session.execute(
            update(Job).where(Job.id == job_id, Job.status.in_(("queued", "running"))).values(
                status="running", attempts=Job.attempts + 1, locked_by=worker,
                locked_until=now + timedelta(seconds=lease_seconds)),
            execution_options={"synchronize_session": False})
        if cast("CursorResult[Any]", taken).rowcount != 1:
            return False
        attempt = session.scalar(select(Job.attempts).where(Job.id == job_id)) or 0
    return run_job(db, job_id, settings=settings,
                   lease=Lease(job_id=job_id, worker=worker, attempt=attempt, seconds=lease_seconds))


def work(db: Database, *, settings: Settings, stop: threading.Event | None = None,
         poll_seconds: float = 1.0, burst: bool = False, lease_seconds: int = LEASE_SECONDS) -> int:
    """Run jobs until stopped (or, with burst, until none is due); return how many ran."""
    stop = stop or threading.Event()
    name = worker_name()
    count = 0
    next_schedule = 0.0
    while not stop.is_set():
        # A burst run empties the queue as it is; only long-running workers keep the clock.
        if not burst and time.monotonic() >= next_schedule:
            schedule_periodic(db)
            next_schedule = time.monotonic() + 30
        lease = take(db, worker=name, lease_seconds=lease_seconds)
        if lease is None:
            if burst:
                break
            stop.wait(poll_seconds)
            continue
        run_job(db, lease.job_id, settings=settings, lease=lease)
        count += 1
    return count


class EmbeddedRunner:
    """Runs jobs in a thread of the web process (the default for a single machine)."""

    def __init__(self, db: Database, *, settings: Settings, lease_seconds: int = LEASE_SECONDS) -> None:
        self.db = db
        self.settings = settings
        self.lease_seconds = lease_seconds
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker thread."""
        self.thread = threading.Thread(target=self._loop, name="kulisser-jobs", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.stop.is_set():
            try:
                work(self.db, settings=self.settings, stop=self.stop, lease_seconds=self.lease_seconds)
            except Exception:  # keep the thread alive across database hiccups
                log.exception("job loop error")
                time.sleep(2)

    def shutdown(self) -> None:
        """Stop after the current job."""
        self.stop.set()
        if self.thread:
            self.thread.join(timeout=10)
