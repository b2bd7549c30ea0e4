"""Transcribe dictations with faster-whisper (CTranslate2) on the CPU."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kulisser.speech.audio import SAMPLE_RATE, decode_audio, probe_audio, samples_are_silent
from kulisser.speech.model import model_dir
from kulisser.speech.settings import RecognizerSettings

if TYPE_CHECKING:
    from faster_whisper import WhisperModel


@dataclass(frozen=True, kw_only=True)
class Word:
    """One recognised word with its place in the audio and the model's confidence."""

    start: float
    end: float
    text: str
    probability: float


@dataclass(frozen=True, kw_only=True)
class Segment:
    """A stretch of speech as Whisper decoded it, with its words."""

    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    words: list[Word]


@dataclass(frozen=True, kw_only=True)
class Transcript:
    """The draft text of one recording, with word times for playback and review."""

    text: str
    language: str
    duration: float
    words: list[Word]
    segments: list[Segment]
    language_probability: float = 1.0
    # Seconds of audio that voice-activity detection kept (the whole duration without VAD).
    speech_duration: float = 0.0
    model: str = ""
    # True when the recording held no sound at all and the model was not asked.
    silent: bool = False


class Recognizer:
    """A speech recognizer that loads its model once, on first use, and is thread-safe."""

    def __init__(self, *, settings: RecognizerSettings | None = None) -> None:
        self.settings = settings or RecognizerSettings()
        self._model: WhisperModel | None = None
        self._model_name = ""
        self._lock = threading.Lock()

    @property
    def model_name(self) -> str:
        """The name of the loaded model's directory (empty before loading)."""
        return self._model_name

    def load(self) -> WhisperModel:
        """Load the model if it is not loaded yet, and return it."""
        model = self._model
        if model is not None:
            return model
        with self._lock:
            # Checked again under the lock: another thread may have loaded it meanwhile.
            if self._model is None:
                path = model_dir(self.settings)
                self._model = _load_whisper(path, self.settings)
                self._model_name = path.name
            return self._model

    def transcribe(self, audio_path: Path, *, language: str | None = None) -> Transcript:
        """Transcribe an audio file; raise AudioError if the file cannot be used."""
        settings = self.settings
        probe_audio(audio_path, max_duration_s=settings.max_duration_s)
        samples = decode_audio(audio_path)
        duration = len(samples) / SAMPLE_RATE
        language = language or settings.language
        if samples_are_silent(samples):
            return Transcript(
                text="", language=language or "", duration=duration, words=[], segments=[],
                model=self._model_name, silent=True,
            )
        model = self.load()
        raw_segments, info = model.transcribe(
            samples,
            language=language,
            beam_size=settings.beam_size,
            word_timestamps=True,
            vad_filter=settings.vad,
        )
        # The segments are a lazy generator: decoding happens while we read it.
        segments = _segments(raw_segments, duration=duration)
        return Transcript(
            text=" ".join(seg.text for seg in segments if seg.text),
            language=info.language,
            language_probability=float(info.language_probability),
            duration=duration,
            speech_duration=float(info.duration_after_vad),
            words=[word for seg in segments for word in seg.words],
            segments=segments,
            model=self._model_name,
        )


def _load_whisper(path: Path, settings: RecognizerSettings) -> WhisperModel:
    """Open a local CTranslate2 Whisper directory without ever reaching a model hub."""
    # huggingface_hub reads this once, when first imported; faster_whisper imports it, so
    # it is set before that import. A hospital server must never try to download.
    os.environ["HF_HUB_OFFLINE"] = "1"
    from faster_whisper import WhisperModel

    return WhisperModel(
        str(path),
        device="cpu",
        compute_type=settings.compute_type,
        cpu_threads=settings.cpu_threads,
        local_files_only=True,
    )


def _segments(raw: Iterable[Any], *, duration: float) -> list[Segment]:
    """Convert faster-whisper segments, putting word times in order within the audio."""
    segments: list[Segment] = []
    last = 0.0
    for seg in raw:
        words: list[Word] = []
        for raw_word in seg.words or []:
            text = raw_word.word.strip()
            if not text:
                continue
            # Whisper's word times come from attention and can overlap or step back by a
            # few milliseconds; the review player needs one ordered timeline.
            start = min(max(float(raw_word.start), last), duration)
            end = min(max(float(raw_word.end), start), duration)
            last = start
            words.append(
                Word(start=start, end=end, text=text, probability=float(raw_word.probability))
            )
        segments.append(
            Segment(
                start=min(max(float(seg.start), 0.0), duration),
                end=min(max(float(seg.end), 0.0), duration),
                text=seg.text.strip(),
                avg_logprob=float(seg.avg_logprob),
                no_speech_prob=float(seg.no_speech_prob),
                words=words,
            )
        )
    return segments
