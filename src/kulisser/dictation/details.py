"""A dictation's details (patient, author, note type, priority) and a new try at its draft.

service.py re-exports these; other packages use them through it. Each loads the dictation
through the service's `for_change` (row lock, access check, audit row).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.dictation import catalog, items, upload
from kulisser.dictation import jobs as dictation_jobs
from kulisser.dictation.jobs import TranscriptionState, transcription_state
from kulisser.dictation.models import Dictation
from kulisser.dictation.states import DictationStatus, is_open
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.i18n import _
from kulisser.jobs import runner
from kulisser.patients.service import Patient
from kulisser.staff.service import Actor
from kulisser.worklist.service import TransitionError


def set_details(session: Session, *, actor: Actor, dictation_id: int, patient_id: int | None = None,
                author_id: int | None = None, note_type: str | None = None,
                priority: str | None = None, now: datetime | None = None) -> Dictation:
    """Match an imported dictation (patient, author) or change its note type or priority.

    Patient and author can only be set where unknown: a dictation about the wrong patient is
    cancelled and uploaded again, so no note ever moves between patients.
    """
    # Imported here: the service re-exports this module's operations (an import cycle).
    from kulisser.dictation import service as dictations

    now = now or utcnow()
    dictation = dictations.for_change(session, actor=actor, dictation_id=dictation_id, now=now)
    if not (dictations.is_writer(actor) or dictations.is_author(actor, dictation)):
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
    # Imported here: the service re-exports this module's operations (an import cycle).
    from kulisser.dictation import service as dictations

    now = now or utcnow()
    dictation = dictations.for_change(session, actor=actor, dictation_id=dictation_id, now=now)
    if not (dictations.is_writer(actor) or dictations.is_author(actor, dictation)):
        raise Forbidden(_("Din roll kan inte starta taligenkänning."))
    if dictation.status != DictationStatus.DICTATED or dictation.draft_text is not None:
        raise TransitionError(_("Diktatet väntar inte på något utkast."), code="draft_not_needed")
    state = transcription_state(session, dictation_id=dictation.id)
    if state.status in ("queued", "retrying", "running"):
        return state
    runner.defer(session, dictation_jobs.TRANSCRIBE,
                 dedupe_key=dictation_jobs.dedupe_key(dictation.id), dictation_id=dictation.id)
    dictation.record("transcription_requested", actor_id=actor.user_id, now=now)
    session.flush()
    return transcription_state(session, dictation_id=dictation.id)
