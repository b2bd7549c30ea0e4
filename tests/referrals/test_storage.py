"""The PDF store and the sending adapter: only complete PDFs, nothing half-stored, once each."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from kulisser.errors import ValidationFailed
from kulisser.files import display_filename
from kulisser.referrals.sender import FileDropSender, OutgoingPayload
from kulisser.referrals.storage import PdfStore, Upload
from tests.referrals.helpers import pdf_bytes


def _files(store: PdfStore) -> list[Path]:
    return [p for p in store.root.rglob("*") if p.is_file()] if store.root.exists() else []


def test_a_pdf_is_stored_under_its_hash_once(store: PdfStore) -> None:
    content = pdf_bytes()
    for _ in range(2):
        with store.receive([Upload("a.pdf", io.BytesIO(content))]) as staged:
            [one] = staged
            one.place()
    stored = _files(store)
    assert len(stored) == 1 and stored[0] == store.path_for(one.sha256)
    assert stored[0].read_bytes() == content


@pytest.mark.parametrize(("content", "message"), [
    (b"PK\x03\x04 a word file renamed to .pdf", "är inte en PDF"),
    (b"<html>%PDF-1.4</html>", "är inte en PDF"),
    (b"%PDF-1.4\n1 0 obj << >> endobj\n", "ingen fullständig PDF"),  # cut off: no %%EOF
    (b"", "är tom"),
    (b"%PDF-1.4\n" + b"0" * (1024 * 1024) + b"\n%%EOF\n", "för stor"),
])
def test_bad_files_are_refused_and_nothing_is_kept(store: PdfStore, content: bytes,
                                                    message: str) -> None:
    good = Upload("ok.pdf", io.BytesIO(pdf_bytes()))
    with pytest.raises(ValidationFailed) as caught, store.receive(
            [good, Upload("C:\\Users\\x\\bad.pdf", io.BytesIO(content))]) as staged:
        staged[0].place()  # not reached: the whole request fails before any is placed
    assert message in caught.value.errors["attachments"]
    assert "”bad.pdf”" in caught.value.errors["attachments"]
    assert _files(store) == []


def test_too_many_files(store: PdfStore) -> None:
    with pytest.raises(ValidationFailed), store.receive(
            [Upload(f"{n}.pdf", io.BytesIO(pdf_bytes())) for n in range(11)]):
        pass


def test_display_filename_drops_folders_and_control_characters() -> None:
    assert display_filename("C:\\tmp\\19121212-1212\nremiss.pdf") == "19121212-1212remiss.pdf"
    assert display_filename("../../etc/passwd") == "passwd"


def _payload(key: str = "SE1-1", text: str = "Remiss") -> OutgoingPayload:
    return OutgoingPayload(key=key, referral_id=1, sender_unit="Vår enhet", sender_hsa_id="SE1",
                           receiver_name="Mottagare", receiver_hsa_id="SE2", patient_name="A B",
                           patient_identifier="19121212-1212", patient_id_kind="personnummer",
                           author="Dr C", priority="normal", question="?", anamnesis="",
                           text=text, sent_at="2026-11-23T10:00:00+00:00")


def test_file_drop_writes_text_and_json_once(tmp_path: Path) -> None:
    drop = FileDropSender(tmp_path / "out")
    assert drop.send(_payload()) == "referral-SE1-1.json"
    first = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    assert set(first) == {"referral-SE1-1.txt", "referral-SE1-1.json"}
    assert json.loads(first["referral-SE1-1.json"])["patient_identifier"] == "19121212-1212"
    # A retried delivery (say, after a crash before the commit) does not send again.
    drop.send(_payload(text="Ändrad"))
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == first
    assert not any(p.name.startswith(".part") for p in (tmp_path / "out").iterdir())
