"""Production jobs on PostgreSQL through procrastinate (KULISSER_JOBS=procrastinate).

The job table (kulisser.jobs.models.Job) stays the one record of what was asked, its state,
its attempts and its last error, on every backend, so pages show the same thing whichever
runs the work. Procrastinate carries the work to `kulisser worker` processes on any number
of machines: every job row gets a procrastinate job ("kulisser.run", with the row's id)
inserted on the caller's own connection, so both exist exactly when the caller's
transaction commits. Procrastinate wakes workers with LISTEN/NOTIFY, gives each job to one
worker, schedules retries (`schedule_at`), runs the periodic tasks once per period for the
whole cluster, and finds jobs whose worker died (no heartbeat) so that they run again.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from procrastinate import App, PsycopgConnector, SyncPsycopgConnector
from procrastinate.manager import JobManager
from procrastinate.tasks import configure_task
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from kulisser.db import Database

if TYPE_CHECKING:
    from kulisser.config import Settings

log = logging.getLogger("kulisser.jobs")
QUEUE = "kulisser"
RUN = "kulisser.run"
# A worker whose heartbeat (every 10 s) is older than this is taken for dead.
STALLED_AFTER_SECONDS = 60

T = TypeVar("T")
_apps: dict[str, App] = {}
_managers: dict[str, JobManager] = {}
_lock = threading.Lock()


def conninfo(database_url: str) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL URL (driver name dropped)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError("KULISSER_JOBS=procrastinate needs a PostgreSQL database")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def app_for(settings: Settings) -> App:
    """The procrastinate app of the settings' database, with Kulisser's tasks (one per URL).

    Its tasks run with these settings: a process starts with one set of settings.
    """
    with _lock:
        app = _apps.get(settings.database_url)
        if app is None:
            app = _build(settings)
            _apps[settings.database_url] = app
        return app


def _job_manager(database_url: str) -> JobManager:
    """A job manager with a synchronous connector, which inserts on a connection it is given.

    A worker's app holds an asynchronous pool; a job that a task defers (a retry, the next
    step) is inserted on the task's own synchronous connection, which that pool cannot use.
    """
    with _lock:
        manager = _managers.get(database_url)
        if manager is None:
            manager = JobManager(connector=SyncPsycopgConnector(conninfo=conninfo(database_url)))
            _managers[database_url] = manager
        return manager


def _build(settings: Settings) -> App:
    from kulisser.jobs import runner

    database_url = settings.database_url
    app = App(connector=PsycopgConnector(conninfo=conninfo(database_url)))
    db = Database(database_url)

    @app.task(name=RUN, queue=QUEUE)
    def run(job_id: int) -> None:
        """Run one row of the job table (the row records the outcome and any retry)."""
        runner.run_dispatched(db, job_id, settings=settings)

    @app.periodic(cron="* * * * *", periodic_id="kulisser")
    @app.task(name="kulisser.periodic", queue=QUEUE, queueing_lock="kulisser.periodic")
    def schedule(timestamp: int) -> None:
        """Queue Kulisser's periodic tasks that are due (once per period, deduplicated)."""
        runner.schedule_periodic(db)

    @app.periodic(cron="* * * * *", periodic_id="stalled")
    @app.task(name="kulisser.retry_stalled", queue=QUEUE, queueing_lock="kulisser.retry_stalled")
    async def retry_stalled(timestamp: int) -> None:
        """Run again the jobs of workers that stopped sending heartbeats (killed, crashed)."""
        await retry_stalled_jobs(app)

    return app


async def retry_stalled_jobs(app: App, *, seconds_since_heartbeat: float = STALLED_AFTER_SECONDS) -> int:
    """Put the jobs held by dead workers back in the queue; return how many."""
    stalled = list(await app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=seconds_since_heartbeat))
    for job in stalled:
        log.warning("job %s of a dead worker is queued again", job.id)
        await app.job_manager.retry_job(job)
    return len(stalled)


def enqueue(session: Session, *, database_url: str, job_id: int, dedupe_key: str | None,
            run_after: datetime | None) -> None:
    """Insert the procrastinate job for a job row on the session's own connection."""
    connection: Any = session.connection().connection.dbapi_connection
    options: dict[str, Any] = {"connection": connection, "queue": QUEUE}
    if dedupe_key:
        options["lock"] = dedupe_key  # one job per record at a time, across all workers
    if run_after is not None:
        options["schedule_at"] = run_after
    configure_task(name=RUN, job_manager=_job_manager(database_url), **options).defer(job_id=job_id)


def _own_loop(fn: Callable[[bool], T]) -> T:
    """Call fn(main_thread), which runs an event loop, on a thread that has none running.

    A process whose thread already runs a loop (Playwright's sync API in the test suite)
    cannot start another there, so fn runs on a thread of its own (without signal handlers,
    which only the main thread may install).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(True)
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = fn(False)
        except BaseException as exc:  # handed back to the caller below
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="kulisser-procrastinate")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value


def run_worker(settings: Settings, *, burst: bool = False, name: str | None = None) -> None:
    """Run a procrastinate worker on Kulisser's queue (until stopped, or idle with burst)."""
    app = app_for(settings)
    options: dict[str, Any] = {"name": name} if name else {}

    def run(main_thread: bool) -> None:
        # The job table keeps the record of every job, so procrastinate's finished rows can go.
        app.run_worker(queues=[QUEUE], wait=not burst, concurrency=1, delete_jobs="successful",
                       install_signal_handlers=main_thread, **options)

    _own_loop(run)


def retry_stalled(settings: Settings, *,
                  seconds_since_heartbeat: float = STALLED_AFTER_SECONDS) -> int:
    """Queue again the jobs of dead workers now (the workers also do it once a minute)."""
    app = app_for(settings)

    async def go() -> int:
        async with app.open_async():
            return await retry_stalled_jobs(app, seconds_since_heartbeat=seconds_since_heartbeat)

    return _own_loop(lambda _main: asyncio.run(go()))
