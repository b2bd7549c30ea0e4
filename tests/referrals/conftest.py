"""Fixtures of the referral tests: a PDF store and a file-drop outbox of the test's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kulisser.referrals import sender
from kulisser.referrals.sender import FileDropSender
from kulisser.referrals.storage import PdfStore


@pytest.fixture()
def store(tmp_path: Path) -> PdfStore:
    """An empty PDF store with a 1 MB limit."""
    return PdfStore(data_dir=tmp_path / "data", max_bytes=1024 * 1024)


@pytest.fixture()
def outbox(tmp_path: Path) -> Iterator[FileDropSender]:
    """The delivery job writes into the test's own outbox."""
    drop = FileDropSender(tmp_path / "outbox" / "referrals")
    sender.configure(drop)
    yield drop
    sender.configure(None)
