"""Worker leases on job rows: a claim's identity, its heartbeat, and the check at commit time.

A worker that claims a job holds it until `locked_until`. While the job runs, a heartbeat
thread renews that lease every third of its length on a connection of its own, so a job
longer than the lease is never taken by another worker; a killed worker's heartbeat dies
with it, and another worker takes the job once the short lease runs out.

The claim's attempt number is a fencing token: every claim raises it, so a worker whose
lease was lost (its heartbeat could not reach the database in time and another worker took
the job) finds that the row no longer carries its (worker, attempt) and neither commits its
result nor records an outcome. The task's writes and the job's "done" are one transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, update
from sqlalchemy.orm import Session

from kulisser.db import Database, utcnow
from kulisser.jobs.models import Job

log = logging.getLogger("kulisser.jobs")
# Short, so that a killed worker's job runs again within a minute; the heartbeat keeps a
# long job's lease alive (KULISSER_JOB_LEASE_SECONDS).
LEASE_SECONDS = 45


@dataclass(frozen=True)
class Lease:
    """One claim of a job: who holds it, which attempt, and for how long at a time."""

    job_id: int
    worker: str | None  # None only for a row marked running by hand, with no worker on it
    attempt: int
    seconds: int

    def held(self) -> tuple[ColumnElement[bool], ...]:
        """The conditions under which the job row is still this claim's."""
        owner = Job.locked_by.is_(None) if self.worker is None else Job.locked_by == self.worker
        return (Job.id == self.job_id, Job.status == "running", owner,
                Job.attempts == self.attempt)


class LeaseLost(Exception):
    """The job was taken by another worker while this one ran it."""


def _rowcount(result: Any) -> int:
    return cast("CursorResult[Any]", result).rowcount


def renew(db: Database, lease: Lease, *, now: datetime | None = None) -> bool:
    """Extend the lease from now while the row is still this claim's; False once it is not."""
    until = (now or utcnow()) + timedelta(seconds=lease.seconds)
    with db.session() as session:
        result = session.execute(update(Job).where(*lease.held()).values(locked_until=until),
                                 execution_options={"synchronize_session": False})
        return _rowcount(result) == 1


def settle(session: Session, lease: Lease, **values: Any) -> bool:
    """Record the job's outcome in the caller's transaction if the claim still holds the row."""
    result = session.execute(
        update(Job).where(*lease.held()).values(locked_by=None, locked_until=None, **values),
        execution_options={"synchronize_session": False})
    return _rowcount(result) == 1


class Heartbeat:
    """A thread that renews one lease every third of its length until stopped or lost."""

    def __init__(self, db: Database, lease: Lease) -> None:
        self.db = db
        self.lease = lease
        self.stopped = threading.Event()
        self.lost = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True,
                                       name=f"kulisser-lease-{lease.job_id}")

    def _beat(self) -> None:
        interval = self.lease.seconds / 3
        while not self.stopped.wait(interval):
            try:
                if not renew(self.db, self.lease):
                    # Another worker holds the job now; the check at commit time refuses
                    # this worker's result, so there is nothing left to renew.
                    log.warning("job %s: lease lost to another worker", self.lease.job_id)
                    self.lost.set()
                    return
            except Exception as exc:  # a database hiccup: try again at the next beat
                log.warning("job %s: lease not renewed (%s)", self.lease.job_id, type(exc).__name__)

    def start(self) -> None:
        """Start renewing."""
        self.thread.start()

    def stop(self) -> None:
        """Stop renewing (the job has ended) and wait for an update in flight."""
        self.stopped.set()
        self.thread.join(timeout=self.lease.seconds)


@contextmanager
def heartbeat(db: Database, lease: Lease) -> Iterator[Heartbeat]:
    """Keep the lease alive for the duration of the block."""
    beat = Heartbeat(db, lease)
    beat.start()
    try:
        yield beat
    finally:
        beat.stop()
