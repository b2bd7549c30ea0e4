"""The demo's dictations: spoken by espeak-ng, uploaded per clinician, waiting for their drafts."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.db import utcnow
from kulisser.dictation import demo
from kulisser.dictation.models import Dictation
from kulisser.dictation.storage import AudioStore
from kulisser.jobs.models import Job
from kulisser.patients.models import Patient
from kulisser.speech.synth import espeak_available
from kulisser.staff.models import User
from tests import factories


def test_each_clinician_gets_spoken_dictations_with_queued_drafts(
        db: Session, world: factories.World, tmp_path: Path) -> None:
    if not espeak_available():
        pytest.skip("espeak-ng is not installed (make test installs it)")
    users = list(db.scalars(select(User).where(User.id.in_(
        [world.secretary_id, world.clinician_id, world.manager_id]))))
    patients = list(db.scalars(select(Patient).where(Patient.id.in_(world.patient_ids))))
    made = demo.seed_dictations(db, unit_id=world.unit_id, users=users, patients=patients,
                                rng=random.Random(1), now=utcnow(), data_dir=tmp_path)
    assert made == 2
    found = list(db.scalars(select(Dictation).where(Dictation.unit_id == world.unit_id)))
    assert len(found) == 2 and {d.author_id for d in found} == {world.clinician_id}
    assert {d.note_type.code for d in found} == {"visit", "referral"}
    store = AudioStore(data_dir=tmp_path)
    for d in found:
        assert d.status == "dictated" and d.audio_duration_s > 3
        assert store.path_for(d.audio_sha256).is_file()
        assert db.scalar(select(Job.status).where(Job.dedupe_key == f"transcribe:{d.id}")) == "queued"


def test_no_demo_dictations_outside_demo_mode(db: Session, world: factories.World,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KULISSER_MODE", "test")
    from kulisser.config import get_settings

    get_settings.cache_clear()
    try:
        made = demo.seed_dictations(db, unit_id=world.unit_id, users=[], patients=[],
                                    rng=random.Random(1), now=utcnow())
    finally:
        get_settings.cache_clear()
    assert made == 0
