"""What letters tell other domains: a letter went out (kulisser.events).

Published inside the transaction that marks the letter sent (by hand, by the print run or
the digital mailbox); a subscriber that fails rolls the sending back with it. The event
carries plain values, so a subscriber needs nothing from letters but this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kulisser.events import Event
from kulisser.staff.service import Actor


@dataclass(frozen=True, kw_only=True)
class LetterSent(Event):
    """A letter was marked sent."""

    letter_id: int
    kind: str  # letters.states.LetterKind's value
    patient_id: int
    unit_id: int
    actor: Actor
    at: datetime
