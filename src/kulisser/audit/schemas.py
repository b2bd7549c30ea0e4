"""JSON shapes of the audit API (no patient address ever: a log review does not need one)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from kulisser.audit.followup import EmergencyRow
from kulisser.audit.labels import action_label, object_label, outcome_label
from kulisser.audit.queries import LogRow


class AuditEventOut(BaseModel):
    """One access-log row, with names resolved and the codes in Swedish words for the reviewer."""

    id: int
    at: datetime
    user_id: int | None
    username: str
    user_name: str | None
    role: str
    unit_id: int | None
    unit_name: str | None
    patient_id: int | None
    patient_name: str | None
    patient_identifier: str | None
    action: str
    action_label: str
    object_type: str
    object_label: str
    object_id: str | None
    outcome: str
    outcome_label: str
    reason: str | None
    emergency_access_id: int | None
    reviewed: bool

    @classmethod
    def from_row(cls, row: LogRow) -> AuditEventOut:
        """Build from a query row."""
        e, p = row.event, row.patient
        return cls(id=e.id, at=e.at, user_id=e.user_id, username=e.username,
                   user_name=row.user_name or None, role=e.role, unit_id=e.unit_id,
                   unit_name=row.unit_name or None, patient_id=e.patient_id,
                   patient_name=p.full_name if p else None,
                   patient_identifier=p.display_id if p else None, action=e.action,
                   action_label=action_label(e.action), object_type=e.object_type,
                   object_label=object_label(e.object_type, e.object_id),
                   object_id=e.object_id, outcome=e.outcome, outcome_label=outcome_label(e.outcome),
                   reason=e.reason, emergency_access_id=e.emergency_access_id,
                   reviewed=bool(row.reviews))


class AuditEventPage(BaseModel):
    """A page of the access log; pass next_cursor as `cursor` for the next one."""

    items: list[AuditEventOut]
    next_cursor: str | None


class EmergencyAccessOut(BaseModel):
    """An emergency access and its follow-up state."""

    id: int
    user_id: int
    user_name: str
    unit_id: int
    patient_id: int
    patient_name: str | None
    patient_identifier: str | None
    reason: str
    granted_at: datetime
    expires_at: datetime
    reviewed_at: datetime | None
    reviewer_id: int | None
    reviewer_name: str | None
    review_comment: str | None
    audit_rows: int

    @classmethod
    def from_row(cls, row: EmergencyRow) -> EmergencyAccessOut:
        """Build from a query row."""
        a, p = row.access, row.patient
        return cls(id=a.id, user_id=a.user_id, user_name=row.user_name, unit_id=a.unit_id,
                   patient_id=a.patient_id, patient_name=p.full_name if p else None,
                   patient_identifier=p.display_id if p else None, reason=a.reason,
                   granted_at=a.granted_at, expires_at=a.expires_at, reviewed_at=a.reviewed_at,
                   reviewer_id=a.reviewer_id, reviewer_name=row.reviewer_name or None,
                   review_comment=a.review_comment, audit_rows=row.uses)


class EmergencyAccessPage(BaseModel):
    """A page of emergency accesses; pass next_cursor as `cursor` for the next one."""

    items: list[EmergencyAccessOut]
    next_cursor: str | None
