"""The dictation lists: the unit's queue with filters, and an author's own list.

Every patient a list shows is logged (one "list" audit row each, as for the worklist).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.dictation.jobs import TranscriptionState, transcription_state
from kulisser.dictation.models import Dictation, NoteType
from kulisser.dictation.states import CLOSED_STATUSES, OPEN_STATUSES, DictationStatus
from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.patients.service import Patient
from kulisser.staff import service as staff
from kulisser.staff.service import Actor
from kulisser.worklist import service as worklist
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


# The transcription states that change by themselves (the page polls while one is shown).
PENDING = ("queued", "retrying", "running")
# Status filters of the queue page, in menu order.
QUEUE_FILTERS: dict[str, str] = {
    "to_write": N_("Att skriva"),
    "returned": N_("Fråga till diktatören"),
    "awaiting_signature": N_("Väntar på signering"),
    "open": N_("Alla öppna"),
    "closed": N_("Avslutade"),
}
QUEUE_SORTS: dict[str, str] = {"due": N_("Förfallotid"), "priority": N_("Prioritet"),
                               "age": N_("Äldst först")}


def age(since: datetime, now: datetime) -> str:
    """How long ago, short and Swedish ("40 min", "5 tim", "3 d")."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return _("{n} min", n=minutes)
    if minutes < 48 * 60:
        return _("{n} tim", n=minutes // 60)
    return _("{n} d", n=minutes // (24 * 60))


@dataclass
class QueueRow:
    """One dictation in the queue with what the row shows."""

    d: Dictation
    patient: Patient | None
    author: str
    due_at: datetime | None
    overdue: bool
    state: TranscriptionState | None  # only where the draft is still awaited
    age: str


def _due_dates(session: Session, ids: list[int]) -> dict[int, datetime]:
    """The earliest due time of each dictation's open work items, one query."""
    if not ids:
        return {}
    item = worklist.open_items_subquery(ref_type="dictation")
    rows = session.execute(select(item.c.ref_id, item.c.due_at).where(
        item.c.ref_id.in_(ids))).tuples().all()
    due: dict[int, datetime] = {}
    for ref_id, when in rows:
        if ref_id is not None and when is not None and (ref_id not in due or when < due[ref_id]):
            due[ref_id] = when
    return due


def queue_rows(session: Session, found: list[Dictation], *, now: datetime, sort: str) -> list[QueueRow]:
    """Rows for the listed dictations (patients, authors, due times and draft states)."""
    ids = [d.id for d in found]
    pids = {d.patient_id for d in found if d.patient_id is not None}
    patients = ({p.id: p for p in session.scalars(select(Patient).where(Patient.id.in_(pids)))}
                if pids else {})
    names = staff.user_names(session, {d.author_id for d in found if d.author_id is not None})
    due = _due_dates(session, ids)
    rows = []
    for d in found:
        state = None
        if d.status == DictationStatus.DICTATED and d.draft_text is None:
            state = transcription_state(session, dictation_id=d.id)
        when = due.get(d.id)
        rows.append(QueueRow(d=d, patient=patients.get(d.patient_id) if d.patient_id else None,
                             author=names.get(d.author_id, "") if d.author_id else "",
                             due_at=when, overdue=when is not None and when < now, state=state,
                             age=age(d.uploaded_at, now)))
    far = datetime.max.replace(tzinfo=now.tzinfo)
    if sort == "due":
        rows.sort(key=lambda r: (r.due_at or far, r.d.uploaded_at, r.d.id))
    elif sort == "age":
        rows.sort(key=lambda r: (r.d.uploaded_at, r.d.id))
    # "priority": the query's own order (most urgent, then oldest).
    return rows
