"""The letters' view of booking: an appointment flattened into a Visit (through booking's service).

Imported late, so that letters (result letters, referral replies) work without booking.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kulisser.errors import NotFound
from kulisser.i18n import _
from kulisser.letters.service import Visit


def visit_of(appt: Any) -> Visit:
    """A Visit from booking's Appointment (start, visit type, resource, patient, cancel reason)."""
    resource = getattr(appt, "resource", None)
    visit_type = getattr(appt, "visit_type", None)
    clinician = location = ""
    if resource is not None:
        # A clinician's schedule names whom the patient meets; a room or device is the place.
        if getattr(resource, "kind", "") == "clinician":
            clinician = resource.name
        else:
            location = resource.name
    return Visit(appointment_id=appt.id, patient_id=appt.patient_id, unit_id=appt.unit_id,
                 start=appt.start_at, visit_type=visit_type.name if visit_type is not None else "",
                 clinician=clinician, location=location, reason=appt.cancel_reason or "",
                 cancelled=appt.status == "cancelled",
                 patient_message=(getattr(appt, "patient_message", "") or "").strip())


def changed_visit(session: Session, *, appointment_id: int) -> Visit:
    """The appointment booking has just changed, as a Visit.

    Only booking's hook calls this, inside booking's own transaction, after booking checked
    access to the patient and wrote the audit row of the change; the letter then made checks
    and logs its own write. The appointment is in the session already (no query).
    """
    from kulisser.booking.models import Appointment

    appt = session.get(Appointment, appointment_id)
    if appt is None:
        raise NotFound(_("Besöket finns inte."))
    return visit_of(appt)


def booked_visits(session: Session, start: datetime, end: datetime) -> list[Visit]:
    """Booked (not cancelled) visits starting in [start, end), for reminders (no access check)."""
    try:
        from kulisser.booking import service as booking
    except ModuleNotFoundError:  # an installation without booking has nothing to remind of
        return []
    return [visit_of(a) for a in booking.appointments_between(session, start=start, end=end)]
