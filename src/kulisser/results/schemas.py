"""Pydantic models of the results API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kulisser.bounds import Id
from kulisser.web.api import Timestamp
from kulisser.worklist.service import PatientRef, Priority, UserRef

FollowUpChoice = Literal["none", "call", "visit", "letter"]


class OutcomeOut(BaseModel):
    """What became of one incoming result."""

    row: int | None = Field(description="The CSV line or JSON line (null for a FHIR payload).")
    source_id: str = Field(description="The sender's id of the result.")
    status: Literal["imported", "unmatched", "duplicate", "error"] = Field(
        description="imported: routed for signing; unmatched: in the unit's queue to be matched "
                    "(never dropped); duplicate: already imported, nothing new; error: not "
                    "imported (message says why).")
    status_label: str
    result_id: int | None
    message: str = Field(description="Swedish; what the import noticed or why it failed.")


class ImportOut(BaseModel):
    """The outcome of an import, result by result, with the counts."""

    imported: int
    unmatched: int
    duplicates: int
    errors: int
    outcomes: list[OutcomeOut]


class ValueOut(BaseModel):
    """One value of a result, as the sender reported it, with its interpretation."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    code_system: str
    name: str
    value: str = Field(description="As sent (\"6.1\", \"<0.5\", \"Positiv\").")
    value_num: float | None
    unit: str
    ref_low: float | None
    ref_high: float | None
    reference: str = Field(description="The reference range as people write it.")
    flag: str = Field(description="The sender's flag (H, L, HH, LL, A, AA, N ...).")
    abnormal: bool
    critical: bool
    note: str


class ResultEventOut(BaseModel):
    """One entry of a result's history."""

    type: str = Field(examples=["matched", "handed_over", "signed"])
    at: Timestamp
    actor: UserRef | None
    reason: str | None
    data: dict[str, object]


class ResultOut(BaseModel):
    """A result in a list: who it is for, how urgent, where it stands."""

    id: int
    status: Literal["unmatched", "to_sign", "signed"]
    status_label: str
    title: str
    patient: PatientRef | None = Field(description="null while unmatched.")
    unit_id: int
    ordering_clinician: UserRef | None
    ordering_clinician_text: str | None = Field(description="The orderer as the sender wrote it.")
    responsible: UserRef | None = Field(description="The owner of the open review item (null: "
                                                    "the unit's queue, or none open).")
    work_item_id: int | None = Field(description="The open review or matching item.")
    due_at: Timestamp | None
    abnormal: bool
    critical: bool
    priority: Priority
    issued_at: Timestamp | None
    received_at: Timestamp
    source_system: str
    source_id: str
    source_format: str = Field(examples=["fhir", "csv", "jsonl"])
    signed_at: Timestamp | None
    signed_by: UserRef | None
    follow_up: FollowUpChoice | None
    follow_up_item_id: int | None


class ResultDetail(ResultOut):
    """A result with its values, the sender's raw data and its history."""

    conclusion: str
    import_note: str | None
    follow_up_note: str | None
    values: list[ValueOut]
    raw: str = Field(description="What the sender sent, unchanged (FHIR JSON, or the CSV row or "
                                 "JSON line as JSON).")
    events: list[ResultEventOut]
    allowed_actions: list[Literal["sign", "handover", "match"]]


class ResultList(BaseModel):
    """One page of a list of results, and how many the list holds."""

    items: list[ResultOut]
    total: int


class SignIn(BaseModel):
    """Vidimering: the result is seen; the follow-up makes the next work item."""

    model_config = ConfigDict(extra="forbid")

    follow_up: FollowUpChoice = Field(description="none, call (ring patienten), visit (boka "
                                                  "besök) or letter (skicka brev).")
    note: str = Field("", max_length=2000, description="For the follow-up task (optional).")


class HandoverIn(BaseModel):
    """Move responsibility for signing to another clinician, or with null to the unit's queue."""

    model_config = ConfigDict(extra="forbid")

    to_user_id: Id | None = None
    reason: str


class MatchIn(BaseModel):
    """The patient (and optionally the orderer) of an unmatched result."""

    model_config = ConfigDict(extra="forbid")

    identifier: str = Field(examples=["19121212-1212"])
    clinician: str = Field("", description="Username or HSA-id of the ordering clinician.")
