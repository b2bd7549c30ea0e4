"""Content-addressed PDF storage: data_dir/referrals/ab/cd/<sha256>, never a name a user chose.

The same approach as the dictation audio store (kulisser/dictation/storage.py), for PDFs:
every upload of a request is streamed into a temporary file in the same folder tree, with a
size limit, hashed as it is written and checked (a PDF header, an end-of-file marker) before
any is kept. Only when all files of the request passed does the caller place them, before
its transaction commits: a bad file refuses the whole request with nothing stored, a
committed row always has its file, and the same PDF uploaded twice is stored once.
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
from kulisser.files import content_path, display_filename, place
from kulisser.i18n import _

if TYPE_CHECKING:
    from kulisser.config import Settings

_CHUNK = 1 << 20
_MB = 1024 * 1024
PDF_MAGIC = b"%PDF-"
# A complete PDF ends with %%EOF (a few bytes of trailing whitespace or junk are common).
_TAIL = 2048
MAX_FILES = 10
FIELD = "attachments"




@dataclass(frozen=True)
class Upload:
    """One file as it arrived: the user's name for it and its content."""

    filename: str
    content: BinaryIO


@dataclass(frozen=True)
class PdfStore:
    """Where referral PDFs live, and how large one may be."""

    data_dir: Path
    max_bytes: int = 20 * _MB

    @classmethod
    def from_settings(cls, settings: Settings) -> PdfStore:
        """The store of the configured data directory, with the configured size limit."""
        return cls(data_dir=Path(settings.data_dir),
                   max_bytes=settings.referral_attachment_max_megabytes * _MB)

    @property
    def root(self) -> Path:
        """The folder that holds every stored PDF."""
        return self.data_dir / "referrals"

    def path_for(self, sha256: str) -> Path:
        """The path of a stored file; only a sha256 in hex can name one."""
        return content_path(self.root, sha256)

    @contextmanager
    def receive(self, uploads: list[Upload]) -> Iterator[list[StagedPdf]]:
        """Stream and check every upload; all temporary files are gone on exit unless placed.

        Raises ValidationFailed({"attachments": Swedish message}) for too many files, an empty
        or too large file, or one that is not a complete PDF; nothing is kept then.
        """
        if len(uploads) > MAX_FILES:
            raise ValidationFailed({FIELD: _("Högst {max_files} bilagor åt gången.", max_files=MAX_FILES)})
        staging = self.root / "tmp"
        temps: list[Path] = []
        staged: list[StagedPdf] = []
        try:
            for upload in uploads:
                if not staging.is_dir():
                    staging.mkdir(parents=True, exist_ok=True)
                handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - removed in finally
                    dir=staging, prefix="upload-", suffix=".part", delete=False)
                temps.append(Path(handle.name))
                name = display_filename(upload.filename) or "bilaga.pdf"
                with handle:
                    sha256, size = _copy_checked(upload.content, handle, name=name,
                                                 max_bytes=self.max_bytes)
                    handle.flush()
                    os.fsync(handle.fileno())
                _check_tail(temps[-1], name=name)
                staged.append(StagedPdf(store=self, temp=temps[-1], sha256=sha256, size=size,
                                        filename=name))
            yield staged
        finally:
            for temp in temps:
                temp.unlink(missing_ok=True)


@dataclass
class StagedPdf:
    """A checked upload in a temporary file, ready to be placed under its hash."""

    store: PdfStore
    temp: Path
    sha256: str
    size: int
    filename: str

    def place(self) -> bool:
        """Move the file to its content address (atomically); False if it was stored already."""
        return place(self.temp, self.store.path_for(self.sha256), size=self.size)


def _copy_checked(source: BinaryIO, target: IO[bytes], *, name: str, max_bytes: int
                  ) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    first = True
    while chunk := source.read(_CHUNK):
        if first:
            # The header decides before anything large is written: a renamed Word file or an
            # image is refused at once.
            if not chunk.startswith(PDF_MAGIC):
                raise ValidationFailed({FIELD: _("Filen ”{name}” är inte en PDF. Endast PDF-filer kan "
                                                 "bifogas.", name=name)})
            first = False
        size += len(chunk)
        if size > max_bytes:
            raise ValidationFailed({FIELD: _("Filen ”{name}” är för stor; högst {value} MB per fil.",
                                             name=name, value=max_bytes // _MB)})
        digest.update(chunk)
        target.write(chunk)
    if size == 0:
        raise ValidationFailed({FIELD: _("Filen ”{name}” är tom.", name=name)})
    return digest.hexdigest(), size


def _check_tail(path: Path, *, name: str) -> None:
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - _TAIL))
        tail = handle.read()
    if b"%%EOF" not in tail:
        raise ValidationFailed({FIELD: _("Filen ”{name}” är ingen fullständig PDF (slutet saknas). Spara "
                                         "eller skanna den igen.", name=name)})
