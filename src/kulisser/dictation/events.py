"""What dictation tells other domains: a note was signed (kulisser.events; ids only, no text)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from kulisser.events import Event
from kulisser.staff.service import Actor


@dataclass(frozen=True, kw_only=True)
class NoteSigned(Event):
    """The author signed a note (its first version); a subscriber reads the text through the
    access check if it needs it."""

    dictation_id: int
    actor: Actor  # the signer
    at: datetime
    unit_id: int
    patient_id: int
    author_id: int | None
    note_type: str  # the note type's code ("visit", ...)
    note_date: date  # the day the note was dictated, in Swedish time (the visit's day)
