"""Registering an incoming referral, the checks of typed values, and the PDF attachments."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser import bounds
from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.identity import InvalidIdentifier, parse_identifier
from kulisser.patients import service as patients
from kulisser.patients.service import Patient
from kulisser.referrals import items, messages
from kulisser.referrals.messages import today_in_sweden
from kulisser.referrals.models import OutgoingReferral, Referral, ReferralAttachment
from kulisser.referrals.storage import PdfStore, StagedPdf, Upload
from kulisser.staff.service import Actor, Role, UnitMembership, User
from kulisser.worklist import service as worklist
from kulisser.worklist.service import Priority

__all__ = ["ReferralData", "today_in_sweden"]
# SE + the organisation number (10 digits) + "-" + the unit's own part: SE2321000016-15B4.
_HSA = re.compile(r"^SE\d{10}-[0-9A-Z]{1,31}$")
QUESTION_MAX = 20_000


@dataclass
class ReferralData:
    """An incoming referral as typed (strings, unvalidated); names only for a new patient."""

    sender_name: str = ""
    sender_hsa_id: str = ""
    issued_on: str = ""
    received_on: str = ""
    identifier: str = ""
    given_name: str = ""
    family_name: str = ""
    question: str = ""
    priority: str = Priority.NORMAL.value
    assessor_id: int | None = None
    confirm_receipt: bool = True


def check_text(value: str, *, field: str, required: bool, limit: int) -> str:
    """A stripped text, or ValidationFailed when missing (if required) or too long."""
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed({field: _("Fältet måste fyllas i.")})
    if len(value) > limit:
        raise ValidationFailed({field: _("Högst {limit} tecken.", limit=limit)})
    return value


def check_date(value: object, *, field: str, label: str, today: date,
               errors: dict[str, str]) -> date | None:
    """A date (a date or ISO text) not in the future; a field error otherwise."""
    if isinstance(value, date):
        day = value
    else:
        text = str(value or "").strip()
        if not text:
            errors[field] = _("Ange datum då {label}.", label=label)
            return None
        try:
            day = bounds.parse_day(text)
        except ValueError:
            errors[field] = _("Ange datumet som ÅÅÅÅ-MM-DD.")
            return None
    if day > today:
        errors[field] = _("Datumet kan inte ligga i framtiden.")
        return None
    return day


def check_hsa_id(value: str, *, field: str, errors: dict[str, str]) -> str:
    """An HSA-id in upper case; a field error when it does not look like one."""
    hsa = (value or "").strip().upper()
    if not hsa:
        errors[field] = _("Ange HSA-id.")
    elif not _HSA.match(hsa):
        errors[field] = _("HSA-id ska ha formen SE2321000016-XXXX.")
    return hsa


def is_assessor(session: Session, *, unit_id: int, user_id: int) -> bool:
    """Whether the user is an active clinician of the unit (who may assess referrals)."""
    return session.scalar(select(User.id).join(UnitMembership, UnitMembership.user_id == User.id)
                          .where(User.id == user_id, UnitMembership.unit_id == unit_id,
                                 User.active.is_(True), User.role == Role.CLINICIAN.value)) is not None


def assessors(session: Session, *, unit_id: int) -> list[User]:
    """The unit's active clinicians, by name (the choices of assessor)."""
    return list(session.scalars(
        select(User).join(UnitMembership, UnitMembership.user_id == User.id)
        .where(UnitMembership.unit_id == unit_id, User.active.is_(True),
               User.role == Role.CLINICIAN.value).order_by(User.full_name)))


def _validate(session: Session, *, actor: Actor, data: ReferralData, today: date
              ) -> tuple[dict[str, object], Patient | None]:
    errors: dict[str, str] = {}
    clean: dict[str, object] = {}
    name = data.sender_name.strip()
    if not name:
        errors["sender_name"] = _("Ange remitterande enhet.")
    elif len(name) > 200:
        errors["sender_name"] = _("Högst 200 tecken.")
    clean["sender_name"] = name
    clean["sender_hsa_id"] = check_hsa_id(data.sender_hsa_id, field="sender_hsa_id", errors=errors)
    issued = check_date(data.issued_on, field="issued_on", label=_("remissen utfärdades"),
                        today=today, errors=errors)
    received = check_date(data.received_on, field="received_on", label=_("remissen kom in"),
                          today=today, errors=errors)
    if issued and received and received < issued:
        errors["received_on"] = _("Remissen kan inte ha kommit in före den utfärdades.")
    clean.update(issued_on=issued, received_on=received)
    try:
        clean["question"] = check_text(data.question, field="question", required=True,
                                       limit=QUESTION_MAX)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if data.priority not in {p.value for p in Priority}:
        errors["priority"] = _("Okänd prioritet.")
    if data.assessor_id is not None and not is_assessor(session, unit_id=actor.unit_id,
                                                        user_id=data.assessor_id):
        errors["assessor_id"] = _("Välj en läkare/vårdpersonal på enheten, eller enhetens kö.")
    patient = None
    try:
        parse_identifier(data.identifier)
        patient = patients.lookup_by_identifier(session, text=data.identifier)
    except InvalidIdentifier as exc:
        errors["identifier"] = exc.message
    related = patient is not None and audit.has_care_relation(
        session, unit_id=actor.unit_id, patient_id=patient.id)
    if not related and "identifier" not in errors:
        # A patient new to the unit needs a name, whether or not the number is on file: asking
        # only for unknown numbers would tell which numbers are registered.
        for field, label in (("given_name", _("förnamn")), ("family_name", "efternamn")):
            if not getattr(data, field).strip():
                errors[field] = _("Ange patientens {label} (krävs när patienten är ny för "
                                  "enheten).", label=label)
    if errors:
        raise ValidationFailed(errors)
    return clean, patient


@contextmanager
def staged(store: PdfStore | None, uploads: list[Upload]) -> Iterator[list[StagedPdf]]:
    """Check every upload before anything is written (no uploads: nothing to check)."""
    if not uploads:
        yield []
        return
    if store is None:
        raise ValueError("uploads without a store")
    with store.receive(uploads) as files:
        yield files


def attach(session: Session, *, actor: Actor, files: list[StagedPdf], now: datetime,
           referral: Referral | None = None, outgoing: OutgoingReferral | None = None,
           message_id: int | None = None) -> list[ReferralAttachment]:
    """Rows for checked files, then the files in place (before the caller commits)."""
    rows = [ReferralAttachment(sha256=f.sha256, size=f.size, filename=f.filename, uploaded_at=now,
                               uploaded_by_id=actor.user_id, message_id=message_id)
            for f in files]
    owner: Referral | OutgoingReferral | None = referral if referral is not None else outgoing
    assert owner is not None
    owner.attachments.extend(rows)
    session.flush()
    for f in files:
        f.place()
    return rows


def register_referral(session: Session, *, actor: Actor, data: ReferralData,
                      store: PdfStore | None = None, uploads: list[Upload] | None = None,
                      now: datetime | None = None) -> Referral:
    """Register an incoming referral: patient (registered here if new), PDFs, receipt, work item.

    Bad input raises ValidationFailed with a Swedish message per field; a file that is not a
    complete PDF refuses the whole registration, and nothing is stored.
    """
    # Imported here: the service re-exports this module (an import cycle).
    from kulisser.referrals import service as referrals

    now = now or utcnow()
    clean, patient = _validate(session, actor=actor, data=data, today=today_in_sweden(now))
    with staged(store, uploads or []) as files:
        # A referral to the unit makes it take part in the patient's care (PDL): the relation
        # starts with that reason, flagged for the log review when the patient was on file.
        reason = patients.reason_label(patients.RelationReason.REFERRAL_REGISTERED)
        if patient is None:
            patient = patients.register_patient(session, actor=actor, data=patients.PatientData(
                identifier=data.identifier, given_name=data.given_name,
                family_name=data.family_name), path_reason=reason)
        elif not audit.has_care_relation(session, unit_id=actor.unit_id, patient_id=patient.id):
            patients.start_relation(session, actor=actor, patient_id=patient.id, reason=reason,
                                     flagged=True)
        referral = Referral(unit_id=actor.unit_id, patient_id=patient.id,
                            priority=data.priority, assessor_id=data.assessor_id,
                            registered_by_id=actor.user_id, registered_at=now, updated_at=now,
                            **clean)
        session.add(referral)
        referral.record("registered", actor_id=actor.user_id, now=now,
                        to_status=referral.status, files=len(files) or None)
        session.flush()
        referrals.check(session, actor=actor, record=referral, action="create",
                        object_type="referral", now=now)
        attach(session, actor=actor, files=files, now=now, referral=referral)
        if data.confirm_receipt:
            messages.confirm(session, actor=actor, referral=referral, now=now)
        worklist.create_item(
            session, actor=actor, kind=items.ASSESSMENT.code, priority=referral.priority,
            title=_("Bedöm remiss från {sender_name}: {full_name}", sender_name=referral.sender_name,
                    full_name=patient.full_name)[:200],
            patient_id=patient.id, owner_id=data.assessor_id, ref_type=items.REF_INCOMING,
            ref_id=referral.id, now=now)
        session.flush()
    return referral


def typed_name_differs(session: Session, *, referral: Referral, given_name: str,
                       family_name: str) -> bool:
    """Whether the name typed with a registered referral differs from the patient's on file."""
    patient = session.get(Patient, referral.patient_id)
    return patient is not None and patients.name_differs(patient, given_name=given_name,
                                                           family_name=family_name)


@dataclass(frozen=True)
class PdfFile:
    """A stored PDF to send: where it is and a neutral download name."""

    path: Path
    filename: str
    size: int


def open_attachment(session: Session, *, actor: Actor, store: PdfStore, attachment_id: int,
                    referral_id: int | None, outgoing_id: int | None, now: datetime) -> PdfFile:
    """A referral's stored PDF after the access check (logged as a read of the attachment)."""
    # Imported here: the service re-exports this module (an import cycle).
    from kulisser.referrals import service as referrals

    row = session.get(ReferralAttachment, attachment_id)
    if row is None or (row.referral_id, row.outgoing_id) != (referral_id, outgoing_id):
        raise NotFound(_("Bilagan finns inte."))
    record = (referrals.load(session, Referral, referral_id) if referral_id is not None
              else referrals.load(session, OutgoingReferral, outgoing_id or 0))
    referrals.check(session, actor=actor, record=record, action="read",
                    object_type="referral_attachment", now=now)
    path = store.path_for(row.sha256)
    if not path.is_file():
        raise NotFound(_("Filen saknas i lagringen."))
    # Never the user's own file name in the download: it may hold a personnummer.
    prefix = "remiss" if referral_id is not None else "utgaende-remiss"
    return PdfFile(path=path, filename=f"{prefix}-{record.id}-bilaga-{row.id}.pdf", size=row.size)
