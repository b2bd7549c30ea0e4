"""What a domain does to the work items of its records: find, close, hold, resume, start, move.

Domain packages call these through `kulisser.worklist.service` (which re-exports them) when
their own record moves: a signed dictation completes its signature item, a referral waiting
for the sender holds its assessment. Each goes through the item's own methods, so the
transition is checked and the history row written as for the worklist's generic operations;
the access check is the caller's, made on the record itself in the same transaction (opening
an item, `service.open_item`, writes the item's own audit row; a job's move, without a user,
writes the system's). None of them commits, and only the bulk opening writes at once (the
others leave their changes to the caller's flush).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import EllipsisType
from typing import Any, Protocol, cast

from sqlalchemy import Subquery, Table, bindparam, insert, select
from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.staff.service import Actor
from kulisser.worklist.kinds import get_kind
from kulisser.worklist.models import DeadlineRule, WorkItem, WorkItemEvent
from kulisser.worklist.states import OPEN_STATUSES, Priority, Status

_OPEN = frozenset(s.value for s in OPEN_STATUSES)


# Built once (values bound by name): every new item asks it.
_RULE_HOURS = select(DeadlineRule.hours).where(
    DeadlineRule.unit_id == bindparam("unit_id"),
    DeadlineRule.kind == bindparam("kind"),
    DeadlineRule.priority == bindparam("priority"),
)


def deadline_hours(session: Session, *, unit_id: int, kind: str, priority: str) -> int:
    """Hours allowed for a kind at a priority: the unit's rule, else the kind's default."""
    # No autoflush: set_rule flushes its change itself, and the caller's pending rows (an audit
    # row, say) go out with the item's in one flush. On the connection: no ORM execution path.
    hours = session.connection().execute(
        _RULE_HOURS, {"unit_id": unit_id, "kind": kind, "priority": priority}).scalar()
    if hours is not None:
        return hours
    return get_kind(kind).default_hours[Priority(priority)]


def rule_due(session: Session, *, item: WorkItem, now: datetime) -> datetime:
    """A fresh due time for the item from now, by its unit's rule for its kind and priority."""
    return now + timedelta(hours=deadline_hours(session, unit_id=item.unit_id, kind=item.kind,
                                                priority=item.priority))


def _kinds(kind: str | Collection[str] | None) -> frozenset[str] | None:
    if kind is None:
        return None
    return frozenset((kind,)) if isinstance(kind, str) else frozenset(kind)


def items_for_ref(session: Session, *, ref_type: str, ref_id: int) -> list[WorkItem]:
    """The work items that point at a record, open or closed, oldest first."""
    return list(session.scalars(select(WorkItem).where(
        WorkItem.ref_type == ref_type, WorkItem.ref_id == ref_id).order_by(WorkItem.id)))


def open_items(session: Session, *, ref_type: str, ref_id: int,
               kind: str | Collection[str] | None = None) -> list[WorkItem]:
    """A record's open work items (of one kind, or of several), oldest first."""
    kinds = _kinds(kind)
    # Filtered here rather than in SQL: an item changed earlier in this transaction is judged
    # by its state in memory, whatever has been flushed.
    return [i for i in items_for_ref(session, ref_type=ref_type, ref_id=ref_id)
            if i.status in _OPEN and (kinds is None or i.kind in kinds)]


def open_items_for(session: Session, *, ref_type: str, ref_ids: Collection[int],
                   kind: str | Collection[str] | None = None) -> dict[int, list[WorkItem]]:
    """The open work items of many records in one query, by record id, oldest first."""
    if not ref_ids:
        return {}
    stmt = select(WorkItem).where(WorkItem.ref_type == ref_type,
                                  WorkItem.ref_id.in_(list(ref_ids)),
                                  WorkItem.status.in_(sorted(_OPEN)))
    kinds = _kinds(kind)
    if kinds is not None:
        stmt = stmt.where(WorkItem.kind.in_(sorted(kinds)))
    found: dict[int, list[WorkItem]] = {}
    for item in session.scalars(stmt.order_by(WorkItem.id)):
        if item.ref_id is not None:
            found.setdefault(item.ref_id, []).append(item)
    return found


def open_items_subquery(*, ref_type: str, kind: str | Collection[str] | None = None) -> Subquery:
    """The open items of a record type as a subquery (id, ref_id, kind, owner_id, due_at), for
    a domain's list that joins, filters or sorts its records by their open item."""
    stmt = select(WorkItem.id, WorkItem.ref_id, WorkItem.kind, WorkItem.owner_id,
                  WorkItem.due_at).where(WorkItem.ref_type == ref_type,
                                         WorkItem.status.in_(sorted(_OPEN)))
    kinds = _kinds(kind)
    if kinds is not None:
        stmt = stmt.where(WorkItem.kind.in_(sorted(kinds)))
    return stmt.subquery("open_item")


def open_items_of_patients(session: Session, *, patient_ids: Collection[int],
                           unit_ids: Collection[int]) -> dict[int, list[WorkItem]]:
    """The open items of the listed patients in the given units, by patient, most due first
    (one query; the caller checked access)."""
    found: dict[int, list[WorkItem]] = {pid: [] for pid in patient_ids}
    if not patient_ids:
        return found
    for item in session.scalars(
        select(WorkItem).where(WorkItem.patient_id.in_(list(patient_ids)),
                               WorkItem.unit_id.in_(list(unit_ids)),
                               WorkItem.status.in_(sorted(_OPEN)))
        .order_by(WorkItem.due_at, WorkItem.id)
    ):
        if item.patient_id is not None:
            found[item.patient_id].append(item)
    return found


def close_items(session: Session, *, items: Iterable[WorkItem], actor_id: int | None,
                now: datetime, reason: str = "", cancel: bool = False) -> None:
    """Close the items because their record moved on: complete them (one on hold is resumed
    first, so its history shows both), or with cancel=True cancel them (a reason is needed)."""
    for item in items:
        if cancel:
            item.cancel(actor_id=actor_id, reason=reason, now=now)
            continue
        if item.status == Status.ON_HOLD:
            item.resume(actor_id=actor_id, now=now)
        item.complete(actor_id=actor_id, now=now, reason=reason)


def hold_items(session: Session, *, items: Iterable[WorkItem], actor_id: int | None, reason: str,
               now: datetime) -> None:
    """Put the items on hold with a reason (the record waits for someone); held ones stay."""
    for item in items:
        if item.status != Status.ON_HOLD:
            item.hold(actor_id=actor_id, reason=reason, now=now)


def resume_items(session: Session, *, items: Iterable[WorkItem], actor_id: int | None,
                 now: datetime) -> None:
    """Take the items that are on hold off hold, back to where they were."""
    for item in items:
        if item.status == Status.ON_HOLD:
            item.resume(actor_id=actor_id, now=now)


def start_items(session: Session, *, items: Iterable[WorkItem], actor_id: int, now: datetime) -> None:
    """Begin work on the items not yet begun (an unowned one becomes the actor's)."""
    for item in items:
        if item.status in (Status.REQUESTED, Status.ACCEPTED):
            item.start(actor_id=actor_id, now=now)


def move_item(session: Session, *, item: WorkItem, actor_id: int | None, now: datetime,
              reason: str, due_at: datetime | None = None, unit_id: int | None = None,
              system_reason: str = "") -> bool:
    """Give the item a new due time and/or another unit (whose queue it joins, unowned), with
    the reason in its history; whether anything changed. A job's move (no actor) is logged as
    the system's act on the patient's data, with system_reason."""
    if due_at is not None and due_at.tzinfo is None:
        raise ValueError("due_at must be timezone-aware")  # a programming error, not the user's
    moved = False
    if unit_id is not None and unit_id != item.unit_id:
        before, owner = item.unit_id, item.owner_id
        item.unit_id, item.owner_id = unit_id, None
        item.record("unit_changed", actor_id=actor_id, now=now, reason=reason.strip() or None,
                    from_unit=before, to_unit=unit_id, from_owner=owner)
        moved = True
    if due_at is not None and due_at != item.due_at:
        item.change_due(actor_id=actor_id, due_at=due_at, reason=reason, now=now)
        moved = True
    if moved and actor_id is None:
        if not system_reason:
            raise ValueError("a job's move needs the reason for the system's audit row")
        audit.log_system(session, unit_id=item.unit_id, patient_id=item.patient_id,
                         action="update", object_type="work_item", object_id=item.id,
                         reason=system_reason, now=now)
    return moved


def update_details(session: Session, *, item: WorkItem, actor_id: int | None, now: datetime,
                   patient_id: int | EllipsisType | None = ..., priority: str | None = None,
                   title: str | None = None) -> bool:
    """Bring the item's patient, priority or title in line with its record, recording what
    changed ("details_changed"); whether anything did. Leave a field out to keep it."""
    changes: dict[str, Any] = {}
    if not isinstance(patient_id, EllipsisType) and item.patient_id != patient_id:
        item.patient_id = patient_id
        changes["patient"] = patient_id
    if priority is not None and item.priority != priority:
        item.priority = priority
        changes["priority"] = priority
    if title is not None and item.title != title[:200]:
        item.title = title[:200]
        changes["title"] = item.title
    if changes:
        item.record("details_changed", actor_id=actor_id, now=now,
                    **{k: str(v) for k, v in changes.items()})
    return bool(changes)


def set_owner(session: Session, *, item: WorkItem, actor_id: int, to_user_id: int | None,
              reason: str, now: datetime) -> None:
    """Give an item not yet begun to another user (or the unit's queue) as its record is handed
    over, with the reason in its history (the worklist's hand-over needs a begun item)."""
    previous = item.owner_id
    item.owner_id = to_user_id
    item.record("handed_over", actor_id=actor_id, now=now, reason=reason.strip(),
                from_owner=previous, to_owner=to_user_id)



# -- many at once (an import of a thousand results) -------------------------------------------

@dataclass(frozen=True)
class NewItem:
    """A work item to open in bulk: about a record, in the actor's unit, due by the rule table."""

    kind: str
    title: str
    priority: str
    ref_type: str
    ref_id: int
    patient_id: int | None = None
    owner_id: int | None = None
    description: str = ""


class RowWriter(Protocol):
    """Inserts rows that cannot conflict into a table, the fastest way the database allows."""

    def __call__(self, session: Session, table: Table, rows: list[dict[str, Any]], /) -> None: ...


class IdAllocator(Protocol):
    """Takes n ids from a table's sequence first (None where the INSERT can return them)."""

    def __call__(self, session: Session, table: str, n: int, /) -> list[int] | None: ...


def open_items_bulk(session: Session, *, actor: Actor, items: Sequence[NewItem], now: datetime,
                    write: RowWriter, allocate_ids: IdAllocator) -> dict[int, int]:
    """Open many items at once with the first history rows create_item records (created, and
    assigned where there is an owner); the item id of each record id. The caller writes the
    audit rows of its records (one per record: an import), and brings the writer it uses."""
    hours: dict[tuple[str, str], int] = {}
    rows: list[dict[str, Any]] = []
    for new in items:
        key = (new.kind, Priority(new.priority).value)
        if key not in hours:
            hours[key] = deadline_hours(session, unit_id=actor.unit_id, kind=new.kind,
                                        priority=new.priority)
        rows.append({"kind": new.kind, "patient_id": new.patient_id, "unit_id": actor.unit_id,
                     "owner_id": new.owner_id, "priority": new.priority,
                     "status": Status.REQUESTED.value, "title": new.title[:200],
                     "due_at": now + timedelta(hours=hours[key]), "description": new.description,
                     "ref_type": new.ref_type, "ref_id": new.ref_id, "created_at": now,
                     "created_by_id": actor.user_id, "updated_at": now})
    table = cast(Table, WorkItem.__table__)
    allocated = allocate_ids(session, table.name, len(rows))
    if allocated is None:
        made = dict(session.execute(insert(table).returning(table.c.ref_id, table.c.id),
                                    rows).tuples().all())
    else:
        made = {}
        for row, item_id in zip(rows, allocated, strict=True):
            row["id"] = item_id
            made[row["ref_id"]] = item_id
        write(session, table, rows)
    events: list[dict[str, Any]] = []
    for row in rows:
        base = {"work_item_id": made[row["ref_id"]], "at": now, "actor_id": actor.user_id,
                "from_status": None, "reason": None}
        events.append({**base, "type": "created", "to_status": Status.REQUESTED.value, "data": {}})
        if row["owner_id"] is not None:
            events.append({**base, "type": "assigned", "to_status": None,
                           "data": {"to_owner": row["owner_id"]}})
    write(session, cast(Table, WorkItemEvent.__table__), events)
    return made
