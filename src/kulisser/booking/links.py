"""Booking's calls into the waiting list and the letters, imported late (either may be absent)."""

from __future__ import annotations

import importlib
from datetime import date, datetime
from types import ModuleType
from typing import Any

from sqlalchemy.orm import Session

from kulisser.errors import ValidationFailed
from kulisser.i18n import _
from kulisser.staff.actor import Actor

WAITLIST = "kulisser.waitlist.service"
LETTERS = "kulisser.letters.service"


def _module(name: str) -> ModuleType | None:
    """The module, or None where its package is not installed (a broken import still raises)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name in (name, name.rsplit(".", 1)[0]):
            return None
        raise


def waitlist_entry(session: Session, *, actor: Actor, entry_id: int) -> Any:
    """The waiting-list entry (access-checked by the waitlist service), for its patient."""
    waitlist = _module(WAITLIST)
    if waitlist is None:
        raise ValidationFailed({"waitlist_entry_id": _("Väntelistan finns inte i den här installationen.")})
    return waitlist.get_entry(session, actor=actor, entry_id=entry_id)


def lock_waiting(session: Session, entry: Any) -> None:
    """Lock the entry's row and make sure it still waits (two bookings from one entry at once)."""
    session.refresh(entry, with_for_update=True)
    if entry.status != "waiting":
        raise ValidationFailed({"waitlist_entry_id": _("Patienten bokades nyss från den här posten "
                                "av någon annan.")})


def end_wait(session: Session, *, actor: Actor, entry_id: int, visit_date: date,
             now: datetime | None = None) -> None:
    """End the entry's wait on the visit date (the care guarantee counts to the visit)."""
    waitlist = _module(WAITLIST)
    if waitlist is None:
        raise ValidationFailed({"waitlist_entry_id": _("Väntelistan finns inte i den här installationen.")})
    waitlist.end_wait(session, actor=actor, entry_id=entry_id, visit_date=visit_date, now=now)


def reopen_wait(session: Session, *, actor: Actor, entry_id: int, visit_date: date, reason: str,
                now: datetime | None = None) -> bool:
    """The visit booked from an entry fell through: the patient waits again (if still booked for it)."""
    waitlist = _module(WAITLIST)
    if waitlist is None:
        return False
    entry = waitlist.get_entry(session, actor=actor, entry_id=entry_id)
    # Only the wait this visit ended: not one booked again since, nor one already closed.
    if entry.status != "booked" or entry.end_date != visit_date:
        return False
    waitlist.reopen_entry(session, actor=actor, entry_id=entry_id, reason=reason, now=now)
    return True


def waiting_entries(session: Session, *, actor: Actor, limit: int | None = 50,
                    object_type: str | None = "booking_waitlist", now: datetime | None = None) -> list[Any]:
    """The unit's waiting entries by urgency (rows with .entry, .patient, .figures).

    Each patient shown is logged; object_type None shows nothing to anyone and logs nothing.
    """
    waitlist = _module(WAITLIST)
    if waitlist is None:
        return []
    return list(waitlist.list_entries(session, actor=actor, f=waitlist.WaitlistFilter(status="waiting"),
                                      limit=limit, object_type=object_type, now=now))


def booking_changed(session: Session, *, actor: Actor, appointment_id: int, change: str) -> None:
    """Tell the letters package (if installed) that a visit was booked, rebooked or cancelled."""
    letters = _module(LETTERS)
    hook = getattr(letters, "on_booking_change", None) if letters is not None else None
    if hook is not None:
        hook(session, actor=actor, appointment_id=appointment_id, change=change)


def visit_letters(session: Session, *, actor: Actor, appointment_id: int) -> list[Any]:
    """The letters made for a visit with their printed text (empty without the letters package)."""
    letters = _module(LETTERS)
    read = getattr(letters, "visit_letters", None) if letters is not None else None
    return list(read(session, actor=actor, appointment_id=appointment_id)) if read is not None else []
