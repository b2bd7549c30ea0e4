"""Access to waiting-list entries: the PDL access check with its audit row.

Every read or write of an entry goes through `check`. An entry of another care unit than the
actor's current one is refused as a denied access (403 and a "denied" audit row), even where
that unit has a care relation of its own with the patient: a unit's waiting list is its own.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.errors import NotFound
from kulisser.i18n import _
from kulisser.staff.service import Actor
from kulisser.waitlist.models import WaitlistEntry

OBJECT_TYPE = "waitlist_entry"


def check(session: Session, *, actor: Actor, entry: WaitlistEntry, action: str, now: datetime,
          object_type: str = OBJECT_TYPE) -> None:
    """The access check and audit row for one read or write of an entry."""
    audit.check(session, actor=actor, record=entry, object_type=object_type, action=action,
                current_unit=True, reason=_("Väntelistan hör till en annan vårdenhet."), now=now)


def load(session: Session, entry_id: int, *, lock: bool = False) -> WaitlistEntry:
    """Load an entry without any access check (callers check); lock: SELECT ... FOR UPDATE."""
    entry = session.get(WaitlistEntry, entry_id, with_for_update={"of": WaitlistEntry} if lock
                        else None, populate_existing=lock)
    if entry is None:
        raise NotFound(_("Posten på väntelistan finns inte."))
    return entry


def get_entry(session: Session, *, actor: Actor, entry_id: int, action: str = "read",
              now: datetime | None = None) -> WaitlistEntry:
    """Load an entry after the access check (which writes the audit row)."""
    entry = load(session, entry_id)
    check(session, actor=actor, entry=entry, action=action, now=now or utcnow())
    return entry


def for_change(session: Session, *, actor: Actor, entry_id: int, now: datetime) -> WaitlistEntry:
    """Load an entry for a change: row-locked, access-checked, logged as an update."""
    entry = load(session, entry_id, lock=True)
    check(session, actor=actor, entry=entry, action="update", now=now)
    return entry
