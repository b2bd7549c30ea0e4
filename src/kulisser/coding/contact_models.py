"""The care contact (vårdkontakt), its codes, its history and the suggestions made for it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kulisser.coding.states import ContactStatus
from kulisser.db import Base, BigId, UTCDateTime, utcnow
from kulisser.history import HistoryRow, history_values


class CareContact(Base):
    """A patient's contact with a unit on a day, coded with diagnoses and procedures."""

    __tablename__ = "care_contact"
    __table_args__ = (
        # One contact per visit done and per note that made one: an event handled twice
        # makes nothing new (a manual contact has no source id; NULLs never collide).
        UniqueConstraint("source", "source_id"),
        Index("ix_care_contact_unit_status_date", "unit_id", "status", "contact_date"),
        Index("ix_care_contact_patient_date", "patient_id", "contact_date"),
        Index("ix_care_contact_note", "note_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    contact_date: Mapped[date] = mapped_column(Date)  # an inpatient stay: the admission day
    kind: Mapped[str] = mapped_column(String(16))  # states.ContactKind
    admitted_on: Mapped[date | None] = mapped_column(Date)
    discharged_on: Mapped[date | None] = mapped_column(Date)
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    source: Mapped[str] = mapped_column(String(10))  # states.Source
    source_id: Mapped[int | None] = mapped_column(BigId)  # the appointment or the dictation
    # The signed note (dictation) the secretary codes from, and its words for suggestions.
    note_id: Mapped[int | None] = mapped_column(Integer)
    note_words: Mapped[list[str] | None] = mapped_column(JSON)
    must_code: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default=ContactStatus.UNCODED.value)
    coded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    coded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    codes: Mapped[list[ContactCode]] = relationship(
        back_populates="contact", order_by="[ContactCode.role, ContactCode.position]",
        cascade="all, delete-orphan")
    events: Mapped[list[ContactEvent]] = relationship(
        back_populates="contact", order_by="ContactEvent.id", cascade="all, delete-orphan")
    suggestions: Mapped[list[Suggestion]] = relationship(
        back_populates="contact", order_by="[Suggestion.score.desc(), Suggestion.id]",
        cascade="all, delete-orphan")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("status", ContactStatus.UNCODED.value)
        kwargs.setdefault("version", 1)
        super().__init__(**kwargs)

    def record(self, type_: str, *, actor_id: int | None, now: datetime, **data: Any) -> None:
        """Append a step to the contact's history (and count the change in the version)."""
        self.updated_at = now
        self.version = (self.version or 0) + 1
        self.events.append(ContactEvent(**history_values(type_, actor_id=actor_id, now=now, **data)))

    def move(self, to: ContactStatus, *, type_: str, actor_id: int | None, now: datetime,
             **data: Any) -> None:
        """Change the status and record the step."""
        before = self.status
        self.status = to.value
        if to is ContactStatus.CODED:
            self.coded_at, self.coded_by_id = now, actor_id
        self.record(type_, actor_id=actor_id, now=now, from_status=before, to_status=to.value,
                    **data)


class ContactCode(Base):
    """One code on a contact: a diagnosis (main, secondary, external cause) or a procedure."""

    __tablename__ = "care_contact_code"
    __table_args__ = (Index("ix_care_contact_code_code", "system", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("care_contact.id"), index=True)
    system: Mapped[str] = mapped_column(String(8))  # codes.ICD10 or codes.KVA
    code: Mapped[str] = mapped_column(String(16))  # normalized: upper case, no dot
    role: Mapped[str] = mapped_column(String(10))  # states.Role
    procedure_date: Mapped[date | None] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Whether the secretary took it from a suggestion (the suggestion figures count it).
    from_suggestion: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    contact: Mapped[CareContact] = relationship(back_populates="codes")


class ContactEvent(HistoryRow, Base):
    """One step in a contact's history (codes before and after a change are in data)."""

    __tablename__ = "care_contact_event"

    contact_id: Mapped[int] = mapped_column(ForeignKey("care_contact.id"), index=True)
    contact: Mapped[CareContact] = relationship(back_populates="events")


class Suggestion(Base):
    """A code suggested from the contact's signed note, with its score and why; never coded
    by itself: `taken` is set when a person chose it."""

    __tablename__ = "care_contact_suggestion"
    __table_args__ = (UniqueConstraint("contact_id", "system", "code"),
                      Index("ix_care_contact_suggestion_unit_made", "unit_id", "made_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("care_contact.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    system: Mapped[str] = mapped_column(String(8))
    code: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    # Why, as plain values: {"words": [...]} from the title, {"notes": n} from the unit's history.
    why: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    taken: Mapped[bool] = mapped_column(Boolean, default=False)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contact: Mapped[CareContact] = relationship(back_populates="suggestions")
