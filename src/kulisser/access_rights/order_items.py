"""The work item of an access order: `access-order-line`, one per line of an approved order.

Opened when the manager approves the order, unassigned in the unit's queue, due on the order's
due date; completed when the line is marked done with a note (on the order's page, the API, or
the form on the item's page). The worklist may take, assign, hand over and start it; closing it
from the worklist would strand the order's line, so that is the order's business.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from kulisser.access_rights.models import AccessOrder, AccessOrderLine
from kulisser.access_rights.states import LineStatus, OrderStatus
from kulisser.i18n import N_, _
from kulisser.staff.service import Actor
from kulisser.worklist import service as worklist
from kulisser.worklist.service import (
    GENERIC_OPERATIONS,
    Finding,
    KindSpec,
    Priority,
    WorkItem,
    register,
    register_record_page,
)

REF_TYPE = "access_order_line"
_OPEN = sorted(s.value for s in worklist.Status if worklist.is_open(s))
TZ = ZoneInfo("Europe/Stockholm")
DUE_HOUR = time(16, 0)  # due by the afternoon of the due day, Swedish time
register_record_page(REF_TYPE, label=N_("Behörighetsbeställningen"),
                     path="/behorigheter/bestallningar/rader/{id}")


def _load(session: Session, ids: list[int]) -> dict[int, Any]:
    lines = session.scalars(select(AccessOrderLine).where(AccessOrderLine.id.in_(ids))
                            .options(selectinload(AccessOrderLine.order),
                                     selectinload(AccessOrderLine.system)))
    return {line.id: line for line in lines}


def _check(session: Session) -> list[Finding]:
    """An open line of an approved order has an open item; any other line has none."""
    label = _("Behörighetsbeställningen")
    what = _(LINE.label)
    found: list[Finding] = []
    has_item = exists().where(WorkItem.kind == LINE.code, WorkItem.ref_type == REF_TYPE,
                              WorkItem.ref_id == AccessOrderLine.id,
                              WorkItem.status.in_(_OPEN))
    waiting = session.execute(
        select(AccessOrderLine.id, AccessOrder.unit_id)
        .join(AccessOrder, AccessOrder.id == AccessOrderLine.order_id)
        .where(AccessOrderLine.status == LineStatus.OPEN.value,
               AccessOrder.status == OrderStatus.APPROVED.value, ~has_item)
        .order_by(AccessOrderLine.id))
    for line_id, unit_id in waiting:
        found.append(Finding(unit_id=unit_id, ref_type=REF_TYPE, ref_id=line_id, problem=_(
            "{record} väntar på arbete men har inget öppet ärende ”{kind}”.",
            record=label, kind=what)))
    items = session.execute(
        select(WorkItem.ref_id, WorkItem.unit_id, AccessOrderLine.status, AccessOrder.status)
        .outerjoin(AccessOrderLine, AccessOrderLine.id == WorkItem.ref_id)
        .outerjoin(AccessOrder, AccessOrder.id == AccessOrderLine.order_id)
        .where(WorkItem.kind == LINE.code, WorkItem.ref_type == REF_TYPE,
               WorkItem.status.in_(_OPEN))
        .order_by(WorkItem.id))
    for ref_id, unit_id, line_status, order_status in items:
        if line_status == LineStatus.OPEN.value and order_status == OrderStatus.APPROVED.value:
            continue
        found.append(Finding(unit_id=unit_id, ref_type=REF_TYPE, ref_id=ref_id, problem=_(
            "Ärendet ”{kind}” är öppet fast {record} inte väntar på det.",
            kind=what, record=label[0].lower() + label[1:])))
    return found


LINE = register(KindSpec(
    code="access-order-line", label=N_("Behörighetsuppgift"),
    label_plural=N_("Behörighetsuppgifter"),
    # The order's due date sets the due time; these hours only fill the unit's rule table.
    default_hours={Priority.ACUTE: 4, Priority.HIGH: 24, Priority.NORMAL: 72, Priority.LOW: 168},
    ref_type=REF_TYPE, detail_template="access_rights/_order_item.html", load_refs=_load,
    operations=GENERIC_OPERATIONS,
    record_hint=N_("Markera raden som utförd med en anteckning, här nedan eller på "
                   "beställningen."),
    check=_check))


def due_at(day: date) -> datetime:
    """When a line due on ``day`` falls due: the afternoon, Swedish time."""
    return datetime.combine(day, DUE_HOUR, TZ)


def open_line_item(session: Session, *, actor: Actor, order: AccessOrder, line: AccessOrderLine,
                   person_name: str, carried_by: str, priority: str, now: datetime) -> WorkItem:
    """Open the line's item, unassigned in the order's unit's queue, due on the order's due day."""
    description = _("Behörighetsbeställning nr {id} för {person}. Utförs av: {who}.",
                    id=order.id, person=person_name, who=carried_by or _("enheten"))
    return worklist.open_item(
        session, actor=actor, kind=LINE.code, ref_type=REF_TYPE, ref_id=line.id,
        title=_("{task} – {person}", task=line.title, person=person_name), priority=priority,
        due_at=due_at(order.due_on), description=description, now=now)


def close_line_items(session: Session, *, actor_id: int | None, line_id: int, now: datetime,
                     reason: str, cancel: bool = False) -> None:
    """Close the line's open items: completed when the line is done, cancelled when withdrawn."""
    items = worklist.open_items(session, ref_type=REF_TYPE, ref_id=line_id, kind=LINE.code)
    worklist.close_items(session, items=items, actor_id=actor_id, now=now, reason=reason,
                         cancel=cancel)


def open_item_ids(session: Session, *, line_ids: list[int]) -> dict[int, int]:
    """The open item of each line (line id -> item id), for links from the order's page."""
    found = worklist.open_items_for(session, ref_type=REF_TYPE, ref_ids=line_ids, kind=LINE.code)
    return {line_id: items[0].id for line_id, items in found.items() if items}
