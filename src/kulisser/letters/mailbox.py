"""The digital-mailbox sending adapter: an interface and its file-drop default.

The default writes the PDF and a JSON envelope into an outbox folder that a mailbox
integration (Kivra, Min myndighetspost ...) picks up. Both files appear atomically (written
to a temporary name, then renamed), the envelope last, so a reader that waits for the
envelope never sees half a letter. Sending a letter again changes nothing: the files are
named by the letter, and an existing envelope means it was already handed over.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


class MailboxSender(Protocol):
    """Hands a letter to a digital mailbox service; returns the service's reference."""

    def send(self, *, letter_id: int, pdf: bytes, envelope: dict[str, Any]) -> str:
        """Send (idempotent per letter_id) and return a reference for the letter's record."""
        ...


class DocumentSender(Protocol):
    """Hands a document that is no patient's letter (the monthly report to leadership) to a
    member of staff's or an office's mailbox; optional for an adapter (letters.service)."""

    def send_document(self, *, reference: str, pdf: bytes, envelope: dict[str, Any]) -> str:
        """Send (idempotent per reference) and return the service's reference."""
        ...


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class FileDropMailbox:
    """Writes letter-<id>.pdf and letter-<id>.json into a folder (the default adapter)."""

    folder: Path

    def send(self, *, letter_id: int, pdf: bytes, envelope: dict[str, Any]) -> str:
        """Drop the letter's files unless they are there already; the reference is the name."""
        return self._drop(f"letter-{letter_id}", pdf, envelope)

    def send_document(self, *, reference: str, pdf: bytes, envelope: dict[str, Any]) -> str:
        """Drop <reference>.pdf and .json (a report to staff) unless they are there already."""
        if not re.fullmatch(r"[A-Za-z0-9-]{1,120}", reference):
            raise ValueError("a document reference is letters, digits and dashes")
        return self._drop(reference, pdf, envelope)

    def _drop(self, ref: str, pdf: bytes, envelope: dict[str, Any]) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        envelope_path = self.folder / f"{ref}.json"
        if envelope_path.exists():
            return ref  # handed over before (a retry after a crash, or a second click)
        body = {**envelope, "reference": ref, "pdf_file": f"{ref}.pdf",
                "pdf_sha256": hashlib.sha256(pdf).hexdigest()}
        _write_atomic(self.folder / f"{ref}.pdf", pdf)
        _write_atomic(envelope_path, json.dumps(body, ensure_ascii=False, indent=2).encode())
        return ref


def default_mailbox(outbox: Path) -> FileDropMailbox:
    """The file-drop mailbox in <outbox>/mailbox."""
    return FileDropMailbox(Path(outbox) / "mailbox")
