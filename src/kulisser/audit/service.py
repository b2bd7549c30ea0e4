"""The one access check for patient data, and the audit rows it writes (PDL)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from kulisser.audit.models import AuditEvent, EmergencyAccess
from kulisser.db import utcnow
from kulisser.patients.models import CareRelation
from kulisser.staff.actor import Actor


class AccessDenied(Exception):
    """No care relation and no emergency access; carries the denied audit row to write."""

    def __init__(self, row: dict[str, object]) -> None:
        super().__init__("access denied")
        self.row = row
        self.patient_id = row.get("patient_id")


@dataclass(frozen=True)
class Access:
    """An allowed access: plain (care relation) or under emergency access."""

    patient_id: int
    emergency: bool


def _row(actor: Actor, **fields: object) -> dict[str, object]:
    return {
        "user_id": actor.user_id,
        "username": actor.username,
        "role": actor.role.value,
        "unit_id": actor.unit_id,
        **fields,
    }


def has_care_relation(session: Session, *, unit_id: int, patient_id: int) -> bool:
    """Whether the unit has an open care relation with the patient."""
    return (
        session.scalar(
            select(CareRelation.id).where(
                CareRelation.unit_id == unit_id,
                CareRelation.patient_id == patient_id,
                CareRelation.ended_at.is_(None),
            )
        )
        is not None
    )


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
        session.add(AuditEvent(**_row(actor, at=now, patient_id=patient_id, action=action,
                                      object_type=object_type, object_id=oid, outcome="allowed")))
        return Access(patient_id=patient_id, emergency=False)
    grant = active_emergency_access(session, actor=actor, patient_id=patient_id, now=now)
    if grant is not None:
        session.add(AuditEvent(**_row(actor, at=now, patient_id=patient_id, action=action,
                                      object_type=object_type, object_id=oid,
                                      outcome="emergency", reason=grant.reason,
                                      emergency_access_id=grant.id)))
        return Access(patient_id=patient_id, emergency=True)
    raise AccessDenied(_row(actor, at=now, patient_id=patient_id, action=action,
                            object_type=object_type, object_id=oid, outcome="denied"))


def write_denied(session: Session, denied: AccessDenied) -> None:
    """Store the audit row of a denied access (call in a fresh transaction)."""
    session.add(AuditEvent(**denied.row))


def log_listing(
    session: Session,
    *,
    actor: Actor,
    patient_ids: Iterable[int],
    object_type: str,
    now: datetime | None = None,
) -> None:
    """Log that a list showed these patients to the actor: one row each, one statement."""
    now = now or utcnow()
    rows = [
        _row(actor, at=now, patient_id=pid, action="list", object_type=object_type,
             object_id=None, outcome="allowed", reason=None, emergency_access_id=None)
        for pid in sorted(set(patient_ids))
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
        raise ValueError("Ange skälet till nödåtkomst (minst 5 tecken).")
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
