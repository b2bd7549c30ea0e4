"""How a unit's care relation with a patient starts: only with a reason, logged for review.

A unit reads a patient's data only through a care relation (PDL 4 kap.). Registering an
identity number that is already on file must not be a way round that: the relation starts
only with a chosen reason (a referral received, the patient seeks care here, other with a
text) or with the reason of the path that brings the patient (a registered referral, an
imported result), and a start for a patient already on file writes an audit row that the
manager follows up like emergency access (kulisser.audit.followup).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, event, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, object_session

from kulisser.audit import service as audit
from kulisser.db import read
from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.identity import InvalidIdentifier, parse_identifier
from kulisser.patients.models import CareRelation, Patient
from kulisser.staff.service import Actor

REASON_TEXT_MIN = 5
REASON_TEXT_MAX = 500


class RelationReason(StrEnum):
    """Why a unit starts taking part in a patient's care."""

    REFERRAL = "referral"  # remiss mottagen
    SEEKS_CARE = "seeks_care"  # the patient seeks care here
    OTHER = "other"  # with a text
    # Set by a path, never chosen in a form:
    REFERRAL_REGISTERED = "referral_registered"
    RESULT_RECEIVED = "result_received"


CHOSEN = (RelationReason.REFERRAL, RelationReason.SEEKS_CARE, RelationReason.OTHER)


# Care relations found open in the session's current transaction, for the access check
# (kulisser.audit.access): one booking checks the same patient three or four times (the
# visit, its calling letter, the letter's work item), and each check still writes its own
# audit row. Only what was found is kept, and it is forgotten when the transaction ends or a
# care relation is changed or deleted in it.
_FOUND = "kulisser.audit.care_relations"


# Built once (its values bound by name): every booking and most pages ask it.
_OPEN_RELATION = select(CareRelation.id).where(
    CareRelation.unit_id == bindparam("unit_id"),
    CareRelation.patient_id == bindparam("patient_id"),
    CareRelation.ended_at.is_(None),
).limit(1)


def has_care_relation(session: Session, *, unit_id: int, patient_id: int) -> bool:
    """Whether the unit has an open care relation with the patient."""
    found: set[tuple[int, int]] = session.info.setdefault(_FOUND, set())
    if (unit_id, patient_id) in found:
        return True
    # Autoflushed as session.scalar would be, without the ORM's execution path (every access
    # check of a transaction's first patient asks this).
    params = {"unit_id": unit_id, "patient_id": patient_id}
    exists = read(session, _OPEN_RELATION, params).scalar() is not None
    if exists:
        found.add((unit_id, patient_id))
    return exists


@event.listens_for(Session, "after_transaction_end")
def _forget_found(session: Session, transaction: Any) -> None:
    # A flush runs in a subtransaction of its own; only the real one, or a savepoint, counts.
    if transaction.parent is None or transaction.nested:
        session.info.pop(_FOUND, None)


def _forget(target: CareRelation, *_args: Any) -> None:
    session = object_session(target)
    if session is not None:
        session.info.pop(_FOUND, None)


# A relation ended, moved or deleted in the transaction must be asked about again at once.
for _attribute in (CareRelation.ended_at, CareRelation.unit_id, CareRelation.patient_id):
    event.listen(_attribute, "set", _forget)


@event.listens_for(Session, "before_flush")
def _forget_if_deleted(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(_FOUND) and any(isinstance(obj, CareRelation) for obj in session.deleted):
        session.info.pop(_FOUND, None)


@event.listens_for(Session, "do_orm_execute")
def _forget_on_bulk_change(state: Any) -> None:
    # An UPDATE or DELETE statement on care relations bypasses the attribute events above.
    if (state.is_update or state.is_delete) and state.session.info.get(_FOUND) and any(
            m.class_ is CareRelation for m in state.all_mappers):
        state.session.info.pop(_FOUND, None)


def reason_choices() -> list[tuple[str, str]]:
    """The reasons a user may choose, for a form's radio buttons, in Swedish."""
    return [(r.value, reason_label(r)) for r in CHOSEN]


def reason_label(reason: RelationReason, text: str = "") -> str:
    """The reason in Swedish, as the audit row and the log review show it."""
    labels = {
        RelationReason.REFERRAL: _("Remiss mottagen"),
        RelationReason.SEEKS_CARE: _("Patienten söker vård här"),
        RelationReason.OTHER: _("Annat"),
        RelationReason.REFERRAL_REGISTERED: _("Remiss mottagen (registrerad remiss)"),
        RelationReason.RESULT_RECEIVED: _("Provsvar mottaget för enhetens beställning"),
    }
    label = labels[reason]
    return f"{label}: {text}" if reason == RelationReason.OTHER and text else label


# Worded so that it says no more than "a relation needs a reason": it is asked whenever the
# unit has no care relation with the number, whether or not the number is on file.
MISSING_REASON = N_("Ange skälet till att patienten får en vårdrelation med enheten: remiss "
                    "mottagen, patienten söker vård här, eller annat (med en förklaring).")


def chosen_reason(code: str | None, text: str | None) -> str:
    """Check a reason chosen in a form or the API; its Swedish label, or ValidationFailed."""
    code = (code or "").strip()
    text = (text or "").strip()
    try:
        reason = RelationReason(code)
    except ValueError:
        reason = None
    if reason is None or reason not in CHOSEN:
        raise ValidationFailed({"care_reason": _(MISSING_REASON)})
    if reason == RelationReason.OTHER and len(text) < REASON_TEXT_MIN:
        raise ValidationFailed({"care_reason_text": _(
            "Skriv varför patienten får en vårdrelation med enheten (minst {n} tecken).",
            n=REASON_TEXT_MIN)})
    if len(text) > REASON_TEXT_MAX:
        raise ValidationFailed({"care_reason_text": _("Högst {n} tecken.", n=REASON_TEXT_MAX)})
    return reason_label(reason, text if reason == RelationReason.OTHER else "")


def start_relation(session: Session, *, actor: Actor, patient_id: int, reason: str,
                   flagged: bool) -> CareRelation:
    """Give the actor's unit a care relation with a stated reason, and log it.

    ``flagged``: the patient was already on file (registered by someone else), so the start
    waits for the manager's follow-up in the log review.
    """
    rel = session.scalar(select(CareRelation).where(CareRelation.unit_id == actor.unit_id,
                                                    CareRelation.patient_id == patient_id))
    if rel is None:
        rel = CareRelation(unit_id=actor.unit_id, patient_id=patient_id,
                           created_by_id=actor.user_id)
        session.add(rel)
        session.flush()
    elif rel.ended_at is not None:
        rel.ended_at = None
    audit.log_relation_start(session, actor=actor, patient_id=patient_id, relation_id=rel.id,
                             reason=reason, flagged=flagged)
    return rel


def start_relations(session: Session, *, actor: Actor, patient_ids: set[int], reason: str,
                    now: datetime) -> None:
    """Give the actor's unit an open care relation with each patient (a few statements for all).

    The bulk form of start_relation, for an import (one query a patient would not keep up);
    the rows are the same. Each relation started is logged with its reason and flagged for
    the log review.
    """
    if not patient_ids:
        return
    unit_id, by_user_id = actor.unit_id, actor.user_id
    rows = dict(session.execute(select(CareRelation.patient_id, CareRelation.ended_at).where(
        CareRelation.unit_id == unit_id, CareRelation.patient_id.in_(patient_ids))).tuples().all())
    ended = [pid for pid, end in rows.items() if end is not None]
    if ended:
        session.execute(update(CareRelation).where(CareRelation.unit_id == unit_id,
                                                   CareRelation.patient_id.in_(ended))
                        .values(ended_at=None).execution_options(synchronize_session=False))
    missing = sorted(patient_ids - rows.keys())
    if missing:
        session.execute(_insert_skipping_duplicates(session), [
            {"unit_id": unit_id, "patient_id": pid, "started_at": now, "created_by_id": by_user_id}
            for pid in missing])
    audit.log_relation_starts(session, actor=actor, patient_ids=[*ended, *missing], now=now,
                              reason=reason)


def _insert_skipping_duplicates(session: Session) -> Any:
    # Two imports may start the same relation at once: the unique key decides, no error.
    table: Any = CareRelation.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    return insert(table)


def name_differs(patient: Patient, *, given_name: str, family_name: str) -> bool:
    """Whether a typed name differs from the registered one (case and spacing aside)."""
    def norm(text: str) -> str:
        return " ".join(text.split()).casefold()
    typed = (norm(given_name), norm(family_name))
    return any(typed) and typed != (norm(patient.given_name), norm(patient.family_name))


NAME_WARNING = N_("Namnet du skrev skiljer sig från det registrerade namnet. Kontrollera att det "
                  "är rätt patient innan du fortsätter.")


def find_for_actor(session: Session, *, actor: Actor, text: str) -> Patient | None:
    """The patient with this identity number if the actor may open them, else None.

    A number on file without a care relation (or emergency access) answers as an unknown one,
    so that typing numbers into a form cannot tell which are registered; the attempt is
    logged as a denied lookup.
    """
    try:
        ident = parse_identifier(text)
    except InvalidIdentifier:
        return None
    patient = session.scalar(select(Patient).where(Patient.id_kind == ident.kind.value,
                                                   Patient.id_value == ident.value))
    if patient is None:
        return None
    if audit.may_open(session, actor=actor, patient_id=patient.id):
        return patient
    audit.log_denied_lookup(session, actor=actor, patient_id=patient.id)
    return None


NOT_AT_UNIT = N_("Ingen patient med det numret hos din enhet. Registrera patienten först (med "
                 "skälet till vårdrelationen).")
