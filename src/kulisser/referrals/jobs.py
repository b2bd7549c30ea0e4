"""Referral jobs: delivering a sent referral, and chasing the ones without a reply.

Both follow the job rules: they take ids (or nothing), reload the record, do nothing if it
has moved on, and are safe to run twice. Delivery happens after the "send" committed (the
job is deferred in that transaction), so a rolled-back send never reaches the receiver.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.db import utcnow
from kulisser.i18n import _, ngettext
from kulisser.jobs.context import JobContext
from kulisser.jobs.runner import periodic, task
from kulisser.patients.service import Patient
from kulisser.referrals import items
from kulisser.referrals.models import OutgoingReferral
from kulisser.referrals.sender import OutgoingPayload, ReferralSender, get_sender
from kulisser.referrals.states import OutgoingStatus
from kulisser.staff.service import CareUnit, User
from kulisser.worklist import service as worklist

DELIVER = "referrals.deliver"
CHASE = "referrals.chase"


def dedupe_key(outgoing_id: int) -> str:
    """The delivery job's key: one waiting delivery per referral."""
    return f"referral-deliver:{outgoing_id}"


def payload(session: Session, outgoing: OutgoingReferral) -> OutgoingPayload:
    """What the adapter gets for a referral."""
    unit = session.get(CareUnit, outgoing.unit_id)
    patient = session.get(Patient, outgoing.patient_id)
    author = session.get(User, outgoing.author_id) if outgoing.author_id else None
    assert unit is not None and patient is not None and outgoing.sent_at is not None
    return OutgoingPayload(
        key=f"{unit.hsa_id}-{outgoing.id}", referral_id=outgoing.id, sender_unit=unit.name,
        sender_hsa_id=unit.hsa_id, receiver_name=outgoing.receiver_name,
        receiver_hsa_id=outgoing.receiver_hsa_id, patient_name=patient.full_name,
        patient_identifier=patient.display_id, patient_id_kind=patient.id_kind,
        author=author.full_name if author else "", priority=outgoing.priority,
        question=outgoing.question, anamnesis=outgoing.anamnesis, text=outgoing.body,
        sent_at=outgoing.sent_at.isoformat())


def deliver(session: Session, *, outgoing_id: int, sender: ReferralSender,
            now: datetime | None = None) -> bool:
    """Hand a sent referral to the adapter once; False when there is nothing to deliver."""
    now = now or utcnow()
    outgoing = session.get(OutgoingReferral, outgoing_id, with_for_update=True)
    if (outgoing is None or outgoing.delivered_at is not None
            or outgoing.status not in (OutgoingStatus.SENT, OutgoingStatus.REPLIED)):
        return False
    reference = sender.send(payload(session, outgoing))
    outgoing.delivered_at, outgoing.delivery_ref = now, reference[:255]
    outgoing.record("delivered", actor_id=None, now=now, reference=reference[:255])
    session.flush()
    return True


@task(DELIVER)
def deliver_task(ctx: JobContext, *, outgoing_id: int) -> None:
    """The job: deliver one sent referral through the adapter its settings name."""
    deliver(ctx.session, outgoing_id=outgoing_id, sender=get_sender(ctx.settings))


def chase_unanswered(session: Session, *, days: int, now: datetime | None = None,
                     batch: int = 500) -> int:
    """A "chase the referral" item for each referral sent `days` ago without a reply, once each."""
    now = now or utcnow()
    due = list(session.scalars(
        select(OutgoingReferral).where(
            OutgoingReferral.status == OutgoingStatus.SENT.value,
            OutgoingReferral.chased_at.is_(None),
            OutgoingReferral.sent_at <= now - timedelta(days=days))
        .order_by(OutgoingReferral.sent_at).limit(batch).with_for_update(skip_locked=True)))
    for outgoing in due:
        patient = session.get(Patient, outgoing.patient_id)
        who = patient.full_name if patient else ""
        item = worklist.open_item(
            session, actor=None, unit_id=outgoing.unit_id, kind=items.CHASE.code,
            priority=outgoing.priority, patient_id=outgoing.patient_id,
            title=_("Bevaka remissvar från {receiver_name}: {who}",
                    receiver_name=outgoing.receiver_name, who=who)[:200],
            description=ngettext("Inget svar på {n} dag. Kontakta mottagaren.",
                                 "Inget svar på {n} dagar. Kontakta mottagaren.", days),
            ref_type=items.REF_OUTGOING, ref_id=outgoing.id, system_reason=_("Remissvar saknas"),
            now=now)
        outgoing.chased_at = now
        outgoing.record("chase_created", actor_id=None, now=now, item_id=item.id, days=days)
    session.flush()
    return len(due)


@periodic(CHASE, every_seconds=3600)
def chase_task(ctx: JobContext) -> None:
    """The periodic job: chase what has waited the configured days for a reply."""
    chase_unanswered(ctx.session, days=ctx.settings.referral_chase_days)

