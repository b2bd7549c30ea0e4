"""Audio files for the dictation tests, made at test time (no speech model, no espeak-ng)."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np

from kulisser.speech.synth import write_wav


def tone_samples(seconds: float = 1.0, *, rate: int = 16_000, freq: float = 440.0,
                 amplitude: float = 0.3) -> np.ndarray:
    """A sine tone: audible (not silent), tiny, and valid in every decoder."""
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def tone_wav(path: Path, seconds: float = 1.0, *, freq: float = 440.0) -> Path:
    """Write a tone as 16-bit mono WAV and return the path."""
    write_wav(path, tone_samples(seconds, freq=freq), rate=16_000)
    return path


def wav_bytes(samples: np.ndarray) -> bytes:
    """Samples as the bytes of a 16-bit mono 16 kHz WAV file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16_000)
        wav.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def tone_bytes(seconds: float = 1.0, *, freq: float = 440.0) -> bytes:
    """A tone as the bytes of a WAV file (a different freq gives different audio)."""
    return wav_bytes(tone_samples(seconds, freq=freq))


_counter = iter(range(1, 10**9))


def unique_tone(seconds: float = 1.0) -> bytes:
    """A tone WAV no other call returns (each upload its own audio and hash)."""
    return tone_bytes(seconds, freq=300.0 + next(_counter) * 0.7)
