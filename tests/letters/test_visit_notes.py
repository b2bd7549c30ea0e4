"""What the patient is sent is what is meant for the patient: the internal note is never printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.booking import service as booking
from kulisser.booking.models import Appointment
from kulisser.errors import ValidationFailed
from kulisser.letters import printing, service
from kulisser.letters.models import Letter
from kulisser.staff.actor import Actor
from tests import factories
from tests.letters.conftest import Clinic, pdf_text
from tests.letters.test_booking_letters import _free_slot_ids

INTERNAL = "Behöver tolk (arabiska). Tolk bokad via tolkförmedlingen."
MESSAGE = "En tolk som talar arabiska är med vid besöket."


def _letters(db: Session, appointment_id: int) -> list[Letter]:
    return list(db.scalars(select(Letter).where(Letter.source_type == "appointment",
                                                Letter.source_id == appointment_id).order_by(Letter.id)))


def _printed(db: Session, actor: Actor, letter: Letter, tmp_path: Path) -> str:
    # pdftotext -layout may break a long line; the words are what must (not) be there.
    text = pdf_text(printing.letter_pdf(db, actor=actor, letter_id=letter.id)[1], tmp_path)
    return " ".join(text.split())


def test_the_calling_letter_prints_the_message_and_never_the_internal_note(
        db: Session, clinic: Clinic, tmp_path: Path) -> None:
    w = clinic.world
    secretary = factories.actor(db, w.secretary_id)
    (slot,) = _free_slot_ids(db, secretary, w.clinician_id, 1)
    appt = booking.book(db, actor=secretary, slot_id=slot, patient_id=w.patient_ids[0],
                        internal_note=INTERNAL, patient_message=MESSAGE)
    assert (appt.internal_note, appt.patient_message) == (INTERNAL, MESSAGE)
    (calling,) = _letters(db, appt.id)
    text = _printed(db, secretary, calling, tmp_path)
    assert "Kallelse till besök" in text and MESSAGE in text
    assert "tolkförmedlingen" not in text and "Behöver tolk" not in text
    # Nor is it stored with the letter, where a changed unit text could reach it.
    assert not any("tolkförmedlingen" in v for v in calling.fields.values())


def test_a_visit_with_only_an_internal_note_prints_no_message_at_all(
        db: Session, clinic: Clinic, tmp_path: Path) -> None:
    w = clinic.world
    secretary = factories.actor(db, w.secretary_id)
    (slot,) = _free_slot_ids(db, secretary, w.clinician_id, 1)
    appt = booking.book(db, actor=secretary, slot_id=slot, patient_id=w.patient_ids[1],
                        internal_note="Rullstolsburen, behöver stort rum.")
    (calling,) = _letters(db, appt.id)
    assert calling.fields["besok_meddelande"] == ""
    assert "Rullstol" not in _printed(db, secretary, calling, tmp_path)


def test_rebooking_changes_the_texts_and_the_new_letter_prints_only_the_message(
        db: Session, clinic: Clinic, tmp_path: Path) -> None:
    w = clinic.world
    secretary = factories.actor(db, w.secretary_id)
    first, second, third = _free_slot_ids(db, secretary, w.clinician_id, 3)
    appt = booking.book(db, actor=secretary, slot_id=first, patient_id=w.patient_ids[2],
                        internal_note=INTERNAL, patient_message=MESSAGE)
    (calling,) = _letters(db, appt.id)
    service.act(db, actor=secretary, letter_id=calling.id, op="sent")
    booking.rebook(db, actor=secretary, appointment_id=appt.id, slot_id=second,
                   internal_note="Tolk ombokad till nya tiden.", patient_message="Ta med läkemedelslistan.")
    assert (appt.internal_note, appt.patient_message) == ("Tolk ombokad till nya tiden.",
                                                          "Ta med läkemedelslistan.")
    rebooking = _letters(db, appt.id)[-1]
    assert rebooking.kind == "rebooking"
    text = _printed(db, secretary, rebooking, tmp_path)
    assert "Ta med läkemedelslistan." in text and MESSAGE not in text
    assert "Tolk ombokad" not in text and "tolkförmedlingen" not in text
    # Left out (None), both texts stay as they are.
    booking.rebook(db, actor=secretary, appointment_id=appt.id, slot_id=third)
    assert (appt.internal_note, appt.patient_message) == ("Tolk ombokad till nya tiden.",
                                                          "Ta med läkemedelslistan.")


def test_an_over_long_text_is_refused_by_name_and_nothing_is_booked(db: Session, clinic: Clinic) -> None:
    w = clinic.world
    secretary = factories.actor(db, w.secretary_id)
    (slot,) = _free_slot_ids(db, secretary, w.clinician_id, 1)
    with pytest.raises(ValidationFailed) as refused:
        booking.book(db, actor=secretary, slot_id=slot, patient_id=w.patient_ids[0],
                     internal_note="x" * (booking.NOTE_MAX + 1), patient_message="ok")
    assert set(refused.value.errors) == {"internal_note"}
    assert "högst 2000 tecken" in refused.value.errors["internal_note"]
    assert db.scalar(select(Appointment.id).where(Appointment.slot_id == slot)) is None
