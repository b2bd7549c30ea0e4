"""Content-addressed audio storage: data_dir/audio/ab/cd/<sha256>, never a name a user chose.

An upload is streamed into a temporary file in the same folder tree (so the final rename is
atomic), with a size limit, hashed as it is written, and checked (probe, silence) before
anything is kept. The caller places the checked file with `StagedAudio.place()` before its
database transaction commits, so a committed dictation always has its audio; a file placed
for a transaction that then rolls back is only an unreferenced copy, and the same audio
uploaded twice is stored once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO

from kulisser.errors import ValidationFailed
from kulisser.files import content_path, place
from kulisser.i18n import _
from kulisser.speech import AudioError, AudioInfo, is_silent, probe_audio

if TYPE_CHECKING:
    from kulisser.config import Settings

_CHUNK = 1 << 20
_MB = 1024 * 1024

# (our format name, media type for playback) by the container PyAV reports.
_FORMATS: tuple[tuple[str, str, str], ...] = (
    ("wav", "wav", "audio/wav"),
    ("w64", "wav", "audio/wav"),
    ("mp3", "mp3", "audio/mpeg"),
    ("mp4", "m4a", "audio/mp4"),
    ("mov", "m4a", "audio/mp4"),
    ("m4a", "m4a", "audio/mp4"),
    ("ogg", "ogg", "audio/ogg"),
    ("webm", "webm", "audio/webm"),
    ("matroska", "webm", "audio/webm"),
    ("flac", "flac", "audio/flac"),
    ("aac", "aac", "audio/aac"),
)


def audio_format(info: AudioInfo) -> tuple[str, str]:
    """Our short format name and the media type for a probed file."""
    names = set(info.container.split(","))
    for container, name, media_type in _FORMATS:
        if container in names:
            return name, media_type
    return "audio", "application/octet-stream"




@dataclass(frozen=True)
class AudioStore:
    """Where audio files live, and the limits an upload must keep."""

    data_dir: Path
    max_bytes: int = 200 * _MB
    max_duration_s: float = 60 * 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> AudioStore:
        """The store of the configured data directory, with the configured limits."""
        return cls(data_dir=Path(settings.data_dir),
                   max_bytes=settings.dictation_max_megabytes * _MB,
                   max_duration_s=settings.dictation_max_minutes * 60.0)

    @property
    def root(self) -> Path:
        """The folder that holds every stored audio file."""
        return self.data_dir / "audio"

    def path_for(self, sha256: str) -> Path:
        """The path of a stored file; only a sha256 in hex can name one."""
        return content_path(self.root, sha256)

    def exists(self, sha256: str) -> bool:
        """Whether the audio with this hash is stored."""
        return self.path_for(sha256).is_file()

    @contextmanager
    def receive(self, source: BinaryIO) -> Iterator[StagedAudio]:
        """Stream source into a checked temporary file; it is gone on exit unless placed.

        Raises ValidationFailed({"audio": Swedish message}) for a file that is too large,
        empty, not audio we support, corrupt, silent or too long; nothing is kept then.
        """
        staging = self.root / "tmp"
        staging.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, removed in finally
            dir=staging, prefix="upload-", suffix=".part", delete=False)
        temp = Path(handle.name)
        try:
            with handle:
                sha256, size = _copy_limited(source, handle, max_bytes=self.max_bytes)
                handle.flush()
                os.fsync(handle.fileno())
            info = _check_audio(temp, max_duration_s=self.max_duration_s)
            name, media_type = audio_format(info)
            yield StagedAudio(store=self, temp=temp, sha256=sha256, size=size, info=info,
                              format=name, media_type=media_type)
        finally:
            temp.unlink(missing_ok=True)


@dataclass
class StagedAudio:
    """A checked upload in a temporary file, ready to be placed under its hash."""

    store: AudioStore
    temp: Path
    sha256: str
    size: int
    info: AudioInfo
    format: str
    media_type: str
    placed: bool = False

    @property
    def duration_s(self) -> float:
        """The audio's length in seconds."""
        return self.info.duration_s

    def place(self) -> bool:
        """Move the file to its content address (atomically); False if it was stored already."""
        self.placed = True
        return place(self.temp, self.store.path_for(self.sha256), size=self.size)


def file_sha256(path: Path) -> str:
    """The sha256 of a file on disk, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_limited(source: BinaryIO, target: IO[bytes], *, max_bytes: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise ValidationFailed({"audio": (
                _("Filen är för stor; högst {value} MB tillåts. Dela upp inspelningen eller spara den i ett "
                  "komprimerat format (MP3, M4A).", value=max_bytes // _MB))})
        digest.update(chunk)
        target.write(chunk)
    if size == 0:
        raise ValidationFailed({"audio": _("Ljudfilen är tom.")})
    return digest.hexdigest(), size


def _check_audio(path: Path, *, max_duration_s: float) -> AudioInfo:
    try:
        info = probe_audio(path, max_duration_s=max_duration_s)
        silent = is_silent(path)
    except AudioError as exc:
        raise ValidationFailed({"audio": exc.message_sv}) from None
    if silent:
        raise ValidationFailed({"audio": (
            _("Inspelningen är tyst. Kontrollera att mikrofonen var på och spela in igen."))})
    return info
