"""Referrals in and out: the referral, its history, messages to the sender, PDF attachments,
the outgoing referral with its templates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kulisser.db import Base, UTCDateTime, utcnow
from kulisser.history import HistoryRow, history_values
from kulisser.referrals.states import (
    Action,
    OutAction,
    OutgoingStatus,
    ReferralStatus,
    check_out_transition,
    check_transition,
)
from kulisser.worklist.service import Priority


class Referral(Base):
    """An incoming referral (remiss) to the unit, on its way from registration to the reply."""

    __tablename__ = "referral"
    __table_args__ = (
        Index("ix_referral_unit_status", "unit_id", "status", "received_on"),
        Index("ix_referral_patient", "patient_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    sender_name: Mapped[str] = mapped_column(String(200))
    sender_hsa_id: Mapped[str] = mapped_column(String(64))
    # The care guarantee runs from the day the sender issued the referral, not its arrival.
    issued_on: Mapped[date] = mapped_column(Date)
    received_on: Mapped[date] = mapped_column(Date)
    question: Mapped[str] = mapped_column(Text)  # frågeställning
    priority: Mapped[str] = mapped_column(String(10), default=Priority.NORMAL.value)
    status: Mapped[str] = mapped_column(String(24), default=ReferralStatus.REGISTERED.value)
    # The decision (accepted, rejected, forwarded); status moves on to replied, this stays.
    outcome: Mapped[str | None] = mapped_column(String(16))
    # The clinician chosen at registration (None: the unit's queue); the work item's owner
    # is who holds the assessment now.
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    forward_to_name: Mapped[str | None] = mapped_column(String(200))
    forward_to_hsa_id: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # The waiting-list entry made on acceptance (kulisser.waitlist; no foreign key across packages).
    waitlist_entry_id: Mapped[int | None] = mapped_column(Integer)
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", order_by="ReferralEvent.id", cascade="all, delete-orphan")
    messages: Mapped[list[ReferralMessage]] = relationship(
        back_populates="referral", order_by="ReferralMessage.id", cascade="all, delete-orphan")
    attachments: Mapped[list[ReferralAttachment]] = relationship(
        back_populates="referral", order_by="ReferralAttachment.id", cascade="all, delete-orphan")

    def __init__(self, **kwargs: Any) -> None:
        # Column defaults apply only at INSERT; the first transition must see the status.
        kwargs.setdefault("status", ReferralStatus.REGISTERED.value)
        super().__init__(**kwargs)

    def record(self, type_: str, *, actor_id: int | None, now: datetime, **data: Any) -> None:
        """Append an event to the history."""
        self.updated_at = now
        self.events.append(ReferralEvent(**history_values(type_, actor_id=actor_id, now=now, **data)))

    def move(self, action: Action, *, actor_id: int | None, now: datetime, reason: str = "",
             **data: Any) -> None:
        """Carry out one transition of the state machine and record it."""
        before = self.status
        self.status = check_transition(before, action, reason=reason).value
        if self.status in (ReferralStatus.REPLIED, ReferralStatus.CANCELLED):
            self.closed_at = now
        self.record(action.value, actor_id=actor_id, now=now, from_status=before,
                    to_status=self.status, reason=reason.strip() or None, **data)

    def decide(self, action: Action, *, actor_id: int, now: datetime, reason: str = "",
               **data: Any) -> None:
        """Accept, reject or forward: the decision is kept apart from the status."""
        self.move(action, actor_id=actor_id, now=now, reason=reason, **data)
        self.outcome = self.status
        self.decided_at, self.decided_by_id = now, actor_id
        self.decision_reason = reason.strip() or None


class ReferralEvent(HistoryRow, Base):
    """One step in a referral's history (who, when, from which status to which)."""

    __tablename__ = "referral_event"

    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)

    referral: Mapped[Referral] = relationship(back_populates="events")


class ReferralMessage(Base):
    """A message to or from the sender: receipt, decision, question, the sender's answer."""

    __tablename__ = "referral_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))  # out (to the sender), in (from them)
    # receipt, accepted, rejected, forwarded, question, answer
    kind: Mapped[str] = mapped_column(String(16))
    counterpart_name: Mapped[str] = mapped_column(String(200))
    counterpart_hsa_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    received_on: Mapped[date | None] = mapped_column(Date)  # an answer: the day it arrived
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    referral: Mapped[Referral] = relationship(back_populates="messages")


class ReferralAttachment(Base):
    """A PDF that came with a referral, an answer or a reply; stored under its sha256."""

    __tablename__ = "referral_attachment"
    __table_args__ = (
        CheckConstraint("(referral_id IS NULL) <> (outgoing_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"), index=True)
    outgoing_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_referral.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("referral_message.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    filename: Mapped[str] = mapped_column(String(255), default="")  # display text only
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))

    referral: Mapped[Referral | None] = relationship(back_populates="attachments")
    outgoing: Mapped[OutgoingReferral | None] = relationship(back_populates="attachments")


class ReferralTemplate(Base):
    """A unit's template for outgoing referrals, with merge fields ({patient}, {fragestallning} ...)."""

    __tablename__ = "referral_template"
    __table_args__ = (UniqueConstraint("unit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    name: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class OutgoingReferral(Base):
    """A referral the unit writes to another, followed until the reply arrives."""

    __tablename__ = "outgoing_referral"
    __table_args__ = (
        Index("ix_outgoing_referral_unit_status", "unit_id", "status", "sent_at"),
        Index("ix_outgoing_referral_patient", "patient_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))  # the referring clinician
    receiver_name: Mapped[str] = mapped_column(String(200))
    receiver_hsa_id: Mapped[str] = mapped_column(String(64))
    template_id: Mapped[int | None] = mapped_column(ForeignKey("referral_template.id"))
    question: Mapped[str] = mapped_column(Text)
    anamnesis: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)  # the template merged; edited until sent
    priority: Mapped[str] = mapped_column(String(10), default=Priority.NORMAL.value)
    status: Mapped[str] = mapped_column(String(16), default=OutgoingStatus.DRAFT.value)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # Set by the delivery job once the sending adapter has taken the referral.
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivery_ref: Mapped[str | None] = mapped_column(String(255))
    reply_received_on: Mapped[date | None] = mapped_column(Date)
    reply_text: Mapped[str | None] = mapped_column(Text)
    reply_registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # When the "chase the referral" item was made (once per referral).
    chased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    events: Mapped[list[OutgoingReferralEvent]] = relationship(
        back_populates="outgoing", order_by="OutgoingReferralEvent.id", cascade="all, delete-orphan")
    attachments: Mapped[list[ReferralAttachment]] = relationship(
        back_populates="outgoing", order_by="ReferralAttachment.id", cascade="all, delete-orphan")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("status", OutgoingStatus.DRAFT.value)
        super().__init__(**kwargs)

    def record(self, type_: str, *, actor_id: int | None, now: datetime, **data: Any) -> None:
        """Append an event to the history."""
        self.updated_at = now
        self.events.append(OutgoingReferralEvent(**history_values(type_, actor_id=actor_id, now=now, **data)))

    def move(self, action: OutAction, *, actor_id: int | None, now: datetime, reason: str = "",
             **data: Any) -> None:
        """Carry out one transition and record it."""
        before = self.status
        self.status = check_out_transition(before, action, reason=reason).value
        if self.status in (OutgoingStatus.REPLIED, OutgoingStatus.CANCELLED):
            self.closed_at = now
        self.record(action.value, actor_id=actor_id, now=now, from_status=before,
                    to_status=self.status, reason=reason.strip() or None, **data)


class OutgoingReferralEvent(HistoryRow, Base):
    """One step in an outgoing referral's history."""

    __tablename__ = "outgoing_referral_event"
    STATUS_LENGTH = 16

    outgoing_id: Mapped[int] = mapped_column(ForeignKey("outgoing_referral.id"), index=True)

    outgoing: Mapped[OutgoingReferral] = relationship(back_populates="events")
