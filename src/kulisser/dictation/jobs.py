"""The transcription job: the recognizer drafts a dictation's text in the background.

The job takes a dictation id, reloads the dictation, and does nothing if it has moved on or
already has a draft, so running it twice (a retry, a worker killed after the work but before
the job was marked done) is harmless. A failure is retried by the job runner with back-off;
`transcription_state` tells the page whether the draft is queued, running or failed and why.
The secretary never has to wait for it: the text can be written from the audio alone.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.db import utcnow
from kulisser.dictation import attention, catalog
from kulisser.dictation.models import Dictation
from kulisser.dictation.states import DictationStatus
from kulisser.dictation.storage import AudioStore
from kulisser.i18n import N_, _
from kulisser.jobs.context import JobContext
from kulisser.jobs.models import Job
from kulisser.jobs.runner import task
from kulisser.speech import Recognizer, RecognizerSettings, Transcript

if TYPE_CHECKING:
    from kulisser.config import Settings

log = logging.getLogger("kulisser.dictation")
TRANSCRIBE = "dictation.transcribe"


def dedupe_key(dictation_id: int) -> str:
    """The job key of a dictation's transcription (one waiting job per dictation)."""
    return f"transcribe:{dictation_id}"


class Transcriber(Protocol):
    """What the job needs from a recognizer (kulisser.speech.Recognizer; a fake in tests)."""

    def transcribe(self, audio_path: Path, *, language: str | None = None) -> Transcript:
        """Transcribe an audio file."""
        ...


@dataclass
class _Override:
    store: AudioStore
    transcriber: Transcriber | None = None


# Test doubles only (configure()); without them the job builds both from its JobContext's settings.
_override: _Override | None = None
# The loaded recognizers by their settings: a model loads once per process, on its first job.
_recognizers: dict[RecognizerSettings, Recognizer] = {}
_lock = threading.Lock()


def configure(*, store: AudioStore, transcriber: Transcriber | None = None) -> None:
    """Use this audio store and (optionally) this recognizer instead of the settings' (tests)."""
    global _override
    with _lock:
        _override = _Override(store=store, transcriber=transcriber)


def reset() -> None:
    """Forget the test doubles and the loaded recognizers (tests)."""
    global _override
    with _lock:
        _override = None
        _recognizers.clear()


def audio_store(settings: Settings) -> AudioStore:
    """Where the job finds the audio: the settings' data directory (or a test's store)."""
    with _lock:
        if _override is not None:
            return _override.store
    return AudioStore.from_settings(settings)


def transcriber(settings: Settings) -> Transcriber:
    """The recognizer of these settings, loaded on first use and kept (or a test's fake)."""
    store = audio_store(settings)
    with _lock:
        if _override is not None and _override.transcriber is not None:
            return _override.transcriber
        chosen = replace(recognizer_settings(settings), data_dir=store.data_dir,
                         max_duration_s=store.max_duration_s)
        if chosen not in _recognizers:
            _recognizers[chosen] = Recognizer(settings=chosen)
        return _recognizers[chosen]


def recognizer_settings(settings: Settings) -> RecognizerSettings:
    """The recognizer's settings from the application's KULISSER_SPEECH_* settings."""
    language = settings.speech_language.strip()
    return RecognizerSettings(
        model_path=settings.speech_model_path, compute_type=settings.speech_compute_type,
        beam_size=settings.speech_beam_size, cpu_threads=settings.speech_cpu_threads,
        # "auto" asks Whisper to detect the language.
        language=None if language == "auto" else (language or "sv"), vad=settings.speech_vad,
        data_dir=Path(settings.data_dir), max_duration_s=settings.dictation_max_minutes * 60.0)


def _words(transcript: Transcript, *, glossary: set[str]) -> list[dict[str, float | str | bool]]:
    words: list[dict[str, float | str | bool]] = [
        {"start": round(w.start, 3), "end": round(w.end, 3), "text": w.text,
         "probability": round(w.probability, 4)} for w in transcript.words]
    # The spell check runs here, once per draft, so that pages only read the flags.
    try:
        flags = attention.attention_flags(words, glossary=glossary)
    except attention.DictionaryMissing as exc:
        # A draft without spelling marks beats no draft: pages still mark unsure words.
        log.warning("no spell check of the draft: %s", exc)
        return words
    for word, flag in zip(words, flags, strict=True):
        word["attention"] = flag
    return words


@task(TRANSCRIBE)
def transcribe(ctx: JobContext, *, dictation_id: int) -> None:
    """Draft a dictation's text with the recognizer (safe to run twice)."""
    session = ctx.session
    dictation = session.get(Dictation, dictation_id)
    if (dictation is None or dictation.status != DictationStatus.DICTATED
            or dictation.draft_text is not None):
        return  # moved on (the secretary writes from the audio, or it was cancelled) or done
    path = audio_store(ctx.settings).path_for(dictation.audio_sha256)
    unit_id = dictation.unit_id
    # End the read transaction before minutes of recognition: no snapshot or connection is
    # held while the CPU works (and the dictation may change meanwhile; it is read again).
    session.rollback()
    transcript = transcriber(ctx.settings).transcribe(path)
    glossary = catalog.glossary_keys(session, unit_id=unit_id)
    # Flags before the row lock: the dictionary's first load takes seconds.
    words = _words(transcript, glossary=glossary)
    session.rollback()
    dictation = session.get(Dictation, dictation_id, with_for_update={"of": Dictation},
                            populate_existing=True)
    if dictation is None or dictation.draft_text is not None:
        return
    dictation.store_draft(text=transcript.text, words=words,
                          model=transcript.model or "", language=transcript.language or "",
                          now=utcnow())
    log.info("dictation %s drafted: %d words", dictation_id, len(transcript.words))


@dataclass(frozen=True)
class TranscriptionState:
    """Where the draft of a dictation is: none, queued, running, done or failed (with why)."""

    status: str
    attempts: int = 0
    max_attempts: int = 0
    last_error: str | None = None
    next_try_at: datetime | None = None
    finished_at: datetime | None = None
    job_id: int | None = None

    @property
    def label(self) -> str:
        """The state in Swedish, for the page."""
        return _(_STATE_LABELS.get(self.status, self.status))


_STATE_LABELS = {"none": N_("Ingen taligenkänning"), "queued": N_("Väntar på taligenkänning"),
                 "retrying": N_("Taligenkänningen misslyckades, försöker igen"),
                 "running": N_("Taligenkänning pågår"), "done": N_("Utkastet är klart"),
                 "failed": N_("Taligenkänningen misslyckades")}


def transcription_state(session: Session, *, dictation_id: int) -> TranscriptionState:
    """The state of the dictation's newest transcription job (read from the job table).

    The caller has checked access to the dictation; last_error never holds note text.
    """
    job = session.scalar(select(Job).where(Job.dedupe_key == dedupe_key(dictation_id))
                         .order_by(Job.id.desc()).limit(1))
    if job is None:
        return TranscriptionState(status="none")
    status = job.status
    if status == "queued" and job.attempts > 0:
        status = "retrying"  # queued again after a failure: show why it is late
    return TranscriptionState(
        status=status, attempts=job.attempts, max_attempts=job.max_attempts,
        last_error=job.last_error, next_try_at=job.run_after if job.status == "queued" else None,
        finished_at=job.finished_at, job_id=job.id)
