"""Who may read or change a dictation: the access check and audit row, the roles' actions.

The operations in service.py load every dictation through `get_dictation` or `for_change`
and ask `require` before a status change; service re-exports what other packages use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.dictation.models import Dictation
from kulisser.dictation.states import Action, allowed_actions
from kulisser.dictation.storage import AudioStore
from kulisser.errors import Forbidden, NotFound
from kulisser.i18n import _
from kulisser.staff.service import Actor, Role

# Secretaries, and unit managers who in small units write too.
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
