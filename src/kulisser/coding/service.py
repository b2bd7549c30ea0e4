"""Care contacts: the operations other packages, the pages and the API call.

A contact comes from a visit done in the appointment book (``contact_from_visit``), from a
signed note (``link_note``: linked to the patient's contact that day, or a new one) or by
hand (``create_contact``). Setting its codes and marking it coded are in contact_codes.py
(re-exported here). Every read and write of a contact goes through ``get_contact`` or
``for_change``: the one access check (audit.service.check) with its audit row. A contact of
another care unit is refused: a unit codes its own contacts. Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser import workdays
from kulisser.audit import service as audit
from kulisser.coding import items, suggest
from kulisser.coding.aggregates import MonthCompleteness as MonthCompleteness
from kulisser.coding.aggregates import month_completeness as month_completeness
from kulisser.coding.contact_codes import CodeEntry as CodeEntry
from kulisser.coding.contact_codes import Coding as Coding
from kulisser.coding.contact_codes import favourites as favourites
from kulisser.coding.contact_codes import mark_coded as mark_coded
from kulisser.coding.contact_codes import patient_codes as patient_codes
from kulisser.coding.contact_codes import run_checks as run_checks
from kulisser.coding.contact_codes import set_codes as set_codes
from kulisser.coding.contact_codes import suggestion_figures as suggestion_figures
from kulisser.coding.models import CareContact
from kulisser.coding.states import (
    NOTE_TYPE_KINDS,
    ContactKind,
    ContactStatus,
    Source,
    must_code,
)
from kulisser.db import utcnow
from kulisser.dictation import service as dictations
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.patients import service as patients
from kulisser.staff.service import Actor, UnitMembership

STATUS_FILTERS = ("uncoded", "coded", "all")
LIST_LIMIT = 500


# -- access ------------------------------------------------------------------------------

# The one way to a contact: loaded, access-checked and logged (audit.service.check). A
# contact of another care unit is refused (403, with its denied audit row) even where that
# unit also has a care relation with the patient: a unit codes its own contacts.
OBJECT_TYPE = "care_contact"


def check(session: Session, *, actor: Actor, contact: CareContact, action: str,
          now: datetime) -> None:
    """The access check and audit row for one read or write of a contact."""
    audit.check(session, actor=actor, record=contact, object_type=OBJECT_TYPE, action=action,
                current_unit=True, reason=_("Vårdkontakten hör till en annan vårdenhet."), now=now)


def _load(session: Session, contact_id: int, *, lock: bool = False) -> CareContact:
    contact = session.get(CareContact, contact_id,
                          with_for_update={"of": CareContact} if lock else None,
                          populate_existing=lock)
    if contact is None:
        raise NotFound(_("Vårdkontakten finns inte."))
    return contact


def get_contact(session: Session, *, actor: Actor, contact_id: int, action: str = "read",
                now: datetime | None = None) -> CareContact:
    """Load a contact after the access check (which writes the audit row)."""
    contact = _load(session, contact_id)
    check(session, actor=actor, contact=contact, action=action, now=now or utcnow())
    return contact


def for_change(session: Session, *, actor: Actor, contact_id: int, now: datetime) -> CareContact:
    """Load a contact for a change: row-locked, access-checked, logged as an update."""
    contact = _load(session, contact_id, lock=True)
    check(session, actor=actor, contact=contact, action="update", now=now)
    return contact


# -- registering ---------------------------------------------------------------------------

def _validate(*, kind: str, contact_date: date | None, admitted_on: date | None,
              discharged_on: date | None, today: date) -> date:
    """The contact's day, or ValidationFailed naming each wrong field in Swedish."""
    errors: dict[str, str] = {}
    if kind not in {k.value for k in ContactKind}:
        errors["kind"] = _("Välj slag av vårdkontakt.")
    if kind == ContactKind.INPATIENT:
        if admitted_on is None:
            errors["admitted_on"] = _("Ange inskrivningsdag.")
        elif discharged_on is not None and discharged_on < admitted_on:
            errors["discharged_on"] = _("Utskrivningsdagen kan inte ligga före inskrivningsdagen.")
        contact_date = contact_date or admitted_on
    elif admitted_on is not None or discharged_on is not None:
        errors["admitted_on"] = _("In- och utskrivningsdag hör bara till ett slutenvårdstillfälle.")
    if contact_date is None:
        errors.setdefault("contact_date", _("Ange datum för vårdkontakten."))
    elif contact_date > today:
        errors["contact_date"] = _("Datumet kan inte ligga i framtiden.")
    for name, day in (("admitted_on", admitted_on), ("discharged_on", discharged_on)):
        if day is not None and day > today:
            errors.setdefault(name, _("Datumet kan inte ligga i framtiden."))
    if errors:
        raise ValidationFailed(errors)
    assert contact_date is not None
    return contact_date


def create_contact(session: Session, *, actor: Actor, patient_id: int, kind: str,
                   contact_date: date | None = None, admitted_on: date | None = None,
                   discharged_on: date | None = None, clinician_id: int | None = None,
                   source: Source = Source.MANUAL, source_id: int | None = None,
                   now: datetime | None = None) -> CareContact:
    """Register a contact in the actor's unit; one that must be coded opens a coding item."""
    now = now or utcnow()
    day = _validate(kind=kind, contact_date=contact_date, admitted_on=admitted_on,
                    discharged_on=discharged_on, today=workdays.local_today(now))
    if clinician_id is not None and session.scalar(select(UnitMembership.user_id).where(
            UnitMembership.user_id == clinician_id,
            UnitMembership.unit_id == actor.unit_id)) is None:
        raise ValidationFailed({"clinician_id": _("Vårdgivaren arbetar inte på din vårdenhet.")})
    # The access check before anything is stored (a refusal leaves only its denied row); a
    # typo'd id must not become a denied row about no patient.
    try:
        audit.check_access(session, actor=actor, patient_id=patient_id, action="create",
                           object_type=OBJECT_TYPE, now=now)
    except audit.AccessDenied:
        if session.get(patients.Patient, patient_id) is None:
            raise NotFound(_("Patienten finns inte.")) from None
        raise
    contact = CareContact(unit_id=actor.unit_id, patient_id=patient_id, contact_date=day, kind=kind,
                          admitted_on=admitted_on, discharged_on=discharged_on,
                          clinician_id=clinician_id, source=source.value, source_id=source_id,
                          must_code=must_code(kind), created_at=now, created_by_id=actor.user_id,
                          updated_at=now)
    session.add(contact)
    session.flush()
    contact.record("created", actor_id=actor.user_id, now=now, to_status=contact.status,
                   source=source.value, source_id=source_id)
    if items.waits(contact):
        patient = session.get(patients.Patient, patient_id)
        items.open_for(session, actor=actor, contact=contact, now=now,
                       patient_name=patient.full_name if patient is not None else "")
    session.flush()
    return contact


def contact_from_visit(session: Session, *, actor: Actor, appointment_id: int, patient_id: int,
                       visit_date: date, clinician_id: int | None, now: datetime) -> CareContact:
    """The contact of a visit done (made once: a second call finds it)."""
    found = session.scalar(select(CareContact).where(CareContact.source == Source.VISIT.value,
                                                     CareContact.source_id == appointment_id))
    if found is not None:
        return found
    # A note signed before the visit was marked done made the day's contact already: the visit
    # is that contact (one contact a day, one coding item).
    from_note = session.scalar(select(CareContact).where(
        CareContact.unit_id == actor.unit_id, CareContact.patient_id == patient_id,
        CareContact.source == Source.NOTE.value, CareContact.contact_date == visit_date)
        .order_by(CareContact.id).limit(1))
    if from_note is not None:
        check(session, actor=actor, contact=from_note, action="update", now=now)
        from_note.record("visit_linked", actor_id=actor.user_id, now=now,
                         appointment_id=appointment_id)
        return from_note
    kind = ContactKind.DOCTOR_VISIT if clinician_id is not None else ContactKind.OTHER_VISIT
    return create_contact(session, actor=actor, patient_id=patient_id, kind=kind.value,
                          contact_date=visit_date, clinician_id=clinician_id,
                          source=Source.VISIT, source_id=appointment_id, now=now)


def link_note(session: Session, *, actor: Actor, dictation_id: int, patient_id: int,
              note_type: str, note_date: date, author_id: int | None,
              now: datetime) -> CareContact:
    """Link a signed note to the patient's contact that day in the actor's unit, or make one
    (its kind from the note type); the note's suggestions are made for the secretary."""
    contact = session.scalar(select(CareContact).where(CareContact.note_id == dictation_id))
    if contact is not None:
        return contact  # handled already
    contact = session.scalar(
        select(CareContact).where(CareContact.unit_id == actor.unit_id,
                                  CareContact.patient_id == patient_id,
                                  CareContact.contact_date == note_date,
                                  CareContact.note_id.is_(None))
        .order_by(CareContact.must_code.desc(), CareContact.id).limit(1))
    if contact is None:
        kind = NOTE_TYPE_KINDS.get(note_type, ContactKind.OTHER_VISIT.value)
        contact = create_contact(
            session, actor=actor, patient_id=patient_id, kind=kind,
            contact_date=note_date if kind != ContactKind.INPATIENT else None,
            admitted_on=note_date if kind == ContactKind.INPATIENT else None,
            clinician_id=author_id, source=Source.NOTE, source_id=dictation_id, now=now)
    else:
        check(session, actor=actor, contact=contact, action="update", now=now)
    text = note_text(session, actor=actor, dictation_id=dictation_id, now=now)
    contact.note_id = dictation_id
    contact.note_words = suggest.words(text)
    contact.record("note_linked", actor_id=actor.user_id, now=now, note_id=dictation_id)
    session.flush()
    suggest.make(session, contact=contact, text=text, now=now)
    return contact


def note_text(session: Session, *, actor: Actor, dictation_id: int,
              now: datetime | None = None) -> str:
    """The signed note's current text, read through the dictation's access check."""
    dictation = dictations.get_dictation(session, actor=actor, dictation_id=dictation_id,
                                         object_type="signed_note", now=now)
    version = dictation.current_version
    return version.text if version is not None else ""


# -- the unit's list -------------------------------------------------------------------------

@dataclass(frozen=True)
class ContactRow:
    """One contact of a list, with its patient."""

    contact: CareContact
    patient: patients.Patient


@dataclass(frozen=True)
class ContactFilter:
    """What the list shows: status, kind, a date range, a clinician."""

    status: str = "uncoded"
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None
    clinician_id: int | None = None


def list_contacts(session: Session, *, actor: Actor, f: ContactFilter = ContactFilter(),
                  limit: int | None = LIST_LIMIT, now: datetime | None = None) -> list[ContactRow]:
    """The actor's unit's contacts, oldest first; every patient shown is logged as listed."""
    errors: dict[str, str] = {}
    if f.status not in STATUS_FILTERS:
        errors["status"] = _("Okänt urval.")
    if f.kind and f.kind not in {k.value for k in ContactKind}:
        errors["kind"] = _("Okänt slag av vårdkontakt.")
    if f.date_from and f.date_to and f.date_to < f.date_from:
        errors["date_to"] = _("Sista dagen ska vara samma dag eller senare.")
    if errors:
        raise ValidationFailed(errors)
    stmt = (select(CareContact, patients.Patient)
            .join(patients.Patient, patients.Patient.id == CareContact.patient_id)
            .where(CareContact.unit_id == actor.unit_id)
            .order_by(CareContact.contact_date, CareContact.id))
    if f.status == ContactStatus.UNCODED.value:
        # The queue: what waits for coding (a contact that need not be coded waits for nobody).
        stmt = stmt.where(CareContact.status == f.status, CareContact.must_code.is_(True))
    elif f.status != "all":
        stmt = stmt.where(CareContact.status == f.status)
    if f.kind:
        stmt = stmt.where(CareContact.kind == f.kind)
    if f.date_from:
        stmt = stmt.where(CareContact.contact_date >= f.date_from)
    if f.date_to:
        stmt = stmt.where(CareContact.contact_date <= f.date_to)
    if f.clinician_id:
        stmt = stmt.where(CareContact.clinician_id == f.clinician_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = [ContactRow(c, p) for c, p in session.execute(stmt).tuples()]
    audit.log_listing(session, actor=actor, patient_ids=[r.patient.id for r in rows],
                      object_type=OBJECT_TYPE, now=now)
    return rows


def next_uncoded_id(session: Session, *, unit_id: int, after_id: int) -> int | None:
    """The id of the unit's oldest contact waiting for coding other than ``after_id`` (an id
    only: the page it leads to checks access and logs the read)."""
    return session.scalar(
        select(CareContact.id).where(CareContact.unit_id == unit_id,
                                     CareContact.status == ContactStatus.UNCODED.value,
                                     CareContact.must_code.is_(True), CareContact.id != after_id)
        .order_by(CareContact.contact_date, CareContact.id).limit(1))
