"""`kulisser stats rebuild`, run for real: it recomputes the range, twice to the same rows, and
refuses a range that ends before it starts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from kulisser.db import Database, utcnow
from kulisser.stats import aggregate
from kulisser.stats.chain_models import ChainDay
from kulisser.stats.models import WorkDay
from kulisser.stats.person_models import PersonDay
from kulisser.worklist import service as worklist
from tests import conftest, factories
from tests.integration.test_cli import Cli
from tests.stats.test_stats_chain import dictate


@pytest.fixture()
def cli(tmp_path: Path) -> Iterator[Cli]:
    url, drop = conftest.fresh_database_url(tmp_path, "statscli")
    yield Cli(url=url, cwd=tmp_path)
    drop()  # type: ignore[operator]


def _rows(url: str, unit_id: int) -> list[tuple[object, ...]]:
    db = Database(url)
    try:
        with db.session() as s:
            return [(r.day, r.kind, r.incoming, r.done, r.open_total) for r in s.scalars(
                select(WorkDay).where(WorkDay.unit_id == unit_id).order_by(WorkDay.day))]
    finally:
        db.engine.dispose()


def test_rebuild_a_range(cli: Cli) -> None:
    cli.ok("migrate")
    now = utcnow()
    db = Database(cli.url)
    try:
        with db.session() as s:
            world = factories.make_world(s, patients=1)
            actor = factories.actor(s, world.secretary_id)
            for n in range(4):
                item = worklist.create_item(s, actor=actor, kind="task", title="Uppgift",
                                            now=now - timedelta(days=n * 2 + 1))
                if n % 2:
                    item.complete(actor_id=world.secretary_id, now=now - timedelta(days=n))
            dictate(s, world, now - timedelta(days=4))  # the dictation chain's table too
    finally:
        db.engine.dispose()
    first = aggregate.local_day(now - timedelta(days=10)).isoformat()
    last = aggregate.local_day(now).isoformat()
    out = cli.ok("stats", "rebuild", "--from", first, "--to", last, "--quiet")
    assert "enheter" in out
    once = _rows(cli.url, world.unit_id)
    assert sum(r[2] for r in once) == 4 and sum(r[3] for r in once) == 2  # type: ignore[misc]
    cli.ok("stats", "rebuild", "--from", first, "--to", last, "--quiet")
    assert _rows(cli.url, world.unit_id) == once
    db = Database(cli.url)
    try:
        with db.session() as s:
            waiting = s.scalars(select(ChainDay.waiting).where(
                ChainDay.unit_id == world.unit_id, ChainDay.day == aggregate.local_day(now)))
            assert list(waiting) == [1]
            # And the team's per-person days: her two completed items.
            done = s.scalars(select(PersonDay.done).where(PersonDay.unit_id == world.unit_id,
                                                          PersonDay.user_id == world.secretary_id))
            assert sum(done) == 2
    finally:
        db.engine.dispose()
    backwards = cli.run("stats", "rebuild", "--from", last, "--to", first)
    assert backwards.returncode != 0 and "--to ligger före --from" in backwards.stderr
    bad = cli.run("stats", "rebuild", "--from", "igår", "--to", last)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
