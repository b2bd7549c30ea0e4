"""One document of a patient's record as text, the form in which each domain hands its
documents to a record copy (kulisser.records.documents). Shared by every domain's service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Stockholm")


@dataclass(frozen=True)
class RecordText:
    """A document as it reads in the record: where it comes from, its title, date and text."""

    source: str  # note, result, referral, referral_reply, outgoing_referral, letter, booking
    source_id: int
    source_version: int
    title: str
    date: date | None
    text: str

    @property
    def key(self) -> tuple[str, int, int]:
        """What identifies the document (and a pick of it)."""
        return (self.source, self.source_id, self.source_version)


def local_day(value: datetime | None) -> date | None:
    """The Swedish calendar day of a moment."""
    return value.astimezone(TZ).date() if value is not None else None


def local_time(value: datetime | None) -> str:
    """A moment as Swedish wall-clock time, YYYY-MM-DD HH:MM."""
    return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if value is not None else ""
