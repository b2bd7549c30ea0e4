"""Migration 0038 on a database with daily aggregates: the months are rolled up on the way up
(equal to what ``rollup.roll_up`` writes), the table goes on the way down, the days stay."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import delete, func, insert, inspect, select

from kulisser import migrate
from kulisser.db import Database
from kulisser.stats.models import WorkDay, WorkMonth
from kulisser.stats.rollup import roll_up
from tests import factories
from tests.conftest import fresh_database_url


def _previous() -> str:
    """The revision before ours, as the chain has it (the lead re-chains revisions on merging)."""
    ours = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_revision("0038")
    assert ours is not None and isinstance(ours.down_revision, str)
    return ours.down_revision


@pytest.fixture()
def before(tmp_path: Path) -> Iterator[Database]:
    """A database at the revision before ours."""
    url, drop = fresh_database_url(tmp_path, "rollup")
    database = Database(url)
    migrate.upgrade(database.engine, _previous())
    yield database
    database.engine.dispose()
    drop()  # type: ignore[operator]


def _months(database: Database) -> list[tuple[object, ...]]:
    with database.session() as s:
        return [(r.unit_id, r.month, r.kind, r.incoming, r.done, r.cancelled, r.done_in_time,
                 r.turnaround_hours_sum, r.turnaround_count,
                 {int(k): v for k, v in r.turnaround_hist.items()})
                for r in s.scalars(select(WorkMonth).order_by(WorkMonth.unit_id, WorkMonth.month,
                                                              WorkMonth.kind))]


def test_up_rolls_the_days_up_and_down_drops_the_months(before: Database) -> None:
    with before.session() as s:
        unit = factories.make_unit(s).id
        first = date(2026, 1, 20)
        s.execute(insert(WorkDay), [
            {"unit_id": unit, "day": first + timedelta(days=n), "kind": ("task", "letter")[n % 2],
             "incoming": n % 7, "done": n % 3, "cancelled": n % 2, "done_in_time": n % 3 // 2,
             "turnaround_hours_sum": 5.0 * (n % 3), "turnaround_count": n % 3,
             "turnaround_hist": {"5": n % 3} if n % 3 else {}, "open_total": n,
             "open_0_2": 0, "open_3_14": 0, "open_over_14": 0, "overdue": 0}
            for n in range(70)])
        s.commit()
    assert "stats_work_month" not in inspect(before.engine).get_table_names()
    migrate.upgrade(before.engine)
    migrated = _months(before)
    assert {m[1] for m in migrated} == {date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)}
    assert sum(m[3] for m in migrated) == sum(n % 7 for n in range(70))  # type: ignore[misc]
    # The same rows as the write path's roll-up.
    with before.session() as s:
        s.execute(delete(WorkMonth))
        roll_up(s, unit_id=unit, first=first, last=first + timedelta(days=69))
        s.commit()
    assert _months(before) == migrated

    migrate.downgrade(before.engine, _previous())
    assert "stats_work_month" not in inspect(before.engine).get_table_names()
    with before.session() as s:
        assert s.scalar(select(func.count()).select_from(WorkDay)) == 70
