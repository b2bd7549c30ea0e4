"""Helpers of the letter tests: a unit with a letterhead, letters in a state, PDF text."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from kulisser.db import Database
from kulisser.letters import service
from kulisser.letters.models import Letter
from kulisser.staff.models import CareUnit
from tests import factories

UNIT_ADDRESS = "Sjukhusvägen 1, 123 45 Kulisserstad"
UNIT_PHONE = "010-123 45 00"


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The text of a PDF as pdftotext (poppler-utils) reads it back."""
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: run `make system-deps` (poppler-utils)")
    path = tmp_path / f"read-{len(list(tmp_path.iterdir()))}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_pages(pdf: bytes, tmp_path: Path) -> int:
    """The number of pages of a PDF (pdfinfo)."""
    path = tmp_path / "count.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


@dataclass
class Clinic:
    """A world whose unit has a letterhead (name, address, phone)."""

    world: factories.World
    unit_name: str


@pytest.fixture()
def clinic(database: Database, world: factories.World) -> Clinic:
    with database.session() as s:
        unit = s.get(CareUnit, world.unit_id)
        assert unit is not None
        unit.name = f"Medicinmottagningen {world.unit_id}, Kulissernas sjukhus"
        unit.address, unit.phone = UNIT_ADDRESS, UNIT_PHONE
        return Clinic(world=world, unit_name=unit.name)


def result_letter(session: Session, world: factories.World, patient_id: int, *,
                  message: str = "Dina prover var normala.", ready: bool = True,
                  user_id: int | None = None) -> Letter:
    """A result letter for the patient, made ready by default."""
    actor = factories.actor(session, user_id or world.secretary_id)
    return service.create_letter(session, actor=actor, patient_id=patient_id, kind="result",
                                 fields={"undersokning": "dina blodprover", "meddelande": message},
                                 ready=ready)
