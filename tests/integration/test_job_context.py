"""Jobs get their context: the session and the settings the worker started with, never globals.

A task's JobContext carries the runner's settings; no job module reads the environment's
settings itself; a bad setting stops `kulisser worker` before it takes any job.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from kulisser import cli, config, packages
from kulisser.config import Settings
from kulisser.db import Database
from kulisser.jobs import runner
from kulisser.jobs.context import JobContext
from tests.conftest import TEST_SECRET
from tests.conftest import test_settings as settings_for
from tests.integration.conftest import load

SEEN: list[JobContext] = []


@runner.task("tests.context.seen")
def seen(ctx: JobContext) -> None:
    """Keep the context the runner built."""
    SEEN.append(ctx)


def test_a_task_gets_the_settings_its_runner_started_with(jobdb: Database) -> None:
    started_with = settings_for(jobdb.url, referral_chase_days=9)
    with jobdb.session() as s:
        runner.defer(s, "tests.context.seen")
    SEEN.clear()
    assert runner.work(jobdb, settings=started_with, burst=True) == 1
    assert len(SEEN) == 1 and SEEN[0].settings is started_with


def _job_modules() -> list[Path]:
    found = []
    for package in packages.declared():
        for relative in package.jobs:
            module = package.module(relative)
            assert module.__file__ is not None
            found.append(Path(module.__file__))
    return found


def test_no_job_module_reads_global_settings() -> None:
    from kulisser.referrals import sender

    modules = [*_job_modules(), Path(sender.__file__)]  # the delivery job's adapter
    assert len(modules) >= 6
    for path in modules:
        tree = ast.parse(path.read_text())
        names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        names |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                    for alias in node.names}
        assert "get_settings" not in names | imported, path
        assert "ConfigError" not in names | imported, path  # no silent fallback on bad settings


@pytest.fixture()
def environment(monkeypatch: pytest.MonkeyPatch, jobdb: Database) -> Iterator[pytest.MonkeyPatch]:
    """KULISSER_* of a worker on the test's database; the settings are read afresh."""
    monkeypatch.setenv("KULISSER_MODE", "test")
    monkeypatch.setenv("KULISSER_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("KULISSER_DATABASE_URL", jobdb.url)
    monkeypatch.setenv("KULISSER_JOBS", "worker")
    config.get_settings.cache_clear()
    yield monkeypatch
    config.get_settings.cache_clear()


@pytest.mark.parametrize("value", ["0", "trettio"])
def test_a_bad_setting_stops_the_worker_at_start(environment: pytest.MonkeyPatch, jobdb: Database,
                                                 value: str) -> None:
    with jobdb.session() as s:
        job_id = runner.defer(s, "tests.context.seen").id
    environment.setenv("KULISSER_REFERRAL_CHASE_DAYS", value)
    SEEN.clear()
    with pytest.raises(SystemExit) as stopped:
        cli.main(["worker", "--burst"])
    message = str(stopped.value.code)
    assert message.startswith("kulisser: felaktig inställning, inget har startats:")
    assert "KULISSER_REFERRAL_CHASE_DAYS" in message and "Traceback" not in message
    assert SEEN == [] and load(jobdb, job_id).status == "queued"  # no job was taken


def test_the_worker_runs_jobs_with_the_environments_settings(environment: pytest.MonkeyPatch,
                                                             jobdb: Database) -> None:
    with jobdb.session() as s:
        job_id = runner.defer(s, "tests.context.seen").id
    environment.setenv("KULISSER_REFERRAL_CHASE_DAYS", "11")
    SEEN.clear()
    cli.main(["worker", "--burst"])
    assert load(jobdb, job_id).status == "done"
    assert [ctx.settings.referral_chase_days for ctx in SEEN] == [11]
    assert isinstance(SEEN[0].settings, Settings)
