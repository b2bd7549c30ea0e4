"""Dictation operations: the review's text and every status change (the public entry point).

Other packages use this module only. Besides the operations and the reads defined here
(get_dictation, open_audio, actions_for) it re-exports the signature (sign, correct_signed;
signing.py), the details and a new draft (set_details, retry_transcription; details.py),
transcription_state (jobs.py), the uploads (upload_dictation, import_dictation; upload.py),
the lists (list_dictations, count_dictations, list_for_author, DictationFilter; queries.py)
and the unit's note types and glossary (catalog.py). Every function that touches a dictation
checks access and writes its audit row (`check`, `get_dictation`, `for_change` below), takes
keyword arguments and never commits; status changes are Dictation methods that record
events, and the work items follow (items.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.dictation import items, review_time
from kulisser.dictation.catalog import (
    add_term,
    find_note_type,
    glossary,
    glossary_keys,
    note_types,
    remove_term,
    save_note_type,
)
from kulisser.dictation.chain_history import ChainHistory as ChainHistory
from kulisser.dictation.chain_history import cancelled_since as cancelled_since
from kulisser.dictation.chain_history import chain_histories as chain_histories
from kulisser.dictation.chain_history import first_dictated as first_dictated
from kulisser.dictation.chain_history import insert_demo_history as insert_demo_history
from kulisser.dictation.details import retry_transcription as retry_transcription
from kulisser.dictation.details import set_details as set_details
from kulisser.dictation.jobs import TranscriptionState, transcription_state
from kulisser.dictation.models import Dictation
from kulisser.dictation.queries import (
    DictationFilter,
    count_dictations,
    list_dictations,
    list_for_author,
)
from kulisser.dictation.recognizer_help import RecognizerHelp as RecognizerHelp
from kulisser.dictation.recognizer_help import recognizer_help as recognizer_help
from kulisser.dictation.record_texts import signed_note_versions as signed_note_versions
from kulisser.dictation.signing import correct_signed as correct_signed
from kulisser.dictation.signing import sign as sign
from kulisser.dictation.states import (
    Action,
    DictationStatus,
    allowed_actions,
    check_transition,
)
from kulisser.dictation.states import status_label as status_label
from kulisser.dictation.storage import AudioStore as AudioStore
from kulisser.dictation.upload import import_dictation, upload_dictation
from kulisser.errors import Forbidden, NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.patients.service import Patient
from kulisser.staff.service import Actor, Role

__all__ = [
    "AudioFile", "DictationFilter", "TranscriptionState", "actions_for", "add_term",
    "answer_question", "cancel", "correct_signed", "count_dictations", "find_note_type",
    "get_dictation", "glossary", "glossary_keys", "import_dictation", "list_dictations",
    "list_for_author", "mark_audio_unusable", "note_types", "open_audio", "remove_term",
    "retry_transcription", "return_to_author", "save_note_type", "save_text",
    "send_for_signature", "set_details", "sign", "start_from_empty", "transcription_state",
    "upload_dictation",
]
S = DictationStatus


WRITER_ROLES = (Role.SECRETARY, Role.MANAGER)


def check(session: Session, *, actor: Actor, dictation: Dictation, action: str, object_type: str,
           now: datetime) -> None:
    """The access check and audit row for one read or write of a dictation."""
    # Another unit's dictation is refused (403, a denied row) even where that unit has a care
    # relation of its own: an unsigned dictation is its own unit's work in progress. An
    # unmatched import (no patient yet) is logged with the dictation's id and no patient.
    audit.check(session, actor=actor, record=dictation, object_type=object_type, action=action,
                current_unit=True, reason=_("Diktatet hör till en annan vårdenhet."),
                hidden=_("Diktatet finns inte.") if dictation.patient_id is None else None,
                now=now)


def load(session: Session, dictation_id: int, *, lock: bool = False) -> Dictation:
    """Load a dictation without any access check (callers check); lock: SELECT ... FOR UPDATE."""
    # FOR UPDATE OF dictation: the row lock must not reach the joined note type.
    dictation = session.get(Dictation, dictation_id,
                            with_for_update={"of": Dictation} if lock else None,
                            populate_existing=lock)
    if dictation is None:
        raise NotFound(_("Diktatet finns inte."))
    return dictation


def get_dictation(session: Session, *, actor: Actor, dictation_id: int, action: str = "read",
                  object_type: str = "dictation", now: datetime | None = None) -> Dictation:
    """Load a dictation after the access check (which writes the audit row)."""
    dictation = load(session, dictation_id)
    check(session, actor=actor, dictation=dictation, action=action, object_type=object_type,
          now=now or utcnow())
    return dictation


def for_change(session: Session, *, actor: Actor, dictation_id: int, now: datetime,
                object_type: str = "dictation") -> Dictation:
    """Load a dictation for a change: row-locked, access-checked, logged as an update."""
    dictation = load(session, dictation_id, lock=True)
    check(session, actor=actor, dictation=dictation, action="update", object_type=object_type,
          now=now)
    return dictation


@dataclass(frozen=True)
class AudioFile:
    """A stored recording to send: where it is, its media type and a neutral download name."""

    path: Path
    media_type: str
    filename: str
    size: int


def open_audio(session: Session, *, actor: Actor, store: AudioStore, dictation_id: int,
               now: datetime | None = None) -> AudioFile:
    """The dictation's audio file after the access check (logged as a read of the audio)."""
    dictation = get_dictation(session, actor=actor, dictation_id=dictation_id,
                              object_type="dictation_audio", now=now)
    path = store.path_for(dictation.audio_sha256)
    if not path.is_file():
        raise NotFound(_("Ljudfilen saknas i lagringen."))
    # Never the user's own file name: it may hold a personnummer, and it is not ours to trust.
    return AudioFile(path=path, media_type=dictation.audio_media_type,
                     filename=f"diktat-{dictation.id}.{dictation.audio_format}",
                     size=dictation.audio_size)


# Roles: the author (the clinician who dictated) signs, corrects and answers questions;
# secretaries (and unit managers, who in small units write too) review, return, send for
# signature and mark audio unusable; the author and secretaries both save text and cancel.

def is_writer(actor: Actor) -> bool:
    """Whether the actor does the secretaries' work (secretaries, and managers who write too)."""
    return actor.role in WRITER_ROLES


def is_author(actor: Actor, dictation: Dictation) -> bool:
    """Whether the actor is the clinician who dictated."""
    return dictation.author_id is not None and actor.user_id == dictation.author_id


_WRITER_ACTIONS = {Action.SAVE_TEXT, Action.SEND_FOR_SIGNATURE, Action.RETURN,
                   Action.MARK_UNUSABLE, Action.CANCEL}
_AUTHOR_ACTIONS = {Action.SAVE_TEXT, Action.SEND_FOR_SIGNATURE, Action.ANSWER, Action.SIGN,
                   Action.CORRECT, Action.CANCEL}


def actions_for(actor: Actor, dictation: Dictation) -> list[Action]:
    """What the actor may do to the dictation now (its status and the actor's role)."""
    mine: set[Action] = set()
    if is_writer(actor):
        mine |= _WRITER_ACTIONS
    if is_author(actor, dictation):
        mine |= _AUTHOR_ACTIONS
    return [act for act in allowed_actions(dictation.status) if act in mine]


def require(actor: Actor, dictation: Dictation, action: Action) -> None:
    """Raise Forbidden unless the actor's role (or authorship) allows the action."""
    if action in _WRITER_ACTIONS and is_writer(actor):
        return
    if action in _AUTHOR_ACTIONS and is_author(actor, dictation):
        return
    if action in (Action.SIGN, Action.CORRECT, Action.ANSWER):
        raise Forbidden(_("Endast diktatören kan göra detta."))
    raise Forbidden(_("Din roll kan inte göra detta med diktatet."))


def save_text(session: Session, *, actor: Actor, dictation_id: int, text: str,
              base_revision: int | None = None, now: datetime | None = None) -> Dictation:
    """Autosave the working text; the first save starts the review (and the queue item).

    base_revision is the text_revision the editor loaded: if someone saved since, the save
    is refused (TransitionError code edit_conflict) instead of overwriting their text.
    """
    now = now or utcnow()
    dictation = for_change(session, actor=actor, dictation_id=dictation_id, now=now,
                                  object_type="dictation_text")
    require(actor, dictation, Action.SAVE_TEXT)
    before = dictation.status
    dictation.save_text(actor_id=actor.user_id, text=text, now=now, base_revision=base_revision)
    if before in (S.DICTATED, S.DRAFT_READY) and is_writer(actor):
        items.start_queue_item(session, actor=actor, dictation_id=dictation.id, now=now)
    if is_writer(actor):
        review_time.record(session, dictation=dictation, user_id=actor.user_id, kind="save", now=now)
    session.flush()
    return dictation


def start_from_empty(session: Session, *, actor: Actor, dictation_id: int,
                     now: datetime | None = None) -> Dictation:
    """Set the recognizer's draft aside: the text restarts from the headings (the draft is kept)."""
    now = now or utcnow()
    dictation = for_change(session, actor=actor, dictation_id=dictation_id, now=now,
                           object_type="dictation_text")
    if not is_writer(actor):
        raise Forbidden(_("Din roll kan inte göra detta med diktatet."))
    before = dictation.status
    review_time.start_empty(dictation, actor_id=actor.user_id, now=now)
    if before in (S.DICTATED, S.DRAFT_READY):
        items.start_queue_item(session, actor=actor, dictation_id=dictation.id, now=now)
    review_time.record(session, dictation=dictation, user_id=actor.user_id, kind="empty", now=now)
    session.flush()
    return dictation


def record_activity(session: Session, *, actor: Actor, dictation_id: int, kind: str,
                    now: datetime | None = None) -> None:
    """A heartbeat of the review editor (typing or playback; "restore": the draft taken back)."""
    now = now or utcnow()
    if kind not in review_time.KINDS:
        raise ValidationFailed({"kind": _("Okänd aktivitet.")})
    dictation = get_dictation(session, actor=actor, dictation_id=dictation_id, action="update",
                              object_type="dictation_text", now=now)
    if not is_writer(actor):
        raise Forbidden(_("Din roll kan inte göra detta med diktatet."))
    require(actor, dictation, Action.SAVE_TEXT)
    check_transition(dictation.status, Action.SAVE_TEXT)  # only while the text is being written
    if kind == "restore":
        review_time.restore_draft(dictation, actor_id=actor.user_id, now=now)
    review_time.record(session, dictation=dictation, user_id=actor.user_id, kind=kind, now=now)
    session.flush()


def send_for_signature(session: Session, *, actor: Actor, dictation_id: int,
                       now: datetime | None = None) -> Dictation:
    """The text is verified: the queue item completes and the author gets a signature item."""
    now = now or utcnow()
    dictation = for_change(session, actor=actor, dictation_id=dictation_id, now=now)
    require(actor, dictation, Action.SEND_FOR_SIGNATURE)
    dictation.send_for_signature(actor_id=actor.user_id, now=now)
    patient = session.get(Patient, dictation.patient_id) if dictation.patient_id else None
    items.complete(session, actor=actor, dictation_id=dictation.id, kind=items.DICTATION.code, now=now)
    items.create(session, actor=actor, dictation=dictation, kind=items.SIGNATURE.code,
                 title=f"Signera {items.subject(dictation, patient)}",
                 patient_id=dictation.patient_id, owner_id=dictation.author_id, now=now)
    session.flush()
    return dictation


def return_to_author(session: Session, *, actor: Actor, dictation_id: int, question: str,
                     now: datetime | None = None) -> Dictation:
    """Ask the author a question: the queue item waits on hold, the author gets a question item."""
    now = now or utcnow()
    if len(question) > 4000:
        raise ValidationFailed({"question": _("Frågan får vara högst 4000 tecken.")})
    dictation = for_change(session, actor=actor, dictation_id=dictation_id, now=now)
    require(actor, dictation, Action.RETURN)
    dictation.return_to_author(actor_id=actor.user_id, question=question, now=now)
    patient = session.get(Patient, dictation.patient_id) if dictation.patient_id else None
    items.hold_queue_item(session, actor=actor, dictation_id=dictation.id,
                          reason=_("Väntar på svar från diktatören"), now=now)
    items.create(session, actor=actor, dictation=dictation, kind=items.QUESTION.code,
                 title=_("Fråga om diktat: {subject}", subject=items.subject(dictation, patient)),
                 patient_id=dictation.patient_id, owner_id=dictation.author_id,
                 description=question.strip(), now=now)
    session.flush()
    return dictation


def answer_question(session: Session, *, actor: Actor, dictation_id: int, answer: str,
                    now: datetime | None = None) -> Dictation:
    """The author answers: the question item completes and the dictation goes back to review."""
    now = now or utcnow()
    if len(answer) > 4000:
        raise ValidationFailed({"answer": _("Svaret får vara högst 4000 tecken.")})
    dictation = for_change(session, actor=actor, dictation_id=dictation_id, now=now)
    require(actor, dictation, Action.ANSWER)
    dictation.answer_question(actor_id=actor.user_id, answer=answer, now=now)
    items.complete(session, actor=actor, dictation_id=dictation.id, kind=items.QUESTION.code,
                   now=now, reason=_("Besvarad"))
    items.resume_queue_item(session, actor=actor, dictation_id=dictation.id, now=now)
    session.flush()
    return dictation


def mark_audio_unusable(session: Session, *, actor: Actor, dictation_id: int, reason: str,
                        now: datetime | None = None) -> Dictation:
    """The audio cannot be used: the dictation closes and the author is asked to dictate again."""
    now = now or utcnow()
    dictation = for_change(session, actor=actor, dictation_id=dictation_id, now=now)
    require(actor, dictation, Action.MARK_UNUSABLE)
    dictation.mark_unusable(actor_id=actor.user_id, reason=reason, now=now)
    items.cancel_all(session, actor=actor, dictation_id=dictation.id,
                     reason=_("Ljudet går inte att använda: {reason}", reason=reason.strip()), now=now)
    if dictation.author_id is not None:
        patient = session.get(Patient, dictation.patient_id) if dictation.patient_id else None
        items.create(session, actor=actor, dictation=dictation, kind=items.REDO.code,
                     title=f"Spela in igen: {items.subject(dictation, patient)}",
                     patient_id=dictation.patient_id, owner_id=dictation.author_id,
                     description=reason.strip(), now=now)
    session.flush()
    return dictation


def cancel(session: Session, *, actor: Actor, dictation_id: int, reason: str,
           now: datetime | None = None) -> Dictation:
    """Cancel a dictation that will not become a note; its open work items are cancelled."""
    now = now or utcnow()
    dictation = for_change(session, actor=actor, dictation_id=dictation_id, now=now)
    require(actor, dictation, Action.CANCEL)
    dictation.cancel(actor_id=actor.user_id, reason=reason, now=now)
    items.cancel_all(session, actor=actor, dictation_id=dictation.id,
                     reason=_("Diktatet makulerat: {reason}", reason=reason.strip()), now=now)
    session.flush()
    return dictation
