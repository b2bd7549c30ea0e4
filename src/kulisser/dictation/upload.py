"""New dictations: uploads (page, API) and files from a recorder's folder drop."""

from __future__ import annotations

from datetime import datetime
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.db import utcnow
from kulisser.dictation import catalog, items
from kulisser.dictation import jobs as dictation_jobs
from kulisser.dictation.models import Dictation, NoteType
from kulisser.dictation.states import DictationStatus
from kulisser.dictation.storage import AudioStore
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.files import display_filename
from kulisser.i18n import _
from kulisser.jobs import runner
from kulisser.patients.service import Patient
from kulisser.staff.service import Actor, Role, UnitMembership, User
from kulisser.worklist.service import Priority


def clinician(session: Session, *, unit_id: int, user_id: int) -> User | None:
    """The user if an active clinician of the unit."""
    return session.scalar(select(User).join(UnitMembership, UnitMembership.user_id == User.id).where(
        User.id == user_id, UnitMembership.unit_id == unit_id, User.active.is_(True),
        User.role == Role.CLINICIAN.value))


def _author_for_upload(session: Session, *, actor: Actor, author_id: int | None,
                       errors: dict[str, str]) -> int | None:
    if actor.role == Role.CLINICIAN:
        if author_id not in (None, actor.user_id):
            errors["author_id"] = _("Du kan bara ladda upp dina egna diktat.")
        return actor.user_id
    if author_id is None:
        errors["author_id"] = _("Välj vilken läkare som dikterat.")
    elif clinician(session, unit_id=actor.unit_id, user_id=author_id) is None:
        errors["author_id"] = _("Diktatören ska vara läkare/vårdpersonal på enheten.")
    return author_id


def check_priority(value: str, errors: dict[str, str]) -> str:
    """Add a field error for an unknown priority; return the value."""
    if value not in {p.value for p in Priority}:
        errors["priority"] = _("Okänd prioritet.")
    return value


def upload_dictation(session: Session, *, actor: Actor, store: AudioStore, audio: BinaryIO,
                     filename: str, patient_id: int, note_type: str,
                     priority: str = Priority.NORMAL.value, author_id: int | None = None,
                     replaces_id: int | None = None, now: datetime | None = None) -> Dictation:
    """Store a recording as a new dictation in the unit's queue and ask for its draft.

    A clinician uploads their own dictations; a secretary uploads on an author's behalf
    (author_id). The audio is checked and placed under its hash before this returns (so
    before the caller commits); bad audio raises ValidationFailed({"audio": ...}) and
    nothing is stored. replaces_id names an unusable dictation this one records again.
    """
    # Imported here: the service re-exports this module's uploads (an import cycle).
    from kulisser.dictation import service as dictations

    now = now or utcnow()
    errors: dict[str, str] = {}
    if actor.role not in (Role.CLINICIAN, *dictations.WRITER_ROLES, Role.ADMIN):
        raise Forbidden(_("Din roll kan inte ladda upp diktat."))
    author = _author_for_upload(session, actor=actor, author_id=author_id, errors=errors)
    kind = catalog.find_note_type(session, unit_id=actor.unit_id, value=note_type)
    if kind is None:
        errors["note_type"] = _("Välj en anteckningstyp.")
    check_priority(priority, errors)
    patient = session.get(Patient, patient_id)
    if patient is None:
        errors["patient_id"] = _("Patienten finns inte.")
    replaced = None
    if replaces_id is not None:
        replaced = session.get(Dictation, replaces_id)
        if (replaced is None or replaced.unit_id != actor.unit_id
                or replaced.status != DictationStatus.UNUSABLE or replaced.patient_id != patient_id):
            errors["replaces_id"] = _("Det ersatta diktatet ska vara ett oanvändbart diktat om samma "
                                      "patient.")
    if errors:
        raise ValidationFailed(errors)
    assert kind is not None and patient is not None
    return _create(session, actor=actor, store=store, audio=audio, filename=filename,
                   patient=patient, author_id=author, note_type=kind, priority=priority,
                   source="upload", import_note=None, replaced=replaced, now=now)


def import_dictation(session: Session, *, actor: Actor, store: AudioStore, audio: BinaryIO,
                     filename: str, patient_id: int | None, author_id: int | None,
                     note_type: NoteType | None, priority: str, import_note: str | None,
                     now: datetime | None = None) -> Dictation:
    """Store a file from a recorder's folder drop; patient and author may be unknown.

    An unmatched file still becomes a dictation in the unit's queue, titled with what is
    missing, for a secretary to match with set_details. The importer has checked the ids.
    """
    now = now or utcnow()
    patient = session.get(Patient, patient_id) if patient_id is not None else None
    kind = note_type or catalog.default_note_type(session, unit_id=actor.unit_id)
    return _create(session, actor=actor, store=store, audio=audio, filename=filename,
                   patient=patient, author_id=author_id, note_type=kind, priority=priority,
                   source="import", import_note=import_note, replaced=None, now=now)


def _create(session: Session, *, actor: Actor, store: AudioStore, audio: BinaryIO, filename: str,
            patient: Patient | None, author_id: int | None, note_type: NoteType, priority: str,
            source: str, import_note: str | None, replaced: Dictation | None,
            now: datetime) -> Dictation:
    with store.receive(audio) as staged:
        dictation = Dictation(
            unit_id=actor.unit_id, patient_id=patient.id if patient else None, author_id=author_id,
            note_type=note_type, priority=priority, audio_sha256=staged.sha256,
            audio_format=staged.format, audio_media_type=staged.media_type,
            audio_duration_s=round(staged.duration_s, 3), audio_size=staged.size,
            original_filename=display_filename(filename), source=source, import_note=import_note,
            replaces_id=replaced.id if replaced else None, uploaded_by_id=actor.user_id,
            uploaded_at=now, updated_at=now)
        session.add(dictation)
        dictation.record("uploaded", actor_id=actor.user_id, now=now, to_status=dictation.status,
                         source=source, duration_s=dictation.audio_duration_s)
        session.flush()
        # Imported here: the service re-exports this module's uploads (an import cycle).
        from kulisser.dictation import service as dictations

        dictations.check(session, actor=actor, dictation=dictation, action="create",
                         object_type="dictation", now=now)
        minutes, seconds = divmod(round(staged.duration_s), 60)
        description = f"Inspelning {minutes} min {seconds} s."
        if import_note:
            description += f"\n{import_note}"
        items.create(session, actor=actor, dictation=dictation, kind=items.DICTATION.code,
                     title=items.dictation_title(dictation, patient),
                     patient_id=dictation.patient_id, description=description, now=now)
        if replaced is not None:
            items.complete(session, actor=actor, dictation_id=replaced.id, kind=items.REDO.code,
                           now=now)
            replaced.record("replaced", actor_id=actor.user_id, now=now, by=dictation.id)
        runner.defer(session, dictation_jobs.TRANSCRIBE, dedupe_key=dictation_jobs.dedupe_key(
            dictation.id), dictation_id=dictation.id)
        # Last: the audio is in place before the caller commits the row that points at it.
        staged.place()
    return dictation
