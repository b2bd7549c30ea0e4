"""Export of a signed note: plain text with a header, and a FHIR DocumentReference.

FHIR version: R4 (as R4B). Swedish record systems (and HL7 Sweden's profiles) speak R4;
fhir.resources 8 ships R5 as its default models and R4B in `fhir.resources.R4B`, whose
DocumentReference is R4's (relatesTo, content.attachment, docStatus; none of R5's changes),
so the export is built and validated with the R4B model.

Only a signed note exports; the read goes through the dictation's access check, so every
export leaves an audit row. A patient's address is never part of either export.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from fhir.resources.R4B.documentreference import DocumentReference
from sqlalchemy.orm import Session

from kulisser.dictation import service as dictations
from kulisser.dictation.models import Dictation, NoteVersion
from kulisser.dictation.states import (
    FHIR_DOC_STATUS,
    HL7_COMPLETION,
    HL7_COMPLETION_SYSTEM,
    DictationStatus,
)
from kulisser.errors import NotFound
from kulisser.i18n import _
from kulisser.identity import Identifier, IdKind
from kulisser.patients.service import Patient
from kulisser.staff.service import Actor, CareUnit, User
from kulisser.worklist.service import TransitionError

HSA_SYSTEM = "urn:oid:1.2.752.29.4.19"  # HSA-id (Inera's catalogue of health-care staff and units)
LOINC_SYSTEM = "http://loinc.org"
NOTE_TYPE_SYSTEM = "urn:kulisser:note-type"  # the units' own note type codes
DICTATION_SYSTEM = "urn:kulisser:dictation"
NOTE_VERSION_SYSTEM = "urn:kulisser:note-version"
COMPLETION_EXTENSION = "urn:kulisser:fhir:document-completion"  # HL7 v2 table 0271
LOINC_DISPLAY = {"11506-3": "Progress note", "18842-5": "Discharge summary",
                 "57133-1": "Referral note", "34109-9": "Note"}
FHIR_JSON = "application/fhir+json"
TZ = ZoneInfo("Europe/Stockholm")


@dataclass(frozen=True)
class SignedNote:
    """One signed version of a note with everything its exports name."""

    dictation: Dictation
    version: NoteVersion
    patient: Patient
    author: User
    signer: User
    unit: CareUnit

    @property
    def is_current(self) -> bool:
        """Whether this is the newest version."""
        return self.dictation.versions[-1].version == self.version.version

    @property
    def file_stem(self) -> str:
        """A download name without patient data (a personnummer in a file name leaks)."""
        return f"anteckning-{self.dictation.id}-v{self.version.version}"


def signed_note(session: Session, *, actor: Actor, dictation_id: int, version: int | None = None,
                object_type: str = "signed_note", now: datetime | None = None) -> SignedNote:
    """A signed version (the current one unless given) after the access check and audit row."""
    dictation = dictations.get_dictation(session, actor=actor, dictation_id=dictation_id,
                                         object_type=object_type, now=now)
    if dictation.status != DictationStatus.SIGNED or not dictation.versions:
        raise TransitionError(_("Anteckningen är inte signerad; bara signerade anteckningar kan "
                                "exporteras."), code="not_signed")
    chosen = (dictation.versions[-1] if version is None
              else next((v for v in dictation.versions if v.version == version), None))
    if chosen is None:
        raise NotFound(_("Anteckningen har ingen version {version}.", version=version))
    patient = session.get(Patient, dictation.patient_id) if dictation.patient_id else None
    author = session.get(User, dictation.author_id) if dictation.author_id else None
    signer = session.get(User, chosen.signed_by_id)
    unit = session.get(CareUnit, dictation.unit_id)
    # A signed dictation always has them (send_for_signature requires patient and author).
    assert patient is not None and author is not None and signer is not None and unit is not None
    return SignedNote(dictation=dictation, version=chosen, patient=patient, author=author,
                      signer=signer, unit=unit)


def _local(at: datetime) -> str:
    return at.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def note_text(note: SignedNote) -> str:
    """The signed text under a header: patient, note type, author, signature, version."""
    v = note.version
    version = _("Version: {version}", version=v.version)
    if v.correction_reason:
        version += _(" (rättelse: {correction_reason})", correction_reason=v.correction_reason)
    header = [_("Patient: {name}, {display_id}", name=note.patient.full_name,
                display_id=note.patient.display_id),
              _("Anteckningstyp: {name}", name=note.dictation.note_type.name),
              _("Diktatör: {full_name}", full_name=note.author.full_name),
              _("Signerad: {when} av {name}", when=_local(v.signed_at), name=note.signer.full_name),
              version,
              _("Vårdenhet: {name}", name=note.unit.name)]
    return "\n".join(header) + "\n\n" + v.text.rstrip("\n") + "\n"


def _practitioner(user: User) -> dict[str, object]:
    ref: dict[str, object] = {"type": "Practitioner", "display": user.full_name}
    if user.hsa_id:
        ref["identifier"] = {"system": HSA_SYSTEM, "value": user.hsa_id}
    return ref


def resource_id(dictation_id: int, version: int) -> str:
    """The DocumentReference id of one version of a note."""
    return f"dictation-{dictation_id}-v{version}"


def document_reference(note: SignedNote) -> DocumentReference:
    """The signed version as a FHIR R4 DocumentReference (validated by the model)."""
    d, v, patient = note.dictation, note.version, note.patient
    data = v.text.encode("utf-8")
    kind = d.note_type
    codings = []
    if kind.loinc_code:
        coding = {"system": LOINC_SYSTEM, "code": kind.loinc_code}
        if kind.loinc_code in LOINC_DISPLAY:
            coding["display"] = LOINC_DISPLAY[kind.loinc_code]
        codings.append(coding)
    codings.append({"system": NOTE_TYPE_SYSTEM, "code": kind.code, "display": kind.name})
    code, display = HL7_COMPLETION[DictationStatus(d.status)]
    resource: dict[str, object] = {
        "resourceType": "DocumentReference",
        "id": resource_id(d.id, v.version),
        "language": "sv",
        "extension": [{"url": COMPLETION_EXTENSION, "valueCoding": {
            "system": HL7_COMPLETION_SYSTEM, "code": code, "display": display}}],
        "masterIdentifier": {"system": NOTE_VERSION_SYSTEM, "value": f"{d.id}-{v.version}"},
        "identifier": [{"system": DICTATION_SYSTEM, "value": str(d.id)}],
        "status": "current" if note.is_current else "superseded",
        # A correction is the amended note (the comment on FHIR_DOC_STATUS).
        "docStatus": "amended" if v.version > 1 else FHIR_DOC_STATUS[DictationStatus(d.status)],
        "type": {"coding": codings, "text": kind.name},
        "subject": {"type": "Patient", "display": patient.full_name, "identifier": {
            "system": Identifier(kind=IdKind(patient.id_kind), value=patient.id_value).system,
            "value": patient.id_value}},
        "date": v.signed_at.isoformat(),
        "author": [_practitioner(note.author)],
        "authenticator": _practitioner(note.signer),
        "custodian": {"type": "Organization", "display": note.unit.name,
                      "identifier": {"system": HSA_SYSTEM, "value": note.unit.hsa_id}},
        "content": [{"attachment": {
            "contentType": "text/plain; charset=utf-8", "language": "sv",
            "data": base64.b64encode(data).decode("ascii"), "size": len(data),
            "hash": base64.b64encode(hashlib.sha1(data).digest()).decode("ascii"),  # noqa: S324 - FHIR's hash is SHA-1
            "title": f"{kind.name}, version {v.version}",
            "creation": v.signed_at.isoformat()}}],
    }
    if v.version > 1:
        previous = resource_id(d.id, v.version - 1)
        resource["relatesTo"] = [{"code": "replaces", "target": {
            "type": "DocumentReference", "reference": f"DocumentReference/{previous}"}}]
    return DocumentReference.model_validate(resource)
