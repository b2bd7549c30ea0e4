"""The periodic job: keep the work items of paused waits due at the right time.

While an excluded period is open (the patient has not said when they are available again)
the clock stands still, so the guarantee date moves one day later every day. Nothing else
happens to the entry then, so a periodic job moves those items' due times. It is safe to run
any number of times: an item already due at the right time is left alone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from kulisser.db import utcnow
from kulisser.i18n import _
from kulisser.jobs.context import JobContext
from kulisser.jobs.runner import periodic
from kulisser.waitlist import items, limits
from kulisser.waitlist.models import ExcludedPeriod, WaitlistEntry, local_today
from kulisser.waitlist.states import EntryStatus


def refresh_paused(session: Session, *, now: datetime | None = None) -> int:
    """Move the due time of the items of waiting entries with an open period; return how many."""
    now = now or utcnow()
    today = local_today(now)
    open_period = exists().where(ExcludedPeriod.entry_id == WaitlistEntry.id,
                                 ExcludedPeriod.end_date.is_(None),
                                 ExcludedPeriod.removed_at.is_(None))
    entries = session.scalars(
        select(WaitlistEntry).where(WaitlistEntry.status == EntryStatus.WAITING.value, open_period)
        .options(selectinload(WaitlistEntry.offers), selectinload(WaitlistEntry.periods))
        .order_by(WaitlistEntry.id))
    moved = 0
    settings: dict[int, int] = {}
    for entry in entries:
        if entry.unit_id not in settings:
            settings[entry.unit_id] = limits.setting(session, unit_id=entry.unit_id).at_risk_days
        when = items.due_at(entry.figures(today, at_risk_days=settings[entry.unit_id]),
                            at_risk_days=settings[entry.unit_id])
        if when is None:
            continue
        for item in items.open_items(session, entry_id=entry.id):
            # A system change to a patient's work item is logged like any other.
            if items.move_due(session, item=item, when=when, actor_id=None, now=now,
                              system_reason=_("Garantidatumet flyttat under pågående uppehåll")):
                moved += 1
    return moved


@periodic("waitlist.refresh_paused", every_seconds=3600)
def refresh_task(ctx: JobContext) -> None:
    """The periodic job: keep paused waits' items due at the right time."""
    refresh_paused(ctx.session)
