"""What the waiting list does when another domain's event happens (kulisser.events).

An accepted referral puts the patient on the unit's list. A visit booked from an entry ends
its wait on the visit day; a rebooked one moves that day; a cancelled one puts the patient
back on the list. Each runs in the publisher's transaction, so a refusal here (the entry was
booked from meanwhile) undoes the booking or the decision as well.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kulisser.booking.events import AppointmentBooked, AppointmentCancelled, AppointmentMoved
from kulisser.events import Subscription
from kulisser.i18n import _
from kulisser.referrals.events import ReferralAccepted
from kulisser.waitlist import service
from kulisser.waitlist.states import EntryStatus


def wait_from_referral(session: Session, event: ReferralAccepted) -> None:
    """An accepted referral: the patient waits for a first visit, the clock from the issue day."""
    service.add_entry(session, actor=event.actor, patient_id=event.patient_id, wait_kind="first_visit",
                      clock_start=event.issued_on, source_type="referral", source_id=event.referral_id,
                      priority=event.priority, note=event.note, now=event.at)


def end_wait_on_booking(session: Session, event: AppointmentBooked) -> None:
    """A visit booked from an entry: the wait ends on its day (the entry must still wait)."""
    if event.waitlist_entry_id is not None:
        service.end_wait(session, actor=event.actor, entry_id=event.waitlist_entry_id,
                         visit_date=event.visit_date, now=event.at, still_waiting=True)


def move_wait_end(session: Session, event: AppointmentMoved) -> None:
    """The visit moved: the wait now ends on the new visit day."""
    if event.waitlist_entry_id is not None:
        service.end_wait(session, actor=event.actor, entry_id=event.waitlist_entry_id,
                         visit_date=event.visit_date, now=event.at)


def reopen_wait(session: Session, event: AppointmentCancelled) -> None:
    """The visit that ended the wait is off: the patient waits again from the same clock start."""
    if event.waitlist_entry_id is None:
        return
    entry = service.get_entry(session, actor=event.actor, entry_id=event.waitlist_entry_id,
                              now=event.at)
    # Only the wait this visit ended: not one booked again since, nor one already closed.
    if entry.status != EntryStatus.BOOKED or entry.end_date != event.visit_date:
        return
    service.reopen_entry(session, actor=event.actor, entry_id=entry.id,
                         reason=_("Besöket avbokades: {reason}", reason=event.reason), now=event.at)


SUBSCRIPTIONS: list[Subscription] = [
    (ReferralAccepted, wait_from_referral),
    (AppointmentBooked, end_wait_on_booking),
    (AppointmentMoved, move_wait_end),
    (AppointmentCancelled, reopen_wait),
]
