"""What the letters do when another domain's event happens (kulisser.events).

A visit booked, rebooked or cancelled gets its calling, rebooking or cancellation letter (and
the letter's work item) in the booking's own transaction: the patient is never booked without
the letter, and a letter that fails to be made undoes the booking. The letter is dated when
it is written (the clock), as it was before booking published events.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kulisser.booking.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentChanged,
    AppointmentMoved,
)
from kulisser.events import Subscription
from kulisser.letters.service import Visit, letter_for_visit


def visit_of(event: AppointmentChanged) -> Visit:
    """What a letter needs to know about the visit, from booking's event."""
    cancelled = isinstance(event, AppointmentCancelled)
    return Visit(appointment_id=event.appointment_id, patient_id=event.patient_id,
                 unit_id=event.unit_id, start=event.start, visit_type=event.visit_type,
                 clinician=event.clinician, location=event.location,
                 reason=event.reason if isinstance(event, AppointmentCancelled) else "",
                 cancelled=cancelled,
                 patient_message=event.patient_message)


def calling_letter(session: Session, event: AppointmentBooked) -> None:
    """A new booking: the calling letter."""
    letter_for_visit(session, actor=event.actor, visit=visit_of(event), change="booked", new_visit=True)


def rebooking_letter(session: Session, event: AppointmentMoved) -> None:
    """A rebooked visit: a rebooking letter (or a calling letter if nothing had gone out)."""
    letter_for_visit(session, actor=event.actor, visit=visit_of(event), change="rebooked")


def cancellation_letter(session: Session, event: AppointmentCancelled) -> None:
    """A cancelled visit: a cancellation letter if the patient had been told the time."""
    letter_for_visit(session, actor=event.actor, visit=visit_of(event), change="cancelled")


SUBSCRIPTIONS: list[Subscription] = [
    (AppointmentBooked, calling_letter),
    (AppointmentMoved, rebooking_letter),
    (AppointmentCancelled, cancellation_letter),
]
