"""Incoming referrals (remissinkorg): register, assess, decide, reply (the public entry point).

Other packages use this module only. It re-exports the outgoing referrals (outgoing.py), the
lists (queries.py) and the attachments' store. Every function that touches a referral checks
access and writes its audit row (`check`, `get`, `load` below), takes keyword arguments and
never commits;
status changes are Referral methods that record events, and the work items follow (items.py).

A decision (accept, reject, forward) makes the reply to the sender at once: a message from a
fixed Swedish template, and the status moves through the decision to replied. Accepting puts
the patient on the waiting list with the guarantee clock started on the day the referral was
issued (DOMAIN.md: from the sender's date, not the arrival).
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from kulisser import events
from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.errors import Forbidden, NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.referrals import intake, items, messages
from kulisser.referrals.aggregates import AwaitingAssessment as AwaitingAssessment
from kulisser.referrals.aggregates import awaiting_assessment as awaiting_assessment
from kulisser.referrals.aggregates import received_between as received_between
from kulisser.referrals.events import ReferralAccepted
from kulisser.referrals.intake import (
    PdfFile,
    ReferralData,
    assessors,
    check_date,
    check_hsa_id,
    check_text,
    register_referral,
    typed_name_differs,
)
from kulisser.referrals.jobs import chase_unanswered, deliver
from kulisser.referrals.messages import today_in_sweden
from kulisser.referrals.models import OutgoingReferral, Referral
from kulisser.referrals.outgoing import (
    OutgoingData,
    cancel_outgoing,
    create_outgoing,
    get_outgoing,
    register_reply,
    save_template,
    send_outgoing,
    templates_for,
    update_outgoing,
)
from kulisser.referrals.queries import (
    OutgoingFilter,
    ReferralFilter,
    list_outgoing,
    list_referrals,
)
from kulisser.referrals.record_texts import referral_texts as referral_texts
from kulisser.referrals.states import DECISIONS, STATUS_LABELS, Action, ReferralStatus, allowed_actions
from kulisser.referrals.storage import PdfStore, Upload
from kulisser.staff.service import Actor, Role
from kulisser.waitlist import service as waitlist
from kulisser.worklist import service as worklist
from kulisser.worklist.service import Operation, Status

__all__ = [
    "OutgoingData", "OutgoingFilter", "PdfFile", "PdfStore", "ReferralData", "ReferralFilter",
    "Upload", "accept", "assessors", "cancel", "cancel_outgoing", "chase_unanswered",
    "confirm_receipt", "create_outgoing", "deliver", "forward", "get_outgoing", "get_referral", "hand_over",
    "list_outgoing", "list_referrals", "open_attachment", "register_answer", "register_referral",
    "register_reply", "reject", "request_information", "save_template", "send_outgoing",
    "start_assessment", "templates_for", "typed_name_differs", "update_outgoing",
]
S = ReferralStatus


DECIDER_ROLES = (Role.CLINICIAN, Role.MANAGER, Role.ADMIN)
R = TypeVar("R", Referral, OutgoingReferral)


def check(session: Session, *, actor: Actor, record: Referral | OutgoingReferral, action: str,
          object_type: str, now: datetime) -> None:
    """The access check and audit row for one read or write of a referral."""
    # Another unit's referral is refused (403, a denied row) even where that unit also cares
    # for the patient: the referral is the receiving (or writing) unit's own business.
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


# Roles: anyone on the unit registers referrals, confirms receipt, registers the sender's
# answers and writes, sends and follows outgoing referrals; the assessment's decisions
# (accept, reject, forward, ask for more information) are a clinician's (or a manager's).

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


def get_referral(session: Session, *, actor: Actor, referral_id: int,
                 now: datetime | None = None) -> Referral:
    """Load a referral after the access check (which writes the audit row)."""
    return get(session, Referral, actor=actor, record_id=referral_id, now=now or utcnow())


def _for_change(session: Session, *, actor: Actor, referral_id: int, now: datetime) -> Referral:
    return get(session, Referral, actor=actor, record_id=referral_id, now=now,
                      action="update", lock=True)


def confirm_receipt(session: Session, *, actor: Actor, referral_id: int,
                    now: datetime | None = None) -> Referral:
    """Confirm receipt to the sender (a receipt message) if not done at registration."""
    now = now or utcnow()
    referral = _for_change(session, actor=actor, referral_id=referral_id, now=now)
    messages.confirm(session, actor=actor, referral=referral, now=now)
    session.flush()
    return referral


def start_assessment(session: Session, *, actor: Actor, referral_id: int,
                     now: datetime | None = None) -> Referral:
    """The clinician begins the assessment: the work item becomes theirs and in progress."""
    now = now or utcnow()
    referral = _for_change(session, actor=actor, referral_id=referral_id, now=now)
    require_decider(actor)
    _begin(session, actor=actor, referral=referral, now=now)
    session.flush()
    return referral


def _begin(session: Session, *, actor: Actor, referral: Referral, now: datetime) -> None:
    """Move a referral not yet under assessment into it (decisions do this implicitly)."""
    if referral.status in (S.REGISTERED, S.RECEIVED):
        referral.move(Action.START, actor_id=actor.user_id, now=now)
        worklist.start_items(session, items=items.assessment_items(session, referral_id=referral.id),
                             actor_id=actor.user_id, now=now)


def _decision(session: Session, *, actor: Actor, referral_id: int, now: datetime) -> Referral:
    # The access check first: another unit's user is refused as a logged, denied
    referral = _for_change(session, actor=actor, referral_id=referral_id, now=now)
    require_decider(actor)
    _begin(session, actor=actor, referral=referral, now=now)
    return referral


def _reply(session: Session, *, actor: Actor, referral: Referral, now: datetime,
           **details: str) -> None:
    """The decision's reply to the sender; the assessment is done."""
    assert referral.outcome is not None
    message = messages.add(session, actor=actor, referral=referral, kind=referral.outcome, now=now,
                          **details)
    session.flush()
    referral.move(Action.REPLY, actor_id=actor.user_id, now=now, message_id=message.id)
    worklist.close_items(session, items=items.assessment_items(session, referral_id=referral.id),
                         actor_id=actor.user_id, now=now,
                         reason=_("Remissen {status_labels}",
                                  status_labels=_(STATUS_LABELS[S(referral.outcome)]).lower()))


def accept(session: Session, *, actor: Actor, referral_id: int, note: str = "",
           now: datetime | None = None) -> Referral:
    """Accept: the patient goes on the waiting list (clock from the issue date); the sender is told."""
    now = now or utcnow()
    note = check_text(note, field="note", required=False, limit=2000)
    referral = _decision(session, actor=actor, referral_id=referral_id, now=now)
    referral.decide(Action.ACCEPT, actor_id=actor.user_id, now=now, reason=note)
    # The waiting list puts the patient on the unit's list (its subscriber, this transaction).
    events.publish(session, ReferralAccepted(
        referral_id=referral.id, actor=actor, at=now, patient_id=referral.patient_id,
        issued_on=referral.issued_on, priority=referral.priority, note=note))
    entry_id = waitlist.entry_id_for_source(session, unit_id=actor.unit_id, source_type="referral",
                                            source_id=referral.id)
    if entry_id is not None:
        referral.waitlist_entry_id = entry_id
        referral.record("waitlisted", actor_id=actor.user_id, now=now, entry_id=entry_id,
                        clock_start=referral.issued_on.isoformat())
    _reply(session, actor=actor, referral=referral, now=now, note=note)
    session.flush()
    return referral


def reject(session: Session, *, actor: Actor, referral_id: int, reason: str,
           now: datetime | None = None) -> Referral:
    """Reject with a reason, which the reply to the sender carries."""
    now = now or utcnow()
    reason = check_text(reason, field="reason", required=True, limit=4000)
    referral = _decision(session, actor=actor, referral_id=referral_id, now=now)
    referral.decide(Action.REJECT, actor_id=actor.user_id, now=now, reason=reason)
    _reply(session, actor=actor, referral=referral, now=now, reason=reason)
    session.flush()
    return referral


def forward(session: Session, *, actor: Actor, referral_id: int, to_name: str, to_hsa_id: str,
            reason: str, now: datetime | None = None) -> Referral:
    """Forward to another unit (name, HSA-id) with a reason; the sender is told where it went."""
    now = now or utcnow()
    errors: dict[str, str] = {}
    to_name = to_name.strip()
    if not to_name:
        errors["to_name"] = _("Ange vilken enhet remissen ska till.")
    elif len(to_name) > 200:
        errors["to_name"] = _("Högst 200 tecken.")
    hsa = check_hsa_id(to_hsa_id, field="to_hsa_id", errors=errors)
    try:
        reason = check_text(reason, field="reason", required=True, limit=4000)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    referral = _decision(session, actor=actor, referral_id=referral_id, now=now)
    referral.decide(Action.FORWARD, actor_id=actor.user_id, now=now, reason=reason,
                    to_name=to_name, to_hsa_id=hsa)
    referral.forward_to_name, referral.forward_to_hsa_id = to_name, hsa
    _reply(session, actor=actor, referral=referral, now=now, reason=reason, to_name=to_name,
           to_hsa=hsa)
    session.flush()
    return referral


def request_information(session: Session, *, actor: Actor, referral_id: int, question: str,
                        now: datetime | None = None) -> Referral:
    """Ask the sender for more information; the referral and its item wait for the answer."""
    now = now or utcnow()
    question = check_text(question, field="question", required=True, limit=4000)
    referral = _decision(session, actor=actor, referral_id=referral_id, now=now)
    referral.move(Action.ASK, actor_id=actor.user_id, now=now, reason=question)
    messages.add(session, actor=actor, referral=referral, kind="question", now=now, reason=question)
    worklist.hold_items(session, items=items.assessment_items(session, referral_id=referral.id),
                        actor_id=actor.user_id, reason=_("Väntar på komplettering från remittenten"),
                        now=now)
    session.flush()
    return referral


def register_answer(session: Session, *, actor: Actor, referral_id: int, text: str,
                    received_on: object = None, store: PdfStore | None = None,
                    uploads: list[Upload] | None = None, now: datetime | None = None) -> Referral:
    """The sender's answer arrived (text, date, PDFs): the assessment resumes with a fresh due time."""
    now = now or utcnow()
    errors: dict[str, str] = {}
    try:
        text = check_text(text, field="text", required=True, limit=20_000)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    day = check_date(received_on or today_in_sweden(now), field="received_on",
                     label="kompletteringen kom in", today=today_in_sweden(now), errors=errors)
    if errors:
        raise ValidationFailed(errors)
    with intake.staged(store, uploads or []) as files:
        referral = _for_change(session, actor=actor, referral_id=referral_id, now=now)
        if day is not None and day < referral.received_on:
            raise ValidationFailed({"received_on": _("Kompletteringen kan inte ha kommit före remissen.")})
        referral.move(Action.ANSWER, actor_id=actor.user_id, now=now, reason=text[:200])
        message = messages.add(session, actor=actor, referral=referral, kind="answer", now=now,
                               direction="in", text=text)
        message.received_on = day
        session.flush()
        intake.attach(session, actor=actor, files=files, now=now, referral=referral,
                      message_id=message.id)
        items.resume(session, items=items.assessment_items(session, referral_id=referral.id),
                     actor_id=actor.user_id, now=now)
        session.flush()
    return referral


def hand_over(session: Session, *, actor: Actor, referral_id: int, to_user_id: int | None,
              reason: str, now: datetime | None = None) -> Referral:
    """Hand the assessment to another clinician (or the unit queue), with a reason."""
    now = now or utcnow()
    referral = _for_change(session, actor=actor, referral_id=referral_id, now=now)
    found = items.assessment_items(session, referral_id=referral.id)
    if not found:
        raise ValidationFailed({"to_user_id": _("Remissen har ingen öppen bedömning att lämna över.")})
    if to_user_id is not None and not intake.is_assessor(session, unit_id=referral.unit_id,
                                                         user_id=to_user_id):
        raise ValidationFailed({"to_user_id": _("Välj en läkare/vårdpersonal på enheten.")})
    for item in found:
        if item.status == Status.REQUESTED:
            # A new item cannot be handed over (the worklist's rules): it is assigned instead,
            # or, to the queue, left unowned; the reason is kept on the item and the referral.
            if not reason.strip():
                raise ValidationFailed({"reason": _("Ange en orsak.")})
            worklist.set_owner(session, item=item, actor_id=actor.user_id, to_user_id=to_user_id,
                               reason=reason, now=now)
        else:
            worklist.perform(session, actor=actor, item_id=item.id, operation=Operation.HANDOVER,
                             reason=reason, to_user_id=to_user_id, now=now)
    referral.assessor_id = to_user_id
    referral.record("handed_over", actor_id=actor.user_id, now=now, reason=reason.strip(),
                    to_user_id=to_user_id)
    session.flush()
    return referral


def cancel(session: Session, *, actor: Actor, referral_id: int, reason: str,
           now: datetime | None = None) -> Referral:
    """Cancel a referral registered by mistake; its open items are cancelled, no reply is made."""
    now = now or utcnow()
    referral = _for_change(session, actor=actor, referral_id=referral_id, now=now)
    referral.move(Action.CANCEL, actor_id=actor.user_id, now=now, reason=reason)
    worklist.close_items(session, items=items.assessment_items(session, referral_id=referral.id),
                         actor_id=actor.user_id, now=now,
                         reason=_("Remissen makulerad: {reason}", reason=reason.strip()), cancel=True)
    session.flush()
    return referral


def open_attachment(session: Session, *, actor: Actor, store: PdfStore, attachment_id: int,
                    referral_id: int | None = None, outgoing_id: int | None = None,
                    now: datetime | None = None) -> PdfFile:
    """A stored PDF after the access check of its referral (logged as a read of the file)."""
    return intake.open_attachment(session, actor=actor, store=store, attachment_id=attachment_id,
                                  referral_id=referral_id, outgoing_id=outgoing_id,
                                  now=now or utcnow())

