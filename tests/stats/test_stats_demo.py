"""The demo builds the aggregate over all its work items: every item counted once as incoming,
today's backlog equal to the open items, and the same rows as a full recount."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser import demo
from kulisser.db import Database
from kulisser.staff.models import CareUnit
from kulisser.stats import aggregate, chain
from kulisser.stats.chain_models import ChainDay
from kulisser.stats.models import Watermark, WorkDay
from kulisser.worklist.models import WorkItem
from kulisser.worklist.states import OPEN_STATUSES
from tests.conftest import demo_database_url

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_demo_aggregate_matches_its_work_items(tmp_path_factory: object) -> None:
    url, drop, _made = demo_database_url(tmp_path_factory.mktemp("statsdemo"), "statsdemo", now=NOW)  # type: ignore[attr-defined]
    database = Database(url)
    try:
        with database.session() as s:
            clinic = s.scalar(select(CareUnit.id).where(CareUnit.hsa_id == demo.UNIT_HSA))
            # Some seeders date their records by the clock rather than the demo's moment:
            # those lie after NOW and are for the job's next run to count.
            items = list(s.scalars(select(WorkItem).where(WorkItem.unit_id == clinic,
                                                          WorkItem.status != "entered-in-error",
                                                          WorkItem.created_at <= NOW)))
            assert len(items) >= 500
            incoming = s.scalar(select(func.sum(WorkDay.incoming)).where(WorkDay.unit_id == clinic))
            assert incoming == len(items)
            today = aggregate.local_day(NOW)
            open_today = s.scalar(select(func.sum(WorkDay.open_total)).where(
                WorkDay.unit_id == clinic, WorkDay.day == today))
            assert open_today == sum(i.status in OPEN_STATUSES or i.closed_at > NOW  # type: ignore[operator]
                                     for i in items) > 0
            assert s.get(Watermark, aggregate.JOB).until == NOW  # type: ignore[union-attr]
            stored = {(r.day, r.kind): (r.incoming, r.done, r.open_total, r.overdue)
                      for r in s.scalars(select(WorkDay).where(WorkDay.unit_id == clinic))}
            first = min(day for day, _kind in stored)
            recount = aggregate.compute(s, unit_id=clinic, first=first, last=today, now=NOW)
            assert stored == {key: (r.incoming, r.done, r.open_total, r.overdue)
                              for key, r in recount.items()}
            _chain_has_a_shape(s, clinic)
    finally:
        database.engine.dispose()
        drop()  # type: ignore[operator]


def _chain_has_a_shape(s: Session, clinic: int) -> None:
    """The demo's year of dictations: fewer dictated in July than in March, a spring backlog of
    notes not in the record after 2 days that autumn does not have, and equal to a recount."""
    rows = list(s.scalars(select(ChainDay).where(ChainDay.unit_id == clinic)))
    dictated: dict[int, int] = defaultdict(int)
    per_day: dict[date, int] = defaultdict(int)
    for r in rows:
        if r.step == "dictated":
            dictated[r.day.month] += r.entered
        per_day[r.day] += r.not_in_record_2
    late: dict[int, int] = defaultdict(int)  # the month's worst day
    for day, n in per_day.items():
        late[day.month] = max(late[day.month], n)
    assert dictated[7] < dictated[3] / 2 and dictated[3] > 100
    assert late[5] > 3 * max(1, late[10])
    assert s.get(Watermark, chain.JOB).until == NOW  # type: ignore[union-attr]
    first = min(r.day for r in rows)
    recount = chain.compute(s, unit_id=clinic, first=first, last=aggregate.local_day(NOW), now=NOW)
    assert {(r.day, r.step): (r.entered, r.left, r.waiting, r.not_in_record_2) for r in rows} == {
        key: (r.entered, r.left, r.waiting, r.not_in_record_2) for key, r in recount.items()}
