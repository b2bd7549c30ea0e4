"""The dictation folder import against sidecar files that are not sidecars: the audio still comes in."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from kulisser.db import Database
from kulisser.dictation import importer
from kulisser.dictation.models import Dictation
from kulisser.dictation.storage import AudioStore
from kulisser.staff.models import User
from tests import factories
from tests.dictation.audio import unique_tone

SIDECARS = {
    "large": b'{"identifier": "' + b"1" * (200 * 1024) + b'"}',
    "deep": b'{"identifier": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "nul": b'{"identifier": "19121212\\u00001212"}',
    "long": b'{"author": "' + b"a" * 5000 + b'"}',
    "binary": bytes(range(256)) * 10,
}


def test_a_bad_sidecar_is_noted_and_the_recording_imported_unmatched(
        tmp_path: Path, database: Database, world: factories.World) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    for stem, sidecar in SIDECARS.items():
        (folder / f"{stem}.wav").write_bytes(unique_tone())
        (folder / f"{stem}.json").write_bytes(sidecar)
    with database.session() as s:
        user = s.get(User, world.secretary_id)
        assert user is not None
        username = user.username
    report = importer.import_folder(database, folder=folder, username=username, unit_hsa=None,
                                    store=AudioStore(data_dir=tmp_path / "d"), progress=False)
    assert report.failed == []
    assert sorted(report.unmatched) == sorted(f"{stem}.wav" for stem in SIDECARS)
    with database.session() as s:
        found = {d.original_filename: d for d in s.scalars(
            select(Dictation).where(Dictation.unit_id == world.unit_id))}
        for stem in SIDECARS:
            note = found[f"{stem}.wav"].import_note or ""
            assert f"Sidofilen {stem}.json kunde inte läsas" in note, stem
