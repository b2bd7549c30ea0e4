"""Migrations on a fresh database: head matches the models, down and up again, names."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from kulisser import migrate
from kulisser.db import NAMING_CONVENTION, Database
from kulisser.packages import declared, load_models
from tests.conftest import fresh_database_url

# Every installed package's tables, collected as Alembic's env.py collects them.
METADATA = load_models(declared())


@pytest.fixture()
def empty(tmp_path: Path) -> Iterator[Database]:
    """A database of its own with no tables at all."""
    url, drop = fresh_database_url(tmp_path, "migrations")
    database = Database(url)
    yield database
    database.engine.dispose()
    drop()  # type: ignore[operator]


def differences(engine: Engine) -> list[Any]:
    """What autogenerate would write: the `alembic check` of the models against the database."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "compare_server_default": True,
                                                     "include_name": migrate.include_name})
        return list(compare_metadata(ctx, METADATA))


def tables(engine: Engine) -> set[str]:
    """Our tables (procrastinate's queue on PostgreSQL is tested in test_procrastinate)."""
    return {t for t in inspect(engine).get_table_names() if not t.startswith("procrastinate_")}


def test_one_head() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, "parallel migrations must be merged into one head"


def test_upgrade_matches_the_models_then_down_and_up_again(empty: Database) -> None:
    assert tables(empty.engine) == set()
    migrate.upgrade(empty.engine)
    assert tables(empty.engine) == set(METADATA.tables) | {"alembic_version"}
    assert differences(empty.engine) == []
    # The command the Makefile's lint would run says the same.
    cfg = migrate.alembic_config(empty.url)
    with empty.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.check(cfg)

    migrate.downgrade(empty.engine)
    assert tables(empty.engine) == {"alembic_version"}

    migrate.upgrade(empty.engine)
    assert differences(empty.engine) == []
    with empty.engine.connect() as conn:
        head = ScriptDirectory.from_config(cfg).get_current_head()
        assert MigrationContext.configure(conn).get_current_revision() == head


def test_constraint_names_follow_the_convention(empty: Database) -> None:
    migrate.upgrade(empty.engine)
    insp = inspect(empty.engine)
    assert "fk_work_item_patient_id_patient" in {
        fk["name"] for fk in insp.get_foreign_keys("work_item")}
    assert insp.get_pk_constraint("work_item")["name"] == "pk_work_item"
    assert NAMING_CONVENTION["fk"] == "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"
    checked = 0
    for name, table in METADATA.tables.items():
        assert insp.get_pk_constraint(name)["name"] == f"pk_{name}"
        for fk in insp.get_foreign_keys(name):
            assert fk["name"] == (
                f"fk_{name}_{fk['constrained_columns'][0]}_{fk['referred_table']}"), fk
            checked += 1
        for uq in insp.get_unique_constraints(name):
            assert uq["name"] == f"uq_{name}_{'_'.join(uq['column_names'])}", uq
            checked += 1
        reflected = {ix["name"]: ix for ix in insp.get_indexes(name)}
        for ix in table.indexes:
            assert ix.name in reflected, (name, ix.name)
            assert ix.name is not None and ix.name.startswith("ix_")
            assert reflected[ix.name]["column_names"] == [c.name for c in ix.columns], ix.name
            checked += 1
    assert checked > 40


def test_partial_worklist_indexes_exist(empty: Database) -> None:
    # The worklist's hot queries depend on these being partial (open items only).
    migrate.upgrade(empty.engine)
    with empty.engine.connect() as conn:
        if empty.is_postgres:
            sql = "SELECT indexdef FROM pg_indexes WHERE indexname = :n"
        else:
            sql = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :n"
        for name in ("ix_work_item_open_owner_due", "ix_work_item_open_unit_due"):
            ddl = conn.execute(text(sql), {"n": name}).scalar_one()
            assert "WHERE" in ddl.upper() and "requested" in ddl and "completed" not in ddl, ddl
