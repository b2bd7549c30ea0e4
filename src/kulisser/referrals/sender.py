"""Sending outgoing referrals: the adapter interface and its file-drop default.

A sending adapter takes one referral and hands it to the world (a file drop, an electronic
referral service). The delivery job calls it after the "send" committed, and only once a
referral is delivered is it marked so; an adapter must therefore be idempotent by the
referral's key: the job may be retried after a crash between the hand-over and the commit.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from kulisser.config import Settings


@dataclass(frozen=True)
class OutgoingPayload:
    """What is sent: the referral's text and facts (never the patient's address)."""

    key: str  # stable per referral: unit HSA-id and the referral's id
    referral_id: int
    sender_unit: str
    sender_hsa_id: str
    receiver_name: str
    receiver_hsa_id: str
    patient_name: str
    patient_identifier: str
    patient_id_kind: str
    author: str
    priority: str
    question: str
    anamnesis: str
    text: str
    sent_at: str


class ReferralSender(Protocol):
    """Hands one referral over for delivery; returns a reference to what it made."""

    def send(self, payload: OutgoingPayload) -> str:
        """Deliver the referral (idempotent by payload.key); return a reference."""
        ...


class FileDropSender:
    """Writes referral-<key>.txt and .json into a folder that another system collects from.

    Each file is written to a temporary name in the same folder and renamed into place, so a
    collector never sees half a file; the JSON is written last and is the signal that the
    referral is complete. A key whose JSON is already there is not written again.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def paths(self, key: str) -> tuple[Path, Path]:
        """The text and JSON files of a referral."""
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in key)
        return self.folder / f"referral-{safe}.txt", self.folder / f"referral-{safe}.json"

    def send(self, payload: OutgoingPayload) -> str:
        """Write the two files unless the referral was delivered already."""
        text_path, json_path = self.paths(payload.key)
        if json_path.is_file():
            return json_path.name
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_atomic(text_path, payload.text.encode())
        _write_atomic(json_path, json.dumps(asdict(payload), ensure_ascii=False,
                                            indent=2).encode())
        return json_path.name


def _write_atomic(path: Path, data: bytes) -> None:
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed or removed below
        dir=path.parent, prefix=".part-", delete=False)
    temp = Path(handle.name)
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


_configured: ReferralSender | None = None


def configure(sender: ReferralSender | None) -> None:
    """Use this adapter in this process (tests); None: the one the settings name."""
    global _configured
    _configured = sender


def get_sender(settings: Settings) -> ReferralSender:
    """The adapter: configure()'s (tests), else KULISSER_REFERRAL_ADAPTER's, else the file drop."""
    if _configured is not None:
        return _configured
    from kulisser.adapters import build

    if settings.referral_adapter:
        return build(settings.referral_adapter, settings)
    return FileDropSender(settings.outbox / "referrals")
