"""Content-addressed files (audio, PDFs): names users chose never reach the file system."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def display_filename(name: str | None) -> str:
    """A user's file name reduced to display text: no folders, no control characters."""
    if not name:
        return ""
    # Both separators: a Windows browser may send "C:\\Users\\...\\file.wav".
    base = re.split(r"[\\/]", name)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    return base.strip()[:255]


def content_path(root: Path, sha256: str) -> Path:
    """Where the file with this sha256 lives under root; only a sha256 in hex can name one."""
    if not _SHA256.match(sha256):
        raise ValueError("not a sha256 hex digest")
    return root / sha256[:2] / sha256[2:4] / sha256


def place(temp: Path, target: Path, *, size: int) -> bool:
    """Move a checked temporary file to its content address; False if it was stored already."""
    if target.is_file() and target.stat().st_size == size:
        return False  # the same content is stored once; the caller removes the temporary copy
    target.parent.mkdir(parents=True, exist_ok=True)
    # Same file system as the staging folder, so the rename is atomic: a reader sees the whole
    # file or none (and two uploads of the same content write identical bytes).
    os.replace(temp, target)
    return True
