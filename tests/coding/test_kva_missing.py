"""Without an imported KVÅ table the coding page says so where a procedure is chosen, and how to
import one, instead of offering a search that finds nothing (issue 14)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kulisser.coding import codes
from kulisser.db import Database, utcnow
from tests import factories
from tests.coding.codes_fixtures import swedish_tables
from tests.coding.helpers import contacts_of, signed_note

NOTE = "Bedömning: essential hypertension."


def test_the_page_says_no_kva_table_is_imported_and_how_to_import_one(
        secretary_client: TestClient, database: Database, world: factories.World,
        tmp_path: Path) -> None:
    with database.session() as s:
        # The suite's shared database keeps the WHO fallback and no KVÅ table.
        assert codes.serving_version(s, system=codes.KVA, on=utcnow().date()) is None
        signed_note(s, world, world.patient_ids[1], NOTE, tmp_path)
        [contact] = contacts_of(s, world.patient_ids[1])
        s.commit()
        contact_id = contact.id
    page = secretary_client.get(f"/kodning/{contact_id}")
    assert page.status_code == 200
    procedures = page.text[page.text.index("Åtgärder (KVÅ)"):]
    procedures = procedures[:procedures.index("</fieldset>")]
    assert 'id="kva-missing"' in procedures
    assert "Ingen KVÅ-tabell är importerad" in procedures
    assert "<code>kulisser codes import kva FIL</code>" in procedures
    # The procedure field takes a typed code but searches nothing.
    field = re.search(r'<input id="f-procedure-1"[^>]*>', procedures)
    assert field is not None and "hx-get" not in field.group(0) and "list=" not in field.group(0)
    # The diagnoses are searched as before.
    main = re.search(r'<input id="f-main"[^>]*>', page.text)
    assert main is not None and 'hx-get="/kodning/sok"' in main.group(0)


def test_with_an_imported_kva_table_a_version_serves(database: Database) -> None:
    # What the page asks: once `kulisser codes import kva FILE` has run, a version serves and
    # the procedure fields search it.
    for session in swedish_tables(database):
        assert isinstance(session, Session)
        assert codes.serving_version(session, system=codes.KVA, on=utcnow().date()) is not None
