"""Holding a slot: take it for a booking, give it back, and the guards against double booking.

A slot is never booked twice. It is taken with a conditional UPDATE (status free -> booked);
of concurrent attempts exactly one changes the row and the others get SlotTaken, whose
Swedish message pages and the API show (409). Behind it, the partial unique index
ix_appointment_slot_occupied refuses a second occupying appointment even if some code path
forgot the UPDATE; that IntegrityError becomes SlotTaken as well. A patient is not booked
into two overlapping visits either (check_patient_free).

The statements are built once, their values bound by name: a booking runs each of them, and
building a statement and its cache key anew each time was a visible share of its Python.
They go through the session's connection, not the ORM: none of them needs the session's
pending objects flushed first (the caller flushes the appointment itself, with flush()). A
booking reads its slot the same way (find, with the names the patient is told), and a Slot
the session already holds is kept in step with every status the UPDATE writes.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, cast

from sqlalchemy import CursorResult, Table, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from kulisser.booking.models import Appointment, Resource, Slot, VisitType
from kulisser.booking.states import AppointmentStatus, SlotStatus
from kulisser.i18n import N_, _
from kulisser.inserts import add_new
from kulisser.worklist.service import TransitionError

_SLOT = cast(Table, Slot.__table__)
_APPOINTMENT = cast(Table, Appointment.__table__)

# UPDATE slot SET status = :to WHERE id = :slot_id AND status = :expect (exception cleared).
_SET_STATUS = (update(_SLOT)
               .where(_SLOT.c.id == bindparam("slot_id"), _SLOT.c.status == bindparam("expect"))
               .values(status=bindparam("to"), exception_id=None))
_SLOT_STATUS = select(_SLOT.c.status).where(_SLOT.c.id == bindparam("slot_id"))
_RESOURCE, _VISIT_TYPE = cast(Table, Resource.__table__), cast(Table, VisitType.__table__)
# A slot with whom or where and what kind of visit (what find returns), in one statement.
_FIND = (select(_SLOT.c.id, _SLOT.c.unit_id, _SLOT.c.resource_id, _SLOT.c.visit_type_id, _SLOT.c.start_at,
                _SLOT.c.end_at, _SLOT.c.status, _RESOURCE.c.name, _RESOURCE.c.kind, _VISIT_TYPE.c.name)
         .join(_RESOURCE, _RESOURCE.c.id == _SLOT.c.resource_id)
         .join(_VISIT_TYPE, _VISIT_TYPE.c.id == _SLOT.c.visit_type_id)
         .where(_SLOT.c.id == bindparam("slot_id")))
# The patient's booked visits that overlap the slot (one is enough); the second form leaves out
# the visit being moved.
_CLASH = (select(_APPOINTMENT.c.id)
          .where(_APPOINTMENT.c.patient_id == bindparam("patient_id"),
                 _APPOINTMENT.c.status == AppointmentStatus.BOOKED.value,
                 _APPOINTMENT.c.start_at < bindparam("end_at"),
                 _APPOINTMENT.c.end_at > bindparam("start_at"))
          .limit(1))
_CLASH_BUT = _CLASH.where(_APPOINTMENT.c.id != bindparam("ignore_id"))


class SlotTaken(TransitionError):
    """Someone else booked the slot first (or it was blocked): nothing was stored."""

    def __init__(self, message: str = N_("Tiden hann bokas av någon annan. Välj en annan tid."),
                 *, code: str = "slot_taken") -> None:
        super().__init__(message, code=code)


class SlotInfo(NamedTuple):
    """A slot as a booking needs it, with its resource's name and kind and its visit type's name."""

    id: int
    unit_id: int
    resource_id: int
    visit_type_id: int
    start_at: datetime
    end_at: datetime
    status: str
    resource_name: str
    resource_kind: str
    visit_type_name: str


def find(session: Session, slot_id: int) -> SlotInfo | None:
    """The slot with its resource and visit type (None: no such slot); one statement, no ORM load.

    A slot the session already holds answers without a statement, as session.get would.
    """
    slot = session.identity_map.get(identity_key(Slot, slot_id))
    if slot is not None:
        return SlotInfo(slot.id, slot.unit_id, slot.resource_id, slot.visit_type_id, slot.start_at,
                        slot.end_at, slot.status, slot.resource.name, slot.resource.kind,
                        slot.visit_type.name)
    row = session.connection().execute(_FIND, {"slot_id": slot_id}).first()
    return None if row is None else SlotInfo._make(row)


def _held_status(session: Session, slot_id: int, status: str, *, written: bool = True) -> None:
    """Tell a Slot the session holds its status as stored (so the flush sends no second UPDATE)."""
    held = session.identity_map.get(identity_key(Slot, slot_id))
    if held is not None:
        set_committed_value(held, "status", status)
        if written:  # the UPDATE cleared the blocking exception too
            set_committed_value(held, "exception_id", None)


def set_status(session: Session, slot_id: int, *, expect: SlotStatus, to: SlotStatus) -> bool:
    """Move a slot from one status to another if, and only if, it is still in the first."""
    done = cast(CursorResult[tuple[()]], session.connection().execute(
        _SET_STATUS, {"slot_id": slot_id, "expect": expect.value, "to": to.value}))
    if done.rowcount != 1:
        return False
    _held_status(session, slot_id, to.value)
    return True


def take(session: Session, slot: Slot | SlotInfo, *, now: datetime) -> None:
    """Take a free future slot for a booking, or raise SlotTaken (nothing stored)."""
    if slot.start_at <= now:
        raise SlotTaken(_("Tiden har redan passerat. Välj en senare tid."), code="slot_past")
    if not set_status(session, slot.id, expect=SlotStatus.FREE, to=SlotStatus.BOOKED):
        status = session.connection().execute(_SLOT_STATUS, {"slot_id": slot.id}).scalar()
        _held_status(session, slot.id, str(status), written=False)
        if status == SlotStatus.BLOCKED.value:
            raise SlotTaken(_("Tiden är spärrad i schemat. Välj en annan tid."), code="slot_blocked")
        raise SlotTaken()


def release(session: Session, slot_id: int, *, block: bool = False) -> None:
    """Give a booked slot back (free, or blocked when the clinic closes it)."""
    set_status(session, slot_id, expect=SlotStatus.BOOKED,
               to=SlotStatus.BLOCKED if block else SlotStatus.FREE)


def flush(session: Session, new: Appointment | None = None) -> None:
    """Flush (or insert the new appointment, inserts.add_new); a second occupying appointment
    for a slot (the unique index) is SlotTaken."""
    try:
        if new is None:
            session.flush()
        else:
            add_new(session, new)
    except IntegrityError as exc:
        if "ix_appointment_slot_occupied" in str(exc.orig) or "appointment.slot_id" in str(exc.orig):
            raise SlotTaken() from None
        raise


def check_patient_free(session: Session, *, patient_id: int, slot: Slot | SlotInfo,
                       ignore_id: int | None = None) -> None:
    """Refuse a slot that overlaps a visit the patient already has booked (TransitionError)."""
    params = {"patient_id": patient_id, "start_at": slot.start_at, "end_at": slot.end_at}
    if ignore_id is None:
        clash = session.connection().execute(_CLASH, params).first()
    else:
        clash = session.connection().execute(_CLASH_BUT, {**params, "ignore_id": ignore_id}).first()
    if clash is not None:
        raise TransitionError(_("Patienten har redan en bokad tid som krockar med den här."),
                              code="patient_double_booked")
