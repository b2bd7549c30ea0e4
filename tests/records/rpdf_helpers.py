"""Helpers of the rpdf tests (compiling copies, the PDF, log extracts): a request and the
patient's documents written straight into their tables (the domains' own flows are tested
in their packages), and the text of a PDF as pdftotext reads it."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.dictation.models import Dictation, NoteType, NoteVersion
from kulisser.records.models import RecordRequest
from kulisser.results.models import Result, ResultObservation
from tests.factories import unique

NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def make_request(session: Session, *, unit_id: int, patient_id: int, **fields: Any) -> RecordRequest:
    """A record request as registered (rcore's service makes them in the app)."""
    values: dict[str, Any] = dict(
        unit_id=unit_id, patient_id=patient_id, kind="copy", received_on=date(2026, 12, 3),
        channel="phone", requester_kind="patient", requester_name="Patienten själv",
        requester_address="Brevgatan 9\n123 45 Teststad", scope="whole", delivery="post",
        first_copy=False, target_date=date(2026, 12, 4), breach_date=date(2026, 12, 8))
    values.update(fields)
    request = RecordRequest(**values)
    session.add(request)
    session.flush()
    return request


def _note_type(session: Session) -> NoteType:
    found = session.scalar(select(NoteType).where(NoteType.unit_id.is_(None)).limit(1))
    assert found is not None, "the migration seeds the shared note types"
    return found


def signed_note(session: Session, *, unit_id: int, patient_id: int, author_id: int, text: str,
                signed_at: datetime = NOW - timedelta(days=30),
                corrections: tuple[str, ...] = ()) -> Dictation:
    """A signed note (version 1, and a corrected version per text in ``corrections``)."""
    dictation = Dictation(unit_id=unit_id, patient_id=patient_id, author_id=author_id,
                          note_type_id=_note_type(session).id, status="signed",
                          audio_sha256="0" * 64, audio_format="wav", audio_media_type="audio/wav",
                          audio_duration_s=1.0, audio_size=10, uploaded_by_id=author_id,
                          text=text, signed_at=signed_at, signed_by_id=author_id)
    session.add(dictation)
    session.flush()
    for n, body in enumerate((text, *corrections), start=1):
        session.add(NoteVersion(dictation_id=dictation.id, version=n, text=body,
                                signed_by_id=author_id, signed_at=signed_at + timedelta(hours=n - 1),
                                correction_reason=None if n == 1 else "Felhörning"))
    session.flush()
    return dictation


def result(session: Session, *, unit_id: int, patient_id: int, user_id: int, title: str,
           issued_at: datetime = NOW - timedelta(days=20), signed: bool = True) -> Result:
    """A result with one value, signed by the user when ``signed``."""
    found = Result(unit_id=unit_id, patient_id=patient_id, source_system="Labbet", source_id=unique("lab"),
                   source_format="fhir", status="signed" if signed else "to_sign", title=title,
                   issued_at=issued_at, received_by_id=user_id, raw="{}",
                   signed_at=issued_at + timedelta(hours=2) if signed else None,
                   signed_by_id=user_id if signed else None)
    found.observations = [ResultObservation(name="Hemoglobin", value="141", unit="g/L",
                                            ref_text="117-153")]
    session.add(found)
    session.flush()
    return found


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The text of a PDF as pdftotext (poppler-utils) reads it back."""
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: run `make system-deps` (poppler-utils)")
    path = tmp_path / f"read-{len(list(tmp_path.iterdir()))}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def pdf_pages(pdf: bytes, tmp_path: Path) -> int:
    """The number of pages of a PDF (pdfinfo)."""
    path = tmp_path / "count.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))
