"""`kulisser import-results DIR`: a folder drop of CSV, JSON lines and FHIR files."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kulisser.db import Database
from kulisser.results import importer
from kulisser.results.models import Result
from kulisser.staff.models import CareUnit
from tests import factories
from tests.results.helpers import csv_drop, patient, report, sender_id, username


def _count(database: Database, unit_id: int) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(Result).where(Result.unit_id == unit_id)) or 0


@pytest.fixture()
def drop(tmp_path: Path, database: Database, world: factories.World) -> Path:
    """A folder with a CSV (one bad identity number), JSON lines, a FHIR file and a stray file."""
    with database.session() as s:
        good = patient(s, world.patient_ids[0]).id_value
        doctor = username(s, world.clinician_id)
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "a.csv").write_bytes(csv_drop(f"{sender_id()};{good};{doctor};718-7;Hb;95;g/L;117-153;L;;",
                                            f"{sender_id()};19121212-1213;;718-7;Hb;140;g/L;;;;"))
    lines = [json.dumps({"sender_id": sender_id(), "identity_number": good, "test_name": "CRP",
                         "value": n}) for n in range(7)]
    (folder / "b.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "c.json").write_text(json.dumps(report(good, orderer=doctor)), encoding="utf-8")
    (folder / "d.json").write_text('{"resourceType": "DiagnosticReport"}', encoding="utf-8")
    (folder / "notes.txt").write_text("ignored", encoding="utf-8")
    return folder


def test_a_folder_is_imported_file_by_file_and_again_nothing_new(
        drop: Path, database: Database, world: factories.World, monkeypatch: pytest.MonkeyPatch) -> None:
    with database.session() as s:
        user = username(s, world.secretary_id)
    # Small batches: the JSON lines are committed a few lines at a time.
    monkeypatch.setattr(importer, "import_jsonl", _small_batches(importer.import_jsonl))
    report_ = importer.import_folder(database, folder=drop, username=user, unit_hsa=None,
                                     progress=False)
    assert [name for name, _r in report_.files] == ["a.csv", "b.jsonl", "c.json"]
    assert report_.failed[0][0] == "d.json" and "DiagnosticReport.code" in report_.failed[0][1]
    total = report_.total()
    assert (total.created, total.count("unmatched"), total.count("error")) == (10, 1, 0)
    assert _count(database, world.unit_id) == 10
    assert "Rad 3: Ogiltigt identitetsnummer" in report_.summary()
    again = importer.import_folder(database, folder=drop, username=user, unit_hsa=None,
                                   progress=False).total()
    assert (again.created, again.count("duplicate")) == (0, 10)
    assert _count(database, world.unit_id) == 10


def _small_batches(original):  # type: ignore[no-untyped-def]
    def wrapped(db: Database, **kw: object) -> object:
        return original(db, **{**kw, "batch": 3})
    return wrapped


def test_setup_errors(tmp_path: Path, database: Database, world: factories.World) -> None:
    with database.session() as s:
        user = username(s, world.secretary_id)
    with pytest.raises(importer.ImportSetupError, match="Mappen finns inte"):
        importer.import_folder(database, folder=tmp_path / "nej", username=user, unit_hsa=None)
    with pytest.raises(importer.ImportSetupError, match="Okänd"):
        importer.import_folder(database, folder=tmp_path, username="ingen-alls", unit_hsa=None)
    with pytest.raises(importer.ImportSetupError, match="arbetar inte"):
        importer.import_folder(database, folder=tmp_path, username=user, unit_hsa="SE-OKAND")


def test_the_command_line(drop: Path, database: Database, world: factories.World) -> None:
    with database.session() as s:
        user = username(s, world.secretary_id)
        unit = s.get(CareUnit, world.unit_id)
        assert unit is not None
        hsa = unit.hsa_id
    env = {k: v for k, v in os.environ.items() if not k.startswith("KULISSER_")}
    env.update(KULISSER_DATABASE_URL=database.url, KULISSER_MODE="production",
               KULISSER_SECRET_KEY=secrets.token_urlsafe(36))
    done = subprocess.run([sys.executable, "-m", "kulisser.cli", "import-results", str(drop),
                           "--as", user, "--unit", hsa, "--quiet"],
                          capture_output=True, text=True, env=env, timeout=180, check=False)
    assert done.returncode == 1, done.stderr  # d.json could not be imported
    assert "Importerade provsvar: 2 (varav 1 att matcha i enhetens kö)" in done.stdout  # a.csv
    assert "d.json: kunde inte importeras" in done.stdout
    assert _count(database, world.unit_id) == 10
