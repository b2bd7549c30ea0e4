"""Worker leases (KULISSER_JOBS=worker): a heartbeat keeps a long job's lease, a lost lease
commits nothing, and a killed worker's job is taken again once its short lease is out.

Each test gets a database of its own (a worker takes whatever job is due). Time enters only
as the clock the lease is checked against; nothing here asserts how fast anything ran.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from kulisser.config import Settings
from kulisser.db import Database, utcnow
from kulisser.jobs import lease, runner
from kulisser.jobs.context import JobContext
from kulisser.staff.models import CareUnit
from tests.integration.conftest import JOB_SETTINGS, key, load

ROOT = Path(__file__).resolve().parents[2]
# A short lease, so that the tests see it renewed and see it run out (heartbeat every 1 s).
SHORT = 3
CALLS: Counter[str] = Counter()
STARTED: defaultdict[str, threading.Event] = defaultdict(threading.Event)
GATES: defaultdict[str, threading.Event] = defaultdict(threading.Event)


@runner.task("tests.leases.hold")
def hold(ctx: JobContext, *, key: str, fails: bool = False) -> None:
    """Write a unit; the first call waits for its gate (a job longer than its lease)."""
    CALLS[key] += 1
    call = CALLS[key]
    STARTED[key].set()
    if call == 1:
        GATES[key].wait(120)
    ctx.session.add(CareUnit(hsa_id=f"{key}-{call}", name="Skapad av jobb"))
    ctx.session.flush()
    if fails:
        raise RuntimeError(f"boom {call}")


@runner.task("tests.leases.file")
def hold_file(ctx: JobContext, *, key: str, marker: str) -> None:
    """Wait while the marker file exists (the worker is killed meanwhile), then write a unit."""
    deadline = time.monotonic() + 120
    while Path(marker).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    ctx.session.add(CareUnit(hsa_id=key, name="Efter omstart"))




def units(database: Database, k: str) -> list[str]:
    with database.session() as s:
        return sorted(s.scalars(select(CareUnit.hsa_id).where(CareUnit.hsa_id.startswith(k))))


def test_a_job_longer_than_its_lease_runs_once(jobdb: Database) -> None:
    k = key()
    with jobdb.session() as s:
        job_id = runner.defer(s, "tests.leases.hold", key=k).id
    ran: list[int] = []
    first = threading.Thread(
        target=lambda: ran.append(runner.work(jobdb, settings=JOB_SETTINGS, burst=True, lease_seconds=SHORT)))
    first.start()
    try:
        assert STARTED[k].wait(60), "the first worker never started the job"
        granted = load(jobdb, job_id).locked_until
        assert granted is not None
        # A second worker polls until the clock is a whole lease past the one first granted.
        polls = 0
        while utcnow() <= granted + timedelta(seconds=SHORT):
            assert runner.work(jobdb, settings=JOB_SETTINGS, burst=True, lease_seconds=SHORT) == 0
            polls += 1
            time.sleep(0.2)
        held = load(jobdb, job_id)
    finally:
        GATES[k].set()
        first.join(timeout=60)
    assert polls > 0
    assert (held.status, held.attempts, held.locked_by) == ("running", 1, runner.worker_name())
    assert held.locked_until is not None and held.locked_until > granted  # the heartbeat renewed it
    assert ran == [1] and CALLS[k] == 1 and units(jobdb, k) == [f"{k}-1"]
    done = load(jobdb, job_id)
    assert (done.status, done.attempts, done.locked_by, done.locked_until) == ("done", 1, None, None)


@pytest.mark.parametrize("fails", [False, True], ids=["succeeds", "fails"])
def test_a_worker_that_lost_its_lease_records_nothing(jobdb: Database, fails: bool) -> None:
    k = key()
    with jobdb.session() as s:
        job_id = runner.defer(s, "tests.leases.hold", key=k, fails=fails).id
    # A lease long enough that no heartbeat beats during the test: the loss is the takeover.
    first_lease = runner.take(jobdb, worker="first", lease_seconds=60)
    assert first_lease is not None and (first_lease.job_id, first_lease.attempt) == (job_id, 1)
    outcome: list[bool] = []
    first = threading.Thread(
        target=lambda: outcome.append(runner.run_job(jobdb, job_id, settings=JOB_SETTINGS,
                                                     lease=first_lease)))
    first.start()
    try:
        assert STARTED[k].wait(60), "the first worker never started the job"
        # The first worker's heartbeat could not reach the database until its lease ran out,
        # and a second worker took the job.
        later = utcnow() + timedelta(minutes=5)
        assert runner.claim(jobdb, worker="second", now=later, lease_seconds=60) == job_id
        taken = load(jobdb, job_id)
    finally:
        GATES[k].set()
        first.join(timeout=60)
    assert outcome == [False]
    after = load(jobdb, job_id)
    assert (after.status, after.attempts, after.locked_by, after.locked_until, after.last_error) == (
        "running", 2, "second", taken.locked_until, None)
    assert units(jobdb, k) == []  # the first run's write was rolled back
    assert lease.renew(jobdb, first_lease) is False
    # The worker that holds the job runs it and records its outcome.
    assert runner.run_job(jobdb, job_id, settings=JOB_SETTINGS) is (not fails)
    final = load(jobdb, job_id)
    assert CALLS[k] == 2
    if fails:
        assert (final.status, final.attempts, final.last_error) == ("queued", 2, "RuntimeError: boom 2")
        assert units(jobdb, k) == []
    else:
        assert (final.status, final.attempts, final.last_error) == ("done", 2, None)
        assert units(jobdb, k) == [f"{k}-2"]


def test_the_heartbeat_renews_the_lease_until_another_worker_holds_it(jobdb: Database) -> None:
    with jobdb.session() as s:
        job_id = runner.defer(s, "tests.leases.hold", key=key()).id
    held = runner.take(jobdb, worker="first", lease_seconds=SHORT)
    assert held is not None
    granted = load(jobdb, job_id).locked_until
    assert granted is not None
    with lease.heartbeat(jobdb, held) as beat:
        deadline = time.monotonic() + 60
        while load(jobdb, job_id).locked_until == granted:
            assert time.monotonic() < deadline, "the lease was never renewed"
            time.sleep(0.1)
        renewed = load(jobdb, job_id)
        assert renewed.locked_until is not None and renewed.locked_until > granted
        assert (renewed.locked_by, renewed.attempts) == ("first", 1)
        later = utcnow() + timedelta(minutes=5)
        assert runner.claim(jobdb, worker="second", now=later, lease_seconds=SHORT) == job_id
        taken = load(jobdb, job_id)
        assert beat.lost.wait(60), "the heartbeat did not notice the takeover"
        beat.thread.join(timeout=60)
        assert not beat.thread.is_alive()
    after = load(jobdb, job_id)  # the lost heartbeat left the second worker's lease alone
    assert (after.locked_by, after.attempts, after.locked_until) == ("second", 2, taken.locked_until)


def test_a_killed_workers_job_is_taken_again_within_a_minute(jobdb: Database) -> None:
    default = Settings.model_fields["job_lease_seconds"].default
    assert default == lease.LEASE_SECONDS and default + 1 < 60  # plus one poll of a second
    k = key()
    with jobdb.session() as s:
        job_id = runner.defer(s, "tests.leases.hold", key=k).id
    claimed_at = utcnow()
    # The worker was killed right after its claim: no heartbeat ever renewed the lease.
    assert runner.claim(jobdb, worker="killed", now=claimed_at) == job_id
    GATES[k].set()
    almost = claimed_at + timedelta(seconds=default - 1)
    assert runner.claim(jobdb, worker="other", now=almost) is None
    assert runner.work(jobdb, settings=JOB_SETTINGS, burst=True) == 0  # the lease is still alive now
    within_a_minute = claimed_at + timedelta(seconds=default + 1)
    assert runner.claim(jobdb, worker="other", now=within_a_minute) == job_id
    assert runner.run_job(jobdb, job_id, settings=JOB_SETTINGS) is True
    done = load(jobdb, job_id)
    assert (done.status, done.attempts) == ("done", 2)
    assert CALLS[k] == 1 and units(jobdb, k) == [f"{k}-1"]


def test_a_killed_worker_process_s_job_runs_again(jobdb: Database, tmp_path: Path) -> None:
    k = key()
    marker = tmp_path / "hold"
    marker.write_text("hold")
    with jobdb.session() as s:
        job_id = runner.defer(s, "tests.leases.file", key=k, marker=str(marker)).id
    env = {name: v for name, v in os.environ.items() if not name.startswith("KULISSER_")}
    env.update(KULISSER_DATABASE_URL=jobdb.url, KULISSER_MODE="production",
               KULISSER_SECRET_KEY="s" * 40, KULISSER_JOBS="worker",
               KULISSER_JOB_LEASE_SECONDS="10", PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'src'}")
    # `kulisser worker`, with this module imported so that it knows the test's task.
    code = ("import tests.integration.test_job_leases, sys; from kulisser.cli import main; "
            "sys.argv = ['kulisser', 'worker']; main()")
    worker = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Wait until the worker runs the job and its heartbeat has renewed the lease once.
        deadline = time.monotonic() + 90
        first_until = None
        while True:
            assert time.monotonic() < deadline, "the worker never renewed the job's lease"
            assert worker.poll() is None, "the worker stopped"
            job = load(jobdb, job_id)
            if job.status == "running":
                if first_until is None:
                    first_until = job.locked_until
                elif job.locked_until != first_until:
                    break
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    killed_at = utcnow()
    marker.unlink()
    orphan = load(jobdb, job_id)
    assert (orphan.status, orphan.attempts, orphan.locked_by) == (
        "running", 1, f"{runner.worker_name().rsplit(':', 1)[0]}:{worker.pid}")
    # The dead worker's lease ends within one lease of its death, far inside a minute.
    assert orphan.locked_until is not None
    assert orphan.locked_until <= killed_at + timedelta(seconds=10)
    deadline = time.monotonic() + 90
    while load(jobdb, job_id).status != "done":
        assert time.monotonic() < deadline, "no worker took the dead worker's job"
        # Periodic jobs the worker queued run here, too.
        runner.work(jobdb, settings=JOB_SETTINGS, burst=True, lease_seconds=10)
        time.sleep(0.5)
    done = load(jobdb, job_id)
    assert (done.status, done.attempts) == ("done", 2)
    assert units(jobdb, k) == [k]
