"""Dictations, their history, signed note versions, note types and the units' glossaries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from kulisser.db import Base, UTCDateTime, utcnow
from kulisser.dictation.states import Action, DictationStatus, check_transition
from kulisser.history import HistoryRow, history_values
from kulisser.i18n import _
from kulisser.worklist.service import Priority, TransitionError

TEXT_MAX = 100_000  # characters of a note; far beyond any letter, small enough to autosave
REVIEW_FROM_DRAFT, REVIEW_EMPTY = "draft", "empty"  # Dictation.review_mode


class NoteType(Base):
    """A kind of note (visit note, discharge summary ...) with its template of headings.

    Rows with unit_id NULL are the default set every unit gets; a unit's own row with the
    same code replaces the default for that unit (and active=False hides it there).
    """

    __tablename__ = "note_type"
    __table_args__ = (UniqueConstraint("unit_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("care_unit.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))  # Swedish, shown to users
    headings: Mapped[list[str]] = mapped_column(JSON, default=list)
    # LOINC document type for the FHIR DocumentReference.type of a signed note.
    loinc_code: Mapped[str | None] = mapped_column(String(20))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def template_text(self) -> str:
        """The headings as an empty note to start from ("Anamnes:\\n\\nStatus:\\n ...")."""
        if not self.headings:
            return ""
        return "\n\n".join(f"{heading}:" for heading in self.headings) + "\n"


class GlossaryTerm(Base):
    """A medical term the unit uses, so that the spell check does not mark it."""

    __tablename__ = "glossary_term"
    __table_args__ = (UniqueConstraint("unit_id", "term_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), index=True)
    term: Mapped[str] = mapped_column(String(100))
    term_key: Mapped[str] = mapped_column(String(100))  # casefolded, for uniqueness and lookup
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Dictation(Base):
    """A recording by a clinician about a patient, on its way to a signed note."""

    __tablename__ = "dictation"
    __table_args__ = (
        # The unit's queue in status order, and the author's own list.
        Index("ix_dictation_unit_status", "unit_id", "status", "uploaded_at"),
        Index("ix_dictation_author_status", "author_id", "status"),
        Index("ix_dictation_patient", "patient_id"),
        Index("ix_dictation_audio_sha256", "audio_sha256"),
        # A unit's dictations signed in a month (speech recognition's help per unit and month,
        # kulisser.dictation.recognizer_help; migration 0041): without it the figure read
        # every dictation the unit ever had.
        Index("ix_dictation_unit_signed", "unit_id", "signed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    # NULL only for an imported file that could not be matched (the secretary matches it).
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    note_type_id: Mapped[int] = mapped_column(ForeignKey("note_type.id"))
    priority: Mapped[str] = mapped_column(String(10), default=Priority.NORMAL.value)
    status: Mapped[str] = mapped_column(String(24), default=DictationStatus.DICTATED.value)
    # The audio, content-addressed (see storage.py); the user's file name is display text only.
    audio_sha256: Mapped[str] = mapped_column(String(64))
    audio_format: Mapped[str] = mapped_column(String(16))  # wav, mp3, m4a, ogg, webm, flac, aac
    audio_media_type: Mapped[str] = mapped_column(String(40))
    audio_duration_s: Mapped[float] = mapped_column(Float)
    audio_size: Mapped[int] = mapped_column(BigInteger)
    original_filename: Mapped[str] = mapped_column(String(255), default="")
    source: Mapped[str] = mapped_column(String(10), default="upload")  # upload, import
    # For an import: why the file could not be matched (shown to the secretary who matches it).
    import_note: Mapped[str | None] = mapped_column(Text)
    # A new recording made because this earlier one was unusable.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("dictation.id"))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The recognizer's draft, kept unchanged for the quality figures (WER against the signed text).
    draft_text: Mapped[str | None] = mapped_column(Text)
    draft_words: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # start, end, text, probability
    draft_model: Mapped[str | None] = mapped_column(String(100))
    draft_language: Mapped[str | None] = mapped_column(String(8))
    drafted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The working text the secretary writes (autosaved); revision guards against lost updates.
    text: Mapped[str] = mapped_column(Text, default="")
    text_revision: Mapped[int] = mapped_column(Integer, default=0)
    text_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    text_saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # The latest question to the author and its answer (every one is also in the history).
    question: Mapped[str | None] = mapped_column(Text)
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_for_signature_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first signature (turnaround figures); each version has its own signer and time.
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    unusable_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How the review was done, for the figure "does speech recognition help": "draft" (from
    # the recognizer's draft) or "empty" (typed without one); None until the review starts.
    review_mode: Mapped[str | None] = mapped_column(String(10))

    note_type: Mapped[NoteType] = relationship(lazy="joined", innerjoin=True)
    events: Mapped[list[DictationEvent]] = relationship(
        back_populates="dictation", order_by="DictationEvent.id", cascade="all, delete-orphan"
    )
    versions: Mapped[list[NoteVersion]] = relationship(
        back_populates="dictation", order_by="NoteVersion.version", cascade="all, delete-orphan"
    )

    def __init__(self, **kwargs: Any) -> None:
        # Column defaults apply only at INSERT; the status and text must be right in memory too.
        kwargs.setdefault("status", DictationStatus.DICTATED.value)
        kwargs.setdefault("text", "")
        kwargs.setdefault("text_revision", 0)
        super().__init__(**kwargs)

    @property
    def current_version(self) -> NoteVersion | None:
        """The newest signed version, or None before signing."""
        return self.versions[-1] if self.versions else None

    # -- domain methods: each checks the transition and records an event ---------------

    def record(self, type_: str, *, actor_id: int | None, now: datetime, **data: Any) -> None:
        """Append an event to the history."""
        self.updated_at = now
        self.events.append(DictationEvent(**history_values(type_, actor_id=actor_id, now=now, **data)))

    def _move(self, action: Action, *, actor_id: int | None, now: datetime, type_: str,
              reason: str = "", **data: Any) -> None:
        before = self.status
        self.status = check_transition(before, action, reason=reason).value
        if self.status in (DictationStatus.SIGNED, DictationStatus.CANCELLED,
                           DictationStatus.UNUSABLE) and self.closed_at is None:
            self.closed_at = now
        self.record(type_, actor_id=actor_id, now=now, from_status=before, to_status=self.status,
                    reason=reason.strip() or None, **data)

    def store_draft(self, *, text: str, words: list[dict[str, Any]], model: str, language: str,
                    now: datetime) -> None:
        """Keep the recognizer's draft; a dictation still waiting for it becomes draft ready."""
        self.draft_text, self.draft_words = text, words
        self.draft_model, self.draft_language, self.drafted_at = model[:100], language[:8], now
        if self.status == DictationStatus.DICTATED:
            self._move(Action.DRAFT, actor_id=None, now=now, type_="draft_ready", model=model,
                       words=len(words))
        else:
            # The secretary began from the audio first; the draft is kept for the figures only.
            self.record("draft_stored", actor_id=None, now=now, model=model, words=len(words))

    def save_text(self, *, actor_id: int, text: str, now: datetime,
                  base_revision: int | None = None) -> None:
        """Save the working text; the first save starts the review."""
        target = check_transition(self.status, Action.SAVE_TEXT)
        if base_revision is not None and base_revision != self.text_revision:
            raise TransitionError(
                _("Texten har ändrats av någon annan sedan du öppnade den. Ladda om sidan; "
                  "kopiera gärna din text först."), code="edit_conflict")
        if len(text) > TEXT_MAX:
            raise TransitionError(_("Texten får vara högst {text_max} tecken.", text_max=TEXT_MAX),
                                  code="text_too_long")
        if target != self.status:
            self._move(Action.SAVE_TEXT, actor_id=actor_id, now=now, type_="review_started")
        if self.review_mode is None:
            self.review_mode = REVIEW_FROM_DRAFT if self.draft_text is not None else REVIEW_EMPTY
        self.text = text
        self.text_revision += 1
        self.text_saved_at, self.text_saved_by_id, self.updated_at = now, actor_id, now

    def send_for_signature(self, *, actor_id: int, now: datetime) -> None:
        """The text is verified: it goes to the author to sign."""
        check_transition(self.status, Action.SEND_FOR_SIGNATURE)
        if self.patient_id is None or self.author_id is None:
            raise TransitionError(_("Ange patient och diktatör innan diktatet skickas för signering."),
                                  code="unmatched")
        if not self.text.strip():
            raise TransitionError(_("Skriv texten innan diktatet skickas för signering."),
                                  code="text_required")
        self.sent_for_signature_at = now
        self._move(Action.SEND_FOR_SIGNATURE, actor_id=actor_id, now=now, type_="sent_for_signature")

    def return_to_author(self, *, actor_id: int, question: str, now: datetime) -> None:
        """Ask the author a question; the dictation waits for the answer."""
        if self.author_id is None:
            check_transition(self.status, Action.RETURN, reason=question)
            raise TransitionError(_("Diktatet saknar diktatör att fråga."), code="unmatched")
        self._move(Action.RETURN, actor_id=actor_id, now=now, type_="returned", reason=question)
        self.question, self.asked_at = question.strip(), now
        self.answer = self.answered_at = None

    def answer_question(self, *, actor_id: int, answer: str, now: datetime) -> None:
        """The author's answer sends the dictation back to review."""
        self._move(Action.ANSWER, actor_id=actor_id, now=now, type_="answered", reason=answer)
        self.answer, self.answered_at = answer.strip(), now

    def mark_unusable(self, *, actor_id: int, reason: str, now: datetime) -> None:
        """The audio cannot be used; the author must dictate again."""
        self._move(Action.MARK_UNUSABLE, actor_id=actor_id, now=now, type_="marked_unusable",
                   reason=reason)
        self.unusable_reason = reason.strip()

    def sign(self, *, actor_id: int, now: datetime) -> NoteVersion:
        """The author signs: version 1 holds the text, which is locked from now on."""
        check_transition(self.status, Action.SIGN)
        if actor_id != self.author_id:
            raise TransitionError(_("Endast diktatören kan signera anteckningen."), code="not_author")
        if not self.text.strip():
            raise TransitionError(_("En tom anteckning kan inte signeras."), code="text_required")
        self._move(Action.SIGN, actor_id=actor_id, now=now, type_="signed", version=1)
        self.signed_at, self.signed_by_id = now, actor_id
        version = NoteVersion(version=1, text=self.text, signed_by_id=actor_id, signed_at=now)
        self.versions.append(version)
        return version

    def correct(self, *, actor_id: int, text: str, reason: str, now: datetime) -> NoteVersion:
        """A signed note is never changed: the correction becomes the next version."""
        check_transition(self.status, Action.CORRECT, reason=reason)
        if actor_id != self.author_id:
            raise TransitionError(_("Endast diktatören kan rätta anteckningen."), code="not_author")
        if not text.strip():
            raise TransitionError(_("En tom anteckning kan inte signeras."), code="text_required")
        if len(text) > TEXT_MAX:
            raise TransitionError(_("Texten får vara högst {text_max} tecken.", text_max=TEXT_MAX),
                                  code="text_too_long")
        current = self.current_version
        if current is not None and current.text == text:
            raise TransitionError(_("Texten är oförändrad; det finns inget att rätta."),
                                  code="unchanged")
        number = (current.version if current else 0) + 1
        self._move(Action.CORRECT, actor_id=actor_id, now=now, type_="corrected", reason=reason,
                   version=number)
        self.text = text
        self.text_revision += 1
        self.text_saved_at, self.text_saved_by_id = now, actor_id
        version = NoteVersion(version=number, text=text, signed_by_id=actor_id, signed_at=now,
                              correction_reason=reason.strip())
        self.versions.append(version)
        return version

    def cancel(self, *, actor_id: int, reason: str, now: datetime) -> None:
        """The dictation will not become a note (wrong patient, dictated twice ...)."""
        self._move(Action.CANCEL, actor_id=actor_id, now=now, type_="cancelled", reason=reason)
        self.cancelled_reason = reason.strip()


class DictationEvent(HistoryRow, Base):
    """One entry in a dictation's history (who, when, what, from which status to which)."""

    __tablename__ = "dictation_event"

    dictation_id: Mapped[int] = mapped_column(ForeignKey("dictation.id"), index=True)

    dictation: Mapped[Dictation] = relationship(back_populates="events")


class ReviewActivity(Base):
    """A moment of a writer's activity in the review editor (a save, typing or playback).

    Only the moment and its kind: never what was typed. The active review time is computed
    from these moments (review_time.active_seconds).
    """

    __tablename__ = "dictation_review_activity"
    __table_args__ = (Index("ix_dictation_review_activity_dictation_at", "dictation_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dictation_id: Mapped[int] = mapped_column(ForeignKey("dictation.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(10))  # save, key, play, empty, restore


class NoteVersion(Base):
    """A signed version of a note. Never updated: a correction is the next version."""

    __tablename__ = "note_version"
    __table_args__ = (UniqueConstraint("dictation_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dictation_id: Mapped[int] = mapped_column(ForeignKey("dictation.id"))
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    correction_reason: Mapped[str | None] = mapped_column(Text)  # None for version 1

    dictation: Mapped[Dictation] = relationship(back_populates="versions")


def _column_changed(target: NoteVersion) -> bool:
    """Whether a loaded version has a changed column (a flush may visit it for other reasons)."""
    session = object_session(target)
    return session is not None and session.is_modified(target, include_collections=False)


@event.listens_for(NoteVersion, "before_update")
def _signed_text_never_changes(_mapper: Any, _connection: Any, target: NoteVersion) -> None:
    # A signed note is a record entry (PDL): the ORM refuses to change one in place.
    if not _column_changed(target):
        return
    raise TransitionError(_("En signerad version kan inte ändras; gör en rättelse."),
                          code="signed_version_locked")
