"""The signature: the author signs the note, or corrects a signed one with a new version.

service.py re-exports these; other packages use them through it. Each loads the dictation
through the service's `for_change` (row lock, access check, audit row) and asks `require`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kulisser import events, workdays
from kulisser.db import utcnow
from kulisser.dictation import items
from kulisser.dictation.events import NoteSigned
from kulisser.dictation.models import Dictation, NoteVersion
from kulisser.dictation.states import Action
from kulisser.staff.service import Actor


def sign(session: Session, *, actor: Actor, dictation_id: int, now: datetime | None = None
         ) -> NoteVersion:
    """The author signs: who and when are recorded, version 1 is kept, the text is locked."""
    # Imported here: the service re-exports this module's operations (an import cycle).
    from kulisser.dictation import service as dictations

    now = now or utcnow()
    dictation = dictations.for_change(session, actor=actor, dictation_id=dictation_id, now=now)
    dictations.require(actor, dictation, Action.SIGN)
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
    # Imported here: the service re-exports this module's operations (an import cycle).
    from kulisser.dictation import service as dictations

    now = now or utcnow()
    dictation = dictations.for_change(session, actor=actor, dictation_id=dictation_id, now=now)
    dictations.require(actor, dictation, Action.CORRECT)
    version = dictation.correct(actor_id=actor.user_id, text=text, reason=reason, now=now)
    session.flush()
    return version
