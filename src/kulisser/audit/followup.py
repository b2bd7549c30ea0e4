"""Emergency accesses (nödåtkomst) awaiting the manager's follow-up, and those followed up."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from kulisser.audit.models import AuditEvent, EmergencyAccess
from kulisser.audit.queries import PATIENT_COLUMNS, decode_cursor, encode_cursor
from kulisser.patients.service import Patient
from kulisser.staff.service import Actor, User


@dataclass
class EmergencyRow:
    """An emergency access as the follow-up shows it."""

    access: EmergencyAccess
    user_name: str
    patient: Patient | None
    reviewer_name: str
    uses: int  # audit rows written under this access


def unreviewed_count(session: Session, *, actor: Actor) -> int:
    """Emergency accesses in the actor's units that nobody has followed up yet."""
    return session.scalar(
        select(func.count()).select_from(EmergencyAccess).where(
            EmergencyAccess.unit_id.in_(actor.unit_ids), EmergencyAccess.reviewed_at.is_(None))
    ) or 0


def emergency_accesses(session: Session, *, actor: Actor, reviewed: bool | None = None,
                       cursor: str = "", limit: int = 100) -> tuple[list[EmergencyRow], str | None]:
    """Emergency accesses of the actor's units, newest first; with the next page's cursor."""
    limit = max(1, min(limit, 1000))
    reviewer = aliased(User)
    stmt = (select(EmergencyAccess, User.full_name, Patient, reviewer.full_name)
            .join(User, User.id == EmergencyAccess.user_id)
            .join(Patient, Patient.id == EmergencyAccess.patient_id)
            .outerjoin(reviewer, reviewer.id == EmergencyAccess.reviewer_id)
            .options(PATIENT_COLUMNS)
            .where(EmergencyAccess.unit_id.in_(actor.unit_ids)))
    if reviewed is True:
        stmt = stmt.where(EmergencyAccess.reviewed_at.is_not(None))
    elif reviewed is False:
        stmt = stmt.where(EmergencyAccess.reviewed_at.is_(None))
    if cursor:
        at, last_id = decode_cursor(cursor)
        stmt = stmt.where(or_(EmergencyAccess.granted_at < at,
                              and_(EmergencyAccess.granted_at == at, EmergencyAccess.id < last_id)))
    found = session.execute(stmt.order_by(EmergencyAccess.granted_at.desc(),
                                          EmergencyAccess.id.desc()).limit(limit + 1)).tuples().all()
    more = len(found) > limit
    found = found[:limit]
    ids = [a.id for a, *_rest in found]
    uses = dict(session.execute(
        select(AuditEvent.emergency_access_id, func.count())
        .where(AuditEvent.emergency_access_id.in_(ids)).group_by(AuditEvent.emergency_access_id)
    ).tuples().all()) if ids else {}
    rows = [EmergencyRow(access=a, user_name=name, patient=p, reviewer_name=rname or "",
                         uses=uses.get(a.id, 0)) for a, name, p, rname in found]
    last = found[-1][0] if more and found else None
    return rows, (encode_cursor(last.granted_at, last.id) if last else None)
