"""Synthetic dictations spoken by espeak-ng, for demos, tests and benchmarks."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

ESPEAK = "espeak-ng"


class SynthError(RuntimeError):
    """espeak-ng is missing or failed."""


def espeak_available() -> bool:
    """Whether the espeak-ng program is installed."""
    return shutil.which(ESPEAK) is not None


def speak(*, text: str, voice: str = "sv") -> tuple[npt.NDArray[np.float32], int]:
    """Speak text with espeak-ng; return mono float32 samples and their sample rate."""
    program = shutil.which(ESPEAK)
    if program is None:
        raise SynthError("espeak-ng is not installed (apt-get install espeak-ng).")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "speech.wav"
        # The text goes on stdin so that no text can be read as an option.
        result = subprocess.run(  # noqa: S603 - fixed program, no shell
            [program, "-v", voice, "-w", str(out)],
            input=text.encode(), capture_output=True, check=False, timeout=120,
        )
        if result.returncode != 0 or not out.is_file():
            raise SynthError(f"espeak-ng failed: {result.stderr.decode(errors='replace')}")
        return read_wav(out)


def read_wav(path: Path) -> tuple[npt.NDArray[np.float32], int]:
    """Read a 16-bit mono WAV file as float32 samples and its sample rate."""
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        if wav.getnchannels() > 1:
            data = data.reshape(-1, wav.getnchannels()).mean(axis=1).astype(np.int16)
    return (data.astype(np.float32) / 32768.0), rate


def write_wav(path: Path, samples: npt.NDArray[np.float32], *, rate: int) -> None:
    """Write float32 samples as a 16-bit mono WAV file."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm.tobytes())


def dictation(
    *,
    sentences: Sequence[str],
    voice: str,
    gaps_s: Sequence[float],
    lead_s: float = 0.5,
    noise_dbfs: float | None = -60.0,
    seed: int = 0,
) -> tuple[npt.NDArray[np.float32], int]:
    """Speak sentences with the given pauses between them, over faint room noise."""
    if len(gaps_s) < len(sentences) - 1:
        raise ValueError("need one gap between each pair of sentences")
    pieces: list[npt.NDArray[np.float32]] = []
    rate = 0
    for index, sentence in enumerate(sentences):
        samples, rate = speak(text=sentence, voice=voice)
        gap = lead_s if index == 0 else gaps_s[index - 1]
        pieces += [np.zeros(int(gap * rate), np.float32), samples]
    pieces.append(np.zeros(int(lead_s * rate), np.float32))
    audio = np.concatenate(pieces)
    if noise_dbfs is not None:
        # Digital silence never happens in a real room; faint noise keeps the
        # silence detector and VAD honest.
        rng = np.random.default_rng(seed)
        audio = audio + rng.normal(0.0, 10 ** (noise_dbfs / 20), len(audio)).astype(np.float32)
    return audio, rate
