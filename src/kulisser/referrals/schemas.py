"""Pydantic models of the referral API (incoming and outgoing), and the answers built from the
records (the access checks were done when the records were loaded)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from kulisser.bounds import Id
from kulisser.db import utcnow
from kulisser.i18n import _
from kulisser.patients.service import Patient
from kulisser.referrals import items
from kulisser.referrals import service as referrals
from kulisser.referrals.models import (
    OutgoingReferral,
    OutgoingReferralEvent,
    Referral,
    ReferralAttachment,
    ReferralEvent,
)
from kulisser.referrals.queries import Row
from kulisser.referrals.states import (
    EVENT_LABELS,
    OUT_STATUS_LABELS,
    STATUS_LABELS,
    OutgoingStatus,
    ReferralStatus,
    out_allowed_actions,
)
from kulisser.referrals.texts import MESSAGE_KIND_LABELS
from kulisser.staff import service as staff
from kulisser.staff.service import Actor
from kulisser.web.api import Timestamp
from kulisser.worklist.service import PatientRef, Priority, UserRef, WorkItem


class Party(BaseModel):
    """A care unit outside ours, by name and HSA-id."""

    name: str = Field(examples=["Vårdcentralen Norr"])
    hsa_id: str = Field(examples=["SE2321000016-15B4"])


class AttachmentOut(BaseModel):
    """A stored PDF (its name is display text only; download it from url)."""

    id: int
    filename: str
    size: int
    sha256: str
    url: str
    message_id: int | None = Field(None, description="The sender's answer it came with, if any.")


class MessageOut(BaseModel):
    """A message to the sender (out) or from them (in)."""

    id: int
    direction: str = Field(examples=["out"])
    kind: str = Field(description="receipt, accepted, rejected, forwarded, question, answer.")
    kind_label: str
    text: str
    received_on: date | None = None
    created_at: Timestamp
    created_by: UserRef | None = None


class EventOut(BaseModel):
    """One step of a referral's history."""

    at: Timestamp
    type: str = Field(examples=["accept"])
    label: str
    actor: UserRef | None = None
    from_status: str | None = None
    to_status: str | None = None
    reason: str | None = None


class ReferralSummary(BaseModel):
    """An incoming referral as the inbox lists it."""

    id: int
    status: str = Field(description="registered, received, under_assessment, waiting_for_info, "
                                    "accepted, rejected, forwarded, replied, cancelled.")
    status_label: str
    outcome: str | None = Field(None, description="accepted, rejected or forwarded, once decided.")
    patient: PatientRef
    sender: Party
    issued_on: date = Field(description="The day the sender issued it: the care guarantee "
                                        "clock starts here.")
    received_on: date
    priority: Priority
    assessor: UserRef | None = Field(None, description="Who holds the open assessment.")
    assessment_item_id: int | None = None
    due_at: Timestamp | None = None
    overdue: bool = False


class ReferralDetail(ReferralSummary):
    """An incoming referral with its question, decision, files, messages and history."""

    question: str
    decision_reason: str | None = None
    forwarded_to: Party | None = None
    decided_at: Timestamp | None = None
    decided_by: UserRef | None = None
    waitlist_entry_id: int | None = None
    registered_at: Timestamp
    registered_by: UserRef | None = None
    attachments: list[AttachmentOut]
    messages: list[MessageOut]
    events: list[EventOut]
    allowed_actions: list[str]
    warnings: list[str] = Field(default_factory=list, description="On registration: a typed "
                                "name that differs from the registered patient's.")


class ReferralList(BaseModel):
    """A page of the inbox; more: a next page exists (offset + limit)."""

    items: list[ReferralSummary]
    more: bool


class NoteIn(BaseModel):
    """An optional message to the sender with the acceptance."""

    note: str = Field("", max_length=2000)


class ReasonIn(BaseModel):
    """A reason (sent to the sender with a rejection)."""

    reason: str = Field(min_length=1, max_length=4000)


class ForwardIn(BaseModel):
    """Where the referral goes, and why."""

    to_name: str = Field(min_length=1, max_length=200)
    to_hsa_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=4000)


class QuestionIn(BaseModel):
    """What the sender is asked."""

    question: str = Field(min_length=1, max_length=4000)


class HandoverIn(BaseModel):
    """Who takes over the assessment (null: the unit's queue), and why."""

    to_user_id: Id | None = None
    reason: str = Field(min_length=1, max_length=4000)


class OutgoingIn(BaseModel):
    """A referral to write; template_id null: the default template."""

    patient_id: Id
    receiver_name: str = Field(max_length=200)
    receiver_hsa_id: str = Field(max_length=64)
    question: str
    anamnesis: str = ""
    priority: Priority = Priority.NORMAL
    template_id: Id | None = None
    author_id: Id | None = Field(None, description="The referring clinician (a clinician "
                                                   "calling is the author).")


class BodyIn(BaseModel):
    """The text of a draft."""

    body: str = Field(min_length=1)


class ReplyOut(BaseModel):
    """The receiver's reply."""

    received_on: date | None
    text: str
    registered_at: Timestamp | None
    registered_by: UserRef | None = None


class OutgoingSummary(BaseModel):
    """An outgoing referral as the list shows it."""

    id: int
    status: str = Field(description="draft, sent, replied, cancelled.")
    status_label: str
    patient: PatientRef
    receiver: Party
    priority: Priority
    created_at: Timestamp
    sent_at: Timestamp | None = None
    reply_overdue: bool = False
    chase_item_id: int | None = None


class OutgoingDetail(OutgoingSummary):
    """An outgoing referral with its text, delivery, reply and history."""

    author: UserRef | None = None
    question: str
    anamnesis: str
    body: str
    delivered_at: Timestamp | None = None
    delivery_ref: str | None = None
    reply: ReplyOut | None = None
    chased_at: Timestamp | None = None
    attachments: list[AttachmentOut]
    events: list[EventOut]
    allowed_actions: list[str]


class OutgoingList(BaseModel):
    """A page of outgoing referrals."""

    items: list[OutgoingSummary]
    more: bool


class TemplateOut(BaseModel):
    """A referral template of the unit (id null: the built-in default)."""

    id: int | None
    name: str
    body: str
    active: bool


class TemplateList(BaseModel):
    """The default template first, then the unit's own, and the merge fields they may use."""

    items: list[TemplateOut]
    merge_fields: dict[str, str]


def _user(names: dict[int, str], user_id: int | None) -> UserRef | None:
    return None if user_id is None else UserRef(id=user_id, name=names.get(user_id, ""))


def _patient(patient: Patient) -> PatientRef:
    return PatientRef(id=patient.id, name=patient.full_name, identifier=patient.display_id)


def _events(events: list[ReferralEvent] | list[OutgoingReferralEvent],
            names: dict[int, str]) -> list[EventOut]:
    return [EventOut(at=e.at, type=e.type, label=_(EVENT_LABELS.get(e.type, e.type)),
                     actor=_user(names, e.actor_id), from_status=e.from_status,
                     to_status=e.to_status, reason=e.reason) for e in events]


def _files(rows: list[ReferralAttachment], base: str) -> list[AttachmentOut]:
    return [AttachmentOut(id=a.id, filename=a.filename, size=a.size, sha256=a.sha256,
                          url=f"{base}/attachments/{a.id}", message_id=a.message_id) for a in rows]


def referral_summary(row: Row, names: dict[int, str]) -> dict[str, Any]:
    """The fields of the inbox line of a referral."""
    r: Referral = row.record
    item: WorkItem | None = row.item
    return dict(
        id=r.id, status=r.status, status_label=_(STATUS_LABELS[ReferralStatus(r.status)]),
        outcome=r.outcome, patient=_patient(row.patient),
        sender=Party(name=r.sender_name, hsa_id=r.sender_hsa_id), issued_on=r.issued_on,
        received_on=r.received_on, priority=Priority(r.priority),
        assessor=_user(names, item.owner_id) if item else None,
        assessment_item_id=item.id if item else None, due_at=item.due_at if item else None,
        overdue=row.overdue)


def referral_list(session: Session, rows: list[Row]) -> list[ReferralSummary]:
    """The inbox lines, with the assessors' names in one query."""
    names = staff.user_names(session, {r.item.owner_id for r in rows if r.item and r.item.owner_id})
    return [ReferralSummary(**referral_summary(r, names)) for r in rows]


def referral_detail(session: Session, actor: Actor, r: Referral) -> ReferralDetail:
    """A referral with everything about it."""
    open_items = items.assessment_items(session, referral_id=r.id)
    item = open_items[0] if open_items else None
    patient = session.get(Patient, r.patient_id)
    assert patient is not None
    ids = {e.actor_id for e in r.events if e.actor_id} | {
        m.created_by_id for m in r.messages if m.created_by_id} | {
        i for i in (r.decided_by_id, r.registered_by_id, item.owner_id if item else None) if i}
    names = staff.user_names(session, ids)
    row = Row(record=r, patient=patient, item=item,
              overdue=item is not None and item.due_at < utcnow())
    actions = referrals.actions_for(actor, r, has_open_item=item is not None)
    return ReferralDetail(
        **referral_summary(row, names), question=r.question, decision_reason=r.decision_reason,
        forwarded_to=(Party(name=r.forward_to_name, hsa_id=r.forward_to_hsa_id or "")
                      if r.forward_to_name else None),
        decided_at=r.decided_at, decided_by=_user(names, r.decided_by_id),
        waitlist_entry_id=r.waitlist_entry_id, registered_at=r.registered_at,
        registered_by=_user(names, r.registered_by_id),
        attachments=_files(r.attachments, f"/api/v1/referrals/{r.id}"),
        messages=[MessageOut(id=m.id, direction=m.direction, kind=m.kind,
                             kind_label=_(MESSAGE_KIND_LABELS.get(m.kind, m.kind)), text=m.text,
                             received_on=m.received_on, created_at=m.created_at,
                             created_by=_user(names, m.created_by_id)) for m in r.messages],
        events=_events(r.events, names), allowed_actions=actions)


def outgoing_summary(row: Row) -> dict[str, Any]:
    """The fields of the list line of an outgoing referral."""
    o: OutgoingReferral = row.record
    return dict(
        id=o.id, status=o.status, status_label=_(OUT_STATUS_LABELS[OutgoingStatus(o.status)]),
        patient=_patient(row.patient), receiver=Party(name=o.receiver_name, hsa_id=o.receiver_hsa_id),
        priority=Priority(o.priority), created_at=o.created_at, sent_at=o.sent_at,
        reply_overdue=row.overdue, chase_item_id=row.item.id if row.item else None)


def outgoing_list(rows: list[Row]) -> list[OutgoingSummary]:
    """The list lines."""
    return [OutgoingSummary(**outgoing_summary(r)) for r in rows]


def outgoing_detail(session: Session, o: OutgoingReferral, *, overdue_days: int) -> OutgoingDetail:
    """An outgoing referral with its text, delivery, reply and history."""
    patient = session.get(Patient, o.patient_id)
    assert patient is not None
    chase = items.open_items(session, ref_type=items.REF_OUTGOING, ref_id=o.id,
                             kind=items.CHASE.code)
    ids = {e.actor_id for e in o.events if e.actor_id} | {
        i for i in (o.author_id, o.reply_registered_by_id) if i}
    names = staff.user_names(session, ids)
    overdue = (o.status == OutgoingStatus.SENT and o.sent_at is not None
               and o.sent_at <= utcnow() - timedelta(days=overdue_days))
    row = Row(record=o, patient=patient, item=chase[0] if chase else None, overdue=overdue)
    reply = None
    if o.reply_text is not None:
        reply = ReplyOut(received_on=o.reply_received_on, text=o.reply_text,
                         registered_at=o.reply_registered_at,
                         registered_by=_user(names, o.reply_registered_by_id))
    return OutgoingDetail(
        **outgoing_summary(row), author=_user(names, o.author_id), question=o.question,
        anamnesis=o.anamnesis, body=o.body, delivered_at=o.delivered_at,
        delivery_ref=o.delivery_ref, reply=reply, chased_at=o.chased_at,
        attachments=_files(o.attachments, f"/api/v1/referrals/outgoing/{o.id}"),
        events=_events(o.events, names),
        allowed_actions=[a.value for a in out_allowed_actions(o.status)])
