"""A coded contact as FHIR (issue 14 item 6): a Bundle of an Encounter with a Condition per
diagnosis (main, secondary, external cause) and a Procedure per KVÅ code.

FHIR version: R4 (as R4B), as dictation/fhir.py and for the same reason (Swedish record
systems speak R4). Systems: ICD-10-SE ``urn:oid:1.2.752.116.1.1.1.1.3`` (the code without
its dot, as the Swedish tables write it), KVÅ ``urn:oid:1.2.752.116.1.3.2.1.4``; a code
from the WHO fallback tree (no ICD-10-SE table imported) is the WHO's, under
``http://hl7.org/fhir/sid/icd-10`` with its dot. Only a coded contact exports; the read goes
through the access check with an audit row of its own (``care_contact_fhir``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.coding import codes
from kulisser.coding.models import CareContact, ContactCode
from kulisser.coding.states import KIND_LABELS, ContactKind, ContactStatus, Role
from kulisser.db import utcnow
from kulisser.errors import NotFound
from kulisser.i18n import _
from kulisser.identity import Identifier, IdKind
from kulisser.patients import service as patients
from kulisser.staff.service import Actor, CareUnit, User
from kulisser.worklist.service import TransitionError

OBJECT_TYPE = "care_contact_fhir"
ICD10SE_SYSTEM = "urn:oid:1.2.752.116.1.1.1.1.3"
KVA_SYSTEM = "urn:oid:1.2.752.116.1.3.2.1.4"
WHO_ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10"
HSA_SYSTEM = "urn:oid:1.2.752.29.4.19"
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/condition-category"
ROLE_SYSTEM = "http://terminology.hl7.org/CodeSystem/diagnosis-role"
KIND_SYSTEM = "urn:kulisser:contact-kind"
CODE_ROLE_SYSTEM = "urn:kulisser:code-role"
CONTACT_SYSTEM = "urn:kulisser:care-contact"
FHIR_JSON = "application/fhir+json"
# Encounter.class: an inpatient stay is IMP, every other contact ambulatory (a call: VR).
_CLASS = {ContactKind.INPATIENT.value: ("IMP", "inpatient encounter"),
          ContactKind.PHONE.value: ("VR", "virtual")}


def _coding(session: Session, c: ContactCode, on: date) -> dict[str, Any]:
    """The code's FHIR coding: its system (ICD-10-SE, KVÅ or WHO's), value and title."""
    hit = codes.lookup(session, system=c.system, code=c.code, on=on)
    if c.system == codes.KVA:
        out: dict[str, Any] = {"system": KVA_SYSTEM, "code": c.code}
    elif hit is not None and hit.fallback:
        out = {"system": WHO_ICD10_SYSTEM, "code": codes.display(c.code, c.system)}
    else:
        out = {"system": ICD10SE_SYSTEM, "code": c.code}
    if hit is not None and hit.title:
        out["display"] = hit.title
    return out


def bundle(session: Session, *, actor: Actor, contact_id: int,
           now: datetime | None = None) -> Bundle:
    """The coded contact as a validated FHIR R4 collection Bundle (Encounter first)."""
    contact = session.get(CareContact, contact_id)
    if contact is None:
        raise NotFound(_("Vårdkontakten finns inte."))
    audit.check(session, actor=actor, record=contact, object_type=OBJECT_TYPE, action="export",
                current_unit=True, reason=_("Vårdkontakten hör till en annan vårdenhet."),
                now=now or utcnow())
    if contact.status != ContactStatus.CODED:
        raise TransitionError(_("Vårdkontakten är inte kodad; bara kodade vårdkontakter kan "
                                "exporteras."), code="not_coded")
    patient = session.get(patients.Patient, contact.patient_id)
    unit = session.get(CareUnit, contact.unit_id)
    assert patient is not None and unit is not None
    subject = {"type": "Patient", "display": patient.full_name, "identifier": {
        "system": Identifier(kind=IdKind(patient.id_kind), value=patient.id_value).system,
        "value": patient.id_value}}
    enc_url = f"urn:kulisser:care-contact:{contact.id}"
    inpatient = contact.kind == ContactKind.INPATIENT
    start = contact.admitted_on if inpatient and contact.admitted_on else contact.contact_date
    period = {"start": start.isoformat()}
    if inpatient and contact.discharged_on:
        period["end"] = contact.discharged_on.isoformat()
    klass = _CLASS.get(contact.kind, ("AMB", "ambulatory"))
    encounter: dict[str, Any] = {
        "resourceType": "Encounter", "id": f"care-contact-{contact.id}",
        "identifier": [{"system": CONTACT_SYSTEM, "value": str(contact.id)}],
        "status": "finished" if not inpatient or contact.discharged_on else "in-progress",
        "class": {"system": ACT_CODE_SYSTEM, "code": klass[0], "display": klass[1]},
        "type": [{"coding": [{"system": KIND_SYSTEM, "code": contact.kind}],
                  "text": _(KIND_LABELS[contact.kind])}],
        "subject": subject, "period": period,
        "serviceProvider": {"type": "Organization", "display": unit.name,
                            "identifier": {"system": HSA_SYSTEM, "value": unit.hsa_id}},
        "diagnosis": []}
    clinician = session.get(User, contact.clinician_id) if contact.clinician_id else None
    if clinician is not None:
        who: dict[str, Any] = {"type": "Practitioner", "display": clinician.full_name}
        if clinician.hsa_id:
            who["identifier"] = {"system": HSA_SYSTEM, "value": clinician.hsa_id}
        encounter["participant"] = [{"individual": who}]
    entries: list[dict[str, Any]] = [{"fullUrl": enc_url, "resource": encounter}]
    ordered = sorted(contact.codes, key=lambda c: (list(Role).index(Role(c.role)), c.position))
    for n, c in enumerate(ordered, start=1):
        url = f"{enc_url}:code:{n}"
        coding = _coding(session, c, contact.contact_date)
        if c.role == Role.PROCEDURE:
            entries.append({"fullUrl": url, "resource": {
                "resourceType": "Procedure", "status": "completed", "subject": subject,
                "encounter": {"reference": enc_url}, "code": {"coding": [coding]},
                "performedDateTime": (c.procedure_date or contact.contact_date).isoformat()}})
            continue
        entries.append({"fullUrl": url, "resource": {
            "resourceType": "Condition", "subject": subject, "encounter": {"reference": enc_url},
            "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": "encounter-diagnosis"}]},
                         {"coding": [{"system": CODE_ROLE_SYSTEM, "code": c.role}]}],
            "code": {"coding": [coding]}}})
        encounter["diagnosis"].append({
            "condition": {"reference": url}, "rank": len(encounter["diagnosis"]) + 1,
            "use": {"coding": [{"system": ROLE_SYSTEM, "code": "DD"}]}})
    if not encounter["diagnosis"]:
        del encounter["diagnosis"]
    return Bundle.model_validate({"resourceType": "Bundle", "type": "collection",
                                  "timestamp": (now or utcnow()).isoformat(), "entry": entries})
