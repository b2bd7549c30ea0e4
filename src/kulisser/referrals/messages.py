"""Messages to and from a referral's sender: receipt, the decision's reply, questions, answers."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from kulisser.patients.service import Patient
from kulisser.referrals.models import Referral, ReferralMessage
from kulisser.referrals.states import Action
from kulisser.referrals.texts import MessageFacts, message_text
from kulisser.staff.service import Actor, CareUnit

SWEDEN = ZoneInfo("Europe/Stockholm")


def today_in_sweden(now: datetime) -> date:
    """The calendar day in Sweden at this moment (dates of referrals are Swedish days)."""
    return now.astimezone(SWEDEN).date()


def add(session: Session, *, actor: Actor, referral: Referral, kind: str, now: datetime,
        direction: str = "out", text: str | None = None, **details: str) -> ReferralMessage:
    """A message to the sender (from the kind's template) or from them (text as received)."""
    if text is None:
        patient = session.get(Patient, referral.patient_id)
        unit = session.get(CareUnit, referral.unit_id)
        assert patient is not None and unit is not None
        facts = MessageFacts(sender=referral.sender_name, sender_hsa=referral.sender_hsa_id,
                             unit=unit.name, patient=patient.full_name, pnr=patient.display_id,
                             issued=referral.issued_on, received=referral.received_on,
                             signer=actor.full_name)
        text = message_text(kind, facts, today=today_in_sweden(now), **details)
    message = ReferralMessage(direction=direction, kind=kind, text=text, created_at=now,
                              created_by_id=actor.user_id, counterpart_name=referral.sender_name,
                              counterpart_hsa_id=referral.sender_hsa_id)
    referral.messages.append(message)
    return message


def confirm(session: Session, *, actor: Actor, referral: Referral, now: datetime) -> ReferralMessage:
    """Confirm receipt: the status moves to received and the receipt message is made."""
    referral.move(Action.CONFIRM, actor_id=actor.user_id, now=now)
    return add(session, actor=actor, referral=referral, kind="receipt", now=now)
