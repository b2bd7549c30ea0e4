"""The PDF read back with pdftotext: fields filled, å ä ö intact, no address for a protected identity."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from kulisser.letters import printing, service
from kulisser.letters.service import Visit
from tests import factories
from tests.letters.conftest import UNIT_ADDRESS, UNIT_PHONE, Clinic, pdf_pages, pdf_text, result_letter


def test_a_calling_letter_pdf_has_its_fields_the_letterhead_and_swedish_letters(
        db: Session, clinic: Clinic, tmp_path: Path) -> None:
    w = clinic.world
    patient = factories.make_patient(db, w.unit_id, given="Åsa-Märta", family="Öström",
                                     address="Ängsvägen 4")
    secretary = factories.actor(db, w.secretary_id)
    visit = Visit(appointment_id=8_100_001, patient_id=patient.id, unit_id=w.unit_id,
                  start=datetime(2031, 6, 17, 12, 15, tzinfo=UTC), visit_type="Återbesök",
                  clinician="Björn Åkesson", location="Mottagning Öst, plan 2")
    letter = service.letter_for_visit(db, actor=secretary, visit=visit, change="booked")
    assert letter is not None
    _name, pdf = printing.letter_pdf(db, actor=secretary, letter_id=letter.id)
    text = pdf_text(pdf, tmp_path)
    for expected in ("Kallelse till besök", "Hej Åsa-Märta!", "tisdag 17 juni 2031 kl. 14:15",
                     "Återbesök", "Björn Åkesson", "Mottagning Öst, plan 2", clinic.unit_name,
                     UNIT_ADDRESS, f"Telefon {UNIT_PHONE}", "Åsa-Märta Öström", "Ängsvägen 4",
                     "123 45 Teststad", "Ta med giltig legitimation"):
        assert expected in text, (expected, text)
    assert "{{" not in text and "}}" not in text


def test_protected_identity_has_no_address_on_paper_only_the_forwarding_marker(
        db: Session, clinic: Clinic, tmp_path: Path) -> None:
    w = clinic.world
    hidden = factories.make_patient(db, w.unit_id, given="Ylva", family="Skyddad",
                                    protected=True, address="Hemliga gränd 13")
    letter = result_letter(db, w, hidden.id)
    secretary = factories.actor(db, w.secretary_id)
    text = pdf_text(printing.letter_pdf(db, actor=secretary, letter_id=letter.id)[1], tmp_path)
    assert "SKYDDAD IDENTITET" in text and "Vidarebefordras av Skatteverket" in text
    assert "Ylva Skyddad" in text and hidden.display_id in text
    assert "Hemliga" not in text and "123 45 Teststad" not in text and "Teststad" not in text


def test_a_patient_protected_after_the_letter_was_written_gets_no_address_either(
        db: Session, clinic: Clinic, tmp_path: Path) -> None:
    w = clinic.world
    patient = factories.make_patient(db, w.unit_id, address="Synlig väg 2")
    letter = result_letter(db, w, patient.id)
    patient.protected_identity = True
    db.flush()
    text = pdf_text(printing.letter_pdf(db, actor=factories.actor(db, w.secretary_id),
                                        letter_id=letter.id)[1], tmp_path)
    assert "Synlig" not in text and "SKYDDAD IDENTITET" in text


def test_script_in_merge_fields_is_printed_literally(db: Session, clinic: Clinic, tmp_path: Path) -> None:
    w = clinic.world
    patient = factories.make_patient(db, w.unit_id, given="<script>alert('x')</script>")
    letter = result_letter(db, w, patient.id, message="<b>fet</b> & <i>kursiv</i>")
    text = pdf_text(printing.letter_pdf(db, actor=factories.actor(db, w.secretary_id),
                                        letter_id=letter.id)[1], tmp_path)
    assert "Hej <script>alert('x')</script>!" in text
    assert "<b>fet</b> & <i>kursiv</i>" in text


def test_the_days_batch_holds_every_ready_letter_in_patient_order(
        db: Session, clinic: Clinic, tmp_path: Path) -> None:
    w = clinic.world
    secretary = factories.actor(db, w.secretary_id)
    # Swedish order: ... Z, Å, Ä, Ö; the protected patient has the forwarding marker, no address.
    names = ["Öberg", "Andersson", "Åkesson", "Ängström", "Zetterlund"]
    for family in names:
        patient = factories.make_patient(db, w.unit_id, given="Test", family=family,
                                         protected=family == "Åkesson", address=f"{family}vägen 1")
        result_letter(db, w, patient.id, message=f"Brev till {family}.")
    draft = result_letter(db, w, w.patient_ids[0], ready=False)  # drafts are not printed
    day = datetime.now(UTC).astimezone(printing.TZ).date()
    batch = printing.create_batch(db, actor=secretary, day=day)
    assert draft.id not in batch.letter_ids and len(batch.letter_ids) == 5
    _name, pdf = printing.batch_pdf(db, actor=secretary, batch_id=batch.id)
    assert pdf_pages(pdf, tmp_path) == 5
    text = pdf_text(pdf, tmp_path)
    order = [text.index(f"Brev till {n}.") for n in ["Andersson", "Zetterlund", "Åkesson", "Ängström",
                                                     "Öberg"]]
    assert order == sorted(order), text
    assert text.count("SKYDDAD IDENTITET") == 1 and "Åkessonvägen" not in text
    assert "Öbergvägen 1" in text
    sent = printing.confirm_batch(db, actor=secretary, batch_id=batch.id)
    assert {x.id for x in sent} == set(batch.letter_ids)
    assert all(x.status == "sent" for x in sent)
    assert draft.status == "draft"
