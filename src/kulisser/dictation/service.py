"""Dictation operations: the review's text and every status change (the public entry point).

Other packages use this module only. Besides the operations defined here it re-exports the
access check and the roles' actions (get_dictation, for_change, open_audio, actions_for;
access.py), transcription_state (jobs.py), the uploads (upload_dictation, import_dictation;
upload.py), the lists (list_dictations, count_dictations, list_for_author, DictationFilter;
queries.py) and the unit's note types and glossary (catalog.py). Every function that touches
a dictation checks access and writes its audit row (`check`, `get_dictation`, `for_change` in
access.py), takes keyword arguments and never commits; status changes are Dictation methods
that record events, and the work items follow (items.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kulisser import events, workdays
from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.dictation import catalog, items, review_time, upload
from kulisser.dictation import jobs as dictation_jobs
from kulisser.dictation.access import WRITER_ROLES as WRITER_ROLES
from kulisser.dictation.access import AudioFile as AudioFile
from kulisser.dictation.access import actions_for as actions_for
from kulisser.dictation.access import check as check
from kulisser.dictation.access import for_change as for_change
from kulisser.dictation.access import get_dictation as get_dictation
from kulisser.dictation.access import is_author as is_author
from kulisser.dictation.access import is_writer as is_writer
from kulisser.dictation.access import load as load
from kulisser.dictation.access import open_audio as open_audio
from kulisser.dictation.access import require as require
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
from kulisser.dictation.events import NoteSigned
from kulisser.dictation.jobs import TranscriptionState, transcription_state
from kulisser.dictation.models import Dictation, NoteVersion
from kulisser.dictation.queries import (
    DictationFilter,
    count_dictations,
    list_dictations,
    list_for_author,
)
from kulisser.dictation.recognizer_help import RecognizerHelp as RecognizerHelp
from kulisser.dictation.recognizer_help import recognizer_help as recognizer_help
from kulisser.dictation.record_texts import signed_note_versions as signed_note_versions
from kulisser.dictation.states import (
    Action,
    DictationStatus,
    check_transition,
    is_open,
)
from kulisser.dictation.states import status_label as status_label
from kulisser.dictation.storage import AudioStore as AudioStore
from kulisser.dictation.upload import import_dictation, upload_dictation
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.i18n import _
from kulisser.jobs import runner
from kulisser.patients.service import Patient
from kulisser.staff.service import Actor
from kulisser.worklist.service import TransitionError

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


# -- signature -------------------------------------------------------------------------------

def sign(session: Session, *, actor: Actor, dictation_id: int, now: datetime | None = None
         ) -> NoteVersion:
    """The author signs: who and when are recorded, version 1 is kept, the text is locked."""
    now = now or utcnow()
    dictation = for_change(session, actor=actor, dictation_id=dictation_id, now=now)
    require(actor, dictation, Action.SIGN)
    version = dictation.sign(actor_id=actor.user_id, now=now)
    items.complete(session, actor=actor, dictation_id=dictation.id, kind=items.SIGNATURE.code, now=now)
    session.flush()
    _publish_signed(session, actor=actor, dictation=dictation, now=now)
    return version


def _publish_signed(session: Session, *, actor: Actor, dictation: Dictation, now: datetime) -> None:
    """Tell other domains (coding) that the note is signed, in this transaction."""
    if dictation.patient_id is None:  # an unmatched import is no patient's note (yet)
        return
    events.publish(session, NoteSigned(
        dictation_id=dictation.id, actor=actor, at=now, unit_id=dictation.unit_id,
        patient_id=dictation.patient_id, author_id=dictation.author_id,
        note_type=dictation.note_type.code, note_date=workdays.local_today(dictation.uploaded_at)))


def correct_signed(session: Session, *, actor: Actor, dictation_id: int, text: str, reason: str,
                   now: datetime | None = None) -> NoteVersion:
    """Correct a signed note: the author signs a new version; every earlier one is kept."""
    now = now or utcnow()
    dictation = for_change(session, actor=actor, dictation_id=dictation_id, now=now)
    require(actor, dictation, Action.CORRECT)
    version = dictation.correct(actor_id=actor.user_id, text=text, reason=reason, now=now)
    session.flush()
    return version


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


# -- details and transcription ---------------------------------------------------------------

def set_details(session: Session, *, actor: Actor, dictation_id: int, patient_id: int | None = None,
                author_id: int | None = None, note_type: str | None = None,
                priority: str | None = None, now: datetime | None = None) -> Dictation:
    """Match an imported dictation (patient, author) or change its note type or priority.

    Patient and author can only be set where unknown: a dictation about the wrong patient is
    cancelled and uploaded again, so no note ever moves between patients.
    """
    now = now or utcnow()
    dictation = for_change(session, actor=actor, dictation_id=dictation_id, now=now)
    if not (is_writer(actor) or is_author(actor, dictation)):
        raise Forbidden(_("Din roll kan inte ändra diktatet."))
    if not is_open(dictation.status):
        raise TransitionError(_("Ett avslutat diktat kan inte ändras."))
    errors: dict[str, str] = {}
    changes: dict[str, object] = {}
    if patient_id is not None and patient_id != dictation.patient_id:
        if dictation.patient_id is not None:
            errors["patient_id"] = _("Patienten kan inte bytas; makulera diktatet och ladda upp det igen.")
        elif session.get(Patient, patient_id) is None:
            errors["patient_id"] = _("Patienten finns inte.")
    if author_id is not None and author_id != dictation.author_id:
        if dictation.author_id is not None:
            errors["author_id"] = _("Diktatören kan inte bytas.")
        elif upload.clinician(session, unit_id=dictation.unit_id, user_id=author_id) is None:
            errors["author_id"] = _("Diktatören ska vara läkare/vårdpersonal på enheten.")
    kind = None
    if note_type is not None:
        kind = catalog.find_note_type(session, unit_id=dictation.unit_id, value=note_type)
        if kind is None:
            errors["note_type"] = _("Välj en anteckningstyp.")
    if priority is not None:
        upload.check_priority(priority, errors)
    if errors:
        raise ValidationFailed(errors)
    if patient_id is not None and dictation.patient_id is None:
        # The new patient's access check (and audit row) before anything is linked to them.
        audit.check_access(session, actor=actor, patient_id=patient_id, action="update",
                           object_type="dictation", object_id=dictation.id, now=now)
        dictation.patient_id = changes["patient_id"] = patient_id
    if author_id is not None and dictation.author_id is None:
        dictation.author_id = changes["author_id"] = author_id
    if kind is not None and kind.id != dictation.note_type_id:
        dictation.note_type = kind
        changes["note_type"] = kind.code
    if priority is not None and priority != dictation.priority:
        dictation.priority = changes["priority"] = priority
    if changes:
        dictation.record("details_changed", actor_id=actor.user_id, now=now, **changes)
        session.flush()
        patient = session.get(Patient, dictation.patient_id) if dictation.patient_id else None
        items.sync_details(session, actor=actor, dictation=dictation, patient=patient, now=now)
        session.flush()
    return dictation


def retry_transcription(session: Session, *, actor: Actor, dictation_id: int,
                        now: datetime | None = None) -> TranscriptionState:
    """Ask for the draft again after the job gave up (or never ran)."""
    now = now or utcnow()
    dictation = for_change(session, actor=actor, dictation_id=dictation_id, now=now)
    if not (is_writer(actor) or is_author(actor, dictation)):
        raise Forbidden(_("Din roll kan inte starta taligenkänning."))
    if dictation.status != S.DICTATED or dictation.draft_text is not None:
        raise TransitionError(_("Diktatet väntar inte på något utkast."), code="draft_not_needed")
    state = transcription_state(session, dictation_id=dictation.id)
    if state.status in ("queued", "retrying", "running"):
        return state
    runner.defer(session, dictation_jobs.TRANSCRIBE,
                 dedupe_key=dictation_jobs.dedupe_key(dictation.id), dictation_id=dictation.id)
    dictation.record("transcription_requested", actor_id=actor.user_id, now=now)
    session.flush()
    return transcription_state(session, dictation_id=dictation.id)
