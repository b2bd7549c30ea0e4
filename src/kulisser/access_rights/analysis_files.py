"""The files attached to needs-and-risk analyses: data_dir/access_rights/ab/cd/<sha256>.

Stored like referral PDFs and dictation audio (kulisser.files): an upload is streamed into a
temporary file under a size limit, hashed as it is written and checked (PDF, DOCX, ODT or
plain UTF-8 text, by content as well as by name) before it is kept; the caller places it
under its hash before the transaction commits, so a bad file refuses the whole form with
nothing stored and the same file attached twice is stored once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO

from kulisser.errors import ValidationFailed
from kulisser.files import content_path, display_filename, place
from kulisser.i18n import _

if TYPE_CHECKING:
    from kulisser.config import Settings

MB = 1024 * 1024
MAX_BYTES = 10 * MB  # web/body_limit.py lets the analysis routes' bodies be this large
FIELD = "file"
_CHUNK = 1 << 20
ZIP_MAGIC = b"PK\x03\x04"
# The kinds an analysis may be documented in, by extension: (media type, how to check it).
MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".txt": "text/plain; charset=utf-8",
}
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def extension(name: str) -> str:
    """The file name's extension in lower case ("" if none)."""
    return os.path.splitext(name)[1].lower()


def media_type(name: str) -> str:
    """The media type a stored file is sent with, from its (checked) name."""
    return MEDIA_TYPES.get(extension(name), "application/octet-stream")


@dataclass(frozen=True)
class AnalysisStore:
    """Where analysis files live, and how large one may be."""

    data_dir: Path
    max_bytes: int = MAX_BYTES

    @classmethod
    def from_settings(cls, settings: Settings) -> AnalysisStore:
        """The store of the configured data directory."""
        return cls(data_dir=Path(settings.data_dir))

    @property
    def root(self) -> Path:
        """The folder that holds every stored analysis file."""
        return self.data_dir / "access_rights"

    def path_for(self, sha256: str) -> Path:
        """The path of a stored file; only a sha256 in hex can name one."""
        return content_path(self.root, sha256)

    @contextmanager
    def receive(self, filename: str, content: BinaryIO) -> Iterator[StagedFile]:
        """Stream and check one upload; its temporary file is gone on exit unless placed.

        Raises ValidationFailed({"file": Swedish message}) for a kind not allowed, an empty or
        too large file, or content that is not what its name says; nothing is kept then.
        """
        name = display_filename(filename)
        kind = extension(name)
        if kind not in MEDIA_TYPES:
            raise ValidationFailed({FIELD: _(
                "Filen ”{name}” kan inte bifogas: endast PDF, DOCX, ODT eller TXT.",
                name=name or "?")})
        staging = self.root / "tmp"
        staging.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - removed in finally
            dir=staging, prefix="upload-", suffix=".part", delete=False)
        temp = Path(handle.name)
        try:
            with handle:
                sha256, size = _copy(content, handle, name=name, max_bytes=self.max_bytes)
                handle.flush()
                os.fsync(handle.fileno())
            _check_kind(temp, kind, name=name)
            yield StagedFile(store=self, temp=temp, sha256=sha256, size=size, filename=name)
        finally:
            temp.unlink(missing_ok=True)


@dataclass
class StagedFile:
    """A checked upload in a temporary file, ready to be placed under its hash."""

    store: AnalysisStore
    temp: Path
    sha256: str
    size: int
    filename: str

    def place(self) -> bool:
        """Move the file to its content address (atomically); False if it was stored already."""
        return place(self.temp, self.store.path_for(self.sha256), size=self.size)


def _copy(source: BinaryIO, target: IO[bytes], *, name: str, max_bytes: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise ValidationFailed({FIELD: _("Filen ”{name}” är för stor; högst {mb} MB.",
                                             name=name, mb=max_bytes // MB)})
        digest.update(chunk)
        target.write(chunk)
    if size == 0:
        raise ValidationFailed({FIELD: _("Filen ”{name}” är tom.", name=name)})
    return digest.hexdigest(), size


def _check_kind(path: Path, kind: str, *, name: str) -> None:
    # A renamed image or program is refused: the content must be what the name says.
    wrong = ValidationFailed({FIELD: _("Filen ”{name}” är inte en giltig {kind}-fil.",
                                       name=name, kind=kind[1:].upper())})
    with path.open("rb") as handle:
        head = handle.read(4096)
    if kind == ".pdf":
        if not head.startswith(b"%PDF-"):
            raise wrong
    elif kind == ".txt":
        if b"\x00" in head or not _utf8(path):
            raise wrong
    else:
        if not head.startswith(ZIP_MAGIC) or not _office(path, kind):
            raise wrong


def _utf8(path: Path) -> bool:
    try:
        path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _office(path: Path, kind: str) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if kind == ".docx":
                return "word/document.xml" in names
            return "mimetype" in names and archive.read("mimetype").strip() == ODT_MIMETYPE
    except (zipfile.BadZipFile, KeyError, OSError):
        return False
