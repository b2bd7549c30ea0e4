"""Care relations started for a patient already on file: their audit rows and their follow-up.

Registering a known identity number, registering a referral or importing a result for a
patient the unit had no relation with starts a care relation with a reason. That start is
written as an audit row with outcome ``relation`` and its reason, and it waits on the log
review's follow-up page (like emergency access) until a manager has documented a review of
it (an AuditReview row: the audit row itself never changes). The rows themselves are written
by kulisser.audit.access (log_relation_start, log_relation_starts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from kulisser.audit.access import RELATION, require_unit
from kulisser.audit.models import AuditEvent, AuditReview
from kulisser.audit.queries import LogRow, log_rows, row_select
from kulisser.audit.service import review_event
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.staff.service import Actor


def _unreviewed() -> ColumnElement[bool]:
    return ~exists().where(AuditReview.audit_event_id == AuditEvent.id)


def unreviewed_count(session: Session, *, actor: Actor) -> int:
    """Flagged care-relation starts in the actor's units that nobody has followed up yet."""
    return session.scalar(
        select(func.count()).select_from(AuditEvent).where(
            AuditEvent.unit_id.in_(actor.unit_ids), AuditEvent.outcome == RELATION,
            _unreviewed())
    ) or 0


@dataclass
class StartPage:
    """Flagged starts awaiting follow-up, and the latest followed up."""

    pending: list[LogRow]
    done: list[LogRow]


def relation_starts(session: Session, *, actor: Actor, done_limit: int = 50) -> StartPage:
    """The follow-up list: every unreviewed flagged start, then the latest reviewed ones."""
    base = row_select().where(AuditEvent.unit_id.in_(actor.unit_ids), AuditEvent.outcome == RELATION)
    order = (AuditEvent.at.desc(), AuditEvent.id.desc())
    pending = log_rows(session, base.where(_unreviewed()).order_by(*order).limit(1000))
    done = log_rows(session, base.where(~_unreviewed()).order_by(*order)
                    .limit(done_limit))
    return StartPage(pending=pending, done=done)


def follow_up_start(session: Session, *, actor: Actor, event_id: int, comment: str,
                    now: datetime | None = None) -> AuditReview:
    """Document the manager's follow-up of one flagged start of their units (once only)."""
    missing = _("Vårdrelationen finns inte i uppföljningen.")
    event = session.get(AuditEvent, event_id)
    if event is None:
        raise NotFound(missing)
    require_unit(actor=actor, object_type="audit_event", object_id=event_id, unit_id=event.unit_id,
                 action="update", hidden=missing, now=now)
    if event.outcome != RELATION:
        raise NotFound(missing)
    if session.scalar(select(AuditReview.id).where(AuditReview.audit_event_id == event_id)
                      .limit(1)) is not None:
        raise ValidationFailed({"comment": _("Vårdrelationen är redan uppföljd.")})
    return review_event(session, actor=actor, event_id=event_id, comment=comment, now=now)
