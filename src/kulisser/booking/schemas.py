"""Pydantic models of the booking API: schedules, slots, appointments and their history."""

from __future__ import annotations

from datetime import date, time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kulisser.booking.calendar import local, weekdays_label
from kulisser.booking.models import (
    Appointment,
    AppointmentEvent,
    Resource,
    ScheduleException,
    ScheduleTemplate,
    Slot,
)
from kulisser.bounds import BigId, Count, Day, Id, WallTime
from kulisser.web.api import Timestamp
from kulisser.worklist.service import PatientRef

PATIENT_MESSAGE = ("Message to the patient, printed in the calling (and rebooking) letter as the "
                   "merge field besok_meddelande. Form label: \"Meddelande till patienten – står i "
                   "kallelsen\".")
INTERNAL_NOTE = ("Internal note for staff (an interpreter to book, a wheelchair): shown on the visit "
                 "page and the day view, never printed or sent to the patient. Form label: "
                 "\"Intern anteckning – skrivs inte ut\".")


class VisitTypeOut(BaseModel):
    """A kind of visit and its length."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str = Field(examples=["nybesok"])
    name: str = Field(examples=["Nybesök"])
    minutes: int = Field(examples=[30])
    wait_kind: str | None = Field(None, examples=["first_visit"],
                                  description="The kind of wait it ends: first_visit, treatment, "
                                              "follow_up, or null")


class VisitTypeIn(BaseModel):
    """A new visit type for the caller's unit."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(examples=["aterbesok"])
    name: str = Field(examples=["Återbesök"])
    minutes: Count = Field(examples=[20])
    wait_kind: str | None = Field(None, examples=["follow_up"],
                                  description="first_visit, treatment, follow_up, or null")


class TemplateOut(BaseModel):
    """A recurring session: weekdays (ISO digits, 1 = Monday), local hours, visit type."""

    id: int
    weekdays: str = Field(examples=["12345"])
    weekdays_label: str = Field(examples=["mån, tis, ons, tor, fre"])
    start_time: time = Field(description="Europe/Stockholm wall-clock time.")
    end_time: time
    visit_type: VisitTypeOut
    valid_from: date
    valid_to: date | None

    @classmethod
    def of(cls, t: ScheduleTemplate) -> TemplateOut:
        """Serialize a template."""
        return cls(id=t.id, weekdays=t.weekdays, weekdays_label=weekdays_label(t.weekdays),
                   start_time=t.start_time, end_time=t.end_time,
                   visit_type=VisitTypeOut.model_validate(t.visit_type), valid_from=t.valid_from,
                   valid_to=t.valid_to)


class TemplateIn(BaseModel):
    """A recurring session to add to a schedule."""

    model_config = ConfigDict(extra="forbid")

    visit_type_id: Id
    weekdays: str = Field(description="ISO weekday digits or ranges: 1-5, 1,3,5 or 135.", examples=["1-5"])
    start_time: WallTime = Field(description="Europe/Stockholm wall-clock time, without a zone.",
                                 examples=["08:00"])
    end_time: WallTime = Field(examples=["12:00"])
    valid_from: Day
    valid_to: Day | None = None


class ExceptionOut(BaseModel):
    """Leave, a meeting or a closed day: no slots then. resource_id null: the whole unit."""

    id: int
    resource_id: int | None
    kind: str = Field(description="leave, meeting, holiday or other.")
    kind_label: str
    start_date: date
    end_date: date
    start_time: time | None = Field(description="null with end_time null: whole days.")
    end_time: time | None
    reason: str

    @classmethod
    def of(cls, e: ScheduleException) -> ExceptionOut:
        """Serialize an exception."""
        return cls(id=e.id, resource_id=e.resource_id, kind=e.kind, kind_label=e.kind_label,
                   start_date=e.start_date, end_date=e.end_date, start_time=e.start_time,
                   end_time=e.end_time, reason=e.reason)


class ExceptionIn(BaseModel):
    """An exception to record; without resource_id it closes the whole unit (e.g. a holiday)."""

    model_config = ConfigDict(extra="forbid")

    resource_id: Id | None = None
    kind: Literal["leave", "meeting", "holiday", "other"]
    start_date: Day
    end_date: Day | None = None
    start_time: WallTime | None = Field(None, description="Europe/Stockholm wall-clock time, "
                                                          "without a zone; null: whole days.")
    end_time: WallTime | None = None
    reason: str = ""


class ExceptionRecorded(BaseModel):
    """The exception, and the booked visits it collides with (each got a rebook work item)."""

    exception: ExceptionOut
    conflicting_appointment_ids: list[int]


class ScheduleOut(BaseModel):
    """A clinician's, room's or equipment's schedule."""

    id: int
    kind: str = Field(description="clinician, room or equipment.")
    kind_label: str
    name: str
    user_id: int | None
    unit_id: int
    active: bool
    templates: list[TemplateOut] = []
    exceptions: list[ExceptionOut] = []

    @classmethod
    def of(cls, r: Resource, templates: list[ScheduleTemplate] | None = None,
           exceptions: list[ScheduleException] | None = None) -> ScheduleOut:
        """Serialize a resource with (optionally) its templates and exceptions."""
        return cls(id=r.id, kind=r.kind, kind_label=r.kind_label, name=r.name, user_id=r.user_id,
                   unit_id=r.unit_id, active=r.active,
                   templates=[TemplateOut.of(t) for t in templates or []],
                   exceptions=[ExceptionOut.of(e) for e in exceptions or []])


class ScheduleIn(BaseModel):
    """A new schedule: a clinician of the unit (user_id) or a room or equipment (name)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["clinician", "room", "equipment"]
    name: str = Field("", description="Defaults to the clinician's name.")
    user_id: Id | None = None


class ScheduleList(BaseModel):
    """The unit's schedules."""

    items: list[ScheduleOut]


class GenerateIn(BaseModel):
    """Generate slots from the templates for a date range (both days included)."""

    model_config = ConfigDict(extra="forbid")

    start: Day
    end: Day
    resource_id: Id | None = Field(None, description="One schedule; default all of the unit's.")
    public_holidays: bool = Field(True, description="Skip Swedish public holidays (computed).")


class GenerateOut(BaseModel):
    """What generation did; running it again creates nothing new."""

    created: int
    existing: int
    closed_days: int
    holidays: dict[date, str]


class SlotOut(BaseModel):
    """A slot: aware UTC start and end, and the Stockholm wall-clock time for people."""

    id: int
    resource_id: int
    resource_name: str
    visit_type: VisitTypeOut
    start: Timestamp
    end: Timestamp
    local_start: str = Field(examples=["2027-03-29 08:00"])
    status: str = Field(description="free, booked or blocked.")

    @classmethod
    def of(cls, s: Slot) -> SlotOut:
        """Serialize a slot."""
        return cls(id=s.id, resource_id=s.resource_id, resource_name=s.resource.name,
                   visit_type=VisitTypeOut.model_validate(s.visit_type), start=s.start_at,
                   end=s.end_at, local_start=f"{local(s.start_at):%Y-%m-%d %H:%M}", status=s.status)


class SlotList(BaseModel):
    """Free slots, earliest first."""

    items: list[SlotOut]


class BookIn(BaseModel):
    """Book a patient into a slot: by patient_id, identity number, or waiting-list entry.

    The former single `note` is refused (422): it was printed to the patient, so a client
    must now say which text it means, patient_message or internal_note.
    """

    model_config = ConfigDict(extra="forbid")

    slot_id: BigId
    patient_id: Id | None = None
    identifier: str = Field("", description="Personnummer or samordningsnummer.")
    waitlist_entry_id: Id | None = Field(None, description="Book from the waiting list: the wait "
                                          "ends on the visit date.")
    patient_message: str = Field("", description=PATIENT_MESSAGE)
    internal_note: str = Field("", description=INTERNAL_NOTE)


class RebookIn(BaseModel):
    """Move the visit to another free slot."""

    model_config = ConfigDict(extra="forbid")

    slot_id: BigId
    reason: str = ""
    patient_message: str | None = Field(None, description=PATIENT_MESSAGE
                                        + " Left out: the visit keeps its message.")
    internal_note: str | None = Field(None, description=INTERNAL_NOTE
                                      + " Left out: the visit keeps its note.")


class CancelIn(BaseModel):
    """Cancel a visit: who cancels and why; the clinic may block the freed time."""

    model_config = ConfigDict(extra="forbid")

    by: Literal["patient", "clinic"]
    reason: str
    block_slot: bool = False


class NoShowIn(BaseModel):
    """The patient did not come."""

    model_config = ConfigDict(extra="forbid")

    reason: str = ""


class AppointmentEventOut(BaseModel):
    """One change in the visit's history, with the time the visit had then."""

    at: Timestamp
    type: str = Field(description="booked, rebooked, cancelled or no_show.")
    actor_id: int | None
    start: Timestamp
    end: Timestamp
    reason: str | None
    data: dict[str, Any]

    @classmethod
    def of(cls, e: AppointmentEvent) -> AppointmentEventOut:
        """Serialize an event."""
        return cls(at=e.at, type=e.type, actor_id=e.actor_id, start=e.start_at, end=e.end_at,
                   reason=e.reason, data=e.data or {})


class AppointmentOut(BaseModel):
    """A visit (never the patient's address)."""

    id: int
    status: str = Field(description="booked, cancelled, noshow or fulfilled (FHIR Appointment.status).")
    status_label: str
    patient: PatientRef
    slot_id: int
    resource_id: int
    resource_name: str
    unit_id: int
    visit_type: VisitTypeOut
    start: Timestamp
    end: Timestamp
    local_start: str
    patient_message: str = Field(description=PATIENT_MESSAGE)
    internal_note: str = Field(description=INTERNAL_NOTE)
    waitlist_entry_id: int | None
    booked_at: Timestamp
    cancelled_by: str | None
    cancel_reason: str | None
    events: list[AppointmentEventOut]

    @classmethod
    def of(cls, a: Appointment) -> AppointmentOut:
        """Serialize an appointment with its history."""
        return cls(id=a.id, status=a.status, status_label=a.status_label,
                   patient=PatientRef(id=a.patient.id, name=a.patient.full_name,
                                      identifier=a.patient.display_id),
                   slot_id=a.slot_id, resource_id=a.resource_id, resource_name=a.resource.name,
                   unit_id=a.unit_id, visit_type=VisitTypeOut.model_validate(a.visit_type),
                   start=a.start_at, end=a.end_at, local_start=f"{local(a.start_at):%Y-%m-%d %H:%M}",
                   patient_message=a.patient_message, internal_note=a.internal_note,
                   waitlist_entry_id=a.waitlist_entry_id, booked_at=a.booked_at,
                   cancelled_by=a.cancelled_by, cancel_reason=a.cancel_reason,
                   events=[AppointmentEventOut.of(e) for e in a.events])


class AppointmentList(BaseModel):
    """A patient's visits, newest first."""

    items: list[AppointmentOut]


class HolidayOut(BaseModel):
    """A Swedish public holiday (or an eve clinics close on)."""

    date: date
    name: str

