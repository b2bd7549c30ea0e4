"""Demo notes: dictations written and signed through the dictation service, so that coding's
subscriber links each to the day's contact and makes its suggestions, as in real use.

Each note has a short synthetic tone as its recording (the demo's spoken dictations need
espeak-ng; these need nothing). In demo mode the audio goes to the configured data directory;
elsewhere (tests seeding the demo) to a temporary folder removed after seeding: the notes are
signed, so their audio is never needed.
"""

from __future__ import annotations

import io
import random
import tempfile
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from kulisser.dictation import service as dictations
from kulisser.patients.service import Patient
from kulisser.staff import service as staff
from kulisser.staff.service import Role, User

# Today's and yesterday's visits: Swedish notes as doctors write them. "Diabetes mellitus",
# "pneumoni" and "reflux" match the WHO fallback's English titles; "hypertoni", "astma" and
# "radiusfraktur" do not, and are suggested from the unit's coded notes of last month.
TODAY: list[str] = [
    "Besöksanteckning. Känd diabetes mellitus typ 2, HbA1c 58. Fötterna utan sår. "
    "Bedömning: diabetes mellitus typ 2 utan komplikationer. Fortsatt metformin.",
    "Besöksanteckning. Uppföljning av hypertoni. Blodtryck 148/92 i hemmet. "
    "Bedömning: essentiell hypertoni, otillräckligt behandlad. Enalapril höjs.",
    "Besöksanteckning. Feber och hosta i fem dagar, krepitationer basalt höger. CRP 120. "
    "Bedömning: pneumoni. Penicillin V i tio dagar.",
    "Besöksanteckning. Astma med nattliga besvär trots inhalationssteroid. Spirometri med "
    "reversibilitet. Bedömning: astma, ej välkontrollerad. Tillägg av långverkande beta-2-agonist.",
    "Besöksanteckning. Föll i hemmet på utsträckt hand i går. Röntgen visar distal "
    "radiusfraktur vänster utan felställning. Gipsskena i fyra veckor.",
]


def _tone(number: int) -> bytes:
    """One second of a tone as a WAV file, a different pitch per note (each its own audio)."""
    rate = 16_000
    t = np.arange(rate) / rate
    samples = 0.3 * np.sin(2 * np.pi * (310.0 + 3.1 * number) * t)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes((samples * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


@contextmanager
def audio_store() -> Iterator[dictations.AudioStore]:
    """The demo server's audio store, or a temporary one outside demo mode."""
    from kulisser.config import ConfigError, get_settings

    try:
        settings = get_settings()
    except (ConfigError, ValueError):
        settings = None
    if settings is not None and settings.mode == "demo":
        yield dictations.AudioStore.from_settings(settings)
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield dictations.AudioStore(data_dir=Path(tmp))


class NoteWriter:
    """Writes and signs demo notes: a clinician dictates, a secretary writes, the clinician signs."""

    def __init__(self, *, store: dictations.AudioStore, unit_id: int, users: list[User]) -> None:
        self.store = store
        self.unit_id = unit_id
        self.clinicians = [u for u in users if u.role == Role.CLINICIAN]
        self.secretary = next(u for u in users if u.role == Role.SECRETARY)
        self.made = 0

    def sign(self, session: Session, *, rng: random.Random, patient: Patient, text: str,
             dictated_at: datetime, signed_at: datetime, author_id: int | None = None) -> int:
        """One signed visit note about the patient (by the given clinician, else one drawn); its
        dictation id."""
        drawn = rng.choice(self.clinicians)
        by = next((u for u in self.clinicians if u.id == author_id), drawn)
        author = staff.make_actor(by, unit_id=self.unit_id)
        writer = staff.make_actor(self.secretary, unit_id=self.unit_id)
        self.made += 1
        d = dictations.upload_dictation(
            session, actor=author, store=self.store, audio=io.BytesIO(_tone(self.made)),
            filename=f"demo-anteckning-{self.made}.wav", patient_id=patient.id, note_type="visit",
            now=dictated_at)
        written = dictated_at + (signed_at - dictated_at) / 2
        dictations.save_text(session, actor=writer, dictation_id=d.id, text=text, now=written)
        dictations.send_for_signature(session, actor=writer, dictation_id=d.id, now=written)
        dictations.sign(session, actor=author, dictation_id=d.id, now=signed_at)
        return d.id


def seed_today(session: Session, *, rng: random.Random, now: datetime, writer: NoteWriter,
               patients: list[Patient], texts: list[str] | None = None) -> int:
    """Signed notes of today and yesterday (TODAY, or the texts given), each making its own
    contact waiting for coding; how many."""
    texts = TODAY if texts is None else texts
    for text, patient in zip(texts, rng.sample(patients, len(texts)), strict=True):
        dictated_at = now - timedelta(hours=rng.uniform(2, 26))
        signed_at = min(now, dictated_at + timedelta(hours=rng.uniform(0.5, 1.5)))
        writer.sign(session, rng=rng, patient=patient, text=text, dictated_at=dictated_at,
                    signed_at=signed_at)
    return len(texts)
