"""The letters a booking change calls for: calling, rebooking, cancellation; voiding unsent ones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.letters import service
from kulisser.letters.models import Letter
from kulisser.letters.service import Visit
from kulisser.staff.actor import Actor
from tests import factories
from tests.letters.conftest import Clinic

APPOINTMENT_IDS = iter(range(9_000_000, 10_000_000))


def _visit(clinic: Clinic, patient_id: int, start: datetime, appointment_id: int) -> Visit:
    return Visit(appointment_id=appointment_id, patient_id=patient_id, unit_id=clinic.world.unit_id,
                 start=start, visit_type="Nybesök", clinician="Karl Berg", location="Rum 3")


def _letters(db: Session, appointment_id: int) -> list[tuple[str, str]]:
    return [(x.kind, x.status) for x in db.scalars(select(Letter).where(
        Letter.source_type == "appointment", Letter.source_id == appointment_id).order_by(Letter.id))]


@pytest.fixture()
def secretary(db: Session, clinic: Clinic) -> Actor:
    return factories.actor(db, clinic.world.secretary_id)


START = datetime(2031, 3, 4, 9, 30, tzinfo=UTC)  # a Tuesday, 10:30 in Stockholm
LATER = datetime(2031, 3, 6, 13, 0, tzinfo=UTC)  # Thursday 14:00


def test_booking_makes_a_ready_calling_letter_once(db: Session, clinic: Clinic, secretary: Actor) -> None:
    aid, pid = next(APPOINTMENT_IDS), clinic.world.patient_ids[0]
    letter = service.letter_for_visit(db, actor=secretary, visit=_visit(clinic, pid, START, aid),
                                      change="booked")
    assert letter is not None and letter.kind == "calling" and letter.status == "ready"
    assert letter.fields["besok_datum"] == "tisdag 4 mars 2031" and letter.fields["besok_tid"] == "10:30"
    assert letter.visit_start == START
    assert [e.type for e in letter.events] == ["created", "ready"]  # draft, then ready
    again = service.letter_for_visit(db, actor=secretary, visit=_visit(clinic, pid, START, aid),
                                     change="booked")
    assert again is letter
    assert _letters(db, aid) == [("calling", "ready")]


def test_rebooking_before_the_letter_went_out_sends_a_new_calling_letter(
        db: Session, clinic: Clinic, secretary: Actor) -> None:
    aid, pid = next(APPOINTMENT_IDS), clinic.world.patient_ids[0]
    service.letter_for_visit(db, actor=secretary, visit=_visit(clinic, pid, START, aid), change="booked")
    new = service.letter_for_visit(db, actor=secretary, visit=_visit(clinic, pid, LATER, aid),
                                   change="rebooked")
    assert new is not None and new.kind == "calling" and new.fields["besok_tid"] == "14:00"
    assert _letters(db, aid) == [("calling", "cancelled"), ("calling", "ready")]


def test_rebooking_after_the_letter_went_out_names_the_old_time(
        db: Session, clinic: Clinic, secretary: Actor) -> None:
    aid, pid = next(APPOINTMENT_IDS), clinic.world.patient_ids[0]
    first = service.letter_for_visit(db, actor=secretary, visit=_visit(clinic, pid, START, aid),
                                     change="booked")
    assert first is not None
    service.act(db, actor=secretary, letter_id=first.id, op="sent")
    moved = service.letter_for_visit(db, actor=secretary, visit=_visit(clinic, pid, LATER, aid),
                                     change="rebooked")
    assert moved is not None and moved.kind == "rebooking"
    assert moved.fields["tidigare_datum"] == "tisdag 4 mars 2031"
    assert moved.fields["tidigare_tid"] == "10:30"
    assert moved.fields["besok_datum"] == "torsdag 6 mars 2031"
    assert _letters(db, aid) == [("calling", "sent"), ("rebooking", "ready")]


def test_cancelling_voids_unsent_letters_and_tells_only_a_patient_who_was_told(
        db: Session, clinic: Clinic, secretary: Actor) -> None:
    pid = clinic.world.patient_ids[0]
    quiet = next(APPOINTMENT_IDS)
    service.letter_for_visit(db, actor=secretary, visit=_visit(clinic, pid, START, quiet), change="booked")
    assert service.letter_for_visit(db, actor=secretary, visit=_visit(clinic, pid, START, quiet),
                                    change="cancelled") is None
    assert _letters(db, quiet) == [("calling", "cancelled")]
    told = next(APPOINTMENT_IDS)
    first = service.letter_for_visit(db, actor=secretary, visit=_visit(clinic, pid, START, told),
                                     change="booked")
    assert first is not None
    service.act(db, actor=secretary, letter_id=first.id, op="sent")
    cancelled = Visit(appointment_id=told, patient_id=pid, unit_id=clinic.world.unit_id, start=START,
                      reason="Läkaren är sjuk", cancelled=True)
    letter = service.letter_for_visit(db, actor=secretary, visit=cancelled, change="cancelled")
    assert letter is not None and letter.kind == "cancellation"
    assert letter.fields["orsak"] == "Läkaren är sjuk" and letter.fields["besok_tid"] == "10:30"
    # Told twice (a retried request): still one cancellation letter.
    assert service.letter_for_visit(db, actor=secretary, visit=cancelled, change="cancelled") is letter
    assert _letters(db, told) == [("calling", "sent"), ("cancellation", "ready")]


def test_an_unknown_change_is_refused(db: Session, clinic: Clinic, secretary: Actor) -> None:
    from kulisser.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        service.letter_for_visit(db, actor=secretary, change="moved",
                                 visit=_visit(clinic, clinic.world.patient_ids[0], START, 1))


# -- through booking itself ----------------------------------------------------------------------

def _free_slot_ids(db: Session, actor: Actor, clinician_id: int, n: int) -> list[int]:
    from kulisser.booking import service as booking

    resource = booking.create_resource(db, actor=actor, kind="clinician", user_id=clinician_id)
    visit_type = booking.create_visit_type(db, actor=actor, code=factories.unique("nyb").lower(),
                                           name="Nybesök", minutes=30)
    start = date.today() + timedelta(days=7)
    booking.add_template(db, actor=actor, resource_id=resource.id, visit_type_id=visit_type.id,
                         weekdays="1234567", start_time=time(9, 0), end_time=time(11, 0),
                         valid_from=start)
    booking.generate_slots(db, actor=actor, start=start, end=start + timedelta(days=6),
                           resource_id=resource.id, public_holidays=False)
    slots = booking.find_free_slots(db, actor=actor, resource_id=resource.id, start=start,
                                    end=start + timedelta(days=6))
    assert len(slots) >= n
    return [s.id for s in slots[:n]]


def test_booking_rebooking_and_cancelling_make_the_letters(db: Session, clinic: Clinic,
                                                            secretary: Actor) -> None:
    from kulisser.booking import service as booking

    w = clinic.world
    first, second = _free_slot_ids(db, secretary, w.clinician_id, 2)
    appt = booking.book(db, actor=secretary, slot_id=first, patient_id=w.patient_ids[1])
    assert _letters(db, appt.id) == [("calling", "ready")]
    calling = db.scalars(select(Letter).where(Letter.source_id == appt.id)).one()
    assert calling.fields["besok_typ"] == "Nybesök" and calling.fields["vardgivare"]
    service.act(db, actor=secretary, letter_id=calling.id, op="sent")
    booking.rebook(db, actor=secretary, appointment_id=appt.id, slot_id=second, reason="Krock")
    assert _letters(db, appt.id) == [("calling", "sent"), ("rebooking", "ready")]
    booking.cancel(db, actor=secretary, appointment_id=appt.id, by="clinic", reason="Läkaren är sjuk")
    # The rebooking letter had not gone out: it is voided, and the patient (told of the first
    # time only) gets a cancellation naming that time.
    assert _letters(db, appt.id) == [("calling", "sent"), ("rebooking", "cancelled"),
                                     ("cancellation", "ready")]


def test_the_bookers_message_reaches_the_calling_letter(db: Session, clinic: Clinic,
                                                        secretary: Actor) -> None:
    from kulisser.booking import service as booking
    from kulisser.letters import printing

    w = clinic.world
    slot, other = _free_slot_ids(db, secretary, w.clinician_id, 2)
    appt = booking.book(db, actor=secretary, slot_id=slot, patient_id=w.patient_ids[2],
                        patient_message="Ta med din läkemedelslista och kom fastande.")
    calling = db.scalars(select(Letter).where(Letter.source_id == appt.id)).one()
    assert calling.fields["besok_meddelande"] == "Ta med din läkemedelslista och kom fastande."
    text = " ".join(str(p) for p in printing.paper_for(db, calling).paragraphs)
    assert "Ta med din läkemedelslista och kom fastande." in text
    # Without a message the letter has no empty line where it would stand.
    plain = booking.book(db, actor=secretary, slot_id=other, patient_id=w.patient_ids[0])
    letter = db.scalars(select(Letter).where(Letter.source_id == plain.id)).one()
    assert letter.fields["besok_meddelande"] == ""
    assert all(str(p).strip() for p in printing.paper_for(db, letter).paragraphs)
