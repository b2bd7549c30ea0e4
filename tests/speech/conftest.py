"""Factories for the speech tests: spoken WAV files and transcodes made at test time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import av
import pytest

from kulisser.speech import Recognizer, RecognizerSettings
from kulisser.speech.synth import dictation, espeak_available, write_wav

# Tests that need spoken audio skip (only) when espeak-ng is absent; make test installs it.
NO_ESPEAK = "espeak-ng is not installed (make test installs it: apt-get install espeak-ng)"

SpeakFactory = Callable[..., Path]


@pytest.fixture(scope="session")
def speak_wav(tmp_path_factory: pytest.TempPathFactory) -> SpeakFactory:
    """Return a factory that speaks sentences into a WAV file (cached per arguments)."""
    if not espeak_available():
        pytest.skip(NO_ESPEAK)
    cache: dict[tuple[object, ...], Path] = {}
    folder = tmp_path_factory.mktemp("spoken")

    def make(
        sentences: Sequence[str], *, voice: str = "sv", gaps_s: Sequence[float] = (),
        noise_dbfs: float | None = -60.0,
    ) -> Path:
        gaps = tuple(gaps_s) or (0.4,) * (len(sentences) - 1)
        key = (tuple(sentences), voice, gaps, noise_dbfs)
        if key not in cache:
            audio, rate = dictation(sentences=sentences, voice=voice, gaps_s=gaps,
                                    noise_dbfs=noise_dbfs)
            path = folder / f"speech-{len(cache)}.wav"
            write_wav(path, audio, rate=rate)
            cache[key] = path
        return cache[key]

    return make


@pytest.fixture(scope="session")
def recognizer(tmp_path_factory: pytest.TempPathFactory) -> Recognizer:
    """A recognizer with the bundled model, assembled once into a temporary data dir."""
    settings = RecognizerSettings(data_dir=tmp_path_factory.mktemp("speech-data"))
    return Recognizer(settings=settings)


def _transcode(
    src: Path, dst: Path, *, codec: str, container: str | None = None,
    rate: int | None = None, options: dict[str, str] | None = None,
) -> Path:
    """Re-encode the first audio stream of src into dst with PyAV."""
    with av.open(str(src)) as source, av.open(
        str(dst), "w", format=container, options=options or {}
    ) as target:
        in_stream = source.streams.audio[0]
        out_stream = target.add_stream(codec, rate=rate or in_stream.rate, layout="mono")
        for frame in source.decode(in_stream):
            frame.pts = None  # let the encoder's own resampler set the timing
            for packet in out_stream.encode(frame):
                target.mux(packet)
        for packet in out_stream.encode(None):
            target.mux(packet)
    return dst


@pytest.fixture(scope="session")
def transcode() -> Callable[..., Path]:
    """Return a function that re-encodes a file's audio with PyAV (codec, container)."""
    return _transcode


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test in this folder `speech`: no database, so `make test` runs them once."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.speech)
