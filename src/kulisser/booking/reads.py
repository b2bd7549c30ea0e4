"""The booking's searches and lists: free slots, a patient's visits, the visits of a time window.

service.py re-exports these; other packages use them through it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.booking.calendar import local_day_bounds, today_local
from kulisser.booking.models import Appointment, Slot
from kulisser.booking.states import AppointmentStatus, SlotStatus
from kulisser.db import utcnow
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.patients import service as patients
from kulisser.staff.service import Actor

SEARCH_MAX_DAYS = 366


def find_free_slots(session: Session, *, actor: Actor, unit_id: int | None = None,
                    visit_type_id: int | None = None, resource_id: int | None = None,
                    start: date | None = None, end: date | None = None, limit: int = 200,
                    now: datetime | None = None) -> list[Slot]:
    """Free future slots of a unit (default: the actor's), by visit type, resource and dates."""
    now = now or utcnow()
    unit_id = unit_id or actor.unit_id
    if unit_id not in actor.unit_ids:
        raise NotFound(_("Vårdenheten finns inte."))
    start = start or today_local(now)
    end = end or start + timedelta(days=30)
    if end < start:
        raise ValidationFailed({"end": _("Sista dagen ska vara samma dag eller senare.")})
    if (end - start).days > SEARCH_MAX_DAYS:
        raise ValidationFailed({"end": _("Sök högst ett år åt gången.")})
    lo, _hi = local_day_bounds(start)
    _lo, hi = local_day_bounds(end)
    stmt = select(Slot).where(Slot.unit_id == unit_id, Slot.status == SlotStatus.FREE.value,
                              Slot.start_at >= max(lo, now), Slot.start_at < hi)
    if visit_type_id is not None:
        stmt = stmt.where(Slot.visit_type_id == visit_type_id)
    if resource_id is not None:
        stmt = stmt.where(Slot.resource_id == resource_id)
    return list(session.scalars(stmt.order_by(Slot.start_at, Slot.resource_id).limit(limit)))


def patient_appointments(session: Session, *, actor: Actor, patient_id: int) -> list[Appointment]:
    """A patient's appointments at the actor's units, newest first (one access check)."""
    # The row names the visits, not the patient again (the patient page loads this section).
    patients.get_patient(session, actor=actor, patient_id=patient_id, object_type="patient_visits")
    return list(session.scalars(select(Appointment).where(
        Appointment.patient_id == patient_id, Appointment.unit_id.in_(actor.unit_ids))
        .order_by(Appointment.start_at.desc(), Appointment.id.desc())))


def appointments_between(session: Session, *, start: datetime, end: datetime,
                         unit_id: int | None = None, status: str = AppointmentStatus.BOOKED.value
                         ) -> list[Appointment]:
    """Appointments starting in [start, end) (for jobs such as reminders; no access check)."""
    stmt = select(Appointment).where(Appointment.start_at >= start, Appointment.start_at < end,
                                     Appointment.status == status)
    if unit_id is not None:
        stmt = stmt.where(Appointment.unit_id == unit_id)
    return list(session.scalars(stmt.order_by(Appointment.start_at, Appointment.id)))
