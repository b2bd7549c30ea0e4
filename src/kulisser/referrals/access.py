"""Access to referrals: the PDL access check with its audit row, and who may decide.

Every read or write of a referral (incoming or outgoing) or of one of its PDFs goes through
`check`: the access check of kulisser.audit (care relation or emergency access) with its
audit row. A referral of another care unit than the actor's current one is refused as a
denied access (403 and a "denied" audit row), even where that unit also cares for the
patient: the referral is the receiving (or writing) unit's own business.

Roles: anyone on the unit registers referrals, confirms receipt, registers the sender's
answers and writes, sends and follows outgoing referrals; the assessment's decisions
(accept, reject, forward, ask for more information) are a clinician's (or a unit manager's).
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.errors import Forbidden, NotFound
from kulisser.i18n import _
from kulisser.referrals.models import OutgoingReferral, Referral
from kulisser.referrals.states import DECISIONS, Action, ReferralStatus, allowed_actions
from kulisser.staff.service import Actor, Role

DECIDER_ROLES = (Role.CLINICIAN, Role.MANAGER, Role.ADMIN)
R = TypeVar("R", Referral, OutgoingReferral)


def check(session: Session, *, actor: Actor, record: Referral | OutgoingReferral, action: str,
          object_type: str, now: datetime) -> None:
    """The access check and audit row for one read or write of a referral."""
    audit.check(session, actor=actor, record=record, object_type=object_type, action=action,
                current_unit=True, reason=_("Remissen hör till en annan vårdenhet."), now=now)


def load(session: Session, model: type[R], record_id: int, *, lock: bool = False) -> R:
    """Load a referral without any access check (callers check); lock: SELECT ... FOR UPDATE."""
    found = session.get(model, record_id, with_for_update=lock or None, populate_existing=lock)
    if found is None:
        raise NotFound(_("Remissen finns inte."))
    return found


def get(session: Session, model: type[R], *, actor: Actor, record_id: int, now: datetime,
        action: str = "read", lock: bool = False) -> R:
    """Load a referral after the access check (which writes the audit row)."""
    record = load(session, model, record_id, lock=lock)
    object_type = "referral" if model is Referral else "outgoing_referral"
    check(session, actor=actor, record=record, action=action, object_type=object_type, now=now)
    return record


def may_decide(actor: Actor) -> bool:
    """Whether the actor's role may make the assessment's decisions."""
    return actor.role in DECIDER_ROLES


def require_decider(actor: Actor) -> None:
    """Raise Forbidden unless the actor may make the assessment's decisions."""
    if not may_decide(actor):
        raise Forbidden(_("Endast läkare/vårdpersonal eller enhetschef kan bedöma remisser."))


_ANYONE = (Action.CONFIRM, Action.ANSWER, Action.CANCEL)


def actions_for(actor: Actor, referral: Referral, *, has_open_item: bool) -> list[str]:
    """What the actor may do now: the status's actions for their role (decisions begin the
    assessment themselves, so they are offered before it has started), and hand-over."""
    found = list(allowed_actions(referral.status))
    if referral.status in (ReferralStatus.REGISTERED, ReferralStatus.RECEIVED):
        found[-1:-1] = [*DECISIONS, Action.ASK]  # before cancel
    if not may_decide(actor):
        found = [a for a in found if a in _ANYONE]
    names = [a.value for a in found]
    if has_open_item:
        names.append("handover")
    return names
