"""Patient operations: register, update, find, and care relations.

The patients package's public face: other packages import what they need of it from here,
the mapped classes included (to read and join them; only this package writes them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.identity import IdKind, InvalidIdentifier, looks_like_identity_number, parse_identifier
from kulisser.names import search_key
from kulisser.patients import relations, residence
from kulisser.patients.models import CareRelation as CareRelation
from kulisser.patients.models import Patient as Patient
from kulisser.patients.relations import NAME_WARNING as NAME_WARNING
from kulisser.patients.relations import NOT_AT_UNIT as NOT_AT_UNIT
from kulisser.patients.relations import RelationReason as RelationReason
from kulisser.patients.relations import find_for_actor as find_for_actor
from kulisser.patients.relations import has_care_relation as has_care_relation
from kulisser.patients.relations import name_differs as name_differs
from kulisser.patients.relations import reason_label as reason_label
from kulisser.patients.relations import start_relation as start_relation
from kulisser.patients.relations import start_relations as start_relations
from kulisser.phone import phone_error
from kulisser.staff.service import Actor

_POSTAL = re.compile(r"^\d{3} ?\d{2}$")


@dataclass
class PatientData:
    """The fields of a patient as typed by a user (strings, unvalidated)."""

    identifier: str = ""
    id_kind: str = ""
    given_name: str = ""
    family_name: str = ""
    address: str = ""
    postal_code: str = ""
    city: str = ""
    phone: str = ""
    protected_identity: bool = False
    county_code: str = ""
    municipality_code: str = ""


def validate(data: PatientData) -> dict[str, object]:
    """Check a patient's fields; return clean values or raise ValidationFailed (Swedish)."""
    errors: dict[str, str] = {}
    clean: dict[str, object] = {}
    try:
        ident = parse_identifier(data.identifier, kind=data.id_kind or None)
        clean["id_kind"], clean["id_value"] = ident.kind.value, ident.value
    except InvalidIdentifier as exc:
        errors["identifier"] = exc.message
    except ValueError:
        errors["id_kind"] = _("Okänd typ av identitet.")
    for field, label in (("given_name", _("förnamn")), ("family_name", "efternamn")):
        value = getattr(data, field).strip()
        if not value:
            errors[field] = _("Ange {label}.", label=label)
        elif len(value) > 100:
            errors[field] = _("Högst 100 tecken.")
        clean[field] = value
    phone = " ".join(data.phone.split())
    bad_phone = phone_error(phone)
    if bad_phone:
        errors["phone"] = bad_phone
    postal = data.postal_code.strip()
    if postal and not _POSTAL.match(postal):
        errors["postal_code"] = _("Postnumret ska ha fem siffror, t.ex. 123 45.")
    for field, limit in (("address", 200), ("city", 100)):
        if len(getattr(data, field).strip()) > limit:
            errors[field] = _("Högst {limit} tecken.", limit=limit)
    county, municipality, bad_residence = residence.clean(county=data.county_code,
                                                          municipality=data.municipality_code)
    errors.update(bad_residence)
    if errors:
        raise ValidationFailed(errors)
    clean.update(phone=phone, postal_code=postal, address=data.address.strip(),
                 city=data.city.strip(), protected_identity=bool(data.protected_identity),
                 county_code=county, municipality_code=municipality)
    return clean


def register_patient(session: Session, *, actor: Actor, data: PatientData,
                     care_reason: str | None = None, care_reason_text: str | None = None,
                     path_reason: str | None = None) -> Patient:
    """Register a patient, or take a known one into the unit's care, with the relation's reason.

    When the unit has no care relation with the number, a reason is required whether or not
    the number is on file (``care_reason``, or ``path_reason`` from a referral or an import),
    so the answer never tells a known number from a new one before a reason is given; a
    known patient's details are not overwritten, and the start is flagged for the log review.
    """
    errors: dict[str, str] = {}
    clean: dict[str, object] = {}
    try:
        clean = validate(data)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    existing = None
    try:
        ident = parse_identifier(data.identifier, kind=data.id_kind or None)
        existing = session.scalar(select(Patient).where(Patient.id_kind == ident.kind.value,
                                                        Patient.id_value == ident.value))
    except (InvalidIdentifier, ValueError):
        pass  # validate() has said what is wrong with it
    related = existing is not None and audit.has_care_relation(
        session, unit_id=actor.unit_id, patient_id=existing.id)
    reason = path_reason or ""
    if not related and not reason:
        try:
            reason = relations.chosen_reason(care_reason, care_reason_text)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    if existing is not None:
        if not related:
            relations.start_relation(session, actor=actor, patient_id=existing.id, reason=reason,
                                     flagged=True)
        audit.check_access(session, actor=actor, patient_id=existing.id, action="read",
                           object_type="patient", object_id=existing.id)
        return existing
    patient = Patient(id_kind=clean.pop("id_kind"), id_value=clean.pop("id_value"))
    patient.set_name(given_name=str(clean.pop("given_name")), family_name=str(clean.pop("family_name")))
    for key, value in clean.items():
        setattr(patient, key, value)
    session.add(patient)
    session.flush()
    relations.start_relation(session, actor=actor, patient_id=patient.id, reason=reason,
                             flagged=False)
    audit.check_access(session, actor=actor, patient_id=patient.id, action="create",
                       object_type="patient", object_id=patient.id)
    return patient


def update_patient(session: Session, *, actor: Actor, patient_id: int, data: PatientData) -> Patient:
    """Change a patient's name, contact details, residence and protection (not the identity number)."""
    patient = get_patient(session, actor=actor, patient_id=patient_id, action="update")
    data.identifier = data.identifier or patient.id_value
    data.id_kind = data.id_kind or patient.id_kind
    clean = validate(data)
    if (clean["id_kind"], clean["id_value"]) != (patient.id_kind, patient.id_value):
        raise ValidationFailed({"identifier": _("Identitetsnumret kan inte ändras här.")})
    patient.set_name(given_name=str(clean["given_name"]), family_name=str(clean["family_name"]))
    for key in ("address", "postal_code", "city", "phone", "protected_identity", "county_code",
                "municipality_code"):
        setattr(patient, key, clean[key])
    return patient


def get_patient(session: Session, *, actor: Actor, patient_id: int, action: str = "read",
                object_type: str = "patient") -> Patient:
    """Load a patient after the access check (which writes the audit row); ``object_type``
    says which part of the record is read (a section of the patient page)."""
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound(_("Patienten finns inte."))
    audit.check_access(session, actor=actor, patient_id=patient_id, action=action,
                       object_type=object_type, object_id=patient_id)
    return patient


def open_patient(session: Session, *, actor: Actor, patient_id: int,
                 action: str = "read") -> tuple[Patient, audit.Access]:
    """Load a patient after the access check, also telling whether it was emergency access."""
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound(_("Patienten finns inte."))
    access = audit.check_access(session, actor=actor, patient_id=patient_id, action=action,
                                object_type="patient", object_id=patient_id)
    return patient, access


def find_patients(session: Session, *, actor: Actor, query: str, limit: int = 20) -> list[Patient]:
    """Search patients with a care relation to the actor's unit, by identity number or name.

    Only patients the unit may see are returned; each one shown is logged.
    """
    q = query.strip()
    if not q:
        return []
    stmt = (
        select(Patient)
        .join(CareRelation, CareRelation.patient_id == Patient.id)
        .where(CareRelation.unit_id == actor.unit_id, CareRelation.ended_at.is_(None))
    )
    if looks_like_identity_number(q):
        try:
            ident = parse_identifier(q)
            stmt = stmt.where(Patient.id_value == ident.value)
        except InvalidIdentifier:
            digits = re.sub(r"\D", "", q)
            stmt = stmt.where(Patient.id_value.contains(digits))
    elif q.replace("-", "").isdigit():
        stmt = stmt.where(Patient.id_value.contains(re.sub(r"\D", "", q)))
    else:
        terms = search_key(q).split()
        # autoescape: a "%" or "_" typed in the search box is a character, not a wildcard.
        stmt = stmt.where(*[or_(Patient.search_name.startswith(t, autoescape=True),
                                Patient.search_name.contains(" " + t, autoescape=True)) for t in terms])
    patients = list(session.scalars(stmt.order_by(Patient.search_name).limit(limit)))
    audit.log_listing(session, actor=actor, patient_ids=[p.id for p in patients],
                      object_type="patient_search")
    return patients


def lookup_by_identifier(session: Session, *, text: str) -> Patient | None:
    """Find a patient by exact identity number (no access check: callers check)."""
    try:
        ident = parse_identifier(text)
    except InvalidIdentifier:
        return None
    return session.scalar(select(Patient).where(Patient.id_kind == ident.kind.value,
                                                Patient.id_value == ident.value))


def id_kinds() -> list[tuple[str, str]]:
    """The identifier kinds for a form's select, in Swedish."""
    return [(IdKind.PERSONNUMMER.value, _("Personnummer")),
            (IdKind.SAMORDNINGSNUMMER.value, _("Samordningsnummer")),
            (IdKind.RESERVNUMMER.value, _("Reservnummer"))]



def add_demo_patients(session: Session, *, rows: Sequence[Mapping[str, object]]) -> list[Patient]:
    """Add synthetic patients for the demo as given (fields, ``given_name``, ``family_name``)."""
    people = []
    for row in rows:
        fields = dict(row)
        patient = Patient(**{k: v for k, v in fields.items() if k not in ("given_name", "family_name")})
        patient.set_name(given_name=str(fields["given_name"]), family_name=str(fields["family_name"]))
        people.append(patient)
    session.add_all(people)
    session.flush()
    return people


def add_demo_relations(session: Session, *, unit_id: int, patient_ids: Sequence[int]) -> None:
    """Give a demo unit care relations with these synthetic patients (no reason, no audit row)."""
    session.add_all([CareRelation(unit_id=unit_id, patient_id=pid) for pid in patient_ids])
