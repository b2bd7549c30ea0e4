"""A waiting-list entry's statuses, with their Swedish labels."""

from __future__ import annotations

from enum import StrEnum

from kulisser.i18n import N_


class EntryStatus(StrEnum):
    """Where a wait stands."""

    WAITING = "waiting"
    BOOKED = "booked"
    DONE = "done"
    REMOVED = "removed"


STATUS_LABELS = {
    EntryStatus.WAITING: N_("Väntar"),
    EntryStatus.BOOKED: N_("Bokad"),
    EntryStatus.DONE: N_("Genomförd"),
    EntryStatus.REMOVED: N_("Borttagen"),
}
ACTIVE_STATUSES = (EntryStatus.WAITING.value, EntryStatus.BOOKED.value)
