"""The audit part of the JSON API: the access log and emergency accesses, for managers."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from kulisser.audit import followup, queries
from kulisser.audit import service as audit
from kulisser.audit.schemas import (
    AuditEventOut,
    AuditEventPage,
    EmergencyAccessOut,
    EmergencyAccessPage,
)
from kulisser.bounds import Day, Id
from kulisser.i18n import _
from kulisser.web.deps import ManagerCtx

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/audit-events", response_model=AuditEventPage)
def list_audit_events(
    *,
    user_id: Id | None = None,
    patient_id: Id | None = None,
    identifier: Annotated[str, Query(max_length=40, description="Personnummer, samordningsnummer "
                            "or a reservnummer on file")] = "",
    date_from: Annotated[Day | None, Query(description="Local date (Europe/Stockholm), inclusive")] = None,
    date_to: Annotated[Day | None, Query(description="Local date (Europe/Stockholm), inclusive")] = None,
    outcome: Literal["allowed", "emergency", "denied", "relation"] | None = None,
    action: Annotated[str, Query(max_length=20)] = "",
    unreviewed: bool = False,
    cursor: str = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ctx: ManagerCtx,
) -> AuditEventPage:
    """The access log of the caller's units, newest first, with cursor pagination."""
    f = queries.resolve(ctx.db, queries.AuditFilter(
        user_id=user_id, patient_id=patient_id, identifier=identifier.strip(),
        date_from=date_from, date_to=date_to, outcome=outcome or "", action=action.strip(),
        unreviewed=unreviewed, cursor=cursor, limit=limit))
    page = queries.list_events(ctx.db, actor=ctx.actor, f=f)
    # The log shows patients: this read of it is logged too (the filter in words, the row count).
    audit.log_review_read(ctx.db, actor=ctx.actor, what=queries.describe_filter(ctx.db, f),
                          rows=len(page.rows), patient_id=f.patient_id)
    return AuditEventPage(items=[AuditEventOut.from_row(r) for r in page.rows],
                          next_cursor=page.next_cursor)


@router.get("/emergency-accesses", response_model=EmergencyAccessPage)
def list_emergency_accesses(
    *,
    reviewed: Annotated[bool | None, Query(description="false: awaiting follow-up; true: done")] = None,
    cursor: str = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ctx: ManagerCtx,
) -> EmergencyAccessPage:
    """Emergency accesses in the caller's units, newest first."""
    rows, next_cursor = followup.emergency_accesses(ctx.db, actor=ctx.actor, reviewed=reviewed,
                                                    cursor=cursor, limit=limit)
    audit.log_review_read(ctx.db, actor=ctx.actor, what=_("Nödåtkomster"), rows=len(rows))
    return EmergencyAccessPage(items=[EmergencyAccessOut.from_row(r) for r in rows],
                               next_cursor=next_cursor)
