"""A patient's visits as record texts (booked, rebooked, cancelled, missed)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from kulisser.booking.models import Appointment
from kulisser.booking.states import (
    APPOINTMENT_STATUS_LABELS,
    CANCELLED_BY_LABELS,
    AppointmentStatus,
    CancelledBy,
)
from kulisser.i18n import _
from kulisser.record_texts import RecordText, local_day, local_time


def booking_texts(session: Session, *, patient_id: int, unit_id: int) -> list[RecordText]:
    """The patient's visits in the unit, oldest first: time, resource, status, the message to
    the patient; never the internal note (no access check: the caller checks)."""
    visits = session.scalars(select(Appointment).where(
        Appointment.patient_id == patient_id, Appointment.unit_id == unit_id)
        .options(joinedload(Appointment.resource), joinedload(Appointment.visit_type))
        .order_by(Appointment.start_at, Appointment.id))
    found = []
    for visit in visits:
        status = _(APPOINTMENT_STATUS_LABELS[AppointmentStatus(visit.status)])
        lines = [_("Tid: {start}–{end}", start=local_time(visit.start_at),
                   end=local_time(visit.end_at)[-5:]),
                 _("Hos: {name}", name=visit.resource.name), _("Status: {status}", status=status)]
        if visit.cancelled_by:
            lines.append(_("Avbokad av: {who}",
                           who=_(CANCELLED_BY_LABELS[CancelledBy(visit.cancelled_by)])))
        if visit.patient_message:
            lines.append(_("Meddelande till patienten: {message}", message=visit.patient_message))
        found.append(RecordText(source="booking", source_id=visit.id, source_version=0,
                                title=_("Besök: {kind}", kind=visit.visit_type.name),
                                date=local_day(visit.start_at), text="\n".join(lines)))
    return found
