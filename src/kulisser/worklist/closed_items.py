"""Work items that are already closed, written in bulk with their history: a unit's past.

For the demo's year of history (``kulisser.stats.demo_history``) and benchmarks: thousands
of items a second, two INSERT statements per batch instead of a unit of work per item. Each
item gets the history the worklist itself would have written: created, claimed by its owner,
any due-time change, any hand-over (``handed_over``, then the new owner's ``claimed``, as
``WorkItem.hand_over`` and ``claim`` write them), and completed or cancelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from kulisser.history import history_values
from kulisser.worklist.models import WorkItem, WorkItemEvent
from kulisser.worklist.states import Status

BATCH = 2000


@dataclass(frozen=True)
class DueChange:
    """A due time moved while the item was open."""

    at: datetime
    due_before: datetime
    reason: str


@dataclass(frozen=True)
class HandOver:
    """The owner handed the item to a colleague or (to_owner None) the queue; taken at taken_at.

    Whoever takes it is the next hand-over's from_owner, else the item's own owner.
    """

    at: datetime
    from_owner: int
    to_owner: int | None
    taken_at: datetime
    reason: str


@dataclass(frozen=True)
class ClosedItem:
    """One past item: when it came, whose it was, when it was due and how it ended."""

    kind: str
    title: str
    priority: str
    created_at: datetime
    due_at: datetime  # the due time it ended with
    closed_at: datetime
    created_by_id: int | None
    owner_id: int | None
    claimed_at: datetime | None = None
    patient_id: int | None = None
    cancelled: bool = False
    description: str = ""
    due_changes: Sequence[DueChange] = field(default_factory=tuple)
    # In time order, between the claim and the close; the first from its first owner.
    handovers: Sequence[HandOver] = field(default_factory=tuple)


def _events(item: ClosedItem) -> list[dict[str, Any]]:
    """The item's history rows, oldest first (without the item's id)."""
    rows = [history_values("created", actor_id=item.created_by_id, now=item.created_at,
                           to_status=Status.REQUESTED.value)]
    status = Status.REQUESTED.value
    first_owner = item.handovers[0].from_owner if item.handovers else item.owner_id
    if first_owner is not None and item.claimed_at is not None:
        rows.append(history_values("claimed", actor_id=first_owner, now=item.claimed_at,
                                   from_status=status, to_status=Status.ACCEPTED.value,
                                   from_owner=None, to_owner=first_owner))
        status = Status.ACCEPTED.value
    takers = ([h.from_owner for h in item.handovers[1:]] + [item.owner_id])[:len(item.handovers)]
    for hand, taker in zip(item.handovers, takers, strict=True):
        rows.append(history_values("handed_over", actor_id=hand.from_owner, now=hand.at,
                                   from_status=status, to_status=Status.REQUESTED.value,
                                   reason=hand.reason, from_owner=hand.from_owner,
                                   to_owner=hand.to_owner))
        status = Status.REQUESTED.value
        if taker is not None:
            rows.append(history_values("claimed", actor_id=taker, now=hand.taken_at,
                                       from_status=status, to_status=Status.ACCEPTED.value,
                                       from_owner=hand.to_owner, to_owner=taker))
            status = Status.ACCEPTED.value
    # Each change's new due time is the next change's old one; the last one's is the item's.
    afters = [c.due_before for c in item.due_changes[1:]] + [item.due_at][:len(item.due_changes)]
    for change, after in zip(item.due_changes, afters, strict=True):
        rows.append(history_values("due_changed", actor_id=item.owner_id, now=change.at,
                                   reason=change.reason, due_before=change.due_before.isoformat(),
                                   due_after=after.isoformat()))
    end = Status.CANCELLED if item.cancelled else Status.COMPLETED
    rows.append(history_values("status_changed", actor_id=item.owner_id or item.created_by_id,
                               now=item.closed_at, from_status=status, to_status=end.value,
                               reason="Dubblett" if item.cancelled else None))
    rows[1:-1] = sorted(rows[1:-1], key=lambda r: r["at"])  # a due change may come before the claim
    return rows


def add_closed_items(session: Session, *, unit_id: int, items: Sequence[ClosedItem]) -> int:
    """Write past, closed items of a unit with their history in bulk; return how many."""
    table = cast(Table, WorkItem.__table__)
    events = cast(Table, WorkItemEvent.__table__)
    for start in range(0, len(items), BATCH):
        batch = items[start:start + BATCH]
        rows = [{"kind": i.kind, "patient_id": i.patient_id, "unit_id": unit_id,
                 "owner_id": i.owner_id, "priority": i.priority,
                 "status": (Status.CANCELLED if i.cancelled else Status.COMPLETED).value,
                 "title": i.title[:200], "due_at": i.due_at, "description": i.description,
                 "ref_type": None, "ref_id": None, "created_at": i.created_at,
                 "created_by_id": i.created_by_id, "updated_at": i.closed_at,
                 "closed_at": i.closed_at} for i in batch]
        ids = session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                              rows).scalars().all()
        history = [{**row, "work_item_id": item_id}
                   for item, item_id in zip(batch, ids, strict=True) for row in _events(item)]
        session.execute(insert(events), history)
    return len(items)
