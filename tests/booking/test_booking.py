"""Booking rules: book, rebook, cancel, no-show; history and audit rows for every change."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser.audit.models import AuditEvent
from kulisser.audit.service import AccessDenied
from kulisser.booking import service as booking
from kulisser.booking.models import AppointmentEvent, Slot
from kulisser.booking.states import SlotStatus
from kulisser.errors import NotFound, ValidationFailed
from kulisser.patients.models import Patient
from kulisser.worklist.states import TransitionError
from tests import factories
from tests.booking.helpers import NOW, Schedule, generate, make_schedule, slots


@pytest.fixture()
def sched(db: Session, world: factories.World) -> tuple[Schedule, list[Slot]]:
    s = make_schedule(db, world)
    generate(db, world, s, date(2027, 2, 1), date(2027, 2, 5))
    return s, slots(db, s)


def _audit(db: Session, *, user_id: int, patient_id: int, object_type: str | None = None) -> int:
    stmt = (
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.user_id == user_id,
            AuditEvent.patient_id == patient_id,
            AuditEvent.outcome == "allowed",
        )
    )
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    return db.scalar(stmt) or 0


def test_book_by_identity_number_records_history_and_audit(
    db: Session, world: factories.World, sched: tuple[Schedule, list[Slot]]
) -> None:
    _s, free = sched
    actor = factories.actor(db, world.secretary_id)
    patient = db.get(Patient, world.patient_ids[0])
    assert patient is not None
    appt = booking.book(
        db, actor=actor, slot_id=free[0].id, identifier=patient.display_id, patient_message="Fastande",
        now=NOW,
    )
    assert appt.patient_id == patient.id and appt.status == "booked"
    assert (appt.start_at, appt.end_at) == (free[0].start_at, free[0].end_at)
    assert appt.start_at.tzinfo is not None
    db.refresh(free[0])
    assert free[0].status == SlotStatus.BOOKED.value
    assert [e.type for e in appt.events] == ["booked"]
    assert appt.events[0].patient_id == patient.id
    assert _audit(db, user_id=actor.user_id, patient_id=patient.id, object_type="slot") == 1
    # The service other packages use returns it with its slot, resource, unit, visit type, patient.
    got = booking.get_appointment(db, actor=actor, appointment_id=appt.id)
    assert got.slot.id == free[0].id and got.resource.user_id is not None and got.unit.id == world.unit_id
    assert got.visit_type.minutes == 30 and got.patient.id == patient.id


def test_unknown_or_bad_identity_numbers_are_field_errors(
    db: Session, world: factories.World, sched: tuple[Schedule, list[Slot]]
) -> None:
    actor = factories.actor(db, world.secretary_id)
    for text in ("", "19121212-1213", factories.new_personnummer()):
        with pytest.raises(ValidationFailed) as exc:
            booking.book(db, actor=actor, slot_id=sched[1][0].id, identifier=text, now=NOW)
        assert "identifier" in exc.value.errors


def test_a_taken_slot_is_refused(
    db: Session, world: factories.World, sched: tuple[Schedule, list[Slot]]
) -> None:
    actor = factories.actor(db, world.secretary_id)
    booking.book(db, actor=actor, slot_id=sched[1][0].id, patient_id=world.patient_ids[0], now=NOW)
    with pytest.raises(booking.SlotTaken) as exc:
        booking.book(db, actor=actor, slot_id=sched[1][0].id, patient_id=world.patient_ids[1], now=NOW)
    assert exc.value.code == "slot_taken" and "någon annan" in exc.value.message


def test_past_and_blocked_slots_and_double_booking_of_a_patient(
    db: Session, world: factories.World, sched: tuple[Schedule, list[Slot]]
) -> None:
    _s, free = sched
    actor = factories.actor(db, world.secretary_id)
    with pytest.raises(booking.SlotTaken) as past:
        booking.book(
            db,
            actor=actor,
            slot_id=free[0].id,
            patient_id=world.patient_ids[0],
            now=free[0].start_at + timedelta(minutes=1),
        )
    assert past.value.code == "slot_past"
    booking.add_exception(
        db,
        actor=actor,
        resource_id=_s.resource_id,
        kind="meeting",
        start_date=date(2027, 2, 5),
        end_date=None,
        now=NOW,
    )
    friday = next(s for s in free if s.start_at.date() == date(2027, 2, 5))
    with pytest.raises(booking.SlotTaken) as blocked:
        booking.book(db, actor=actor, slot_id=friday.id, patient_id=world.patient_ids[0], now=NOW)
    assert blocked.value.code == "slot_blocked"
    # A second clinician's slot at the same time: the patient cannot be in two places.
    other = make_schedule(db, world)
    generate(db, world, other, date(2027, 2, 1), date(2027, 2, 1))
    booking.book(db, actor=actor, slot_id=free[0].id, patient_id=world.patient_ids[0], now=NOW)
    with pytest.raises(TransitionError) as twice:
        booking.book(
            db, actor=actor, slot_id=slots(db, other)[0].id, patient_id=world.patient_ids[0], now=NOW
        )
    assert twice.value.code == "patient_double_booked"


def test_rebook_moves_the_visit_frees_the_old_slot_and_keeps_history(
    db: Session, world: factories.World, sched: tuple[Schedule, list[Slot]]
) -> None:
    _s, free = sched
    actor = factories.actor(db, world.secretary_id)
    appt = booking.book(db, actor=actor, slot_id=free[0].id, patient_id=world.patient_ids[0], now=NOW)
    old_start = appt.start_at
    booking.rebook(
        db,
        actor=actor,
        appointment_id=appt.id,
        slot_id=free[5].id,
        reason="Patienten önskar",
        now=NOW + timedelta(hours=1),
    )
    assert appt.slot_id == free[5].id and appt.start_at == free[5].start_at and appt.status == "booked"
    db.refresh(free[0])
    db.refresh(free[5])
    assert (free[0].status, free[5].status) == ("free", "booked")
    assert [e.type for e in appt.events] == ["booked", "rebooked"]
    moved = appt.events[-1]
    assert moved.data["from_start_at"] == old_start.isoformat() and moved.start_at == free[5].start_at
    assert moved.reason == "Patienten önskar"
    # The freed slot can be booked by someone else.
    other = booking.book(db, actor=actor, slot_id=free[0].id, patient_id=world.patient_ids[1], now=NOW)
    assert other.slot_id == free[0].id


def test_rebook_rules(db: Session, world: factories.World, sched: tuple[Schedule, list[Slot]]) -> None:
    _s, free = sched
    actor = factories.actor(db, world.secretary_id)
    appt = booking.book(db, actor=actor, slot_id=free[0].id, patient_id=world.patient_ids[0], now=NOW)
    taken = booking.book(db, actor=actor, slot_id=free[1].id, patient_id=world.patient_ids[1], now=NOW)
    with pytest.raises(booking.SlotTaken):
        booking.rebook(db, actor=actor, appointment_id=appt.id, slot_id=taken.slot_id, now=NOW)
    with pytest.raises(ValidationFailed):
        booking.rebook(db, actor=actor, appointment_id=appt.id, slot_id=appt.slot_id, now=NOW)
    with pytest.raises(TransitionError) as started:
        booking.rebook(
            db,
            actor=actor,
            appointment_id=appt.id,
            slot_id=free[3].id,
            now=appt.start_at + timedelta(minutes=5),
        )
    assert started.value.code == "already_started"
    booking.cancel(db, actor=actor, appointment_id=appt.id, by="patient", reason="Frisk", now=NOW)
    with pytest.raises(TransitionError) as cancelled:
        booking.rebook(db, actor=actor, appointment_id=appt.id, slot_id=free[3].id, now=NOW)
    assert cancelled.value.code == "not_booked"
    assert [e.type for e in appt.events] == ["booked", "cancelled"]


def test_cancel_by_patient_or_clinic(
    db: Session, world: factories.World, sched: tuple[Schedule, list[Slot]]
) -> None:
    _s, free = sched
    actor = factories.actor(db, world.secretary_id)
    a = booking.book(db, actor=actor, slot_id=free[0].id, patient_id=world.patient_ids[0], now=NOW)
    b = booking.book(db, actor=actor, slot_id=free[1].id, patient_id=world.patient_ids[1], now=NOW)
    with pytest.raises(ValidationFailed) as missing:
        booking.cancel(db, actor=actor, appointment_id=a.id, by="someone", reason=" ", now=NOW)
    assert set(missing.value.errors) == {"by", "reason"}
    booking.cancel(db, actor=actor, appointment_id=a.id, by="patient", reason="Förhindrad", now=NOW)
    booking.cancel(
        db, actor=actor, appointment_id=b.id, by="clinic", reason="Läkaren sjuk", block_slot=True, now=NOW
    )
    db.refresh(free[0])
    db.refresh(free[1])
    assert (a.status, a.cancelled_by, a.cancel_reason) == ("cancelled", "patient", "Förhindrad")
    assert (b.status, b.cancelled_by) == ("cancelled", "clinic")
    assert free[0].status == "free"  # the patient's cancelled time is offered again
    assert free[1].status == "blocked"  # the clinic took the time away
    with pytest.raises(TransitionError):
        booking.cancel(db, actor=actor, appointment_id=a.id, by="patient", reason="Igen", now=NOW)
    # A cancelled visit no longer holds its slot: someone else can have it.
    booking.book(db, actor=actor, slot_id=free[0].id, patient_id=world.patient_ids[2], now=NOW)


def test_cancel_after_start_and_no_show_rules(
    db: Session, world: factories.World, sched: tuple[Schedule, list[Slot]]
) -> None:
    _s, free = sched
    actor = factories.actor(db, world.secretary_id)
    appt = booking.book(db, actor=actor, slot_id=free[0].id, patient_id=world.patient_ids[0], now=NOW)
    with pytest.raises(TransitionError) as early:
        booking.no_show(db, actor=actor, appointment_id=appt.id, now=NOW)
    assert early.value.code == "not_started"
    later = appt.start_at + timedelta(minutes=10)
    with pytest.raises(TransitionError) as late:
        booking.cancel(db, actor=actor, appointment_id=appt.id, by="patient", reason="Glömde", now=later)
    assert late.value.code == "already_started"
    booking.no_show(db, actor=actor, appointment_id=appt.id, reason="Svarar inte i telefon", now=later)
    assert appt.status == "noshow" and appt.no_show_at == later
    db.refresh(free[0])
    assert free[0].status == "booked"  # the time was used up
    with pytest.raises(TransitionError):
        booking.no_show(db, actor=actor, appointment_id=appt.id, now=later)
    events = db.scalars(
        select(AppointmentEvent)
        .where(AppointmentEvent.patient_id == world.patient_ids[0])
        .order_by(AppointmentEvent.id)
    ).all()
    assert [e.type for e in events] == ["booked", "no_show"]


def test_a_patient_of_another_unit_is_refused(
    db: Session, world: factories.World, sched: tuple[Schedule, list[Slot]]
) -> None:
    actor = factories.actor(db, world.secretary_id)
    with pytest.raises(AccessDenied):
        booking.book(db, actor=actor, slot_id=sched[1][0].id, patient_id=world.stranger_patient_id, now=NOW)
    db.refresh(sched[1][0])
    assert sched[1][0].status == "free"


def test_an_unknown_patient_id_is_not_found(
    db: Session, world: factories.World, sched: tuple[Schedule, list[Slot]]
) -> None:
    actor = factories.actor(db, world.secretary_id)
    with pytest.raises(NotFound):
        booking.book(db, actor=actor, slot_id=sched[1][0].id, patient_id=10**9, now=NOW)


def test_other_units_cannot_touch_the_slots_or_visits(
    db: Session, world: factories.World, sched: tuple[Schedule, list[Slot]]
) -> None:
    actor = factories.actor(db, world.secretary_id)
    appt = booking.book(db, actor=actor, slot_id=sched[1][0].id, patient_id=world.patient_ids[0], now=NOW)
    stranger = factories.actor_for(factories.make_user(db, world.other_unit_id))
    with pytest.raises(NotFound):
        booking.book(
            db, actor=stranger, slot_id=sched[1][1].id, patient_id=world.stranger_patient_id, now=NOW
        )
    with pytest.raises(AccessDenied):
        booking.get_appointment(db, actor=stranger, appointment_id=appt.id)
    with pytest.raises(AccessDenied):
        booking.cancel(db, actor=stranger, appointment_id=appt.id, by="clinic", reason="x", now=NOW)


def test_rebooking_or_cancelling_closes_the_rebook_work_item(
    db: Session, world: factories.World, sched: tuple[Schedule, list[Slot]]
) -> None:
    from kulisser.booking import items

    _s, free = sched
    actor = factories.actor(db, world.secretary_id)
    appt = booking.book(db, actor=actor, slot_id=free[0].id, patient_id=world.patient_ids[0], now=NOW)
    booking.add_exception(
        db,
        actor=actor,
        resource_id=_s.resource_id,
        kind="leave",
        start_date=date(2027, 2, 1),
        end_date=None,
        reason="VAB",
        now=NOW,
    )
    [item] = items.open_items(db, appointment_id=appt.id)
    assert item.kind == "booking-rebook" and item.patient_id == world.patient_ids[0]
    tuesday = next(s for s in free if s.start_at.date() == date(2027, 2, 2))
    booking.rebook(db, actor=actor, appointment_id=appt.id, slot_id=tuesday.id, now=NOW)
    assert items.open_items(db, appointment_id=appt.id) == []
    assert item.status == "completed"
