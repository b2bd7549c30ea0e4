"""Record requests: loading one through the access check; the rest of the service grows here.

Every read and write of a request goes through ``get_request`` or ``for_change``: the one
access check (audit.service.check) with its audit row, allowed or refused. A request of
another care unit is refused even where that unit also has a care relation with the patient:
a unit's releases are its own decisions.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.errors import NotFound
from kulisser.i18n import _
from kulisser.records.models import RecordRequest
from kulisser.staff.service import Actor

OBJECT_TYPE = "record_request"


def check(session: Session, *, actor: Actor, request: RecordRequest, action: str,
          now: datetime) -> None:
    """The access check and audit row for one read or write of a request."""
    audit.check(session, actor=actor, record=request, object_type=OBJECT_TYPE, action=action,
                current_unit=True, reason=_("Begäran hör till en annan vårdenhet."), now=now)


def _load(session: Session, request_id: int, *, lock: bool = False) -> RecordRequest:
    request = session.get(RecordRequest, request_id,
                          with_for_update={"of": RecordRequest} if lock else None,
                          populate_existing=lock)
    if request is None:
        raise NotFound(_("Begäran finns inte."))
    return request


def get_request(session: Session, *, actor: Actor, request_id: int, action: str = "read",
                now: datetime | None = None) -> RecordRequest:
    """Load a request after the access check (which writes the audit row)."""
    request = _load(session, request_id)
    check(session, actor=actor, request=request, action=action, now=now or utcnow())
    return request


def for_change(session: Session, *, actor: Actor, request_id: int,
               now: datetime) -> RecordRequest:
    """Load a request for a change: row-locked, access-checked, logged as an update."""
    request = _load(session, request_id, lock=True)
    check(session, actor=actor, request=request, action="update", now=now)
    return request
