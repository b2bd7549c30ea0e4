"""The dictation lists: the unit's queue with filters, and an author's own list.

Every patient a list shows is logged (one "list" audit row each, as for the worklist).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.dictation.models import Dictation, NoteType
from kulisser.dictation.states import CLOSED_STATUSES, OPEN_STATUSES, DictationStatus
from kulisser.errors import ValidationFailed
from kulisser.i18n import _
from kulisser.staff.service import Actor
from kulisser.worklist.service import PRIORITY_ORDER, Priority

# Status filters of the lists: groups, or any single status.
STATUS_GROUPS: dict[str, tuple[DictationStatus, ...]] = {
    "open": OPEN_STATUSES,
    # What the secretaries have to do (not waiting for the author).
    "to_write": (DictationStatus.DICTATED, DictationStatus.DRAFT_READY, DictationStatus.IN_REVIEW),
    "closed": CLOSED_STATUSES,
    "all": tuple(DictationStatus),
    **{s.value: (s,) for s in DictationStatus},
}
_PRIORITY_RANK = case({p.value: rank for p, rank in PRIORITY_ORDER.items()},
                      value=Dictation.priority, else_=len(PRIORITY_ORDER))


@dataclass(frozen=True)
class DictationFilter:
    """What a list asks for; every field narrows it."""

    status: str = "open"
    author_id: int | None = None
    patient_id: int | None = None
    priority: str | None = None
    note_type: str | None = None  # a note type code
    unmatched: bool | None = None  # True: only imports without patient or author
    limit: int = 50
    offset: int = 0


def _statement(f: DictationFilter, *, unit_id: int) -> Select[tuple[Dictation]]:
    errors: dict[str, str] = {}
    if f.status not in STATUS_GROUPS:
        errors["status"] = _("Okänd status.")
    if f.priority is not None and f.priority not in {p.value for p in Priority}:
        errors["priority"] = _("Okänd prioritet.")
    if not 1 <= f.limit <= 200 or f.offset < 0:
        errors["limit"] = _("Ange 1–200 rader och en förskjutning från 0.")
    if errors:
        raise ValidationFailed(errors)
    stmt = select(Dictation).where(Dictation.unit_id == unit_id,
                                   Dictation.status.in_([s.value for s in STATUS_GROUPS[f.status]]))
    if f.author_id is not None:
        stmt = stmt.where(Dictation.author_id == f.author_id)
    if f.patient_id is not None:
        stmt = stmt.where(Dictation.patient_id == f.patient_id)
    if f.priority is not None:
        stmt = stmt.where(Dictation.priority == f.priority)
    if f.note_type:
        stmt = stmt.where(Dictation.note_type_id.in_(select(NoteType.id).where(
            NoteType.code == f.note_type)))
    if f.unmatched is True:
        stmt = stmt.where((Dictation.patient_id.is_(None)) | (Dictation.author_id.is_(None)))
    elif f.unmatched is False:
        stmt = stmt.where(Dictation.patient_id.is_not(None), Dictation.author_id.is_not(None))
    # Most urgent first, then oldest first: the order a queue is worked in.
    return stmt.order_by(_PRIORITY_RANK, Dictation.uploaded_at, Dictation.id)


def list_dictations(session: Session, *, actor: Actor, filter: DictationFilter) -> list[Dictation]:
    """The actor's unit's dictations matching the filter; each patient shown is logged."""
    found = list(session.scalars(_statement(filter, unit_id=actor.unit_id)
                                 .limit(filter.limit).offset(filter.offset)))
    audit.log_listing(session, actor=actor, object_type="dictation_list",
                      patient_ids=[d.patient_id for d in found if d.patient_id is not None])
    return found


def count_dictations(session: Session, *, actor: Actor, filter: DictationFilter) -> int:
    """How many dictations of the actor's unit match the filter (no patient is shown)."""
    stmt = _statement(filter, unit_id=actor.unit_id).order_by(None)
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def list_for_author(session: Session, *, actor: Actor, status: str = "awaiting_signature",
                    limit: int = 50, offset: int = 0) -> list[Dictation]:
    """The actor's own dictations in the current unit (by default: waiting for their signature)."""
    return list_dictations(session, actor=actor, filter=DictationFilter(
        status=status, author_id=actor.user_id, limit=limit, offset=offset))
