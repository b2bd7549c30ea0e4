"""Record requests (journalkopior and loggutdrag): the request, its documents and masks, the
secrecy review, the decision, appeals, the release that went out, and the unit's rules.

One request row carries the whole path (states.py); each document picked from the patient's
record is a row with the decider's verdict; each masked passage is a character range of that
document's text as it was picked; the compiled PDF that went out is kept as a release.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kulisser.db import Base, BigId, UTCDateTime, utcnow
from kulisser.history import HistoryRow, history_values
from kulisser.records.states import Action, RequestStatus, next_status


class RecordRequest(Base):
    """A request for a copy of the record or for a log extract, from receipt to delivery."""

    __tablename__ = "record_request"
    __table_args__ = (
        Index("ix_record_request_unit_status", "unit_id", "status"),
        Index("ix_record_request_patient", "patient_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    kind: Mapped[str] = mapped_column(String(12))  # RequestKind
    status: Mapped[str] = mapped_column(String(12), default=RequestStatus.RECEIVED.value)
    received_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(12))  # Channel
    # Who asks; for a third party the organisation and its consent from the patient.
    requester_kind: Mapped[str] = mapped_column(String(16))  # RequesterKind
    requester_name: Mapped[str] = mapped_column(String(200))
    requester_organisation: Mapped[str] = mapped_column(String(200), default="")
    requester_address: Mapped[str] = mapped_column(Text, default="")
    consent_signed_on: Mapped[date | None] = mapped_column(Date)
    consent_filename: Mapped[str | None] = mapped_column(String(255))
    consent_document: Mapped[bytes | None] = mapped_column(LargeBinary)
    # What is asked for: the whole record, a period, kinds of documents, named documents.
    scope: Mapped[str] = mapped_column(String(12))  # Scope
    period_from: Mapped[date | None] = mapped_column(Date)
    period_to: Mapped[date | None] = mapped_column(Date)
    document_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope_text: Mapped[str] = mapped_column(Text, default="")
    delivery: Mapped[str] = mapped_column(String(12))  # Delivery
    first_copy: Mapped[bool] = mapped_column(Boolean, default=False)
    # The clock, in working days from the day after receipt (the unit's rules when received).
    target_date: Mapped[date] = mapped_column(Date)
    breach_date: Mapped[date] = mapped_column(Date)
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decider_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    outcome: Mapped[str | None] = mapped_column(String(12))  # Outcome
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The day the requester received the written decision (the appeal's three weeks start).
    decision_received_on: Mapped[date | None] = mapped_column(Date)
    decision_letter_id: Mapped[int | None] = mapped_column(Integer)
    page_count: Mapped[int | None] = mapped_column(Integer)
    fee_sek: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    id_check: Mapped[str] = mapped_column(String(200), default="")
    # The day the request was handled (delivered, refusal sent, withdrawn): the figures count it.
    handled_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    documents: Mapped[list[RequestDocument]] = relationship(
        back_populates="request", order_by="[RequestDocument.position, RequestDocument.id]",
        cascade="all, delete-orphan")
    events: Mapped[list[RecordRequestEvent]] = relationship(
        back_populates="request", order_by="RecordRequestEvent.id", cascade="all, delete-orphan")
    appeals: Mapped[list[Appeal]] = relationship(
        back_populates="request", order_by="Appeal.id", cascade="all, delete-orphan")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("status", RequestStatus.RECEIVED.value)
        kwargs.setdefault("version", 1)
        super().__init__(**kwargs)

    def record(self, type_: str, *, actor_id: int | None, now: datetime, **data: Any) -> None:
        """Append an event to the history (and count the change in the version)."""
        self.updated_at = now
        self.version = (self.version or 0) + 1
        self.events.append(RecordRequestEvent(**history_values(type_, actor_id=actor_id, now=now, **data)))

    def move(self, action: Action, *, actor_id: int | None, now: datetime, reason: str = "",
             **data: Any) -> None:
        """Carry out one step of the request's state machine and record it."""
        before = self.status
        self.status = next_status(before, action).value
        self.record(action.value, actor_id=actor_id, now=now, from_status=before,
                    to_status=self.status, reason=reason.strip() or None, **data)


class RecordRequestEvent(HistoryRow, Base):
    """One step in a request's history."""

    __tablename__ = "record_request_event"

    request_id: Mapped[int] = mapped_column(ForeignKey("record_request.id"), index=True)
    request: Mapped[RecordRequest] = relationship(back_populates="events")


class RequestDocument(Base):
    """One document picked for a copy, as it read when picked, with the decider's verdict."""

    __tablename__ = "record_document"
    __table_args__ = (
        UniqueConstraint("request_id", "source", "source_id", "source_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("record_request.id"), index=True)
    # Where it comes from: note (each version), result, referral, referral_reply, letter, booking.
    source: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int] = mapped_column(BigId)  # results' and visits' ids are 64-bit
    source_version: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    document_date: Mapped[date | None] = mapped_column(Date)
    # The text as picked (masks are ranges of it; the record may change after the pick).
    text: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    verdict: Mapped[str | None] = mapped_column(String(16))  # Verdict
    legal_ground: Mapped[str | None] = mapped_column(String(12))  # LegalGround
    legal_ground_text: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    request: Mapped[RecordRequest] = relationship(back_populates="documents")
    masks: Mapped[list[DocumentMask]] = relationship(
        back_populates="document", order_by="DocumentMask.start_at", cascade="all, delete-orphan")


class DocumentMask(Base):
    """A passage of a picked document that never reaches the copy: [start, end) of its text."""

    __tablename__ = "record_document_mask"
    __table_args__ = (CheckConstraint("start_at >= 0 AND end_at > start_at",
                                      name="range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("record_document.id"), index=True)
    start_at: Mapped[int] = mapped_column(Integer)
    end_at: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    document: Mapped[RequestDocument] = relationship(back_populates="masks")


class Delegation(Base):
    """One line of the unit's delegationsordning: a role or a person may decide on release."""

    __tablename__ = "record_delegation"
    __table_args__ = (
        CheckConstraint("(role IS NULL) <> (user_id IS NULL)", name="who"),
        Index("ix_record_delegation_unit", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    role: Mapped[str | None] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # Whether the delegate may decide on a request they prepared themselves.
    may_decide_own: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Appeal(Base):
    """An appeal (överklagande) of a written decision, in time or late."""

    __tablename__ = "record_appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("record_request.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    in_time: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[RecordRequest] = relationship(back_populates="appeals")


class RecordRelease(Base):
    """The compiled copy as it went out: the PDF, its pages and fee, to whom and how."""

    __tablename__ = "record_release"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("record_request.id"), index=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    page_count: Mapped[int] = mapped_column(Integer)
    fee_sek: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UnitRules(Base):
    """A unit's clock and fee table for record requests (defaults when no row)."""

    __tablename__ = "record_unit_rules"

    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), primary_key=True)
    target_days: Mapped[int] = mapped_column(Integer, default=1)
    breach_days: Mapped[int] = mapped_column(Integer, default=3)
    free_pages: Mapped[int] = mapped_column(Integer, default=9)
    first_charged_page_sek: Mapped[int] = mapped_column(Integer, default=50)
    further_page_sek: Mapped[int] = mapped_column(Integer, default=2)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
