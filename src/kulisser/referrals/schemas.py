"""Pydantic models of the referral API (incoming and outgoing)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from kulisser.bounds import Id
from kulisser.web.api import Timestamp
from kulisser.worklist.service import PatientRef, Priority, UserRef


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
