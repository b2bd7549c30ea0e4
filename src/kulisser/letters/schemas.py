"""Pydantic models of the letters API (never a patient's address)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from kulisser.bounds import Day, Id
from kulisser.letters.states import LetterKind, LetterOp, LetterStatus, Route
from kulisser.web.api import Timestamp
from kulisser.worklist.service import PatientRef, RecordRef, UserRef


class LetterEventOut(BaseModel):
    """One entry in a letter's history."""

    at: Timestamp
    type: str = Field(examples=["ready"], description="created, edited, ready, draft, sent, "
                                                      "returned or cancel.")
    actor: UserRef | None
    from_status: LetterStatus | None
    to_status: LetterStatus | None
    reason: str | None
    how: str | None = Field(None, description="For sent: print or mailbox.")


class LetterOut(BaseModel):
    """A letter in a list."""

    id: int
    kind: LetterKind
    kind_label: str = Field(examples=["Kallelse"])
    status: LetterStatus
    status_label: str = Field(examples=["Klart att skicka"])
    route: Route = Field(description="post, forwarding (skyddad identitet: via Skatteverket, no "
                                     "address is ever printed) or mailbox.")
    route_label: str
    patient: PatientRef
    unit_id: int
    source: RecordRef | None = Field(None, description="What the letter is about (an appointment ...).")
    visit_start: Timestamp | None = Field(None, description="The visit time the letter tells.")
    created_at: Timestamp
    ready_at: Timestamp | None
    sent_at: Timestamp | None
    mailbox_ref: str | None
    pdf_url: str | None = Field(description="The PDF (each download is an access-logged read).")


class LetterDetail(LetterOut):
    """A letter with its text, its template and merge fields, and its history."""

    subject: str | None = Field(description="The subject as printed (None if voided).")
    text: str | None = Field(description="The text as printed, paragraphs separated by blank lines.")
    subject_template: str
    body_template: str
    fields: dict[str, str] = Field(description="The letter's own merge values.")
    address_problem: str | None = Field(description="Why it cannot go by post yet, if so.")
    allowed_actions: list[LetterOp]
    events: list[LetterEventOut]


class LetterList(BaseModel):
    """A page of letters."""

    items: list[LetterOut]
    total: int


class LetterCreate(BaseModel):
    """A letter written by hand: a result letter or a referral reply."""

    patient_id: Id
    kind: LetterKind = Field(description="result or referral_reply (visit letters come from booking).")
    fields: dict[str, str] = Field(default_factory=dict, examples=[
        {"undersokning": "dina blodprover", "meddelande": "Proverna var normala."}],
        description="result: undersokning, meddelande. referral_reply: mottagare, "
                    "mottagare_adress, remiss_datum, meddelande.")
    source: RecordRef | None = None
    ready: bool = Field(False, description="Make it ready at once (when it can go by post).")


class LetterUpdate(BaseModel):
    """A draft's new text (checked like a unit's template) and typed fields."""

    subject: str = Field(max_length=200)
    body: str = Field(max_length=20_000)
    fields: dict[str, str] | None = None


class ReasonIn(BaseModel):
    """Why (required for returned and cancel)."""

    reason: str = Field("", max_length=500)


class PrintBatchIn(BaseModel):
    """Print the unit's ready letters up to and including this day (Swedish time)."""

    day: Day


class PrintBatchOut(BaseModel):
    """A print run: the letters in print order, its PDF, whether it was confirmed."""

    id: int
    for_date: date
    letters: list[LetterOut]
    created_at: Timestamp
    created_by: UserRef | None
    confirmed_at: Timestamp | None
    pdf_url: str


class ConfirmOut(BaseModel):
    """The letters marked sent by confirming a print run."""

    batch_id: int
    sent_letter_ids: list[int]


class FieldOut(BaseModel):
    """A merge field a text may use."""

    name: str = Field(examples=["fornamn"])
    label: str
    sample: str


class LetterTextOut(BaseModel):
    """A kind's text as the unit uses it (its own or the default)."""

    kind: LetterKind
    label: str
    subject: str
    body: str
    own: bool
    updated_at: Timestamp | None
    fields: list[FieldOut]


class LetterTextIn(BaseModel):
    """A unit's own text for a kind (refused with 422 on a syntax error or unknown field)."""

    subject: str = Field(max_length=200)
    body: str = Field(max_length=20_000)


class SmsOptOutIn(BaseModel):
    """Whether the patient declines SMS reminders."""

    opted_out: bool


class SmsOptOutOut(BaseModel):
    """The patient's SMS reminder choice."""

    patient_id: int
    opted_out: bool
