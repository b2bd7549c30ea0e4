"""Helpers of the code-system tests: our own ICD-10-SE and KVÅ test tables, imported in a
transaction that is rolled back, so that the suite's shared database keeps the WHO fallback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from kulisser.coding import codes_import
from kulisser.db import Database

DATA = Path(__file__).parent / "data"
ICD10SE = DATA / "icd10se_2026.tsv"
KVA = DATA / "kva_2026.tsv"


def swedish_tables(database: Database) -> Iterator[Session]:
    """A session that sees the test tables imported (ICD-10-SE and KVÅ 2026), never committed."""
    with database.engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn)
        codes_import.import_file(session, source="icd10se", path=ICD10SE)
        codes_import.import_file(session, source="kva", path=KVA)
        session.flush()
        try:
            yield session
        finally:
            session.close()
            outer.rollback()
