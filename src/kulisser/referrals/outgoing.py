"""Outgoing referrals: write one from a template, send it, follow it until the reply arrives.

Sending marks the referral sent and defers its delivery (jobs.py) in the same transaction;
sending a referral that is already sent changes nothing, so a double click or a retried API
call never sends twice. A referral without a reply after the configured number of days gets
a "chase the referral" work item from a periodic job (jobs.chase_unanswered).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.jobs import runner
from kulisser.patients.service import Patient
from kulisser.referrals import intake, items, jobs
from kulisser.referrals.messages import today_in_sweden
from kulisser.referrals.models import OutgoingReferral, ReferralTemplate
from kulisser.referrals.states import OutAction, OutgoingStatus
from kulisser.referrals.storage import PdfStore, Upload
from kulisser.referrals.texts import DEFAULT_TEMPLATE, check_template, merge
from kulisser.staff.service import Actor, CareUnit, Role, User
from kulisser.worklist import service as worklist
from kulisser.worklist.service import PRIORITY_LABELS, Priority

BODY_MAX = 50_000


@dataclass
class OutgoingData:
    """An outgoing referral as typed; template None means the default template."""

    patient_id: int | None = None
    receiver_name: str = ""
    receiver_hsa_id: str = ""
    question: str = ""
    anamnesis: str = ""
    priority: str = Priority.NORMAL.value
    template_id: int | None = None
    author_id: int | None = None


def templates_for(session: Session, *, unit_id: int, include_inactive: bool = False
                  ) -> list[ReferralTemplate]:
    """The unit's own referral templates, by name (the default template is not a row)."""
    stmt = select(ReferralTemplate).where(ReferralTemplate.unit_id == unit_id)
    if not include_inactive:
        stmt = stmt.where(ReferralTemplate.active.is_(True))
    return list(session.scalars(stmt.order_by(ReferralTemplate.name)))


def save_template(session: Session, *, actor: Actor, name: str, body: str,
                  template_id: int | None = None, active: bool = True,
                  now: datetime | None = None) -> ReferralTemplate:
    """Create or change one of the unit's templates; unknown merge fields are refused."""
    now = now or utcnow()
    name, body = check_template(name, body)
    clash = session.scalar(select(ReferralTemplate.id).where(
        ReferralTemplate.unit_id == actor.unit_id, ReferralTemplate.name == name))
    if clash is not None and clash != template_id:
        raise ValidationFailed({"name": _("Enheten har redan en mall med det namnet.")})
    if template_id is None:
        template = ReferralTemplate(unit_id=actor.unit_id, name=name, body=body)
        session.add(template)
    else:
        found = session.get(ReferralTemplate, template_id)
        if found is None:
            raise NotFound(_("Mallen finns inte."))
        audit.require_unit(actor=actor, object_type="referral_template", object_id=found.id,
                           unit_id=found.unit_id, action="update", current_unit=True,
                           hidden=_("Mallen finns inte."), now=now)
        template = found
        template.name, template.body = name, body
    template.active, template.updated_at, template.updated_by_id = active, now, actor.user_id
    session.flush()
    return template


def _author(session: Session, *, actor: Actor, author_id: int | None,
            errors: dict[str, str]) -> int | None:
    if actor.role == Role.CLINICIAN and author_id in (None, actor.user_id):
        return actor.user_id
    if author_id is None:
        errors["author_id"] = _("Välj remitterande läkare.")
    elif not intake.is_assessor(session, unit_id=actor.unit_id, user_id=author_id):
        errors["author_id"] = _("Remittenten ska vara läkare/vårdpersonal på enheten.")
    return author_id


def create_outgoing(session: Session, *, actor: Actor, data: OutgoingData,
                    now: datetime | None = None) -> OutgoingReferral:
    """Write an outgoing referral: the chosen template merged with patient, question, anamnesis."""
    # Imported here: the service re-exports this module (an import cycle).
    from kulisser.referrals import service as referrals

    now = now or utcnow()
    errors: dict[str, str] = {}
    patient = session.get(Patient, data.patient_id) if data.patient_id is not None else None
    if patient is None:
        errors["patient_id"] = _("Välj patient.")
    receiver = data.receiver_name.strip()
    if not receiver:
        errors["receiver_name"] = _("Ange mottagande enhet.")
    elif len(receiver) > 200:
        errors["receiver_name"] = _("Högst 200 tecken.")
    hsa = intake.check_hsa_id(data.receiver_hsa_id, field="receiver_hsa_id", errors=errors)
    texts: dict[str, str] = {}
    for field, required in (("question", True), ("anamnesis", False)):
        try:
            texts[field] = intake.check_text(getattr(data, field), field=field, required=required,
                                             limit=intake.QUESTION_MAX)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if data.priority not in {p.value for p in Priority}:
        errors["priority"] = _("Okänd prioritet.")
    template_body = _(DEFAULT_TEMPLATE)
    if data.template_id is not None:
        template = session.get(ReferralTemplate, data.template_id)
        if template is None or template.unit_id != actor.unit_id or not template.active:
            errors["template_id"] = _("Välj en av enhetens mallar.")
        else:
            template_body = template.body
    author_id = _author(session, actor=actor, author_id=data.author_id, errors=errors)
    if errors:
        raise ValidationFailed(errors)
    assert patient is not None
    unit = session.get(CareUnit, actor.unit_id)
    author = session.get(User, author_id) if author_id else None
    values = {
        "patient": patient.full_name, "personnummer": patient.display_id,
        "fragestallning": texts["question"], "anamnes": texts["anamnesis"],
        "mottagare": receiver, "mottagare_hsa": hsa, "avsandare": unit.name if unit else "",
        "remittent": author.full_name if author else "", "datum": today_in_sweden(now).isoformat(),
        "prioritet": _(PRIORITY_LABELS[Priority(data.priority)]),
    }
    outgoing = OutgoingReferral(
        unit_id=actor.unit_id, patient_id=patient.id, author_id=author_id, receiver_name=receiver,
        receiver_hsa_id=hsa, template_id=data.template_id, question=texts["question"],
        anamnesis=texts["anamnesis"], body=merge(template_body, values), priority=data.priority,
        created_by_id=actor.user_id, created_at=now, updated_at=now)
    session.add(outgoing)
    outgoing.record("created", actor_id=actor.user_id, now=now, to_status=outgoing.status)
    session.flush()
    referrals.check(session, actor=actor, record=outgoing, action="create",
                    object_type="outgoing_referral", now=now)
    return outgoing


def get_outgoing(session: Session, *, actor: Actor, outgoing_id: int,
                 now: datetime | None = None) -> OutgoingReferral:
    """Load an outgoing referral after the access check (which writes the audit row)."""
    # Imported here: the service re-exports this module (an import cycle).
    from kulisser.referrals import service as referrals

    return referrals.get(session, OutgoingReferral, actor=actor, record_id=outgoing_id,
                         now=now or utcnow())


def _for_change(session: Session, *, actor: Actor, outgoing_id: int,
                now: datetime) -> OutgoingReferral:
    # Imported here: the service re-exports this module (an import cycle).
    from kulisser.referrals import service as referrals

    return referrals.get(session, OutgoingReferral, actor=actor, record_id=outgoing_id, now=now,
                         action="update", lock=True)


def update_outgoing(session: Session, *, actor: Actor, outgoing_id: int, body: str,
                    now: datetime | None = None) -> OutgoingReferral:
    """Change the text of a referral not yet sent."""
    now = now or utcnow()
    body = intake.check_text(body, field="body", required=True, limit=BODY_MAX)
    outgoing = _for_change(session, actor=actor, outgoing_id=outgoing_id, now=now)
    outgoing.move(OutAction.EDIT, actor_id=actor.user_id, now=now)
    outgoing.body = body
    session.flush()
    return outgoing


def send_outgoing(session: Session, *, actor: Actor, outgoing_id: int,
                  now: datetime | None = None) -> OutgoingReferral:
    """Send: mark sent and queue its delivery. Sending a sent referral again does nothing."""
    now = now or utcnow()
    outgoing = _for_change(session, actor=actor, outgoing_id=outgoing_id, now=now)
    if outgoing.status in (OutgoingStatus.SENT, OutgoingStatus.REPLIED):
        return outgoing
    outgoing.move(OutAction.SEND, actor_id=actor.user_id, now=now)
    outgoing.sent_at, outgoing.sent_by_id = now, actor.user_id
    runner.defer(session, jobs.DELIVER, dedupe_key=jobs.dedupe_key(outgoing.id),
                 outgoing_id=outgoing.id)
    session.flush()
    return outgoing


def register_reply(session: Session, *, actor: Actor, outgoing_id: int, text: str,
                   received_on: object = None, store: PdfStore | None = None,
                   uploads: list[Upload] | None = None, now: datetime | None = None
                   ) -> OutgoingReferral:
    """The receiver's reply arrived (date, text, PDFs): the referral is answered, chasing stops."""
    now = now or utcnow()
    errors: dict[str, str] = {}
    try:
        text = intake.check_text(text, field="text", required=True, limit=BODY_MAX)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    day = intake.check_date(received_on or today_in_sweden(now), field="received_on",
                            label="svaret kom in", today=today_in_sweden(now), errors=errors)
    if errors:
        raise ValidationFailed(errors)
    with intake.staged(store, uploads or []) as files:
        outgoing = _for_change(session, actor=actor, outgoing_id=outgoing_id, now=now)
        if (day is not None and outgoing.sent_at is not None
                and day < today_in_sweden(outgoing.sent_at)):
            raise ValidationFailed({"received_on": _("Svaret kan inte ha kommit före remissen skickades.")})
        outgoing.move(OutAction.REPLY, actor_id=actor.user_id, now=now, files=len(files) or None)
        outgoing.reply_received_on, outgoing.reply_text = day, text
        outgoing.reply_registered_at, outgoing.reply_registered_by_id = now, actor.user_id
        intake.attach(session, actor=actor, files=files, now=now, outgoing=outgoing)
        chase = items.open_items(session, ref_type=items.REF_OUTGOING, ref_id=outgoing.id,
                                 kind=items.CHASE.code)
        worklist.close_items(session, items=chase, actor_id=actor.user_id, now=now,
                             reason=_("Remissvaret har kommit"))
        session.flush()
    return outgoing


def cancel_outgoing(session: Session, *, actor: Actor, outgoing_id: int, reason: str,
                    now: datetime | None = None) -> OutgoingReferral:
    """Cancel a referral that will not be sent or answered; chasing stops."""
    now = now or utcnow()
    outgoing = _for_change(session, actor=actor, outgoing_id=outgoing_id, now=now)
    outgoing.move(OutAction.CANCEL, actor_id=actor.user_id, now=now, reason=reason)
    outgoing.cancelled_reason = reason.strip()
    chase = items.open_items(session, ref_type=items.REF_OUTGOING, ref_id=outgoing.id,
                             kind=items.CHASE.code)
    worklist.close_items(session, items=chase, actor_id=actor.user_id, now=now,
                         reason=_("Remissen makulerad"), cancel=True)
    session.flush()
    return outgoing
