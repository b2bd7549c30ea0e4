"""The work items referrals make, and the kinds they belong to.

- `referral-assessment`: the assessing clinician's (or the unit queue's), from registration
  until the decision; on hold while the sender is asked for more information. Escalates to
  the unit manager when past its due time (worklist/escalation.py).
- `referral-chase`: the unit queue's, when an outgoing referral has had no reply for the
  configured number of days; completed when the reply is registered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.i18n import N_, _
from kulisser.referrals.models import OutgoingReferral, Referral
from kulisser.referrals.states import OPEN_STATUSES as REFERRAL_OPEN
from kulisser.referrals.states import OutgoingStatus
from kulisser.worklist import service as worklist
from kulisser.worklist.service import (
    GENERIC_OPERATIONS,
    Finding,
    KindSpec,
    Priority,
    WorkItem,
    compare,
    register,
)

REF_INCOMING = "referral"
REF_OUTGOING = "outgoing_referral"
worklist.register_record_page(REF_INCOMING, label=N_("Remissen"), path="/remisser/{id}")
worklist.register_record_page(REF_OUTGOING, label=N_("Den utgående remissen"),
                                    path="/remisser/utgaende/{id}")


def _load_referrals(session: Session, ids: list[int]) -> dict[int, Any]:
    return {r.id: r for r in session.scalars(select(Referral).where(Referral.id.in_(ids)))}


def _load_outgoing(session: Session, ids: list[int]) -> dict[int, Any]:
    return {r.id: r for r in session.scalars(
        select(OutgoingReferral).where(OutgoingReferral.id.in_(ids)))}


_OPEN = [s.value for s in REFERRAL_OPEN]


def _check_assessments(session: Session) -> list[Finding]:
    """An open referral has an open assessment item, and a decided one has none."""
    return compare(session, kind=ASSESSMENT.code, ref_type=REF_INCOMING, model=Referral,
                   needs=Referral.status.in_(_OPEN), allows=lambda r: r.status in _OPEN,
                   label=_("Remissen"))


def _check_chases(session: Session) -> list[Finding]:
    """A chased referral still unanswered has an open chase item; an answered one has none."""
    sent = OutgoingStatus.SENT.value
    return compare(session, kind=CHASE.code, ref_type=REF_OUTGOING, model=OutgoingReferral,
                   needs=(OutgoingReferral.status == sent) & OutgoingReferral.chased_at.is_not(None),
                   allows=lambda r: r.status == sent, label=_("Den utgående remissen"))


ASSESSMENT = register(KindSpec(
    code="referral-assessment", label=N_("Remissbedömning"), label_plural=N_("Remissbedömningar"),
    # Regional routines ask for an assessment within days; an acute referral within hours.
    default_hours={Priority.ACUTE: 4, Priority.HIGH: 24, Priority.NORMAL: 72, Priority.LOW: 168},
    ref_type=REF_INCOMING, detail_template="referrals/_assessment_detail.html",
    load_refs=_load_referrals, escalates=True, operations=GENERIC_OPERATIONS,
    record_hint=N_("Öppna remissen för att bedöma den."), check=_check_assessments))
CHASE = register(KindSpec(
    code="referral-chase", label=N_("Bevaka remissvar"), label_plural=N_("Remissvar att bevaka"),
    default_hours={Priority.ACUTE: 4, Priority.HIGH: 24, Priority.NORMAL: 72, Priority.LOW: 168},
    ref_type=REF_OUTGOING, detail_template="referrals/_chase_detail.html",
    load_refs=_load_outgoing, operations=GENERIC_OPERATIONS,
    record_hint=N_("Öppna den utgående remissen för att registrera svaret."), check=_check_chases))


def open_items(session: Session, *, ref_type: str, ref_id: int, kind: str) -> list[WorkItem]:
    """A record's open work items of one kind."""
    return worklist.open_items(session, ref_type=ref_type, ref_id=ref_id, kind=kind)


def assessment_items(session: Session, *, referral_id: int) -> list[WorkItem]:
    """The referral's open assessment items (one, normally)."""
    return open_items(session, ref_type=REF_INCOMING, ref_id=referral_id, kind=ASSESSMENT.code)


def resume(session: Session, *, items: list[WorkItem], actor_id: int, now: datetime) -> None:
    """Take the items off hold with a fresh due time: the assessment starts again."""
    worklist.resume_items(session, items=items, actor_id=actor_id, now=now)
    for item in items:
        worklist.move_item(session, item=item, actor_id=actor_id, now=now,
                           due_at=worklist.rule_due(session, item=item, now=now),
                           reason=_("Kompletteringen har kommit in"))

