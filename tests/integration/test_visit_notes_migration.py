"""Migration 0017 on a database with visits: the old printed text stays the patient message."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import text

from kulisser import migrate
from kulisser.booking import service as booking
from kulisser.db import Database
from tests import factories
from tests.booking.helpers import future_schedule


def test_the_old_note_becomes_the_patient_message_and_the_internal_note_starts_empty(
        migrated: Database) -> None:
    with migrated.session() as s:
        world = factories.make_world(s)
        _sched, free = future_schedule(s, world, days=2)
        actor = factories.actor(s, world.secretary_id)
        aid = booking.book(s, actor=actor, slot_id=free[0].id, patient_id=world.patient_ids[0],
                           patient_message="Ta med läkemedelslistan.", internal_note="Tolk").id
        s.commit()
    before = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_revision("0017")
    assert before is not None and isinstance(before.down_revision, str)
    migrate.downgrade(migrated.engine, before.down_revision)
    with migrated.engine.connect() as conn:
        # Before the split the one field was printed: that is the text the visit had.
        assert conn.execute(text("SELECT note FROM appointment WHERE id = :i"), {"i": aid}).scalar_one() \
            == "Ta med läkemedelslistan."
    migrate.upgrade(migrated.engine)
    with migrated.engine.connect() as conn:
        row = conn.execute(text("SELECT patient_message, internal_note FROM appointment WHERE id = :i"),
                           {"i": aid}).one()
    assert tuple(row) == ("Ta med läkemedelslistan.", "")
