"""Pydantic models of the dictation API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from kulisser.bounds import Count, Id
from kulisser.dictation.states import Action, DictationStatus
from kulisser.web.api import Timestamp
from kulisser.worklist.service import PatientRef, Priority, UserRef


class NoteTypeOut(BaseModel):
    """A note type of the caller's unit, with its template of headings."""

    code: str = Field(examples=["visit"])
    name: str = Field(examples=["Besöksanteckning"])
    headings: list[str] = Field(examples=[["Anamnes", "Status", "Bedömning", "Åtgärd"]])
    template: str = Field(description="The headings as an empty note to start writing from.")


class NoteTypeList(BaseModel):
    """The unit's note types, in menu order."""

    items: list[NoteTypeOut]


class HL7Completion(BaseModel):
    """The status as HL7 document completion (v2 table 0271)."""

    code: str = Field(examples=["DI"], description="DI, IP, IN, AU, LA or CA.")
    display: str = Field(examples=["Dictated"])


class AudioOut(BaseModel):
    """The stored recording (content-addressed; fetch it from `url`)."""

    format: str = Field(examples=["wav"])
    media_type: str = Field(examples=["audio/wav"])
    duration_s: float
    size: int = Field(description="Bytes.")
    sha256: str
    url: str = Field(examples=["/api/v1/dictations/1/audio"])


class WordOut(BaseModel):
    """A recognised word, its place in the audio (seconds) and the recognizer's confidence."""

    start: float
    end: float
    text: str
    probability: float


class DraftOut(BaseModel):
    """The recognizer's draft, kept unchanged."""

    text: str
    words: list[WordOut]
    model: str
    language: str
    drafted_at: Timestamp


class TranscriptionOut(BaseModel):
    """Where the draft is: none, queued, retrying, running, done or failed (with the last error)."""

    status: str = Field(examples=["queued"])
    label: str = Field(examples=["Väntar på taligenkänning"])
    attempts: int
    max_attempts: int
    last_error: str | None
    next_try_at: Timestamp | None


class NoteVersionOut(BaseModel):
    """A signed version of the note; never changed (a correction is the next version)."""

    version: int
    text: str
    signed_by: UserRef
    signed_at: Timestamp
    correction_reason: str | None


class DictationEventOut(BaseModel):
    """One entry of a dictation's history."""

    at: Timestamp
    type: str = Field(examples=["sent_for_signature"])
    actor: UserRef | None = Field(description="null: the recognizer.")
    from_status: DictationStatus | None
    to_status: DictationStatus | None
    reason: str | None


class DictationSummary(BaseModel):
    """A dictation in a list (no text, no words)."""

    id: int
    status: DictationStatus
    status_label: str
    hl7_completion: HL7Completion
    priority: Priority
    priority_label: str
    note_type: str = Field(description="The note type's code.", examples=["visit"])
    note_type_name: str = Field(examples=["Besöksanteckning"])
    patient: PatientRef | None = Field(description="null: an imported file not matched yet.")
    author: UserRef | None = Field(description="null: an imported file not matched yet.")
    unit_id: int
    audio_duration_s: float
    source: str = Field(description="upload or import.")
    original_filename: str = Field(description="The uploaded file's name, as display text only.")
    uploaded_by: UserRef
    uploaded_at: Timestamp
    text_saved_at: Timestamp | None
    text_saved_by: UserRef | None
    sent_for_signature_at: Timestamp | None
    signed_at: Timestamp | None


class DictationList(BaseModel):
    """A page of dictations, most urgent and oldest first; every patient shown is logged."""

    items: list[DictationSummary]
    total: int


class DictationDetail(DictationSummary):
    """One dictation with its audio, draft, working text, versions and history."""

    audio: AudioOut
    transcription: TranscriptionOut
    draft: DraftOut | None
    text: str = Field(description="The working text (the signed text once signed).")
    text_revision: int = Field(description="Send it back as base_revision when saving text.")
    template: str = Field(description="The note type's headings, to start an empty text from.")
    import_note: str | None
    question: str | None
    answer: str | None
    unusable_reason: str | None
    cancelled_reason: str | None
    replaces_id: int | None
    versions: list[NoteVersionOut]
    events: list[DictationEventOut]
    allowed_actions: list[Action] = Field(
        description="What the caller may do now (its status and the caller's role).")


class TextIn(BaseModel):
    """The working text to (auto)save."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=100_000)
    base_revision: Count | None = Field(
        None, description="The text_revision the editor loaded; a save over a newer text "
                          "is refused (409 edit_conflict) instead of overwriting it.")


class TextSaved(BaseModel):
    """A saved text: the new revision to send with the next save."""

    id: int
    status: DictationStatus
    text_revision: int
    text_saved_at: Timestamp


class QuestionIn(BaseModel):
    """A question to the author."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(examples=["Vilken dos av Waran menas i stycke två?"])


class AnswerIn(BaseModel):
    """The author's answer."""

    model_config = ConfigDict(extra="forbid")

    answer: str = Field(examples=["5 mg dagligen."])


class ReasonIn(BaseModel):
    """Why (cancel, unusable audio)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(examples=["Inspelningen är avbruten efter några sekunder."])


class CorrectIn(BaseModel):
    """A corrected text and why; it becomes the next signed version."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=100_000)
    reason: str = Field(examples=["Fel dos angiven."])


class DetailsIn(BaseModel):
    """Match an imported dictation or change its note type or priority; left out: unchanged."""

    model_config = ConfigDict(extra="forbid")

    patient_id: Id | None = None
    author_id: Id | None = None
    note_type: str | None = None
    priority: Priority | None = None


class GlossaryTermOut(BaseModel):
    """A medical term of the unit's glossary."""

    id: int
    term: str


class GlossaryList(BaseModel):
    """The unit's glossary, alphabetically."""

    items: list[GlossaryTermOut]


class GlossaryTermIn(BaseModel):
    """A term to add."""

    model_config = ConfigDict(extra="forbid")

    term: str = Field(examples=["förmaksflimmer"])
