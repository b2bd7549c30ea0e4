"""The audit service other packages call: the one access check (kulisser.audit.access, whose
public names are re-exported here), emergency access, and the log review's own writes (PDL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kulisser.audit.access import REGION_REFUSED, _row
from kulisser.audit.access import SYSTEM_USER as SYSTEM_USER
from kulisser.audit.access import Access as Access
from kulisser.audit.access import AccessDenied as AccessDenied
from kulisser.audit.access import DeniedNotFound as DeniedNotFound
from kulisser.audit.access import PatientRecord as PatientRecord
from kulisser.audit.access import active_emergency_access as active_emergency_access
from kulisser.audit.access import add_denied as add_denied
from kulisser.audit.access import check as check
from kulisser.audit.access import check_access as check_access
from kulisser.audit.access import has_care_relation as has_care_relation
from kulisser.audit.access import log_denied_lookup as log_denied_lookup
from kulisser.audit.access import log_listing as log_listing
from kulisser.audit.access import log_many as log_many
from kulisser.audit.access import log_relation_start as log_relation_start
from kulisser.audit.access import log_relation_starts as log_relation_starts
from kulisser.audit.access import log_system as log_system
from kulisser.audit.access import may_open as may_open
from kulisser.audit.access import require_unit as require_unit
from kulisser.audit.access import rollback_keeping_denied as rollback_keeping_denied
from kulisser.audit.access import write_denied as write_denied
from kulisser.audit.access import write_kept_denied as write_kept_denied
from kulisser.audit.labels import action_label, object_label
from kulisser.audit.models import AuditEvent, AuditReview, AuditSample, EmergencyAccess
from kulisser.db import utcnow
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.staff.service import ROLE_LABELS, Actor, CareUnit, Role, User

AUDIT_LOG = "audit_log"  # the object type of a read of the log itself


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
    # Imported here: patients imports this module (the access check), so not at import time.
    from kulisser.patients import service as patients

    if patient_id is not None and session.get(patients.Patient, patient_id) is None:
        patient_id = None  # an id typed into the API that names no patient
    session.add(AuditEvent(**_row(
        actor, at=now or utcnow(), patient_id=patient_id, action=action,
        object_type=AUDIT_LOG, object_id=None if object_id is None else str(object_id),
        outcome="allowed", reason=_("{what}; {n} rader", what=what, n=rows))))


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
    if actor.role is Role.REGION_ADMIN:  # her role opens no patient, not even in an emergency
        raise AccessDenied(_row(actor, at=now, patient_id=patient_id, action="emergency",
                                object_type="patient", object_id=str(patient_id),
                                outcome="denied", reason=_(REGION_REFUSED)))
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


def refuse(session: Session, *, actor: Actor, patient_id: int | None, action: str,
           object_type: str, object_id: object, reason: str, now: datetime | None = None) -> None:
    """Keep a denied row for an attempt refused by a domain's own rule (a decision without
    delegation): stored even though the attempt's work is rolled back, like a refused access."""
    add_denied(session, _row(actor, at=now or utcnow(), patient_id=patient_id, action=action,
                             object_type=object_type,
                             object_id=None if object_id is None else str(object_id),
                             outcome="denied", reason=reason))


# --- The patient's log extract (loggutdrag, PDL 8 kap. 1 §). ---

@dataclass(frozen=True)
class AccessLine:
    """One access to a patient's data as a log extract shows it."""

    at: datetime
    unit: str
    role: str
    staff: str
    action: str
    emergency: bool


def patient_access_log(session: Session, *, actor: Actor, patient_id: int,
                       since: datetime | None, until: datetime | None,
                       now: datetime | None = None) -> list[AccessLine]:
    """Who accessed the patient's data in [since, until), in every unit, oldest first: the
    allowed and emergency accesses (refused attempts read nothing). The read is logged."""
    stmt = (select(AuditEvent, CareUnit.name, User.full_name)
            .outerjoin(CareUnit, CareUnit.id == AuditEvent.unit_id)
            .outerjoin(User, User.id == AuditEvent.user_id)
            .where(AuditEvent.patient_id == patient_id,
                   AuditEvent.outcome.in_(("allowed", "emergency", "relation"))))
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEvent.at < until)
    lines = []
    for event, unit, name in session.execute(stmt.order_by(AuditEvent.at, AuditEvent.id)).tuples():
        role = _(ROLE_LABELS[Role(event.role)]) if event.role in set(Role) else _("Systemet")
        lines.append(AccessLine(
            at=event.at, unit=unit or "", role=role,
            staff=name or (_("Kulisser (systemet)") if event.username == SYSTEM_USER
                           else event.username),
            action=f"{action_label(event.action)}: {object_label(event.object_type)}",
            emergency=event.outcome == "emergency"))
    log_review_read(session, actor=actor, what=_("Loggutdrag för patient {id}", id=patient_id),
                    rows=len(lines), patient_id=patient_id, now=now)
    return lines
