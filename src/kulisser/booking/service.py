"""Booking operations (the public entry point): find free slots, book, rebook, cancel, no-show.

Other packages use this module only. It re-exports the searches and lists (free slots, a
patient's visits, a time window's; reads.py), the schedule planning (schedules.py) and slot
generation (generation.py). Every function that touches a patient checks access and writes
the audit row; every booking change is an AppointmentEvent (the patient's booking history)
in the same transaction; nothing here commits.

A slot is never booked twice: slots.py takes it with a conditional UPDATE, and a visit
that loses the race gets SlotTaken (409, with its Swedish message).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from kulisser import events
from kulisser.audit import service as audit
from kulisser.booking import items, schedules, slots
from kulisser.booking import jobs as _jobs  # noqa: F401 - registers the SMS reminder job
from kulisser.booking.calendar import today_local
from kulisser.booking.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentChanged,
    AppointmentFulfilled,
    AppointmentMoved,
)
from kulisser.booking.generation import Generated, generate_slots
from kulisser.booking.models import (
    Appointment,
    AppointmentEvent,
    Resource,
    ScheduleException,
    Slot,
    VisitType,
)
from kulisser.booking.reads import SEARCH_MAX_DAYS as SEARCH_MAX_DAYS
from kulisser.booking.reads import appointments_between as appointments_between
from kulisser.booking.reads import find_free_slots as find_free_slots
from kulisser.booking.reads import patient_appointments as patient_appointments
from kulisser.booking.record_texts import booking_texts as booking_texts
from kulisser.booking.schedules import (
    add_template,
    create_resource,
    create_visit_type,
    exceptions_for,
    get_resource,
    get_visit_type,
    list_resources,
    remove_exception,
    remove_template,
    require_planner,
    templates_for,
    visit_types,
)
from kulisser.booking.slots import SlotTaken
from kulisser.booking.states import AppointmentStatus, CancelledBy
from kulisser.db import utcnow
from kulisser.errors import NotFound, ValidationFailed
from kulisser.history import insert_history
from kulisser.i18n import N_, _
from kulisser.patients import service as patients
from kulisser.patients.service import Patient
from kulisser.staff.service import Actor
from kulisser.waitlist import service as waitlist
from kulisser.worklist.service import TransitionError

__all__ = [
    "Generated", "SlotTaken", "add_exception", "add_template", "appointments_between", "book", "cancel",
    "create_resource", "create_visit_type", "exceptions_for", "find_free_slots", "fulfil", "generate_slots",
    "get_appointment", "get_resource", "get_slot", "get_visit_type", "list_resources", "no_show",
    "patient_appointments", "rebook", "remove_exception", "remove_template", "require_planner",
    "templates_for", "visit_types",
]
NOTE_MAX = 2000
# Form and API field names of a visit's two texts, with what each is in Swedish.
NOTE_FIELDS = {"patient_message": N_("Meddelandet till patienten"),
               "internal_note": N_("Den interna anteckningen")}
REASON_MAX = 2000


def add_exception(session: Session, *, actor: Actor, resource_id: int | None, kind: str,
                  start_date: date | None, end_date: date | None, start_time: time | None = None,
                  end_time: time | None = None, reason: str = "", now: datetime | None = None
                  ) -> tuple[ScheduleException, list[Appointment]]:
    """Record leave, a meeting or a closed day: its free slots are blocked, and each booked
    visit it collides with gets a `booking-rebook` work item. Returns those visits."""
    now = now or utcnow()
    exc, conflicts = schedules.add_exception(
        session, actor=actor, resource_id=resource_id, kind=kind, start_date=start_date,
        end_date=end_date, start_time=start_time, end_time=end_time, reason=reason)
    items.create_for_conflicts(session, actor=actor, exc=exc, appointments=conflicts, now=now)
    return exc, conflicts


# -- reading (the access-checked loads; searches and lists: reads.py) ------------------------

def get_slot(session: Session, *, actor: Actor, slot_id: int) -> Slot:
    """A slot of one of the actor's units (slots carry no patient data)."""
    slot = session.get(Slot, slot_id)
    if slot is None:
        raise NotFound(_("Tiden finns inte."))
    audit.require_unit(actor=actor, object_type="slot", object_id=slot.id, unit_id=slot.unit_id,
                       hidden=_("Tiden finns inte."))
    return slot


def get_appointment(session: Session, *, actor: Actor, appointment_id: int, action: str = "read",
                    now: datetime | None = None, current_unit: bool = False) -> Appointment:
    """An appointment (with slot, resource, unit, visit type and patient) after the access check.

    Another unit's visit (with current_unit: any but the unit the actor works in now) is
    refused and logged like any access without a care relation.
    """
    appt = session.get(Appointment, appointment_id)
    if appt is None:
        raise NotFound(_("Besöket finns inte."))
    audit.check(session, actor=actor, record=appt, object_type="appointment", action=action,
                current_unit=current_unit, reason=_("Besöket hör till en annan vårdenhet."),
                now=now)
    return appt


# -- changing ----------------------------------------------------------------------------------

def _resolve_patient(session: Session, *, actor: Actor, patient_id: int | None, identifier: str,
                     waitlist_entry_id: int | None) -> int:
    """The patient to book (from the waiting-list entry, the id, or the identity number)."""
    if waitlist_entry_id is not None:
        entry = waitlist.get_entry(session, actor=actor, entry_id=waitlist_entry_id)
        if entry.unit_id != actor.unit_id:
            raise NotFound(_("Posten på väntelistan finns inte på din vårdenhet."))
        if entry.status != "waiting":
            raise ValidationFailed({"waitlist_entry_id": _("Patienten väntar inte längre på den här posten "
                                                           "(status: {status_label}).",
                                                           status_label=entry.status_label.lower())})
        if patient_id is not None and patient_id != entry.patient_id:
            raise ValidationFailed({"patient_id": _("Patienten stämmer inte med väntelisteposten.")})
        return int(entry.patient_id)
    if patient_id is not None:
        return patient_id  # whether it exists is asked only if the access check refuses
    text = identifier.strip()
    if not text:
        raise ValidationFailed({"identifier": _("Ange patientens personnummer.")})
    # A number on file without a care relation answers as an unknown one (nothing disclosed).
    found = patients.find_for_actor(session, actor=actor, text=text)
    if found is None:
        raise ValidationFailed({"identifier": _(patients.NOT_AT_UNIT)})
    return found.id


def _clean_notes(**texts: str | None) -> dict[str, str]:
    """The visit's texts given (None: not given), stripped; ValidationFailed for one too long."""
    clean = {name: text.strip().replace("\r\n", "\n") for name, text in texts.items() if text is not None}
    errors = {name: _("{note_fields} får vara högst {note_max} tecken.", note_fields=_(NOTE_FIELDS[name]),
                      note_max=NOTE_MAX)
              for name, text in clean.items() if len(text) > NOTE_MAX}
    if errors:
        raise ValidationFailed(errors)
    return clean


def book(session: Session, *, actor: Actor, slot_id: int, patient_id: int | None = None,
         identifier: str = "", waitlist_entry_id: int | None = None, patient_message: str = "",
         internal_note: str = "", now: datetime | None = None) -> Appointment:
    """Book a patient (by id, identity number or waiting-list entry) into a free slot.

    patient_message is printed in the calling letter; internal_note stays with staff. From a
    waiting-list entry, the entry's wait ends on the visit date. Raises SlotTaken when the
    slot is no longer free (someone was faster), AccessDenied without a care relation.
    """
    now = now or utcnow()
    notes = _clean_notes(patient_message=patient_message, internal_note=internal_note)
    # The slot, its resource and visit type in one Core statement (no ORM load): the booking
    # needs their values, not the objects.
    slot = slots.find(session, slot_id)
    if slot is None:
        raise NotFound(_("Tiden finns inte på din vårdenhet."))
    audit.require_unit(actor=actor, object_type="slot", object_id=slot.id, unit_id=slot.unit_id,
                       action="create", current_unit=True,
                       hidden=_("Tiden finns inte på din vårdenhet."), now=now)
    pid = _resolve_patient(session, actor=actor, patient_id=patient_id, identifier=identifier,
                           waitlist_entry_id=waitlist_entry_id)
    # The access check (and its audit row) before anything is taken: a refusal leaves no trace
    # but the denied row.
    try:
        audit.check_access(session, actor=actor, patient_id=pid, action="create", object_type="slot",
                           object_id=slot.id, now=now)
    except audit.AccessDenied:
        # A care relation implies the patient exists; a refusal may be for a typo'd id, which
        # must not become a denied audit row pointing at no patient.
        if session.get(Patient, pid) is None:
            raise NotFound(_("Patienten finns inte.")) from None
        raise
    slots.check_patient_free(session, patient_id=pid, slot=slot)
    slots.take(session, slot, now=now)
    appt = Appointment(slot_id=slot.id, patient_id=pid, unit_id=slot.unit_id,
                       resource_id=slot.resource_id, visit_type_id=slot.visit_type_id,
                       start_at=slot.start_at, end_at=slot.end_at, **notes,
                       waitlist_entry_id=waitlist_entry_id, booked_at=now, booked_by_id=actor.user_id,
                       updated_at=now)
    # One INSERT, not a flush of the unit of work; the visit is then in the session as stored.
    slots.flush(session, new=appt)
    # The first history row goes in as one INSERT, not through the ORM: a new visit's history
    # is not loaded, and reading appt.events later finds the row.
    insert_history(session, AppointmentEvent.__table__, [{"appointment_id": appt.id, **appt.history_row(
        "booked", actor_id=actor.user_id, now=now, waitlist_entry_id=waitlist_entry_id)}])
    # The waiting list ends the entry's wait (refusing one booked meanwhile); the letters make
    # the calling letter. Both in this transaction: a failure there undoes the booking too.
    events.publish(session, _told(AppointmentBooked, appt, actor=actor, now=now,
                                  visit_type=slot.visit_type_name, resource_name=slot.resource_name,
                                  resource_kind=slot.resource_kind))
    return appt


def _event(session: Session, kind: type[AppointmentChanged], appt: Appointment, *, actor: Actor,
           now: datetime, **extra: Any) -> Any:
    """The event of a change to an appointment, with the visit as the patient is told it."""
    # By id, not appt.resource: a rebooked visit's relationship may still hold the old one.
    # Both are in the session already (the slot loads them joined): no query.
    resource = session.get(Resource, appt.resource_id)
    visit_type = session.get(VisitType, appt.visit_type_id)
    assert resource is not None
    return _told(kind, appt, actor=actor, now=now,
                 visit_type=visit_type.name if visit_type is not None else "",
                 resource_name=resource.name, resource_kind=resource.kind, **extra)


def _told(kind: type[AppointmentChanged], appt: Appointment, *, actor: Actor, now: datetime,
          visit_type: str, resource_name: str, resource_kind: str, **extra: Any) -> Any:
    """The event of a change to an appointment, given whom or where and what kind of visit."""
    # A clinician's schedule names whom the patient meets; a room or device is the place.
    clinician = resource_name if resource_kind == "clinician" else ""
    return kind(appointment_id=appt.id, actor=actor, at=now, patient_id=appt.patient_id,
                unit_id=appt.unit_id, start=appt.start_at, visit_date=today_local(appt.start_at),
                visit_type=visit_type, clinician=clinician, location="" if clinician else resource_name,
                patient_message=(appt.patient_message or "").strip(),
                waitlist_entry_id=appt.waitlist_entry_id, **extra)


def _open_for_change(session: Session, *, actor: Actor, appointment_id: int, now: datetime,
                     verb: str) -> Appointment:
    appt = get_appointment(session, actor=actor, appointment_id=appointment_id, action="update",
                           now=now, current_unit=True)
    if appt.status != AppointmentStatus.BOOKED.value:
        raise TransitionError(_("Besöket är {status_label} och kan inte {verb}.",
                                status_label=appt.status_label.lower(), verb=verb),
                              code="not_booked")
    return appt


def rebook(session: Session, *, actor: Actor, appointment_id: int, slot_id: int, reason: str = "",
           patient_message: str | None = None, internal_note: str | None = None,
           now: datetime | None = None) -> Appointment:
    """Move a booked future visit to another free slot; the old slot is freed, the history kept.

    A patient_message or internal_note given replaces the visit's (None keeps it)."""
    now = now or utcnow()
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": _("Högst {reason_max} tecken.", reason_max=REASON_MAX)})
    notes = _clean_notes(patient_message=patient_message, internal_note=internal_note)
    appt = _open_for_change(session, actor=actor, appointment_id=appointment_id, now=now, verb=_("bokas om"))
    if appt.start_at <= now:
        raise TransitionError(_("Besöket har redan börjat och kan inte bokas om. Registrera utebliven "
                                "och boka en ny tid."), code="already_started")
    if slot_id == appt.slot_id:
        raise ValidationFailed({"slot_id": _("Välj en annan tid än den nuvarande.")})
    slot = session.get(Slot, slot_id)
    if slot is None:
        raise NotFound(_("Tiden finns inte på din vårdenhet."))
    audit.require_unit(actor=actor, object_type="slot", object_id=slot.id, unit_id=slot.unit_id,
                       action="update", current_unit=True,
                       hidden=_("Tiden finns inte på din vårdenhet."), now=now)
    slots.check_patient_free(session, patient_id=appt.patient_id, slot=slot, ignore_id=appt.id)
    slots.take(session, slot, now=now)
    old_slot, old_start = appt.slot_id, appt.start_at
    for name, text in notes.items():
        setattr(appt, name, text)
    appt.move_to(slot, actor_id=actor.user_id, now=now, reason=reason or None)
    slots.flush(session)
    slots.release(session, old_slot)
    # The wait now ends on the new visit date; the letters tell the patient the new time.
    events.publish(session, _event(session, AppointmentMoved, appt, actor=actor, now=now,
                                   previous_start=old_start, reason=reason))
    _close_rebook_items(session, actor=actor, appt=appt, now=now, reason=_("Ombokad"))
    return appt


def cancel(session: Session, *, actor: Actor, appointment_id: int, by: str, reason: str,
           block_slot: bool = False, now: datetime | None = None) -> Appointment:
    """Cancel a booked future visit, by the patient or by the clinic, with a reason.

    The slot is free again, unless the clinic cancels and blocks it (the time is gone).
    """
    now = now or utcnow()
    errors: dict[str, str] = {}
    try:
        party = CancelledBy(by)
    except ValueError:
        errors["by"] = _("Ange om patienten eller mottagningen avbokar.")
    reason = reason.strip()
    if not reason:
        errors["reason"] = _("Ange orsak till avbokningen.")
    elif len(reason) > REASON_MAX:
        errors["reason"] = _("Högst {reason_max} tecken.", reason_max=REASON_MAX)
    if errors:
        raise ValidationFailed(errors)
    appt = _open_for_change(session, actor=actor, appointment_id=appointment_id, now=now, verb="avbokas")
    if appt.start_at <= now:
        raise TransitionError(_("Besöket har redan börjat och kan inte avbokas. Registrera utebliven "
                                "i stället."), code="already_started")
    appt.cancel(actor_id=actor.user_id, now=now, by=party, reason=reason)
    slots.flush(session)
    slots.release(session, appt.slot_id, block=block_slot and party is CancelledBy.CLINIC)
    # The patient waits again (if this visit ended the wait); the letters void or tell.
    events.publish(session, _event(session, AppointmentCancelled, appt, actor=actor, now=now, reason=reason,
                                   cancelled_by=party.value))
    _close_rebook_items(session, actor=actor, appt=appt, now=now, reason=_("Avbokad"))
    return appt


def no_show(session: Session, *, actor: Actor, appointment_id: int, reason: str = "",
            now: datetime | None = None) -> Appointment:
    """Record that the patient did not come (only once the visit has started)."""
    now = now or utcnow()
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": _("Högst {reason_max} tecken.", reason_max=REASON_MAX)})
    appt = _open_for_change(session, actor=actor, appointment_id=appointment_id, now=now,
                            verb=_("registreras som utebliven"))
    if appt.start_at > now:
        raise TransitionError(_("Besöket har inte börjat än."), code="not_started")
    appt.mark_no_show(actor_id=actor.user_id, now=now, reason=reason or None)
    slots.flush(session)
    return appt


def fulfil(session: Session, *, actor: Actor, appointment_id: int,
           now: datetime | None = None) -> Appointment:
    """Mark a started visit done (FHIR fulfilled); coding makes its care contact."""
    now = now or utcnow()
    appt = _open_for_change(session, actor=actor, appointment_id=appointment_id, now=now,
                            verb=_("markeras som genomfört"))
    if appt.start_at > now:
        raise TransitionError(_("Besöket har inte börjat än."), code="not_started")
    appt.mark_fulfilled(actor_id=actor.user_id, now=now)
    slots.flush(session)
    resource = session.get(Resource, appt.resource_id)
    clinician_id = resource.user_id if resource is not None and resource.kind == "clinician" else None
    events.publish(session, _event(session, AppointmentFulfilled, appt, actor=actor, now=now,
                                   clinician_id=clinician_id))
    return appt


def _close_rebook_items(session: Session, *, actor: Actor, appt: Appointment, now: datetime,
                        reason: str) -> None:
    items.close_for(session, actor=actor, appointment_id=appt.id, now=now, reason=reason)
