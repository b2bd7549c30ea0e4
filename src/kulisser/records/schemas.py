"""Pydantic models of the record-request API."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Base64Bytes, BaseModel, Field

from kulisser.bounds import Day, Id
from kulisser.records.states import Channel, Delivery, RequesterKind, RequestKind, Scope
from kulisser.web.api import Timestamp

DocumentKind = Literal["note", "result", "referral", "referral_reply", "letter", "booking"]


class RequestCreate(BaseModel):
    """A request for a copy of the record (or a log extract), as received."""

    patient_id: Id
    kind: RequestKind = RequestKind.COPY
    received_on: Day = Field(description="The day the request came in; not in the future.")
    channel: Channel
    requester_kind: RequesterKind = RequesterKind.PATIENT
    requester_name: str = Field("", max_length=200, description="Required unless the patient "
                                                                "asks (then the patient's name).")
    requester_organisation: str = Field("", max_length=200)
    requester_address: str = Field("", max_length=4000, description="Required for post to "
                                                                   "anyone but the patient.")
    consent_signed_on: Day | None = Field(None, description="Third parties: the day the patient "
                                                            "signed; an insurer's at most a year "
                                                            "before received_on.")
    consent_filename: str | None = Field(None, max_length=255)
    consent_document: Base64Bytes | None = Field(
        None, description="Third parties: the patient's consent (PDF, JPEG or PNG), base64.")
    scope: Scope = Scope.WHOLE
    period_from: Day | None = None
    period_to: Day | None = None
    document_kinds: list[DocumentKind] = Field(default_factory=list, max_length=6)
    scope_text: str = Field("", max_length=4000)
    delivery: Delivery = Delivery.POST
    first_copy: bool = Field(False, description="The patient's first copy (free of charge).")
    note: str = Field("", max_length=4000)


class PatientRef(BaseModel):
    """The patient a request is about (never the address)."""

    id: int
    name: str
    identifier: str


class EventOut(BaseModel):
    """One step of the request's history."""

    at: Timestamp
    type: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    actor_id: int | None
    actor_name: str
    data: dict[str, Any]


class AppealOut(BaseModel):
    """An appeal of the written decision: received, its last day, in time or late."""

    id: int
    request_id: int
    received_on: date
    last_day: date = Field(description="Three weeks after the decision was received, moved to the "
                                       "next working day by lag 1930:173.")
    in_time: bool


class RequestOut(BaseModel):
    """A request with its clock."""

    id: int
    unit_id: int
    patient: PatientRef
    kind: RequestKind
    kind_label: str
    status: str
    status_label: str
    received_on: date
    channel: Channel
    requester_kind: RequesterKind
    requester_name: str
    requester_organisation: str
    target_date: date = Field(description="Receipt plus the unit's target working days.")
    breach_date: date = Field(description="Receipt plus the unit's breach working days.")
    at_risk: bool = Field(description="Past the target date (open), or handled after it.")
    breached: bool = Field(description="Past the breach date (open), or handled after it.")
    handled_on: date | None
    created_at: Timestamp
    updated_at: Timestamp


class RequestDetail(RequestOut):
    """A request with everything recorded on it."""

    requester_address: str
    consent_signed_on: date | None
    consent_filename: str | None
    scope: Scope
    period_from: date | None
    period_to: date | None
    document_kinds: list[str]
    scope_text: str
    delivery: Delivery
    first_copy: bool
    outcome: str | None
    decision_received_on: date | None
    page_count: int | None
    fee_sek: int | None
    note: str
    version: int
    work_item_ids: list[int]
    appeals: list[AppealOut]
    events: list[EventOut]


class RequestList(BaseModel):
    """The unit's requests by target date."""

    items: list[RequestOut]
    total: int


class WithdrawIn(BaseModel):
    """Why the request is withdrawn."""

    reason: str = Field(min_length=1, max_length=2000)


class AppealIn(BaseModel):
    """An appeal received on a day."""

    received_on: Day


class FeeQuote(BaseModel):
    """The fee for a copy of so many pages."""

    fee_sek: int


class MonthFiguresOut(BaseModel):
    """One unit's requests received in one month (counts and working days, no patient)."""

    unit_id: int
    unit_name: str
    month: str = Field(description="YYYY-MM, the month the requests were received")
    received: int
    open: int
    handled: int
    median_days: float | None = Field(description="Median handling time in working days")
    within_target: int
    share_within: float | None = Field(description="Per cent of the handled, within target")
    breached: int
    share_breached: float | None = Field(description="Per cent of the handled, breached")


class AgeBandOut(BaseModel):
    """How many of a unit's open requests are of an age in working days."""

    unit_id: int
    band: str
    count: int


class FiguresOut(BaseModel):
    """The record-request figures: per month and unit, and open requests by age."""

    today: date
    months: list[MonthFiguresOut]
    open_by_age: list[AgeBandOut]
