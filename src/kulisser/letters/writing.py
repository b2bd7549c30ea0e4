"""Writing a letter: the unit's text, where it goes, the typed fields, and the new letter with
its history rows, its audit row and its `letter` work item (create_letter). Whether it can go
out by post (missing_address) and where it goes now (route_of) are asked of a letter here too.

Other packages reach these through letters.service, which re-exports them.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.errors import NotFound, ValidationFailed
from kulisser.history import history_values, insert_history
from kulisser.i18n import N_, _
from kulisser.inserts import add_new
from kulisser.letters import texts
from kulisser.letters.items import LETTER_KIND
from kulisser.letters.merge import TYPED
from kulisser.letters.models import Letter, LetterEvent
from kulisser.letters.states import MANUAL_KINDS, RECORD_KINDS, LetterKind, LetterOp, Route
from kulisser.patients.service import Patient
from kulisser.staff.service import Actor
from kulisser.worklist import service as worklist


class Addressee(Protocol):
    """What a letter asks of its patient: protected identity and the postal address."""

    @property
    def protected_identity(self) -> bool: ...

    @property
    def address(self) -> str: ...

    @property
    def postal_code(self) -> str: ...

    @property
    def city(self) -> str: ...


class PatientAddress(NamedTuple):
    """A patient's id, protected identity and address, read without loading the Patient."""

    id: int
    protected_identity: bool
    address: str
    postal_code: str
    city: str


# Built once: every booking's calling letter asks it.
_ADDRESS = select(Patient.id, Patient.protected_identity, Patient.address, Patient.postal_code,
                  Patient.city).where(Patient.id == bindparam("patient_id"))


def addressee(session: Session, patient_id: int) -> Patient | PatientAddress | None:
    """The patient a new letter goes to (None: no such patient): the Patient the session holds,
    else its address in one Core statement (no ORM load)."""
    held = session.identity_map.get(identity_key(Patient, patient_id))
    if held is not None:
        return held
    row = session.connection().execute(_ADDRESS, {"patient_id": patient_id}).first()
    return None if row is None else PatientAddress._make(row)


FIELD_MAX = 4000


_ITEM_TITLES = {
    LetterKind.CALLING: N_("Skicka kallelse"),
    LetterKind.REBOOKING: N_("Skicka brev om ombokad tid"),
    LetterKind.CANCELLATION: N_("Skicka brev om avbokad tid"),
    LetterKind.RESULT: N_("Skicka provsvarsbrev"),
    LetterKind.REFERRAL_REPLY: N_("Skicka remissvar"),
    LetterKind.RECORD_DECISION: N_("Skicka beslut om journalkopia"),
    LetterKind.RECORD_COPY: N_("Skicka journalkopia"),
}


def parse_kind(value: str) -> LetterKind:
    """The letter kind named, or ValidationFailed (Swedish)."""
    try:
        return LetterKind(value)
    except ValueError:
        raise ValidationFailed({"kind": _("Okänd brevtyp.")}) from None


def typed_fields(kind: LetterKind, values: dict[str, str]) -> dict[str, str]:
    """The fields a person types for a hand-written letter, checked (Swedish messages)."""
    clean: dict[str, str] = {}
    errors: dict[str, str] = {}
    for f in TYPED.get(kind, ()):
        value = (values.get(f.name) or "").strip().replace("\r\n", "\n")
        if len(value) > FIELD_MAX:
            errors[f.name] = _("Högst {field_max} tecken.", field_max=FIELD_MAX)
        clean[f.name] = value
    required = {LetterKind.RESULT: ("undersokning", "meddelande"),
                LetterKind.REFERRAL_REPLY: ("mottagare", "meddelande")}.get(kind, ())
    for name in required:
        if not clean.get(name):
            errors[name] = _("Fyll i fältet.")
    if errors:
        raise ValidationFailed(errors)
    return clean


def create_letter(session: Session, *, actor: Actor, patient_id: int, kind: str,
                  fields: dict[str, str] | None = None, source_type: str | None = None,
                  source_id: int | None = None, visit_start: datetime | None = None,
                  ready: bool = False, now: datetime | None = None) -> Letter:
    """Write a letter from the unit's text for its kind, with a `letter` work item until sent.

    A patient with protected identity gets the forwarding route (via Skatteverket, no
    address). With ready=True the letter is made ready at once when it can be (an address
    is needed for post); otherwise it stays a draft and the work item says why.
    """
    now = now or utcnow()
    letter_kind = parse_kind(kind)
    values = dict(fields or {})
    if letter_kind in MANUAL_KINDS:
        values = typed_fields(letter_kind, values)  # only what a person types is kept
    patient = addressee(session, patient_id)
    if patient is None:
        raise NotFound(_("Patienten finns inte."))
    subject, body = texts.unit_text(session, unit_id=actor.unit_id, kind=letter_kind)
    route = Route.FORWARDING if (patient.protected_identity and
                                 letter_kind is not LetterKind.REFERRAL_REPLY
                                 and not to_requester(letter_kind, values)) else Route.POST
    letter = Letter(unit_id=actor.unit_id, patient_id=patient.id, kind=letter_kind.value,
                    route=route.value, subject_template=subject, body_template=body,
                    fields={k: str(v) for k, v in values.items()}, visit_start=visit_start,
                    source_type=source_type, source_id=source_id, created_at=now,
                    created_by_id=actor.user_id)
    history = [history_values("created", actor_id=actor.user_id, now=now, to_status=letter.status,
                              route=route.value)]
    problem = missing_address(letter, patient)
    if ready and problem is None:
        # Made ready before it is stored: one INSERT of the letter, not an INSERT and an UPDATE.
        history.append(letter.step(LetterOp.READY, actor_id=actor.user_id, now=now))
    add_new(session, letter)  # one INSERT, no flush of the unit of work; then in the session
    insert_history(session, LetterEvent.__table__, [{"letter_id": letter.id, **row} for row in history])
    audit.check_access(session, actor=actor, patient_id=patient.id, action="create",
                       object_type="letter", object_id=letter.id, now=now)
    worklist.create_item(
        session, actor=actor, kind=LETTER_KIND.code, title=_(_ITEM_TITLES[letter_kind]),
        patient_id=patient.id, ref_type="letter", ref_id=letter.id, now=now,
        description=problem or "")
    return letter


def to_requester(kind: LetterKind | str, fields: dict[str, str]) -> bool:
    """Whether a record letter goes to the requester's own address rather than the patient's."""
    return kind in RECORD_KINDS and bool(fields.get("mottagare_adress", "").strip())


def missing_address(letter: Letter, patient: Addressee) -> str | None:
    """Why a letter cannot go out by post yet (no address), or None."""
    if letter.kind == LetterKind.REFERRAL_REPLY.value or letter.route == Route.MAILBOX.value:
        return None
    if to_requester(letter.kind, letter.fields):
        return None
    if patient.protected_identity or letter.route == Route.FORWARDING.value:
        return None  # Skatteverket forwards it: no address is ever needed or printed
    if not (patient.address.strip() and patient.postal_code.strip() and patient.city.strip()):
        return _("Patientens adress saknas eller är ofullständig. Komplettera adressen innan brevet skickas.")
    return None


def route_of(letter: Letter, patient: Addressee) -> Route:
    """Where the letter goes now: a patient protected since it was written forces forwarding."""
    if (patient.protected_identity and letter.kind != LetterKind.REFERRAL_REPLY.value
            and not to_requester(letter.kind, letter.fields)):
        return Route.FORWARDING
    return Route(letter.route)
