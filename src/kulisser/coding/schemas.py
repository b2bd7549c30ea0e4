"""The coding API's bodies: contacts, their codes, the checks, suggestions and history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kulisser.bounds import Day

Kind = Literal["doctor_visit", "other_visit", "phone", "inpatient"]
RoleName = Literal["main", "secondary", "external", "procedure"]


class ContactCreate(BaseModel):
    """A contact by hand (a visit done and a signed note make their own)."""

    model_config = ConfigDict(extra="forbid")

    patient_id: int = Field(ge=1, le=2**31 - 1)
    kind: Kind
    contact_date: Day | None = Field(None, description="The day; for an inpatient stay the "
                                      "admission day is used when this is left out.")
    admitted_on: Day | None = None
    discharged_on: Day | None = None
    clinician_id: int | None = Field(None, ge=1, le=2**31 - 1)


class CodeIn(BaseModel):
    """One code: with or without the dot (`J45.9` or `J459`)."""

    model_config = ConfigDict(extra="forbid")

    role: RoleName
    code: str = Field(max_length=40)
    procedure_date: Day | None = Field(None, description="A procedure's day (default: the "
                                        "contact's).")
    from_suggestion: bool = Field(False, description="The person chose it from the suggestions.")


class CodesIn(BaseModel):
    """The contact's codes, all of them (they replace the ones it has)."""

    model_config = ConfigDict(extra="forbid")

    codes: list[CodeIn] = Field(max_length=40)
    version: int | None = Field(None, ge=1, le=2**31 - 1, description=(
        "The contact's version as the caller saw it; another one is refused (409)."))
    finish: bool = Field(False, description="Also mark it coded if the checks find no error.")


class FindingOut(BaseModel):
    """What a check found about a code ("" for the contact as a whole)."""

    code: str
    rule: str
    message: str


class CheckOut(BaseModel):
    """The checks' answer: errors stop the coding, warnings do not."""

    errors: list[FindingOut]
    warnings: list[FindingOut]


class CodeOut(BaseModel):
    """One code on the contact."""

    role: str
    system: str
    code: str
    display: str
    procedure_date: date | None
    from_suggestion: bool


class SuggestionOut(BaseModel):
    """A suggested code: never on the contact until a person chose it (`taken`)."""

    system: str
    code: str
    display: str
    score: float
    why: dict[str, Any]
    taken: bool


class EventOut(BaseModel):
    """One step of the contact's history (codes before and after a change in data)."""

    type: str
    type_label: str
    at: datetime
    actor_id: int | None
    from_status: str | None
    to_status: str | None
    data: dict[str, Any]


class ContactOut(BaseModel):
    """A contact as the list shows it."""

    id: int
    unit_id: int
    patient_id: int
    patient_name: str
    patient_identifier: str
    contact_date: date
    kind: str
    kind_label: str
    admitted_on: date | None
    discharged_on: date | None
    clinician_id: int | None
    source: str
    source_id: int | None
    note_id: int | None
    must_code: bool
    status: str
    status_label: str
    coded_at: datetime | None
    version: int


class ContactDetail(ContactOut):
    """Everything recorded on a contact, with what the checks say now."""

    codes: list[CodeOut]
    check: CheckOut
    suggestions: list[SuggestionOut]
    history: list[EventOut]
    work_item_ids: list[int]


class ContactList(BaseModel):
    """The unit's contacts in the filter."""

    items: list[ContactOut]
    count: int


class MonthFigure(BaseModel):
    """Suggestions made in a month (Swedish time) and how many a person took."""

    month: str
    suggested: int
    taken: int
    share: float
