"""Content-addressed audio storage: hashing, placing once, limits, and nothing half-stored."""

from __future__ import annotations

import hashlib
import io
import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from kulisser.dictation.storage import AudioStore
from kulisser.errors import ValidationFailed
from kulisser.files import display_filename
from tests.dictation.audio import tone_bytes, tone_samples, wav_bytes


def stored_files(store: AudioStore) -> list[Path]:
    """Every file under the audio root (temporary files included)."""
    return sorted(p for p in store.root.rglob("*") if p.is_file()) if store.root.exists() else []


def test_audio_is_stored_under_its_sha256(store: AudioStore) -> None:
    data = tone_bytes(1.0)
    digest = hashlib.sha256(data).hexdigest()
    with store.receive(io.BytesIO(data)) as staged:
        assert staged.sha256 == digest and staged.size == len(data)
        assert staged.format == "wav" and staged.media_type == "audio/wav"
        assert staged.duration_s == pytest.approx(1.0, abs=0.01)
        assert not store.exists(digest)  # not placed yet
        assert staged.place() is True
    target = store.root / digest[:2] / digest[2:4] / digest
    assert store.path_for(digest) == target
    assert target.read_bytes() == data
    assert stored_files(store) == [target]  # the temporary file is gone


def test_the_same_audio_twice_is_stored_once(store: AudioStore) -> None:
    data = tone_bytes(0.5)
    for expected_new in (True, False):
        with store.receive(io.BytesIO(data)) as staged:
            assert staged.place() is expected_new
    assert len(stored_files(store)) == 1


def test_unplaced_audio_leaves_nothing(store: AudioStore) -> None:
    with store.receive(io.BytesIO(tone_bytes(0.5))):
        pass
    assert stored_files(store) == []


def test_an_error_after_staging_leaves_nothing(store: AudioStore) -> None:
    with pytest.raises(RuntimeError), store.receive(io.BytesIO(tone_bytes(0.5))):
        raise RuntimeError("the database refused the row")
    assert stored_files(store) == []


@pytest.mark.parametrize("name", ["../../etc/passwd", "g" * 64, "AB" * 32, "", "../" + "0" * 61])
def test_only_a_hex_sha256_names_a_stored_file(store: AudioStore, name: str) -> None:
    with pytest.raises(ValueError):
        store.path_for(name)


@pytest.mark.parametrize(("given", "shown"), [
    ("../../etc/passwd.wav", "passwd.wav"),
    ("C:\\Users\\lakare\\Diktat 12.wav", "Diktat 12.wav"),
    ("ny\x00rad\n.wav", "nyrad.wav"),
    ("", ""),
    (None, ""),
])
def test_user_file_names_become_display_text(given: str | None, shown: str) -> None:
    assert display_filename(given) == shown


# (bad input, store limits, a word the Swedish message must contain)
BAD: dict[str, tuple[Callable[[], bytes], dict[str, float], str]] = {
    "empty": (lambda: b"", {}, "tom"),
    "random-bytes": (lambda: random.Random(1).randbytes(50_000), {}, "stöds inte"),
    "dss": (lambda: b"\x02dss" + bytes(1020) + random.Random(2).randbytes(20_000), {}, "DSS"),
    "corrupt-flac": (lambda: b"fLaC" + random.Random(3).randbytes(20_000), {}, "skadad"),
    "silent": (lambda: wav_bytes(np.zeros(16_000 * 2, np.float32)), {}, "tyst"),
    "faint-noise": (lambda: wav_bytes(np.random.default_rng(0).normal(
        0, 10 ** (-70 / 20), 16_000 * 2).astype(np.float32)), {}, "tyst"),
    "too-long": (lambda: wav_bytes(tone_samples(3.0)), {"max_duration_s": 2.0}, "minuter"),
    "too-large": (lambda: tone_bytes(1.0), {"max_bytes": 10_000}, "för stor"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_refused_in_swedish_and_nothing_is_kept(tmp_path: Path, case: str) -> None:
    make, limits, word = BAD[case]
    store = AudioStore(data_dir=tmp_path / "data", **limits)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed) as caught, store.receive(io.BytesIO(make())) as staged:
        staged.place()
    message = caught.value.errors["audio"]
    assert word in message, message
    assert stored_files(store) == []


def test_the_size_limit_stops_reading_early(tmp_path: Path) -> None:
    store = AudioStore(data_dir=tmp_path / "data", max_bytes=2 * 1024 * 1024)

    class Endless(io.RawIOBase):
        """A client that would send forever."""

        read_bytes = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            buffer[:] = b"\0" * len(buffer)
            Endless.read_bytes += len(buffer)
            return len(buffer)

    with pytest.raises(ValidationFailed), store.receive(io.BufferedReader(Endless())):
        pass
    assert Endless.read_bytes <= 4 * 1024 * 1024
    assert stored_files(store) == []


def test_settings_set_the_limits(tmp_path: Path) -> None:
    from kulisser.config import Settings

    settings = Settings(mode="test", data_dir=tmp_path, dictation_max_minutes=5,
                        dictation_max_megabytes=7)
    store = AudioStore.from_settings(settings)
    assert store.data_dir == tmp_path and store.root == tmp_path / "audio"
    assert store.max_duration_s == 300.0 and store.max_bytes == 7 * 1024 * 1024
