"""A patient's referrals, in and out, and their replies as record texts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulisser.i18n import _
from kulisser.record_texts import RecordText, local_day, local_time
from kulisser.referrals.models import OutgoingReferral, Referral
from kulisser.referrals.states import STATUS_LABELS, OutgoingStatus, ReferralStatus


def _incoming(referral: Referral) -> RecordText:
    lines = [_("Remittent: {name}", name=referral.sender_name),
             _("Utfärdad: {day}", day=referral.issued_on.isoformat()),
             _("Mottagen: {day}", day=referral.received_on.isoformat()),
             _("Status: {status}", status=_(STATUS_LABELS[ReferralStatus(referral.status)])),
             "", _("Frågeställning:"), referral.question.rstrip()]
    if referral.decision_reason:
        lines += ["", _("Bedömning: {reason}", reason=referral.decision_reason.rstrip())]
    for message in referral.messages:
        lines += ["", _("Meddelande {at} ({who}):", at=local_time(message.created_at),
                        who=message.counterpart_name), message.text.rstrip()]
    return RecordText(source="referral", source_id=referral.id, source_version=0,
                      title=_("Inkommande remiss från {name}", name=referral.sender_name),
                      date=referral.received_on, text="\n".join(lines))


def referral_texts(session: Session, *, patient_id: int, unit_id: int) -> list[RecordText]:
    """The patient's referrals in the unit (incoming with their messages, outgoing sent ones)
    and the replies to the outgoing ones, oldest first (no access check: the caller checks)."""
    found = [_incoming(r) for r in session.scalars(
        select(Referral).where(Referral.patient_id == patient_id, Referral.unit_id == unit_id)
        .options(selectinload(Referral.messages)).order_by(Referral.received_on, Referral.id))]
    sent = session.scalars(select(OutgoingReferral).where(
        OutgoingReferral.patient_id == patient_id, OutgoingReferral.unit_id == unit_id,
        OutgoingReferral.sent_at.is_not(None),
        OutgoingReferral.status != OutgoingStatus.DRAFT.value)
        .order_by(OutgoingReferral.sent_at, OutgoingReferral.id))
    for out in sent:
        found.append(RecordText(
            source="outgoing_referral", source_id=out.id, source_version=0,
            title=_("Remiss till {name}", name=out.receiver_name), date=local_day(out.sent_at),
            text="\n".join([_("Frågeställning: {q}", q=out.question.rstrip()), "",
                            out.body.rstrip()])))
        if out.reply_text:
            found.append(RecordText(
                source="referral_reply", source_id=out.id, source_version=0,
                title=_("Remissvar från {name}", name=out.receiver_name),
                date=out.reply_received_on or local_day(out.reply_registered_at),
                text=out.reply_text.rstrip()))
    return found
