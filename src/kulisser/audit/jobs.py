"""The periodic job: find the risk signals of yesterday and today, and keep the managers'
work items in step. Safe to run twice and after a crash: the rules insert only signals not
yet found (a unique key per rule, unit, user and window), in the job's one transaction."""

from __future__ import annotations

from kulisser.audit import items
from kulisser.audit.signal_rules import find_signals
from kulisser.audit.signals import days_to_run
from kulisser.db import utcnow
from kulisser.jobs.context import JobContext
from kulisser.jobs.runner import periodic

SIGNALS = "audit.signals"


@periodic(SIGNALS, every_seconds=3600)
def signals_task(ctx: JobContext) -> None:
    """The periodic job: the day's signals over the access log, and the review items."""
    now = utcnow()
    for day in days_to_run(now):
        find_signals(ctx.session, day=day, now=now)
    items.sync_items(ctx.session, now=now)
