"""JSON API of access orders (/api/v1/access-orders): list, create, read, approve, reject, and
mark a line done. Secretaries and managers of the unit order and carry out; a manager who did
not order approves. Bad input is 422 with a Swedish message per field, a refused role 403, a
step the order's status does not allow 409; nothing is stored then."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, Field

from kulisser.access_rights import order_forms as forms
from kulisser.access_rights import orders
from kulisser.access_rights.order_lines import LineRequest
from kulisser.access_rights.states import LineAction, LineStatus, OrderKind, OrderStatus
from kulisser.bounds import Day, Id
from kulisser.errors import ValidationFailed
from kulisser.i18n import _
from kulisser.web.api import Timestamp, auth_dependencies, error_responses
from kulisser.web.deps import Ctx, CurrentCtx

router = APIRouter(prefix="/api/v1/access-orders", tags=["access orders"],
                   responses=error_responses(401), dependencies=auth_dependencies())
_ACT = error_responses(403, 404, 409, 422)


class LineOut(BaseModel):
    """One system's task in the order."""

    id: int
    system: str
    carried_by: str
    action: LineAction
    access_profile: str
    title: str
    status: LineStatus
    work_item_id: int | None
    done_by: str
    done_at: Timestamp | None
    done_note: str


class EventOut(BaseModel):
    """One step in the order's history."""

    at: Timestamp
    actor_id: int | None
    type: str
    from_status: str | None
    to_status: str | None
    reason: str | None


class OrderOut(BaseModel):
    """An access order, its lines and (one by one) its history."""

    id: int
    unit_id: int
    person_id: int
    person: str
    kind: OrderKind
    kind_label: str
    status: OrderStatus
    status_label: str
    profile_id: int | None
    analysis_id: int | None
    effective_on: date
    due_on: date
    note: str
    ordered_by: str
    ordered_at: Timestamp
    decided_by: str
    decided_at: Timestamp | None
    decision_note: str
    done_at: Timestamp | None
    review_id: int | None
    lines: list[LineOut]
    history: list[EventOut] | None = None


class SystemLineIn(BaseModel):
    """One system asked for, by system: what to do and the access profile to have."""

    system_id: Id
    action: str = Field(max_length=10)
    access_profile: str = Field("", max_length=200)


class OrderIn(BaseModel):
    """A new order: by `profile_id`, by `systems`, or a leaver's (the lines are computed)."""

    person_id: Id
    kind: str = Field(max_length=20)
    effective_on: Day
    profile_id: Id | None = None
    systems: list[SystemLineIn] = Field(default_factory=list, max_length=100)
    note: str = Field("", max_length=4000)


class NoteIn(BaseModel):
    """A note: the decision's (required to reject), or what was done on a line (required)."""

    note: str = Field("", max_length=4000)


def _out(view: forms.OrderView, *, history: bool = False) -> OrderOut:
    o = view.order
    return OrderOut(
        id=o.id, unit_id=o.unit_id, person_id=o.person_id, person=view.person,
        kind=OrderKind(o.kind), kind_label=view.kind_label, status=OrderStatus(o.status),
        status_label=view.status_label, profile_id=o.profile_id, analysis_id=o.analysis_id,
        effective_on=o.effective_on, due_on=o.due_on, note=o.note, ordered_by=view.ordered_by,
        ordered_at=o.ordered_at, decided_by=view.decided_by, decided_at=o.decided_at,
        decision_note=o.decision_note, done_at=o.done_at, review_id=o.review_id,
        lines=[LineOut(id=x.id, system=x.system, carried_by=x.carried_by,
                       action=LineAction(x.action), access_profile=x.access_profile,
                       title=x.title, status=LineStatus(x.status), work_item_id=x.item_id,
                       done_by=x.done_by, done_at=x.done_at, done_note=x.done_note)
               for x in view.lines],
        history=[EventOut(at=e.at, actor_id=e.actor_id, type=e.type, from_status=e.from_status,
                          to_status=e.to_status, reason=e.reason) for e in o.events]
        if history else None)


def _one(ctx: Ctx, order_id: int) -> OrderOut:
    ctx.db.expire_all()
    order = orders.get_order(ctx.db, actor=ctx.actor, order_id=order_id)
    [view] = forms.views(ctx.db, [order], with_items=True)
    return _out(view, history=True)


@router.get("", response_model=list[OrderOut], responses=error_responses(403, 422),
            summary="The unit's access orders (newest first)")
def list_orders(ctx: CurrentCtx, status: str = "", kind: str = "") -> list[OrderOut]:
    """Filter by `status` (one status, or `open`) and `kind` (new, change, leaver)."""
    errors = {}
    if status and status not in {v for v, _label in forms.status_choices()}:
        errors["status"] = _("Okänd status.")
    if kind and kind not in {k.value for k in OrderKind}:
        errors["kind"] = _("Okänd typ.")
    if errors:
        raise ValidationFailed(errors)
    found = orders.list_orders(ctx.db, actor=ctx.actor, status=status, kind=kind)
    return [_out(v) for v in forms.views(ctx.db, found)]


@router.post("", response_model=OrderOut, status_code=201, responses=_ACT,
             summary="Order access for a person (awaits a manager's approval)")
def create(body: OrderIn, ctx: CurrentCtx) -> OrderOut:
    """By profile (it must have a current needs-and-risk analysis), by system, or a leaver's."""
    order = orders.create_order(
        ctx.db, actor=ctx.actor, unit_id=ctx.actor.unit_id, person_id=body.person_id,
        kind=body.kind, effective_on=body.effective_on, profile_id=body.profile_id,
        lines=[LineRequest(x.system_id, x.action, x.access_profile) for x in body.systems],
        note=body.note)
    return _one(ctx, order.id)


@router.get("/{order_id}", response_model=OrderOut, responses=error_responses(403, 404, 422),
            summary="One order with its lines, their work items and its history")
def get(order_id: Id, ctx: CurrentCtx) -> OrderOut:
    """Another unit's order is not found (and the attempt logged)."""
    return _one(ctx, order_id)


@router.post("/{order_id}/approve", response_model=OrderOut, responses=_ACT,
             summary="Approve (a manager of the unit who did not order it)")
def approve(order_id: Id, body: NoteIn, ctx: CurrentCtx) -> OrderOut:
    """Four eyes: the one who ordered is refused (403). One work item opens per line."""
    orders.approve_order(ctx.db, actor=ctx.actor, order_id=order_id, note=body.note)
    return _one(ctx, order_id)


@router.post("/{order_id}/reject", response_model=OrderOut, responses=_ACT,
             summary="Reject with the reason (a manager of the unit)")
def reject(order_id: Id, body: NoteIn, ctx: CurrentCtx) -> OrderOut:
    """The note is the reason, and required."""
    orders.reject_order(ctx.db, actor=ctx.actor, order_id=order_id, note=body.note)
    return _one(ctx, order_id)


class ReasonIn(BaseModel):
    """Why the order is withdrawn (required)."""

    reason: str = Field("", max_length=4000)


@router.post("/{order_id}/cancel", response_model=OrderOut, responses=_ACT,
             summary="Withdraw an order not yet done (who ordered it, or a manager)")
def cancel(order_id: Id, body: ReasonIn, ctx: CurrentCtx) -> OrderOut:
    """Lines not carried out and their work items are cancelled; what was done stays."""
    orders.cancel_order(ctx.db, actor=ctx.actor, order_id=order_id, reason=body.reason)
    return _one(ctx, order_id)


@router.post("/{order_id}/lines/{line_id}/done", response_model=OrderOut, responses=_ACT,
             summary="Mark a line carried out, with a note")
def line_done(order_id: Id, line_id: Id, body: NoteIn, ctx: CurrentCtx) -> OrderOut:
    """Its work item is completed; the order is done when every line is."""
    orders.complete_line(ctx.db, actor=ctx.actor, order_id=order_id, line_id=line_id,
                         note=body.note)
    return _one(ctx, order_id)
