"""The monthly job: early on the 2nd of each month, the month before's reports, made and sent.

It runs every hour and does something only when a month's reports are due and missing: from
the 2nd at 03:00 (Stockholm) the month before's, and until then the month before that (so a
server that was down on the 2nd catches up). One report per unit with figures and one for
the region, each at most once (``MonthlyReport.job_key`` is unique), then every recipient not
yet sent to. Running it twice makes no second report and sends nothing twice.
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.db import utcnow
from kulisser.jobs.context import JobContext
from kulisser.jobs.runner import periodic
from kulisser.stats import aggregate, report, report_send
from kulisser.stats.report_models import MonthlyReport
from kulisser.stats.report_sections import Scope, add_months, month_end, units_with_figures

if TYPE_CHECKING:
    from datetime import date

    from kulisser.config import Settings

JOB = "stats.monthly_report"
DUE_DAY, DUE_TIME = 2, time(3, 0)


def due_month(now: datetime) -> date:
    """The month whose reports are due at this moment (see the module's docstring)."""
    local = now.astimezone(aggregate.TZ)
    this_month = local.date().replace(day=1)
    due = datetime.combine(this_month.replace(day=DUE_DAY), DUE_TIME, tzinfo=aggregate.TZ)
    return add_months(this_month, -1 if local >= due else -2)


def run_monthly(session: Session, *, settings: Settings, now: datetime,
                unit_ids: list[int] | None = None, region: bool = True) -> list[MonthlyReport]:
    """Make the due month's missing reports and send every job report not yet sent; return the
    reports made. ``unit_ids`` None: every unit with figures in the 12 months up to the month."""
    month = due_month(now)
    if unit_ids is None:
        unit_ids = units_with_figures(session, first=add_months(month, -11),
                                      last=month_end(month))
    scopes = [report.unit_scope(session, u) for u in unit_ids]
    if region and unit_ids:
        scopes.append(report.region_scope())
    made = []
    for scope in scopes:
        if _job_report(session, scope, month) is None:
            made.append(report.make(session, data_dir=Path(settings.data_dir), scope=scope,
                                    month=month, now=now))
    for scope in scopes:
        row = _job_report(session, scope, month)
        if row is not None and report_send.recipients(session, settings=settings, report_row=row):
            report_send.send(session, settings=settings, report_row=row, now=now,
                             tolerate_failures=True)
    return made


def _job_report(session: Session, scope: Scope, month: date) -> MonthlyReport | None:
    return session.scalar(select(MonthlyReport).where(
        MonthlyReport.job_key == report.job_key(scope, month)))


@periodic(JOB, every_seconds=3600)
def monthly_task(ctx: JobContext) -> None:
    """Bring the aggregate up to date, then make and send the due month's reports (idempotent)."""
    now = utcnow()
    aggregate.refresh(ctx.session, now=now)
    run_monthly(ctx.session, settings=ctx.settings, now=now)
