"""The digital mailbox: the file drop writes PDF and envelope atomically, once per letter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from kulisser.letters import printing
from kulisser.letters.mailbox import FileDropMailbox, default_mailbox
from kulisser.patients.models import Patient
from kulisser.worklist.states import TransitionError
from tests import factories
from tests.letters.conftest import Clinic, result_letter


def test_file_drop_writes_both_files_and_a_second_send_changes_nothing(tmp_path: Path) -> None:
    box = default_mailbox(tmp_path)
    assert box.folder == tmp_path / "mailbox"
    ref = box.send(letter_id=7, pdf=b"%PDF-1.7 first", envelope={"kind": "result"})
    again = box.send(letter_id=7, pdf=b"%PDF-1.7 second", envelope={"kind": "other"})
    assert ref == again == "letter-7"
    assert sorted(p.name for p in box.folder.iterdir()) == ["letter-7.json", "letter-7.pdf"]
    assert (box.folder / "letter-7.pdf").read_bytes() == b"%PDF-1.7 first"
    envelope = json.loads((box.folder / "letter-7.json").read_text())
    assert envelope["kind"] == "result" and envelope["pdf_file"] == "letter-7.pdf"
    assert len(envelope["pdf_sha256"]) == 64


def test_a_failed_write_leaves_no_half_letter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    box = FileDropMailbox(tmp_path / "box")

    def broken(*_a: object, **_k: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("kulisser.letters.mailbox.os.fsync", broken)
    with pytest.raises(OSError):
        box.send(letter_id=1, pdf=b"%PDF", envelope={})
    assert list(box.folder.iterdir()) == []  # no temp file, no envelope: nothing to pick up


def test_sending_a_letter_marks_it_sent_once(db: Session, clinic: Clinic, tmp_path: Path) -> None:
    w = clinic.world
    patient = db.get(Patient, w.patient_ids[0])
    assert patient is not None
    letter = result_letter(db, w, w.patient_ids[0])
    secretary = factories.actor(db, w.secretary_id)
    box = FileDropMailbox(tmp_path / "box")
    printing.send_to_mailbox(db, actor=secretary, letter_id=letter.id, sender=box)
    assert letter.status == "sent" and letter.route == "mailbox"
    assert letter.mailbox_ref == f"letter-{letter.id}"
    printing.send_to_mailbox(db, actor=secretary, letter_id=letter.id, sender=box)  # idempotent
    assert [e.type for e in letter.events].count("sent") == 1
    envelope = json.loads((box.folder / f"letter-{letter.id}.json").read_text())
    assert envelope["recipient"]["id_value"] == patient.id_value
    assert "address" not in json.dumps(envelope) and patient.address not in json.dumps(envelope)
    assert (box.folder / f"letter-{letter.id}.pdf").read_bytes().startswith(b"%PDF-")


def test_protected_identity_and_drafts_do_not_go_to_the_mailbox(db: Session, clinic: Clinic,
                                                                 tmp_path: Path) -> None:
    w = clinic.world
    hidden = factories.make_patient(db, w.unit_id, protected=True)
    box = FileDropMailbox(tmp_path / "box")
    secretary = factories.actor(db, w.secretary_id)
    with pytest.raises(TransitionError) as caught:
        printing.send_to_mailbox(db, actor=secretary, letter_id=result_letter(db, w, hidden.id).id,
                                 sender=box)
    assert caught.value.code == "forwarding_only"
    with pytest.raises(TransitionError):
        printing.send_to_mailbox(db, actor=secretary, sender=box,
                                 letter_id=result_letter(db, w, w.patient_ids[0], ready=False).id)
    assert not box.folder.exists()
