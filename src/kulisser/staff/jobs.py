"""The staff register's periodic job: unit memberships follow the assignments.

An assignment ends at midnight Swedish time after its last day; every request checks that on
its own (kulisser.staff.assignment_access.request_access), and this job removes (and adds) the
memberships themselves so that lists of a unit's staff and pick lists follow too.
"""

from __future__ import annotations

from kulisser.jobs.context import JobContext
from kulisser.jobs.runner import periodic
from kulisser.staff import assignment_access

SYNC_MEMBERSHIPS = "staff.sync_memberships"


@periodic(SYNC_MEMBERSHIPS, every_seconds=15 * 60)
def sync_memberships(ctx: JobContext) -> None:
    """Bring every linked login's unit memberships in line with its valid assignments."""
    assignment_access.sync_memberships(ctx.session)
