"""Pydantic models of the work item API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kulisser.bounds import BigId, Id, Instant
from kulisser.web.api import Timestamp
from kulisser.worklist.states import Operation, Priority, Status


class UserRef(BaseModel):
    """A member of staff, by id and name."""

    id: int
    name: str


class PatientRef(BaseModel):
    """The patient an item is about (never the address)."""

    id: int
    name: str
    identifier: str = Field(description="The identifier as people write it.",
                            examples=["19121212-1212"])


class RecordRef(BaseModel):
    """The record an item is about (a phone message, a dictation, a referral ...)."""

    type: str = Field(examples=["phone_message"])
    id: BigId


class PhoneMessageOut(BaseModel):
    """The phone message behind a call-back item."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    caller_name: str
    caller_relation: str = Field(description="patient, relative, colleague or other.")
    phone: str = Field(description="The number to call back.")
    message: str
    call_back_by: Timestamp
    taken_at: Timestamp
    taken_by_id: int


class WorkItemOut(BaseModel):
    """A work item with its computed deadline flags."""

    id: int
    kind: str = Field(examples=["task"])
    kind_label: str = Field(examples=["Uppgift"])
    title: str
    description: str
    priority: Priority
    priority_label: str
    status: Status
    status_label: str
    due_at: Timestamp
    overdue: bool = Field(description="Open and past its due time (computed, never stored).")
    due_soon: bool = Field(description="Open and due within the configured hours (computed).")
    owner: UserRef | None = Field(description="null: in the unit's queue.")
    unit_id: int
    patient: PatientRef | None
    ref: RecordRef | None
    phone_message: PhoneMessageOut | None = Field(
        None, description="The phone message, when ref.type is phone_message.")
    allowed_operations: list[Operation] = Field(
        description="What the item's status allows now (each is POST .../{operation}).")
    created_at: Timestamp
    updated_at: Timestamp
    version: int = Field(description="Goes up with every change; the ETag. Send it back as "
                                     "If-Match so that a change made meanwhile is not overwritten.")
    closed_at: Timestamp | None


class WorkItemEventOut(BaseModel):
    """One entry of an item's history."""

    type: str = Field(examples=["claimed", "assigned", "handed_over", "status_changed", "commented",
                                "due_changed", "created"])
    at: Timestamp
    actor: UserRef | None
    from_status: Status | None
    to_status: Status | None
    reason: str | None
    data: dict[str, Any]


class WorkItemDetail(WorkItemOut):
    """A work item with its whole history, oldest first."""

    events: list[WorkItemEventOut]


class WorkItemPage(BaseModel):
    """One page of the worklist, in due order; pass next_cursor as `cursor` for the next one."""

    items: list[WorkItemOut]
    next_cursor: str | None


class PatientWorkItems(BaseModel):
    """A patient's items in the caller's units: open ones by due time, closed ones newest first."""

    open: list[WorkItemOut]
    closed: list[WorkItemOut]


class KindOut(BaseModel):
    """A registered kind of work item."""

    code: str
    label: str
    label_plural: str
    manual: bool = Field(description="Whether POST /api/v1/work-items may create it; other kinds "
                                     "are created by their own domain (e.g. call-backs by reception).")


class WorkItemCreate(BaseModel):
    """A new work item of a manual kind; without due_at the unit's rule table sets it."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(examples=["task"])
    title: str = Field(examples=["Skicka journalkopia"])
    priority: Priority = Priority.NORMAL
    patient_id: Id | None = None
    description: str = Field("", max_length=4000)
    due_at: Instant | None = Field(None, description="ISO 8601 with an offset.")
    owner_id: Id | None = Field(None, description="Assign at once to this member of the unit.")


class AssignIn(BaseModel):
    """Give a new item to a member of its unit."""

    model_config = ConfigDict(extra="forbid")

    to_user_id: Id


class HandoverIn(BaseModel):
    """Move responsibility to another member, or with null to the unit's queue."""

    model_config = ConfigDict(extra="forbid")

    to_user_id: Id | None = None
    reason: str


class ReasonIn(BaseModel):
    """An operation that needs a reason."""

    model_config = ConfigDict(extra="forbid")

    reason: str


class OptionalReasonIn(BaseModel):
    """An operation with an optional note."""

    model_config = ConfigDict(extra="forbid")

    reason: str = ""


class CommentIn(BaseModel):
    """A comment for the item's history."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(examples=["Ringde, inget svar. Försöker igen i eftermiddag."])


class DueIn(BaseModel):
    """A new due time for an open item, with the reason."""

    model_config = ConfigDict(extra="forbid")

    due_at: Instant = Field(description="ISO 8601 with an offset.")
    reason: str
