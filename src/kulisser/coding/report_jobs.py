"""The periodic job of the patient-register reminder (report_items.sync): safe to run twice."""

from __future__ import annotations

from kulisser.coding import report_items
from kulisser.db import utcnow
from kulisser.jobs.context import JobContext
from kulisser.jobs.runner import periodic

REMINDER = "coding.report_reminder"


@periodic(REMINDER, every_seconds=6 * 3600)
def reminder_task(ctx: JobContext) -> None:
    """Open the month's reminder items that are due; complete those with nothing left."""
    report_items.sync(ctx.session, now=utcnow())
