"""Migration 0030 on a database with patients: the residence codes come and go, the patients stay."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from kulisser import migrate
from kulisser.db import Database
from tests import factories


def _columns(database: Database) -> set[str]:
    return {c["name"] for c in inspect(database.engine).get_columns("patient")}


def test_down_drops_the_codes_and_up_gives_patients_on_file_empty_ones(migrated: Database) -> None:
    with migrated.session() as s:
        pid = factories.make_patient(s, county="14", municipality="1480").id
        s.commit()
    assert {"county_code", "municipality_code"} <= _columns(migrated)
    # The revision before ours, as the chain has it (the lead re-chains revisions on merging).
    ours = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_revision("0030")
    assert ours is not None and isinstance(ours.down_revision, str)
    migrate.downgrade(migrated.engine, ours.down_revision)
    assert not {"county_code", "municipality_code"} & _columns(migrated)
    with migrated.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM patient WHERE id = :i"), {"i": pid}).scalar() == 1
    migrate.upgrade(migrated.engine)
    with migrated.engine.connect() as conn:
        row = conn.execute(text("SELECT county_code, municipality_code FROM patient WHERE id = :i"),
                           {"i": pid}).one()
    assert tuple(row) == ("", "")  # unknown: the report lists the patient's contacts apart
