"""The `booking-rebook` work item: a booked visit collides with new leave or a closed day.

Created when an exception is recorded over booked visits (nobody forgets to call the
patient); completed when the visit is rebooked or cancelled.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.booking.calendar import local
from kulisser.booking.models import Appointment, ScheduleException
from kulisser.booking.schedules import exception_span
from kulisser.booking.states import AppointmentStatus
from kulisser.db import utcnow
from kulisser.i18n import N_, _
from kulisser.staff.service import Actor
from kulisser.worklist import service as worklist
from kulisser.worklist.service import (
    GENERIC_OPERATIONS,
    Finding,
    KindSpec,
    Priority,
    WorkItem,
    compare,
    register,
)

REF_TYPE = "appointment"
worklist.register_record_page(REF_TYPE, label=N_("Besöket"), path="/tidbok/besok/{id}")


def _load(session: Session, ref_ids: list[int]) -> dict[int, Appointment]:
    return {a.id: a for a in session.scalars(select(Appointment).where(Appointment.id.in_(ref_ids)))}


def _hit_visits(session: Session, *, now: datetime) -> list[int]:
    """Booked visits yet to come that leave, a meeting or a closed day lies over (ids)."""
    booked = AppointmentStatus.BOOKED.value
    hit: set[int] = set()
    # Past exceptions cannot hit a visit yet to come; each one is one query, its hours per day
    # compared here because they are local wall-clock times (the database knows no time zone).
    for exc in session.scalars(select(ScheduleException)
                               .where(ScheduleException.end_date >= local(now).date())):
        lo, hi = exception_span(exc, exc.start_date)[0], exception_span(exc, exc.end_date)[1]
        where = [Appointment.unit_id == exc.unit_id, Appointment.status == booked,
                 Appointment.start_at > now, Appointment.start_at < hi, Appointment.end_at > lo]
        if exc.resource_id is not None:
            where.append(Appointment.resource_id == exc.resource_id)
        for appt_id, start, end in session.execute(
                select(Appointment.id, Appointment.start_at, Appointment.end_at).where(*where)):
            day, last = local(start).date(), local(end).date()
            while day <= last:
                if exc.start_date <= day <= exc.end_date:
                    span_lo, span_hi = exception_span(exc, day)
                    if span_lo < end and span_hi > start:
                        hit.add(appt_id)
                        break
                day += timedelta(days=1)
    return sorted(hit)


def _check(session: Session) -> list[Finding]:
    """A visit yet to come under leave or a closed day has an open rebook item; a visit no
    longer booked (cancelled, no-show) keeps none."""
    booked = AppointmentStatus.BOOKED.value
    hit = _hit_visits(session, now=utcnow())
    return compare(session, kind=REBOOK.code, ref_type=REF_TYPE, model=Appointment,
                   needs=Appointment.id.in_(hit) if hit else None,
                   allows=lambda a: a.status == booked, label=_("Besöket"))


REBOOK = register(KindSpec(
    code="booking-rebook", label=N_("Omboka besök"), label_plural=N_("Besök att omboka"),
    # The patient must hear of it before the day: high within a day, normal within three.
    default_hours={Priority.ACUTE: 2, Priority.HIGH: 24, Priority.NORMAL: 72, Priority.LOW: 120},
    ref_type=REF_TYPE, detail_template="booking/_item_detail.html", load_refs=_load,
    operations=GENERIC_OPERATIONS, record_hint=N_("Öppna besöket för att boka om eller avboka det."),
    check=_check))


def create_for_conflicts(session: Session, *, actor: Actor, exc: ScheduleException,
                         appointments: list[Appointment], now: datetime) -> list[WorkItem]:
    """One rebook item per booked visit that the exception collides with (none twice)."""
    made: list[WorkItem] = []
    for appt in appointments:
        if open_items(session, appointment_id=appt.id):
            continue
        when = local(appt.start_at)
        soon = (appt.start_at - now).total_seconds() < 3 * 86400
        made.append(worklist.open_item(
            session, actor=actor, kind=REBOOK.code, patient_id=appt.patient_id,
            priority=(Priority.HIGH if soon else Priority.NORMAL).value,
            title=_("Omboka besök {when:%Y-%m-%d %H:%M} ({kind_label})", when=when,
                    kind_label=exc.kind_label.lower())[:200],
            description=exc.reason, ref_type=REF_TYPE, ref_id=appt.id, now=now))
    return made


def open_items(session: Session, *, appointment_id: int) -> list[WorkItem]:
    """The appointment's open rebook items."""
    return worklist.open_items(session, ref_type=REF_TYPE, ref_id=appointment_id, kind=REBOOK.code)


def close_for(session: Session, *, actor: Actor, appointment_id: int, now: datetime, reason: str) -> None:
    """Complete the appointment's open rebook items (it was rebooked or cancelled)."""
    worklist.close_items(session, items=open_items(session, appointment_id=appointment_id),
                         actor_id=actor.user_id, now=now, reason=reason)
