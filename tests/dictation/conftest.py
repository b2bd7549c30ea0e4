"""Fixtures of the dictation tests: an audio store, a fake recognizer, a database per test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kulisser.db import Database
from kulisser.dictation import jobs as dictation_jobs
from kulisser.dictation.storage import AudioStore
from kulisser.speech import Transcript, Word
from tests.conftest import migrated_database_url


@pytest.fixture()
def store(tmp_path: Path) -> AudioStore:
    """An empty audio store of the test's own."""
    return AudioStore(data_dir=tmp_path / "data")


@dataclass
class FakeTranscriber:
    """Stands in for the recognizer: a fixed draft, a call count, and failures on demand."""

    words: list[str] = field(default_factory=lambda: ["Patienten", "mår", "bra."])
    fail_times: int = 0
    calls: list[Path] = field(default_factory=list)

    def transcribe(self, audio_path: Path, *, language: str | None = None) -> Transcript:
        """A transcript with one word per 0.2 s, after failing fail_times times."""
        self.calls.append(audio_path)
        assert audio_path.is_file(), "the job must find the stored audio"
        if len(self.calls) <= self.fail_times:
            raise RuntimeError("recognizer crashed")
        words = [Word(start=0.2 * i, end=0.2 * i + 0.15, text=w, probability=0.9 - 0.1 * i)
                 for i, w in enumerate(self.words)]
        return Transcript(text=" ".join(self.words), language="sv", duration=1.0, words=words,
                          segments=[], model="fake-whisper")


@pytest.fixture()
def fake(store: AudioStore) -> Iterator[FakeTranscriber]:
    """The transcription job uses the test's store and a fake recognizer."""
    transcriber = FakeTranscriber()
    dictation_jobs.configure(store=store, transcriber=transcriber)
    yield transcriber
    dictation_jobs.reset()


@pytest.fixture()
def jobdb(tmp_path: Path) -> Iterator[Database]:
    """A fresh migrated database for one test: a worker there runs only this test's jobs."""
    url, drop = migrated_database_url(tmp_path, "dictjobs")
    database = Database(url)
    yield database
    database.engine.dispose()
    drop()  # type: ignore[operator]
