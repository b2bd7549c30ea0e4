"""No lost update: the version of an item that a user saw, and who changed it since.

Every UPDATE of a work item is a compare-and-set on its version column (the mapper's
version_id_col): the row is written only where it still has the version that was read, and
the version goes up by one. An action also names the version the user saw (a form's hidden
field, an API client's If-Match); an action on an older version is refused with who did what.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from kulisser.db import utcnow
from kulisser.i18n import _
from kulisser.staff import service as staff
from kulisser.worklist.models import WorkItem
from kulisser.worklist.states import (
    STATUS_LABELS,
    Operation,
    Status,
    TransitionError,
    check_transition,
)

TZ = ZoneInfo("Europe/Stockholm")


class StaleItem(TransitionError):
    """The item changed after the user saw it; .message says who did what, .version is now."""

    def __init__(self, message: str, *, version: int | None = None) -> None:
        super().__init__(message, code="stale")
        self.version = version
        self.status = 409  # the API answers a failed If-Match with 412
        self.etag: str | None = None


def etag(item: WorkItem) -> str:
    """The item's entity tag for HTTP (strong: it changes with every change of the item)."""
    return f'"{item.version}"'


def parse_if_match(header: str | None) -> int | str | None:
    """The version an If-Match header names: None (no header), "*" (any), or an int.

    A list of tags matches its first version tag; a malformed one is the client's error.
    """
    if header is None or not header.strip():
        return None
    tags = [t.strip() for t in header.split(",")]
    if "*" in tags:
        return "*"
    for tag in tags:
        tag = tag.removeprefix("W/").strip('"')
        if tag.isdigit():
            return int(tag)
    raise ValueError(header)


def _when(at: datetime, now: datetime) -> str:
    local = at.astimezone(TZ)
    if local.date() == now.astimezone(TZ).date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def describe_last_change(session: Session, item: WorkItem, *, now: datetime | None = None) -> str:
    """Who did what to the item last, in Swedish with Swedish time ("Ärendet togs av Anna Lind 10:42")."""
    if not item.events:
        return _("Ärendet har ändrats sedan du öppnade det.")
    e = item.events[-1]
    ids = {i for i in (e.actor_id, e.data.get("to_owner")) if isinstance(i, int)}
    names = staff.user_names(session, ids)
    who = names.get(e.actor_id, _("systemet")) if e.actor_id is not None else _("systemet")
    when = _when(e.at, now or utcnow())
    to = e.data.get("to_owner")
    target = names.get(to, "") if isinstance(to, int) else _("enhetens kö")
    match e.type:
        case "claimed":
            return _("Ärendet togs av {who} {when}.", who=who, when=when)
        case "assigned":
            return _("Ärendet tilldelades {target} av {who} {when}.", target=target, who=who, when=when)
        case "handed_over":
            return _("Ärendet lämnades över till {target} av {who} {when}.", target=target, who=who,
                     when=when)
        case "status_changed" if e.to_status:
            label = _(STATUS_LABELS.get(Status(e.to_status), e.to_status))
            return _("Ärendet fick status ”{label}” av {who} {when}.", label=label, who=who, when=when)
        case "commented":
            return _("Ärendet fick en kommentar av {who} {when}.", who=who, when=when)
        case "due_changed":
            return _("Ärendets förfallotid ändrades av {who} {when}.", who=who, when=when)
    return _("Ärendet ändrades av {who} {when}.", who=who, when=when)


def check_version(session: Session, item: WorkItem, *, expected_version: int | None,
                  actor_id: int, claim: bool = False, now: datetime | None = None) -> None:
    """Refuse an action on another version than the user saw; without one, a claim only
    succeeds on an unowned item (or the actor's own)."""
    # Load the history now: the operation appends to it, and a lazy load then would autoflush
    # the half-made change outside compare_and_set.
    _ = len(item.events)
    if expected_version is not None and item.version != expected_version:
        raise StaleItem(describe_last_change(session, item, now=now), version=item.version)
    if claim and expected_version is None and item.owner_id not in (None, actor_id):
        check_transition(item.status, Operation.CLAIM)  # a closed item: say that first
        raise StaleItem(describe_last_change(session, item, now=now), version=item.version)


@contextmanager
def compare_and_set() -> Iterator[None]:
    """Turn a lost compare-and-set (someone wrote the row in between) into StaleItem.

    The session must be rolled back before the item is read again: the caller does that and
    describes the change with describe_last_change.
    """
    try:
        yield
    except StaleDataError:
        raise StaleItem(_("Ärendet ändrades av någon annan samtidigt.")) from None
