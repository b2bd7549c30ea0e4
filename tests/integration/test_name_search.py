"""Name search ignores accents and case ("aberg" finds "Åberg"), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from kulisser import migrate
from kulisser.db import Database
from kulisser.names import search_key
from kulisser.patients import service as patients
from kulisser.worklist import queries
from kulisser.worklist import service as worklist
from tests import factories
from tests.conftest import fresh_database_url
from tests.factories import World


def test_search_key_folds_case_and_accents() -> None:
    assert search_key("Åberg Anna") == "aberg anna"
    assert search_key("Hélène Müller-Öst") == "helene muller-ost"
    assert search_key("ÄÖÜ éèê ñ") == "aou eee n"


@pytest.mark.parametrize(("family", "typed"), [
    ("Åberg", "aberg"), ("Åberg", "ÅBERG"), ("Aberg", "åberg"),
    ("Hélène", "helene"), ("Müller", "muller"), ("Östlund", "ost"),
])
def test_patient_search_finds_the_name_without_its_accents(database: Database, world: World,
                                                           family: str, typed: str) -> None:
    tag = factories.unique("Q").lower()  # keeps other tests' patients out of the result
    with database.session() as s:
        p = factories.make_patient(s, world.unit_id, given=tag, family=family)
        found = patients.find_patients(s, actor=factories.actor(s, world.secretary_id),
                                       query=f"{typed} {tag}")
        assert [x.id for x in found] == [p.id]
        s.rollback()


def test_worklist_name_filter_is_accent_blind(database: Database, world: World) -> None:
    tag = factories.unique("W").lower()
    with database.session() as s:
        p = factories.make_patient(s, world.unit_id, given=tag, family="Ågren")
        actor = factories.actor(s, world.secretary_id)
        item = worklist.create_item(s, actor=actor, kind="task", title="Ring", patient_id=p.id)
        page = queries.list_items(s, actor=actor, f=queries.WorklistFilter(scope="unit", q=f"agren {tag}"))
        assert [r.item.id for r in page.rows] == [item.id]
        s.rollback()


@pytest.fixture()
def empty(tmp_path: Path) -> Iterator[Database]:
    """A database of its own with no tables at all."""
    url, drop = fresh_database_url(tmp_path, "names")
    database = Database(url)
    yield database
    database.engine.dispose()
    drop()  # type: ignore[operator]


def test_migration_folds_the_stored_names_and_back(empty: Database) -> None:
    migrate.upgrade(empty.engine, "0012")
    with empty.engine.begin() as conn:
        for i, (given, family) in enumerate([("Åsa", "Åberg"), ("Zoë", "Müller"), ("Per", "Lind")]):
            conn.execute(text(
                "INSERT INTO patient (id_kind, id_value, given_name, family_name, search_name, address,"
                " postal_code, city, phone, protected_identity, created_at) VALUES ('reservnummer',"
                " :v, :g, :f, :s, '', '', '', '', false, CURRENT_TIMESTAMP)"),
                {"v": f"R-NAMES-{i}", "g": given, "f": family, "s": f"{family} {given}".lower()})
    migrate.upgrade(empty.engine, "0016")
    with empty.engine.connect() as conn:
        stored = set(conn.execute(text("SELECT search_name FROM patient")).scalars())
    assert stored == {"aberg asa", "muller zoe", "lind per"}
    migrate.downgrade(empty.engine, "0012")
    with empty.engine.connect() as conn:
        stored = set(conn.execute(text("SELECT search_name FROM patient")).scalars())
    assert stored == {"åberg åsa", "müller zoë", "lind per"}
