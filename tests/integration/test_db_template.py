"""The tests' migrated template (tests/dbtemplate.py): each copy is a database of its own at the
migration head, with the same schema a real migration of an empty database gives."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from kulisser import migrate
from kulisser.db import Database
from kulisser.staff.models import CareUnit
from tests import dbtemplate
from tests.conftest import backend, fresh_database_url, migrated_database_url


@pytest.fixture()
def two_copies(tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    """Two copies of the template."""
    made = [migrated_database_url(tmp_path, name) for name in ("copy_a", "copy_b")]
    databases = tuple(Database(url) for url, _drop in made)
    yield databases  # type: ignore[misc]
    for database, (_url, drop) in zip(databases, made, strict=True):
        database.engine.dispose()
        drop()  # type: ignore[operator]


def _schema(database: Database) -> dict[str, list[tuple[str, str]]]:
    found = inspect(database.engine)
    return {table: sorted((c["name"], str(c["type"])) for c in found.get_columns(table))
            for table in found.get_table_names()}


def test_a_copy_stands_at_the_head_revision(two_copies: tuple[Database, Database]) -> None:
    with two_copies[0].engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version == dbtemplate.head_revision()


def test_a_copy_has_the_schema_of_a_real_migration(two_copies: tuple[Database, Database],
                                                    tmp_path: Path) -> None:
    url, drop = fresh_database_url(tmp_path, "realmigration")
    real = Database(url)
    try:
        migrate.upgrade(real.engine)
        assert _schema(two_copies[0]) == _schema(real)
        if backend() == "postgresql":
            # Procrastinate's queue (migration 0008) is in the copy too.
            assert "procrastinate_jobs" in _schema(two_copies[0])
    finally:
        real.engine.dispose()
        drop()  # type: ignore[operator]


def test_copies_do_not_share_rows(two_copies: tuple[Database, Database]) -> None:
    first, second = two_copies
    with first.session() as s:
        s.add(CareUnit(hsa_id="SE-TEMPLATE-COPY", name="Bara i den första kopian"))
    with second.session() as s:
        assert s.scalar(select(CareUnit).where(CareUnit.hsa_id == "SE-TEMPLATE-COPY")) is None
    with first.session() as s:
        assert s.scalar(select(CareUnit).where(CareUnit.hsa_id == "SE-TEMPLATE-COPY")) is not None
