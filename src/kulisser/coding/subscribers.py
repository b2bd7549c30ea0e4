"""What coding does when another domain's event happens (kulisser.events).

- A visit marked done in the appointment book (booking's AppointmentFulfilled) becomes a care
  contact; one that must be coded opens a `coding` item in the unit's queue.
- A signed note (dictation's NoteSigned) links to the patient's contact that day, or makes one
  (its kind from the note type), with code suggestions from its text.

Both run in the transaction of the change: a failure here undoes the visit's or the note's step.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kulisser.booking.events import AppointmentFulfilled
from kulisser.coding import service as coding
from kulisser.dictation.events import NoteSigned
from kulisser.events import Subscription


def contact_for_visit(session: Session, event: AppointmentFulfilled) -> None:
    """The visit took place: it is a care contact."""
    coding.contact_from_visit(session, actor=event.actor, appointment_id=event.appointment_id,
                              patient_id=event.patient_id, visit_date=event.visit_date,
                              clinician_id=event.clinician_id, now=event.at)


def link_signed_note(session: Session, event: NoteSigned) -> None:
    """The note is signed: it belongs to the day's contact, with suggestions from its text."""
    coding.link_note(session, actor=event.actor, dictation_id=event.dictation_id,
                     patient_id=event.patient_id, note_type=event.note_type,
                     note_date=event.note_date, author_id=event.author_id, now=event.at)


SUBSCRIPTIONS: list[Subscription] = [(AppointmentFulfilled, contact_for_visit),
                                     (NoteSigned, link_signed_note)]
