"""The region-scale benchmark's seed and bare scan (benchmarks/overview.py, issue 15 item 7).

The seed must write histories as the worklist and dictation code do (or the aggregates it is
measured on mean nothing), and the bare scan must compute the page's figures (or its check
against the page means nothing): a few thousand items, one unit's aggregate rebuilt by the
project's code, and the two compared figure by figure.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from benchmarks import _overview_seed, overview
from kulisser.db import Database, utcnow
from kulisser.stats import aggregate, service
from kulisser.stats.service import Period
from kulisser.worklist.models import WorkItem
from tests.conftest import backend, migrated_database_url

pytestmark = pytest.mark.skipif(
    backend() != "postgresql", reason="the benchmark seeds with PostgreSQL's set-based SQL only")

ITEMS = 6_000


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A database of its own with the benchmark's seed."""
    url, drop = migrated_database_url(Path(tmp_path_factory.mktemp("overviewbench")), "overviewbench")
    database = Database(url)
    _overview_seed.seed(database, items=ITEMS)
    yield database
    database.engine.dispose()
    drop()  # type: ignore[operator]


def _one(database: Database, sql: str) -> object:
    with database.engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def test_every_item_has_the_history_the_worklist_writes(seeded: Database) -> None:
    """One "created" event each; a closed item's last event enters its status when it closed."""
    assert _one(seeded, "SELECT count(*) FROM work_item") == ITEMS
    assert _one(seeded, """SELECT count(*) FROM work_item w WHERE (SELECT count(*) FROM work_item_event e
                          WHERE e.work_item_id = w.id AND e.type = 'created') <> 1""") == 0
    assert _one(seeded, """
        SELECT count(*) FROM work_item w, LATERAL (SELECT e.to_status, e.at FROM work_item_event e
          WHERE e.work_item_id = w.id AND e.to_status IS NOT NULL ORDER BY e.at DESC, e.id DESC
          LIMIT 1) last
        WHERE last.to_status <> w.status
           OR (w.closed_at IS NOT NULL AND last.at <> w.closed_at)""") == 0
    # A hand-over leaves the item with the colleague it went to.
    assert _one(seeded, """SELECT count(*) FROM work_item w JOIN work_item_event e ON e.work_item_id = w.id
                          WHERE e.type = 'handed_over'""") > 0
    assert _one(seeded, """
        SELECT count(*) FROM work_item w JOIN work_item_event e ON e.work_item_id = w.id
        WHERE e.type = 'handed_over' AND (e.data ->> 'to_owner')::int IS DISTINCT FROM w.owner_id""") == 0
    # A due change keeps the due time before it, as change_due does; the item has the one after.
    assert _one(seeded, """
        SELECT count(*) FROM work_item w JOIN work_item_event e ON e.work_item_id = w.id
        WHERE e.type = 'due_changed' AND (e.data ->> 'due_after')::timestamptz <> w.due_at""") == 0


def test_every_dictation_item_has_its_dictation_and_chain(seeded: Database) -> None:
    """The dictation kind's items point at a dictation whose history ends in its status."""
    assert _one(seeded, "SELECT count(*) FROM work_item WHERE kind = 'dictation'") > 0
    assert _one(seeded, """SELECT count(*) FROM work_item w LEFT JOIN dictation d ON d.id = w.ref_id
                          WHERE w.kind = 'dictation' AND (w.ref_type <> 'dictation' OR d.id IS NULL
                                OR d.unit_id <> w.unit_id)""") == 0
    assert _one(seeded, """
        SELECT count(*) FROM dictation d, LATERAL (SELECT e.to_status FROM dictation_event e
          WHERE e.dictation_id = d.id ORDER BY e.at DESC, e.id DESC LIMIT 1) last
        WHERE last.to_status <> d.status""") == 0
    assert _one(seeded, """SELECT count(*) FROM dictation WHERE status = 'signed'
                          AND (signed_at IS NULL OR closed_at IS NULL)""") == 0


@pytest.mark.parametrize("period", [Period.WEEK, Period.QUARTER])
def test_the_bare_scan_equals_the_aggregate(seeded: Database, period: Period) -> None:
    """One unit's figures from the project's rebuild equal the benchmark's bare scan."""
    now = utcnow()
    until = aggregate.local_day(now) - timedelta(days=1)
    start, end, _ps, _pe = service.period_bounds(period, until)
    with seeded.session() as s:
        unit_id = s.scalar(select(WorkItem.unit_id).order_by(WorkItem.id).limit(1))
        assert unit_id is not None
        aggregate.rebuild(s, first=start, last=end, now=now, unit_ids=[unit_id])
        ov = service.overview(s, unit_id=unit_id, period=period, until=until)
    page = {f.kind or None: {"incoming": f.incoming, "done": f.done, "open_total": f.open_total,
                             "open_0_2": f.open_0_2, "open_3_14": f.open_3_14,
                             "open_over_14": f.open_over_14, "overdue": f.overdue,
                             "median": f.median_hours, "p90": f.p90_hours}
            for f in [*ov.kinds, ov.total]}
    with seeded.engine.connect() as conn:
        rows = conn.execute(text(overview.scan_sql(unit_id=unit_id)), {
            "start": aggregate.day_start(start), "end_day": end, "unit_id": unit_id,
            "moment": aggregate.day_start(end + timedelta(days=1))}).mappings().all()
    scan = {r["grp"]: {c: None if r[c] is None else int(r[c]) for c in page[None]} for r in rows}
    assert page[None]["incoming"] > 0 and page[None]["open_total"] > 0
    assert scan == page
