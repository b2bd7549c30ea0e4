"""The one access check for patient data, and the audit rows it writes (PDL)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session, object_session

from kulisser.audit.dedupe import first_time
from kulisser.audit.models import AuditEvent, AuditReview, AuditSample, EmergencyAccess
from kulisser.db import utcnow
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.patients.models import CareRelation, Patient
from kulisser.staff.actor import Actor


class AccessDenied(Exception):
    """No care relation and no emergency access; carries the denied audit row to write."""

    def __init__(self, row: dict[str, object]) -> None:
        super().__init__("access denied")
        self.row = row
        self.patient_id = row.get("patient_id")


class DeniedNotFound(NotFound):
    """Another unit's record, answered as not found so that its existence stays hidden;
    carries the denied audit row to write, like AccessDenied."""

    def __init__(self, message: str, row: dict[str, object]) -> None:
        super().__init__(message)
        self.row = row
        self.patient_id = row.get("patient_id")


@dataclass(frozen=True)
class Access:
    """An allowed access: plain (care relation) or under emergency access."""

    patient_id: int
    emergency: bool


AUDIT_LOG = "audit_log"  # the object type of a read of the log itself


def _row(actor: Actor, **fields: object) -> dict[str, object]:
    return {
        "user_id": actor.user_id,
        "username": actor.username,
        "role": actor.role.value,
        "unit_id": actor.unit_id,
        "ip": actor.ip[:64] or None,
        **fields,
    }


# Care relations found open in the session's current transaction: one booking checks the
# same patient three or four times (the visit, its calling letter, the letter's work item),
# and each check still writes its own audit row. Only what was found is kept, and it is
# forgotten when the transaction ends or a care relation is changed or deleted in it.
_FOUND = "kulisser.audit.care_relations"


def has_care_relation(session: Session, *, unit_id: int, patient_id: int) -> bool:
    """Whether the unit has an open care relation with the patient."""
    found: set[tuple[int, int]] = session.info.setdefault(_FOUND, set())
    if (unit_id, patient_id) in found:
        return True
    exists = session.scalar(
        select(CareRelation.id).where(
            CareRelation.unit_id == unit_id,
            CareRelation.patient_id == patient_id,
            CareRelation.ended_at.is_(None),
        )
    ) is not None
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


def _add_once(session: Session, row: dict[str, object]) -> None:
    if first_time(session, row):
        session.add(AuditEvent(**row))


def active_emergency_access(
    session: Session, *, actor: Actor, patient_id: int, now: datetime | None = None
) -> EmergencyAccess | None:
    """The actor's unexpired emergency access to the patient, if any."""
    now = now or utcnow()
    return session.scalar(
        select(EmergencyAccess)
        .where(
            EmergencyAccess.user_id == actor.user_id,
            EmergencyAccess.patient_id == patient_id,
            EmergencyAccess.expires_at > now,
        )
        .order_by(EmergencyAccess.expires_at.desc())
        .limit(1)
    )


def check_access(
    session: Session,
    *,
    actor: Actor,
    patient_id: int,
    action: str,
    object_type: str,
    object_id: object = None,
    now: datetime | None = None,
) -> Access:
    """Allow or deny the actor's access to a patient's data, writing the audit row either way.

    Allowed rows go into the caller's transaction; a denial raises AccessDenied, whose row
    the request handler writes in a transaction of its own (the caller's work is rolled back).
    """
    now = now or utcnow()
    oid = None if object_id is None else str(object_id)
    if has_care_relation(session, unit_id=actor.unit_id, patient_id=patient_id):
        _add_once(session, _row(actor, at=now, patient_id=patient_id, action=action,
                                object_type=object_type, object_id=oid, outcome="allowed"))
        return Access(patient_id=patient_id, emergency=False)
    grant = active_emergency_access(session, actor=actor, patient_id=patient_id, now=now)
    if grant is not None:
        _add_once(session, _row(actor, at=now, patient_id=patient_id, action=action,
                                object_type=object_type, object_id=oid, outcome="emergency",
                                reason=grant.reason, emergency_access_id=grant.id))
        return Access(patient_id=patient_id, emergency=True)
    raise AccessDenied(_row(actor, at=now, patient_id=patient_id, action=action,
                            object_type=object_type, object_id=oid, outcome="denied"))


def write_denied(session: Session, denied: AccessDenied | DeniedNotFound) -> None:
    """Store the audit row of a denied access (call in a fresh transaction)."""
    session.add(AuditEvent(**denied.row))


# Denied rows written on a path that does not raise (a lookup answered as "unknown number"):
# the request's work may still be rolled back (a form shown again with 422), and the row
# must outlive that. They are kept here until their transaction commits; the request's
# unit of work stores what is left after a rollback (write_kept_denied).
_KEPT = "kulisser.audit.kept_denied"


def add_denied(session: Session, row: dict[str, object]) -> None:
    """Add a denied audit row to the transaction, to be stored even if the work rolls back."""
    session.add(AuditEvent(**row))
    session.info.setdefault(_KEPT, []).append(row)


def write_kept_denied(session: Session) -> bool:
    """After a rollback: add the denied rows the rolled-back work held; whether there were any."""
    rows = session.info.pop(_KEPT, None)
    for row in rows or ():
        session.add(AuditEvent(**row))
    return bool(rows)


def rollback_keeping_denied(session: Session) -> None:
    """Roll the work back, then store the denied rows it held in a transaction of their own."""
    session.rollback()
    if write_kept_denied(session):
        try:
            session.commit()
        except Exception:  # the database is gone: the original error is the one to report
            session.rollback()


@event.listens_for(Session, "after_commit")
def _kept_rows_are_stored(session: Session) -> None:
    session.info.pop(_KEPT, None)


def _own(actor: Actor, unit_id: int | None, current_unit: bool) -> bool:
    return unit_id == actor.unit_id if current_unit else unit_id in actor.unit_ids


def _refuse(actor: Actor, *, object_type: str, object_id: object, patient_id: int | None,
            action: str, hidden: str | None, reason: str, now: datetime | None) -> Exception:
    row = _row(actor, at=now or utcnow(), patient_id=patient_id, action=action,
               object_type=object_type, object_id=None if object_id is None else str(object_id),
               outcome="denied", reason=reason or _("Posten hör till en annan vårdenhet."))
    if hidden is not None or patient_id is None:
        return DeniedNotFound(hidden or _("Hittades inte."), row)
    return AccessDenied(row)


def check_record(
    session: Session,
    *,
    actor: Actor,
    object_type: str,
    object_id: object,
    unit_id: int | None,
    patient_id: int | None,
    action: str = "read",
    hidden: str | None = None,
    current_unit: bool = False,
    reason: str = "",
    now: datetime | None = None,
) -> None:
    """The access check for one unit-scoped record (its id, its unit, its patient, if any).

    Another unit's record is refused with a denied audit row: DeniedNotFound (404) when
    ``hidden`` gives the not-found message (or there is no patient to ask emergency access
    for), so that its existence is not disclosed, else AccessDenied (403). ``current_unit``:
    only the actor's current unit owns records, not every unit they belong to. A record of
    the actor's unit goes on to the patient's access check, or, without a patient, writes an
    allowed row of its own.
    """
    now = now or utcnow()
    if not _own(actor, unit_id, current_unit):
        raise _refuse(actor, object_type=object_type, object_id=object_id, patient_id=patient_id,
                      action=action, hidden=hidden, reason=reason, now=now)
    if patient_id is not None:
        check_access(session, actor=actor, patient_id=patient_id, action=action,
                     object_type=object_type, object_id=object_id, now=now)
        return
    # A record without a patient (an unmatched import) is still someone's data: logged.
    _add_once(session, _row(actor, at=now, patient_id=None, action=action,
                            object_type=object_type,
                            object_id=None if object_id is None else str(object_id),
                            outcome="allowed"))


def require_unit(
    *,
    actor: Actor,
    object_type: str,
    object_id: object,
    unit_id: int | None,
    hidden: str,
    action: str = "read",
    current_unit: bool = False,
    now: datetime | None = None,
) -> None:
    """Refuse another unit's record that holds no patient data (a schedule, a slot, a print
    run) as not found, with a denied audit row; the actor's own pass without a row."""
    if not _own(actor, unit_id, current_unit):
        raise _refuse(actor, object_type=object_type, object_id=object_id, patient_id=None,
                      action=action, hidden=hidden, reason="", now=now)


def log_review_read(
    session: Session,
    *,
    actor: Actor,
    what: str,
    rows: int,
    action: str = "read",
    object_id: object = None,
    patient_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """Log a read of the access log itself: who, which filter (in words, no identity number),
    how many rows; the patient the filter names, if on file, so their extract shows it."""
    if patient_id is not None and session.get(Patient, patient_id) is None:
        patient_id = None  # an id typed into the API that names no patient
    session.add(AuditEvent(**_row(
        actor, at=now or utcnow(), patient_id=patient_id, action=action,
        object_type=AUDIT_LOG, object_id=None if object_id is None else str(object_id),
        outcome="allowed", reason=_("{what}; {n} rader", what=what, n=rows))))


SYSTEM_USER = "kulisser-system"  # the name system acts (jobs, escalations) are logged under


def log_system(session: Session, *, unit_id: int, patient_id: int | None, action: str,
               object_type: str, object_id: object, reason: str, now: datetime) -> None:
    """Log a system act on patient data (a job's), under the system's name."""
    session.add(AuditEvent(at=now, user_id=None, username=SYSTEM_USER, role="system",
                           unit_id=unit_id, patient_id=patient_id, action=action,
                           object_type=object_type, object_id=str(object_id), outcome="allowed",
                           reason=reason))


def log_listing(
    session: Session,
    *,
    actor: Actor,
    patient_ids: Iterable[int],
    object_type: str,
    now: datetime | None = None,
) -> None:
    """Log that a list showed these patients to the actor: one row each (once per transaction),
    one statement."""
    now = now or utcnow()
    rows = [
        row for row in (
            _row(actor, at=now, patient_id=pid, action="list", object_type=object_type,
                 object_id=None, outcome="allowed", reason=None, emergency_access_id=None)
            for pid in sorted(set(patient_ids)))
        if first_time(session, row)
    ]
    if rows:
        session.execute(insert(AuditEvent), rows)


def grant_emergency_access(
    session: Session,
    *,
    actor: Actor,
    patient_id: int,
    reason: str,
    minutes: int,
    now: datetime | None = None,
) -> EmergencyAccess:
    """Grant nödåtkomst for a limited time; the reason is required and it awaits follow-up."""
    now = now or utcnow()
    reason = reason.strip()
    if len(reason) < 5:
        raise ValidationFailed({"reason": _("Ange skälet till nödåtkomst (minst 5 tecken).")})
    grant = EmergencyAccess(
        user_id=actor.user_id,
        unit_id=actor.unit_id,
        patient_id=patient_id,
        reason=reason,
        granted_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    session.add(grant)
    session.flush()
    session.add(AuditEvent(**_row(actor, at=now, patient_id=patient_id, action="emergency",
                                  object_type="patient", object_id=str(patient_id),
                                  outcome="emergency", reason=reason,
                                  emergency_access_id=grant.id)))
    return grant


# --- Log review (HSLF-FS 2016:40 4 kap 9 §): documented spot checks and follow-ups. ---

REVIEW_COMMENT_MAX = 2000


def _review_comment(text: str) -> str:
    comment = text.strip()
    if not comment:
        raise ValidationFailed({"comment": _("Skriv vad granskningen visade.")})
    if len(comment) > REVIEW_COMMENT_MAX:
        raise ValidationFailed({"comment": _("Högst {review_comment_max} tecken.",
                                             review_comment_max=REVIEW_COMMENT_MAX)})
    return comment


def sample_event_ids(sample: AuditSample) -> list[int]:
    """The audit row ids a sample holds, in stored order."""
    return [int(part) for part in sample.event_ids.split(",") if part.strip()]


def record_sample(session: Session, *, actor: Actor, event_ids: list[int], criteria: str,
                  now: datetime | None = None) -> AuditSample:
    """Store a drawn spot-check sample: who drew it, when, on what criteria, which rows."""
    if not event_ids:
        raise ValidationFailed({"n": _("Inga loggrader matchar urvalet.")})
    sample = AuditSample(drawn_by_id=actor.user_id, unit_id=actor.unit_id, drawn_at=now or utcnow(),
                         criteria=criteria, event_ids=",".join(str(i) for i in event_ids))
    session.add(sample)
    session.flush()
    return sample


def review_event(session: Session, *, actor: Actor, event_id: int, comment: str,
                 sample_id: int | None = None, now: datetime | None = None) -> AuditReview:
    """Document a manager's review of one audit row of their units (the row itself never changes)."""
    event = session.get(AuditEvent, event_id)
    if event is None:
        raise NotFound(_("Loggraden finns inte."))
    require_unit(actor=actor, object_type="audit_event", object_id=event_id, unit_id=event.unit_id,
                 action="update", hidden=_("Loggraden finns inte."), now=now)
    if sample_id is not None:
        sample = session.get(AuditSample, sample_id)
        if sample is None or event_id not in sample_event_ids(sample):
            raise NotFound(_("Stickprovet finns inte eller saknar loggraden."))
    review = AuditReview(audit_event_id=event_id, reviewer_id=actor.user_id,
                         reviewed_at=now or utcnow(), comment=_review_comment(comment),
                         sample_id=sample_id)
    session.add(review)
    session.flush()
    return review


def follow_up_emergency(session: Session, *, actor: Actor, access_id: int, comment: str,
                        now: datetime | None = None) -> EmergencyAccess:
    """Record the manager's follow-up of an emergency access of their units (once only)."""
    grant = session.get(EmergencyAccess, access_id)
    if grant is None:
        raise NotFound(_("Nödåtkomsten finns inte."))
    require_unit(actor=actor, object_type="emergency_access", object_id=access_id,
                 unit_id=grant.unit_id, action="update", hidden=_("Nödåtkomsten finns inte."), now=now)
    text = _review_comment(comment)
    # A conditional update, so two managers following up at once cannot overwrite each other.
    done = session.execute(
        update(EmergencyAccess)
        .where(EmergencyAccess.id == access_id, EmergencyAccess.reviewed_at.is_(None))
        .values(reviewed_at=now or utcnow(), reviewer_id=actor.user_id, review_comment=text)
        .execution_options(synchronize_session=False)
    )
    if getattr(done, "rowcount", 0) != 1:
        raise ValidationFailed({"comment": _("Nödåtkomsten är redan uppföljd.")})
    session.refresh(grant)
    return grant
