"""Booking's periodic job: SMS reminders before booked visits (the letters package sends them).

Booking owns the visits, so the job that reads them lives here and hands them to the letters'
reminder run; the letters never import booking (booking's pages read the letters instead).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kulisser.booking.models import Appointment, Resource, VisitType
from kulisser.booking.states import AppointmentStatus
from kulisser.jobs.context import JobContext
from kulisser.jobs.runner import periodic
from kulisser.letters import service as letters

# The job's name from the days when the letters package scheduled it (queued rows keep it).
SMS_REMINDERS = "letters.sms_reminders"


def visit_of(appt: Appointment) -> letters.Visit:
    """The letters' view of an appointment (start, visit type, resource, patient, cancel reason)."""
    resource: Resource | None = appt.resource
    visit_type: VisitType | None = appt.visit_type
    clinician = location = ""
    if resource is not None:
        # A clinician's schedule names whom the patient meets; a room or device is the place.
        if resource.kind == "clinician":
            clinician = resource.name
        else:
            location = resource.name
    return letters.Visit(appointment_id=appt.id, patient_id=appt.patient_id, unit_id=appt.unit_id,
                         start=appt.start_at, visit_type=visit_type.name if visit_type is not None else "",
                         clinician=clinician, location=location, reason=appt.cancel_reason or "",
                         cancelled=appt.status == AppointmentStatus.CANCELLED.value,
                         patient_message=(appt.patient_message or "").strip())


def booked_visits(session: Session, start: datetime, end: datetime) -> list[letters.Visit]:
    """Booked (not cancelled) visits starting in [start, end), for reminders (no access check)."""
    from kulisser.booking import service  # the service registers this module's job on import

    return [visit_of(a) for a in service.appointments_between(session, start=start, end=end)]


@periodic(SMS_REMINDERS, every_seconds=15 * 60)
def send_sms_reminders(ctx: JobContext) -> None:
    """Send the SMS reminders that are due (safe to run any number of times)."""
    letters.send_sms_reminders(ctx.session, settings=ctx.settings, visits=booked_visits)
