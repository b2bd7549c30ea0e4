"""The one way to a contact: loaded, access-checked and logged (audit.service.check).

A contact of another care unit is refused (403, with its denied audit row) even where that
unit also has a care relation with the patient: a unit codes its own contacts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.coding.models import CareContact
from kulisser.db import utcnow
from kulisser.errors import NotFound
from kulisser.i18n import _
from kulisser.staff.service import Actor

OBJECT_TYPE = "care_contact"


def check(session: Session, *, actor: Actor, contact: CareContact, action: str,
          now: datetime) -> None:
    """The access check and audit row for one read or write of a contact."""
    audit.check(session, actor=actor, record=contact, object_type=OBJECT_TYPE, action=action,
                current_unit=True, reason=_("Vårdkontakten hör till en annan vårdenhet."), now=now)


def _load(session: Session, contact_id: int, *, lock: bool = False) -> CareContact:
    contact = session.get(CareContact, contact_id,
                          with_for_update={"of": CareContact} if lock else None,
                          populate_existing=lock)
    if contact is None:
        raise NotFound(_("Vårdkontakten finns inte."))
    return contact


def get_contact(session: Session, *, actor: Actor, contact_id: int, action: str = "read",
                now: datetime | None = None) -> CareContact:
    """Load a contact after the access check (which writes the audit row)."""
    contact = _load(session, contact_id)
    check(session, actor=actor, contact=contact, action=action, now=now or utcnow())
    return contact


def for_change(session: Session, *, actor: Actor, contact_id: int, now: datetime) -> CareContact:
    """Load a contact for a change: row-locked, access-checked, logged as an update."""
    contact = _load(session, contact_id, lock=True)
    check(session, actor=actor, contact=contact, action="update", now=now)
    return contact
