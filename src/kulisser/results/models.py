"""Results and referral replies (provsvar, remissvar): the report, its values and its history.

A result is stored exactly as the sender sent it (`raw`, and the values row by row) and is
never changed afterwards: the values refuse updates, and a signed result refuses every change.
What happens to it later (matched to a patient, handed over, signed) is its history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kulisser.db import Base, BigId, UTCDateTime, utcnow
from kulisser.i18n import _
from kulisser.results.states import (
    FOLLOW_UP_LABELS,
    STATUS_LABELS,
    FollowUp,
    ResultStatus,
)
from kulisser.worklist.service import Priority, TransitionError


class Result(Base):
    """One result or referral reply from a sender, routed to a care unit."""

    __tablename__ = "result"
    __table_args__ = (
        # Idempotent import: the sender's system and its id of the result, once only.
        UniqueConstraint("source_system", "source_id"),
        Index("ix_result_unit_status", "unit_id", "status", "received_at"),
        Index("ix_result_patient", "patient_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    # NULL while unmatched (unknown patient or a bad identity number).
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"))
    ordering_clinician_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # The orderer as the sender wrote it (HSA-id or username), kept when it is not known here.
    ordering_clinician_text: Mapped[str | None] = mapped_column(String(100))
    source_system: Mapped[str] = mapped_column(String(200))
    source_id: Mapped[str] = mapped_column(String(200))
    source_format: Mapped[str] = mapped_column(String(10))  # fhir, csv, jsonl
    status: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    conclusion: Mapped[str] = mapped_column(Text, default="")
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    abnormal: Mapped[bool] = mapped_column(Boolean, default=False)
    critical: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[str] = mapped_column(String(10), default=Priority.NORMAL.value)
    # What the sender sent, unchanged (FHIR JSON, or the CSV row / JSON line as JSON).
    raw: Mapped[str] = mapped_column(Text)
    # Why the import could not match it, and what it noticed (shown to whoever matches it).
    import_note: Mapped[str | None] = mapped_column(Text)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    follow_up: Mapped[str | None] = mapped_column(String(10))
    follow_up_note: Mapped[str | None] = mapped_column(Text)
    follow_up_item_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("work_item.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    observations: Mapped[list[ResultObservation]] = relationship(
        back_populates="result", order_by="ResultObservation.position", cascade="all, delete-orphan")
    events: Mapped[list[ResultEvent]] = relationship(
        back_populates="result", order_by="ResultEvent.id", cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        """The status in Swedish."""
        return _(STATUS_LABELS.get(ResultStatus(self.status), self.status))

    @property
    def follow_up_label(self) -> str:
        """The chosen follow-up in Swedish ("" before signing)."""
        return _(FOLLOW_UP_LABELS[FollowUp(self.follow_up)]) if self.follow_up else ""

    # -- domain methods: each checks the status and records an event -------------------

    def record(self, type_: str, *, actor_id: int | None, now: datetime, reason: str | None = None,
               **data: Any) -> None:
        """Append an event to the history."""
        self.updated_at = now
        self.events.append(ResultEvent(type=type_, actor_id=actor_id, at=now, reason=reason,
                                       data={k: v for k, v in data.items() if v is not None}))

    def match(self, *, actor_id: int, patient_id: int, clinician_id: int | None,
              now: datetime) -> None:
        """Attach the patient (and orderer) that the import could not find."""
        if self.status != ResultStatus.UNMATCHED:
            raise TransitionError(_("Provsvaret är redan matchat mot en patient."))
        self.patient_id = patient_id
        if clinician_id is not None:
            self.ordering_clinician_id = clinician_id
        self.status = ResultStatus.TO_SIGN.value
        self.record("matched", actor_id=actor_id, now=now, patient=patient_id,
                    clinician=clinician_id)

    def sign(self, *, actor_id: int, follow_up: FollowUp, note: str, now: datetime,
             follow_up_item_id: int | None = None) -> None:
        """Vidimera: the clinician has seen the result; who and when are kept, it is locked."""
        if self.status == ResultStatus.SIGNED:
            raise TransitionError(_("Provsvaret är redan vidimerat."), code="already_signed")
        if self.status != ResultStatus.TO_SIGN:
            raise TransitionError(_("Matcha provsvaret mot en patient innan det vidimeras."),
                                  code="unmatched")
        self.status = ResultStatus.SIGNED.value
        self.signed_at, self.signed_by_id = now, actor_id
        self.follow_up, self.follow_up_note = follow_up.value, note.strip() or None
        self.follow_up_item_id = follow_up_item_id
        # Every field is set before the event: loading the history may flush, and a signed
        # result accepts no later change.
        self.record("signed", actor_id=actor_id, now=now, reason=note.strip() or None,
                    follow_up=follow_up.value)


class ResultObservation(Base):
    """One value of a result (an analysis), as the sender reported it."""

    __tablename__ = "result_observation"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    result_id: Mapped[int] = mapped_column(BigId, ForeignKey("result.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(64), default="")
    code_system: Mapped[str] = mapped_column(String(200), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    value: Mapped[str] = mapped_column(String(200), default="")  # as sent ("6.1", "<0.5", "Positiv")
    value_num: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(40), default="")
    ref_low: Mapped[float | None] = mapped_column(Float)
    ref_high: Mapped[float | None] = mapped_column(Float)
    ref_text: Mapped[str] = mapped_column(String(100), default="")
    flag: Mapped[str] = mapped_column(String(10), default="")  # H, L, HH, LL, A, AA, N ...
    abnormal: Mapped[bool] = mapped_column(Boolean, default=False)
    critical: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")

    result: Mapped[Result] = relationship(back_populates="observations")

    @property
    def reference(self) -> str:
        """The reference range as people write it ("3,0–5,0", "< 5")."""
        if self.ref_text:
            return self.ref_text
        low, high = (_num(v) for v in (self.ref_low, self.ref_high))
        if low and high:
            return f"{low}–{high}"
        return f"> {low}" if low else f"< {high}" if high else ""


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}".replace(".", ",")


class ResultEvent(Base):
    """One entry in a result's history (matched, handed over, signed)."""

    __tablename__ = "result_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    result_id: Mapped[int] = mapped_column(BigId, ForeignKey("result.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    type: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    result: Mapped[Result] = relationship(back_populates="events")


@event.listens_for(ResultObservation, "before_update")
def _values_never_change(_mapper: Any, _connection: Any, target: ResultObservation) -> None:
    # The values are what the laboratory reported; nobody edits them here.
    session = inspect(target).session
    if session is not None and session.is_modified(target, include_collections=False):
        raise TransitionError(_("Provsvarets värden kan inte ändras."), code="result_locked")


@event.listens_for(Result, "before_update")
def _signed_result_is_locked(_mapper: Any, _connection: Any, target: Result) -> None:
    # A signed result is a record entry with its signature: nothing about it changes. (A new
    # history event marks it dirty without a changed column; that is not a change.)
    session = inspect(target).session
    if session is None or not session.is_modified(target, include_collections=False):
        return
    history = inspect(target).attrs.status.history
    before = [*history.deleted, *history.unchanged]
    if ResultStatus.SIGNED.value in before:
        raise TransitionError(_("Ett vidimerat provsvar kan inte ändras."), code="result_locked")
