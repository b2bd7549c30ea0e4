"""The periodic refresh of the daily aggregate."""

from __future__ import annotations

from kulisser.jobs.context import JobContext
from kulisser.jobs.runner import periodic
from kulisser.stats import aggregate, chain, person_days


@periodic(aggregate.JOB, every_seconds=5 * 60)
def refresh_task(ctx: JobContext) -> None:
    """Recompute the days touched since the last run (safe to run twice)."""
    aggregate.refresh(ctx.session)


@periodic(chain.JOB, every_seconds=5 * 60)
def refresh_chain_task(ctx: JobContext) -> None:
    """Recompute the dictation chain's days touched since its last run (safe to run twice)."""
    chain.refresh(ctx.session)


@periodic(person_days.JOB, every_seconds=5 * 60)
def refresh_person_days_task(ctx: JobContext) -> None:
    """Recompute the team's per-person days touched since its last run (safe to run twice)."""
    person_days.refresh(ctx.session)
