"""Demo dictations: synthetic Swedish speech (espeak-ng) per clinician, drafted by the job.

The recordings are uploaded like any other and their transcription jobs queued; the demo
server's embedded job runner drafts them once it runs. Without espeak-ng the demo has no
dictations and says so.
"""

from __future__ import annotations

import random
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from kulisser.dictation import demo_history
from kulisser.dictation import service as dictations
from kulisser.dictation.storage import AudioStore
from kulisser.i18n import _
from kulisser.patients.service import Patient
from kulisser.speech.synth import SynthError, dictation, espeak_available, write_wav
from kulisser.staff import service as staff
from kulisser.staff.service import Role, User

# (note type, priority, sentences): what a clinic's day of dictation sounds like.
SCRIPTS: list[tuple[str, str, list[str]]] = [
    ("visit", "normal", [
        "Besöksanteckning.",
        "Anamnes. Patienten söker för tilltagande andfåddhet sedan några veckor.",
        "Status. Hjärtljuden är regelbundna och lungorna är fria.",
        "Bedömning. Sannolikt ansträngningsutlöst astma.",
        "Åtgärd. Spirometri bokas och patienten får återbesök om fyra veckor."]),
    ("referral", "high", [
        "Remiss till kardiologen.",
        "Frågeställning. Förmaksflimmer med snabb kammarfrekvens, ställningstagande till ablation.",
        "Patienten har provat betablockerare utan effekt."]),
    ("letter", "low", [
        "Brev till patienten.",
        "Dina blodprover från förra veckan var normala.",
        "Vi ses på ditt planerade återbesök i vår."]),
    ("discharge", "acute", [
        "Epikris.",
        "Inskrivningsorsak. Lunginflammation.",
        "Förlopp. Patienten har fått antibiotika intravenöst och förbättrats snabbt.",
        "Uppföljning. Röntgen av lungorna om sex veckor."]),
]


def _store(data_dir: Path | None) -> AudioStore | None:
    if data_dir is not None:
        return AudioStore(data_dir=data_dir)
    from kulisser.config import ConfigError, get_settings

    try:
        settings = get_settings()
    except (ConfigError, ValueError):
        return None
    # Only the demo server stores demo audio (it is where the demo's data directory is known).
    return AudioStore.from_settings(settings) if settings.mode == "demo" else None


def seed(session: Session, *, unit_id: int, users: list[User], patients: list[Patient],
         rng: random.Random, now: datetime) -> int:
    """The demo's dictations: months of signed history (demo_history), then today's spoken ones."""
    demo_history.seed_history(session, unit_id=unit_id, users=users, patients=patients, now=now)
    return seed_dictations(session, unit_id=unit_id, users=users, patients=patients, rng=rng, now=now)


def seed_dictations(session: Session, *, unit_id: int, users: list[User], patients: list[Patient],
                    rng: random.Random, now: datetime, data_dir: Path | None = None,
                    per_clinician: int = 2) -> int:
    """Upload a few spoken dictations per clinician of the unit; return how many were made."""
    store = _store(data_dir)
    if store is None:
        return 0
    if not espeak_available():
        print(_("Demo: espeak-ng saknas, så inga demodiktat skapades (apt-get install espeak-ng)."))
        return 0
    clinicians = [u for u in users if u.role == Role.CLINICIAN]
    made = 0
    with tempfile.TemporaryDirectory() as tmp:
        for number, (author, script) in enumerate(
                (a, SCRIPTS[(i * per_clinician + n) % len(SCRIPTS)]) for i, a in enumerate(clinicians)
                for n in range(per_clinician)):
            note_type, priority, sentences = script
            try:
                audio, rate = dictation(sentences=sentences, voice="sv",
                                        gaps_s=[rng.uniform(0.6, 2.0) for _ in sentences[1:]],
                                        seed=number)
            except SynthError as exc:
                print(_("Demo: espeak-ng misslyckades ({exc}); inga fler demodiktat.", exc=exc))
                break
            path = Path(tmp) / f"diktat-{number}.wav"
            write_wav(path, audio, rate=rate)
            with path.open("rb") as handle:
                dictations.upload_dictation(
                    session, actor=staff.make_actor(author, unit_id=unit_id), store=store,
                    audio=handle, filename=path.name, patient_id=rng.choice(patients).id,
                    note_type=note_type, priority=priority,
                    now=now - timedelta(hours=rng.uniform(0.5, 30)))
            made += 1
    return made
