"""The `booking-rebook` work item: a booked visit collides with new leave or a closed day.

Created when an exception is recorded over booked visits (nobody forgets to call the
patient); completed when the visit is rebooked or cancelled.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.booking.calendar import local
from kulisser.booking.models import Appointment, AppointmentStatus, ScheduleException
from kulisser.i18n import N_, _
from kulisser.staff.actor import Actor
from kulisser.worklist import kinds as worklist_kinds
from kulisser.worklist import service as worklist
from kulisser.worklist.invariants import compare
from kulisser.worklist.kinds import GENERIC_OPERATIONS, Finding, KindSpec, register
from kulisser.worklist.models import WorkItem
from kulisser.worklist.states import OPEN_STATUSES, Priority, Status

REF_TYPE = "appointment"
worklist_kinds.register_record_page(REF_TYPE, label=N_("Besöket"), path="/tidbok/besok/{id}")


def _load(session: Session, ref_ids: list[int]) -> dict[int, Appointment]:
    return {a.id: a for a in session.scalars(select(Appointment).where(Appointment.id.in_(ref_ids)))}


def _check(session: Session) -> list[Finding]:
    """No open rebook item for a visit that is no longer booked (rebooked, cancelled, past)."""
    booked = AppointmentStatus.BOOKED.value
    return compare(session, kind=REBOOK.code, ref_type=REF_TYPE, model=Appointment, needs=None,
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
        made.append(worklist.create_item(
            session, actor=actor, kind=REBOOK.code, patient_id=appt.patient_id,
            priority=(Priority.HIGH if soon else Priority.NORMAL).value,
            title=_("Omboka besök {when:%Y-%m-%d %H:%M} ({kind_label})", when=when,
                    kind_label=exc.kind_label.lower())[:200],
            description=exc.reason, ref_type=REF_TYPE, ref_id=appt.id, now=now))
    return made


def open_items(session: Session, *, appointment_id: int) -> list[WorkItem]:
    """The appointment's open rebook items."""
    return [i for i in worklist.items_for_ref(session, ref_type=REF_TYPE, ref_id=appointment_id)
            if i.status in OPEN_STATUSES and i.kind == REBOOK.code]


def close_for(session: Session, *, actor: Actor, appointment_id: int, now: datetime, reason: str) -> None:
    """Complete the appointment's open rebook items (it was rebooked or cancelled)."""
    for item in open_items(session, appointment_id=appointment_id):
        if item.status == Status.ON_HOLD.value:
            item.resume(actor_id=actor.user_id, now=now)
        item.complete(actor_id=actor.user_id, now=now, reason=reason)
