"""The tiny package's job task: it records the settings it was handed."""

from __future__ import annotations

from kulisser.config import Settings
from kulisser.jobs.context import JobContext
from kulisser.jobs.runner import task

SEEN: list[Settings] = []


@task("tests.tiny.hello")
def hello(ctx: JobContext) -> None:
    """Remember the settings of the context the runner built."""
    SEEN.append(ctx.settings)
