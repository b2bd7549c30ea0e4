"""The periodic review's job: start the reviews that are due and escalate the overdue ones;
and the reminder of needs-and-risk analyses due (`analysis_items.sync_items`, safe to rerun).

Safe to run twice and after a crash: a unit with an open review gets no second one, and a
review is escalated once (`escalated_at`), all in the job's one transaction. Accounts unused
for the policy's days are computed when the list is read (`inactive.py`), so they need no job.
"""

from __future__ import annotations

from kulisser.access_rights import analysis_items, reviews
from kulisser.db import utcnow
from kulisser.jobs.context import JobContext
from kulisser.jobs.runner import periodic

REVIEWS = "access_rights.reviews"
ANALYSES = "access_rights.analyses"


@periodic(REVIEWS, every_seconds=3600)
def reviews_task(ctx: JobContext) -> None:
    """Start due access reviews, then escalate those past their due day."""
    now = utcnow()
    reviews.start_due_reviews(ctx.session, now=now)
    reviews.escalate_overdue(ctx.session, now=now)


@periodic(ANALYSES, every_seconds=3600)
def analyses_task(ctx: JobContext) -> None:
    """Open or complete each unit's reminder of analyses due within 30 days or past."""
    analysis_items.sync_items(ctx.session, now=utcnow())
