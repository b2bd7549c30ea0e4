"""What booking tells other domains: a visit was booked, moved, cancelled or done (kulisser.events).

Booking publishes these inside the transaction of the change, after the appointment is
flushed; the letters and the waiting list subscribe. An event carries plain values (ids, the
visit as the patient is told it, the actor and the time), never booking's ORM objects, so a
subscriber needs nothing from booking but this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from kulisser.events import Event
from kulisser.staff.service import Actor


@dataclass(frozen=True, kw_only=True)
class AppointmentChanged(Event):
    """A booked visit changed (the base of the events; subscribe to it for all of them)."""

    appointment_id: int
    actor: Actor
    at: datetime  # when the change was made (the service's now)
    patient_id: int
    unit_id: int
    start: datetime
    visit_date: date  # the visit's day in Swedish time (the waiting list counts days)
    visit_type: str = ""  # the visit type's name
    clinician: str = ""  # whom the patient meets (a clinician's schedule)
    location: str = ""  # where (a room's or a device's schedule)
    patient_message: str = ""  # the booker's message to the patient; never the internal note
    waitlist_entry_id: int | None = None  # the waiting-list entry the visit was booked from


@dataclass(frozen=True, kw_only=True)
class AppointmentBooked(AppointmentChanged):
    """A patient was booked into a free slot."""


@dataclass(frozen=True, kw_only=True)
class AppointmentMoved(AppointmentChanged):
    """A booked visit moved to another slot (rebooked); start is the new time."""

    previous_start: datetime
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class AppointmentCancelled(AppointmentChanged):
    """A booked visit was cancelled, by the patient or by the clinic, with a reason."""

    reason: str
    cancelled_by: str  # "patient" or "clinic"


@dataclass(frozen=True, kw_only=True)
class AppointmentFulfilled(AppointmentChanged):
    """A visit took place: marked done in the appointment book (coding makes its contact)."""

    clinician_id: int | None = None  # the user whose schedule it was (None: a room or device)
