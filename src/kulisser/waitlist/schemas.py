"""Pydantic models of the waiting-list API."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from kulisser.bounds import Count, Day, Id
from kulisser.waitlist.guarantee import OfferResponse, Reason, WaitKind
from kulisser.web.api import Timestamp
from kulisser.worklist.service import PatientRef, Priority, RecordRef, UserRef


class EntryCreate(BaseModel):
    """A patient to put on the caller's unit's waiting list."""

    patient_id: Id
    wait_kind: WaitKind
    clock_start: Day = Field(description="First visit: the day the referral was ISSUED (not when "
                                         "it arrived) or the day the patient sought contact; "
                                         "treatment: the decision to treat.")
    priority: Priority = Priority.NORMAL
    note: str = Field("", max_length=2000)
    medical_target_date: Day | None = Field(None, description="Required for follow_up, refused "
                                                              "for the guarantee kinds.")
    source_type: str | None = Field(None, max_length=40, examples=["referral"])
    source_id: Id | None = None


class FiguresOut(BaseModel):
    """The computed waiting-time figures (never stored)."""

    as_of: date = Field(description="The end date: the visit date once booked or done, else today.")
    limit_days: int | None = Field(description="null for follow-ups (no care guarantee).")
    days_waited: int
    days_medical: int = Field(description="Medically caused waiting (medicinskt orsakad väntan).")
    days_patient: int = Field(description="Patient-chosen waiting (patientvald väntan).")
    days_excluded: int
    days_counted: int
    guarantee_date: date | None = Field(description="The last day within the guarantee.")
    target_date: date | None = Field(description="A follow-up's medical target date.")
    days_left: int | None = Field(description="Calendar days from as_of to the due date; negative "
                                              "when past it.")
    breached: bool
    at_risk: bool
    paused: bool = Field(description="An excluded period covers today: the clock stands still.")


class EntryOut(BaseModel):
    """A waiting-list entry with its figures."""

    id: int
    unit_id: int
    patient: PatientRef
    wait_kind: WaitKind
    wait_kind_label: str
    clock_start: date
    status: Literal["waiting", "booked", "done", "removed"]
    status_label: str
    priority: Priority
    medical_target_date: date | None
    end_date: date | None = Field(description="The visit date (booked, done) or removal day.")
    source: RecordRef | None
    figures: FiguresOut
    created_at: Timestamp
    updated_at: Timestamp


class OfferIn(BaseModel):
    """An offered time and, when known, the patient's answer."""

    offered_on: Day
    visit_date: Day
    informed: bool = Field(description="The patient had been told about the care guarantee.")
    response: OfferResponse = OfferResponse.PENDING
    responded_on: Day | None = Field(None, description="Defaults to offered_on when answered.")
    note: str = Field("", max_length=500)


class OfferAnswerIn(BaseModel):
    """The patient's answer to a pending offer."""

    response: Literal["accepted", "declined"]
    responded_on: Day | None = None


class OfferOut(BaseModel):
    """An offered time; for a decline, whether patient-chosen waiting can rest on it."""

    id: int
    offered_on: date
    visit_date: date
    informed: bool
    response: OfferResponse
    response_label: str
    responded_on: date | None
    note: str
    qualifies: bool = Field(description="A decline within the guarantee after being informed.")
    why_not: str | None = Field(description="Swedish: why a decline does not count.")


class PeriodIn(BaseModel):
    """Days that are not counted; patient-chosen ones need a qualifying declined offer."""

    reason: Reason
    start: Day
    end: Day | None = Field(None, description="null: until further notice.")
    offer_id: Id | None = Field(None, description="For patient: the declined offer (default: "
                                                   "the latest qualifying one).")
    note: str = Field("", max_length=2000)


class PeriodEndIn(BaseModel):
    """The last day of an open period."""

    end: Day


class ReasonIn(BaseModel):
    """A reason, required."""

    reason: str = Field(max_length=500)


class PeriodOut(BaseModel):
    """An excluded period."""

    id: int
    reason: Reason
    reason_label: str
    start: date
    end: date | None
    offer_id: int | None
    note: str
    removed_at: Timestamp | None
    removed_reason: str | None


class EventOut(BaseModel):
    """One entry of the history."""

    at: Timestamp
    type: str
    actor: UserRef | None
    from_status: str | None
    to_status: str | None
    reason: str | None
    data: dict[str, object]


class EntryDetail(EntryOut):
    """An entry with its offers, periods, history and open work items."""

    note: str
    removed_reason: str | None
    offers: list[OfferOut]
    excluded_periods: list[PeriodOut]
    events: list[EventOut]
    work_item_ids: list[int] = Field(description="Its open `waitlist` work items.")


class EntryEnd(BaseModel):
    """Booked (again, to rebook) for a visit date, or done."""

    status: Literal["booked", "done"]
    visit_date: Day


class EntryList(BaseModel):
    """The unit's entries by urgency."""

    items: list[EntryOut]
    total: int


class LimitRow(BaseModel):
    """One kind of wait: the region's limit, the unit's own and the one in force."""

    wait_kind: WaitKind
    label: str
    region_days: int
    unit_days: int | None
    days: int


class LimitsOut(BaseModel):
    """The unit's region, risk margin and limits."""

    region: str
    at_risk_days: int
    limits: list[LimitRow]


class LimitsIn(BaseModel):
    """Change the unit's settings (managers); a limit of null removes the unit's own."""

    region: str | None = Field(None, max_length=40)
    at_risk_days: Count | None = None
    limits: dict[WaitKind, Count | None] = Field(default_factory=dict)
