"""The folder import: sidecar and file-name metadata, unmatched files, bad files, idempotence, CLI."""

from __future__ import annotations

import json
import os
import random
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from kulisser.db import Database
from kulisser.dictation import importer
from kulisser.dictation.models import Dictation
from kulisser.dictation.storage import AudioStore
from kulisser.patients.models import Patient
from kulisser.staff.models import CareUnit, User
from kulisser.worklist.models import WorkItem
from tests import factories
from tests.dictation.audio import unique_tone


def _names(database: Database, world: factories.World) -> tuple[str, str, str, str]:
    """The first patient's personnummer, the clinician's username and HSA-id, the unit's HSA-id."""
    with database.session() as s:
        patient = s.get(Patient, world.patient_ids[0])
        clinician = s.get(User, world.clinician_id)
        unit = s.get(CareUnit, world.unit_id)
        assert patient and clinician and unit
        clinician.hsa_id = clinician.hsa_id or factories.unique("SE2321000016-L")
        return patient.display_id, clinician.username, clinician.hsa_id, unit.hsa_id


def _secretary(database: Database, world: factories.World) -> str:
    with database.session() as s:
        user = s.get(User, world.secretary_id)
        assert user is not None
        return user.username


@pytest.fixture()
def drop(tmp_path: Path, database: Database, world: factories.World) -> Path:
    """A folder as recorders leave it: a sidecar pair, a named file, an unknown one, a DSS file."""
    pnr, username, hsa, _unit = _names(database, world)
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "rec001.wav").write_bytes(unique_tone())
    (folder / "rec001.json").write_text(json.dumps(
        {"identifier": pnr, "author": username, "note_type": "epikris", "priority": "akut"}))
    (folder / f"{pnr}_{hsa}_remiss_hog.wav").write_bytes(unique_tone())
    (folder / "DS400012.WAV").write_bytes(unique_tone())
    (folder / "DS400013.DSS").write_bytes(b"\x02dss" + bytes(1020) + random.Random(5).randbytes(9000))
    (folder / ".DS_Store").write_bytes(b"\0\0")
    return folder


def _by_name(database: Database, unit_id: int) -> dict[str, Dictation]:
    with database.session() as s:
        found = list(s.scalars(select(Dictation).where(Dictation.unit_id == unit_id)))
        for d in found:
            _ = d.note_type
        return {d.original_filename: d for d in found}


def test_a_folder_drop_is_imported_matched_and_reported(drop: Path, database: Database,
                                                        world: factories.World, tmp_path: Path) -> None:
    store = AudioStore(data_dir=tmp_path / "data")
    pnr = _names(database, world)[0]
    report = importer.import_folder(database, folder=drop, username=_secretary(database, world),
                                    unit_hsa=None, store=store, progress=False)
    named = f"{pnr}_"
    pattern_file = next(p.name for p in drop.iterdir() if p.name.startswith(named))
    assert sorted(report.imported) == sorted(["rec001.wav", "DS400012.WAV", pattern_file])
    assert report.unmatched == ["DS400012.WAV"]
    [(bad, reason)] = report.failed
    assert bad == "DS400013.DSS" and "DSS" in reason
    found = _by_name(database, world.unit_id)
    sidecar = found["rec001.wav"]
    assert (sidecar.patient_id, sidecar.author_id, sidecar.note_type.code, sidecar.priority) == (
        world.patient_ids[0], world.clinician_id, "discharge", "acute")
    assert sidecar.source == "import" and sidecar.uploaded_by_id == world.secretary_id
    by_pattern = next(d for n, d in found.items() if n.startswith(named))
    assert (by_pattern.patient_id, by_pattern.author_id, by_pattern.note_type.code,
            by_pattern.priority) == (world.patient_ids[0], world.clinician_id, "referral", "high")
    unknown = found["DS400012.WAV"]
    assert unknown.patient_id is None and unknown.author_id is None
    assert unknown.import_note and importer.PATTERN in unknown.import_note
    with database.session() as s:  # the unmatched file waits in the unit's queue, clearly titled
        item = s.scalar(select(WorkItem).where(WorkItem.ref_type == "dictation",
                                               WorkItem.ref_id == unknown.id))
        assert item is not None and item.owner_id is None and item.unit_id == world.unit_id
        assert "att matcha" in item.title and item.status == "requested"
    assert "Importerade diktat: 3 (varav 1 att matcha" in report.summary()
    # Running it again imports nothing new (the DSS file is reported again).
    again = importer.import_folder(database, folder=drop, username=_secretary(database, world),
                                   unit_hsa=None, store=store, progress=False)
    assert again.imported == [] and sorted(again.skipped) == sorted(report.imported)
    assert [name for name, _ in again.failed] == ["DS400013.DSS"]
    assert len(_by_name(database, world.unit_id)) == 3


@pytest.mark.parametrize(("meta", "note"), [
    ({"identifier": "19000101-0000", "author": "x", "note_type": "visit"}, "finns inte hos enheten"),
    ({"author": "ingen-sadan", "note_type": "visit"}, "Uppgift om patient saknas"),
])
def test_what_cannot_be_matched_is_said_in_the_note(tmp_path: Path, database: Database,
                                                    world: factories.World, meta: dict[str, str],
                                                    note: str) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "a.wav").write_bytes(unique_tone())
    (folder / "a.json").write_text(json.dumps(meta))
    report = importer.import_folder(database, folder=folder, username=_secretary(database, world),
                                    unit_hsa=None, store=AudioStore(data_dir=tmp_path / "d"),
                                    progress=False)
    assert report.unmatched == ["a.wav"]
    d = _by_name(database, world.unit_id)["a.wav"]
    assert d.import_note and note in d.import_note and "Diktatören" in d.import_note


def test_a_patient_of_another_unit_is_not_linked(tmp_path: Path, database: Database,
                                                 world: factories.World) -> None:
    with database.session() as s:
        stranger = s.get(Patient, world.stranger_patient_id)
        assert stranger is not None
        pnr = stranger.display_id
    username = _names(database, world)[1]
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / f"{pnr}_{username}_besoksanteckning.wav").write_bytes(unique_tone())
    importer.import_folder(database, folder=folder, username=_secretary(database, world),
                           unit_hsa=None, store=AudioStore(data_dir=tmp_path / "d"), progress=False)
    [d] = _by_name(database, world.unit_id).values()
    assert d.patient_id is None and d.author_id == world.clinician_id
    # The same note as for an unknown number: the import does not tell which numbers are on file.
    assert d.import_note == "Patienten i filens uppgifter finns inte hos enheten."


def test_the_import_must_run_as_a_known_office_user(tmp_path: Path, database: Database,
                                                    world: factories.World) -> None:
    store = AudioStore(data_dir=tmp_path / "d")
    with database.session() as s:
        clinician = s.get(User, world.clinician_id)
        assert clinician is not None
        clinician_name = clinician.username
    for username, unit, words in (("ingen", None, "Okänd"), (clinician_name, None, "sekreterare"),
                                  (_secretary(database, world), "SE-OKAND", "arbetar inte")):
        with pytest.raises(importer.ImportSetupError) as caught:
            importer.import_folder(database, folder=tmp_path, username=username, unit_hsa=unit,
                                   store=store, progress=False)
        assert words in caught.value.message
    with pytest.raises(importer.ImportSetupError, match="Mappen finns inte"):
        importer.import_folder(database, folder=tmp_path / "saknas", username="x", unit_hsa=None,
                               store=store, progress=False)


def test_the_command_line(drop: Path, database: Database, world: factories.World,
                          tmp_path: Path) -> None:
    unit_hsa = _names(database, world)[3]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KULISSER_")}
    env.update(KULISSER_DATABASE_URL=database.url, KULISSER_DATA_DIR=str(tmp_path / "cli-data"),
               KULISSER_MODE="production", KULISSER_SECRET_KEY=secrets.token_urlsafe(36))
    done = subprocess.run(
        [sys.executable, "-m", "kulisser.cli", "import-dictations", str(drop), "--as",
         _secretary(database, world), "--unit", unit_hsa],
        capture_output=True, text=True, env=env, timeout=180, check=False)
    assert done.returncode == 1, done.stderr  # one file could not be imported
    assert "Importerade diktat: 3 (varav 1 att matcha i enhetens kö)" in done.stdout
    assert "DS400013.DSS: DSS-filer" in done.stdout
    assert "Importerar diktat" in done.stderr  # the progress bar
    stored = [p for p in (tmp_path / "cli-data" / "audio").rglob("*") if p.is_file()]
    assert len(stored) == 3 and len(_by_name(database, world.unit_id)) == 3
