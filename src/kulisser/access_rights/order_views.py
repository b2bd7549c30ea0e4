"""Pages of access orders: the unit's orders (filters, CSV), a new order, an order with its
lines, history and the manager's decision. Refused input is shown again where the user acted,
with its message and the typed text kept."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kulisser.access_rights import order_forms as forms
from kulisser.access_rights import orders
from kulisser.access_rights.service import is_manager_of
from kulisser.access_rights.states import OrderStatus
from kulisser.bounds import Id, parse_id
from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.staff import service as staff
from kulisser.web import csv as csvout
from kulisser.web.deps import Ctx, CurrentCtx, FormStr, RequestForm
from kulisser.web.templating import render
from kulisser.worklist.service import TransitionError

router = APIRouter(include_in_schema=False)
BASE = "/behorigheter/bestallningar"
CSV_HEADER = [N_("Nr"), N_("Person"), N_("Typ"), N_("Status"), N_("Gäller från"),
              N_("Klart senast"), N_("Utförda rader"), N_("Rader"), N_("Beställd av"),
              N_("Beställd"), N_("Beslutad av")]


def _filters(status: str, kind: str) -> tuple[str, str]:
    statuses = {v for v, _label in forms.status_choices()}
    kinds = {v for v, _label in forms.kind_choices()}
    return (status if status in statuses else ""), (kind if kind in kinds else "")


@router.get(BASE)
def order_list(http: Request, ctx: CurrentCtx, status: str = "open", kind: str = "") -> Response:
    """The unit's access orders, newest first; open ones unless another status is chosen."""
    status, kind = _filters(status, kind)
    rows = forms.views(ctx.db, orders.list_orders(ctx.db, actor=ctx.actor, status=status,
                                                  kind=kind))
    return render(http, "access_rights/order_list.html", {
        "nav": "access_rights", "rows": rows, "status": status, "kind": kind,
        "statuses": forms.status_choices(), "kinds": forms.kind_choices()})


@router.get(BASE + ".csv")
def order_csv(ctx: CurrentCtx, status: str = "", kind: str = "") -> Response:
    """The unit's access orders as CSV (staff data, no patient data), filtered as the page."""
    status, kind = _filters(status, kind)
    rows = forms.views(ctx.db, orders.list_orders(ctx.db, actor=ctx.actor, status=status,
                                                  kind=kind, limit=100_000))
    lines = [[r.order.id, r.person, r.kind_label, r.status_label, r.order.effective_on.isoformat(),
              r.order.due_on.isoformat(), r.done_lines, len(r.lines), r.ordered_by,
              r.order.ordered_at, r.decided_by] for r in rows]
    return csvout.attachment(csvout.document([_(h) for h in CSV_HEADER], lines),
                             "kulisser-behorighetsbestallningar.csv")


def _new_page(http: Request, ctx: Ctx, *, values: dict[str, str] | None = None,
              errors: dict[str, str] | None = None, status: int = 200) -> Response:
    orders.require_orderer(ctx.actor, ctx.actor.unit_id)
    values = values or {"kind": "new", "mode": "profile",
                        "effective_on": staff.local_today().isoformat()}
    return render(http, "access_rights/order_new.html", {
        "nav": "access_rights", "values": values, "errors": errors or {},
        "people": [(str(i), name) for i, name in forms.person_choices(
            ctx.db, unit_id=ctx.actor.unit_id)],
        "kinds": forms.kind_choices(), "actions": forms.action_choices(),
        "profiles": forms.profile_choices(ctx.db, unit_id=ctx.actor.unit_id),
        "systems": forms.system_choices(ctx.db, unit_id=ctx.actor.unit_id)},
        status_code=status)


@router.get(BASE + "/ny")
def new_order_page(http: Request, ctx: CurrentCtx, person_id: str = "", kind: str = "") -> Response:
    """The form for a new order (secretaries and managers of the unit)."""
    values = {"kind": kind if kind in {v for v, _label in forms.kind_choices()} else "new",
              "mode": "profile", "person_id": str(parse_id(person_id) or ""),
              "effective_on": staff.local_today().isoformat()}
    return _new_page(http, ctx, values=values)


@router.post(BASE + "/ny")
def new_order(http: Request, ctx: CurrentCtx, form: RequestForm) -> Response:
    """Create the order; on bad input the form again with its messages and what was typed."""
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        order = forms.create_from_form(ctx.db, actor=ctx.actor, form=values)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _new_page(http, ctx, values=values, errors=exc.errors, status=422)
    return RedirectResponse(f"{BASE}/{order.id}", status_code=303)


@router.get(BASE + "/rader/{line_id}")
def line_page(line_id: Id, ctx: CurrentCtx) -> Response:
    """A line's page is its order's, at the line (the worklist links here)."""
    order_id = orders.order_of_line(ctx.db, line_id=line_id)
    orders.get_order(ctx.db, actor=ctx.actor, order_id=order_id)
    return RedirectResponse(f"{BASE}/{order_id}#rad-{line_id}", status_code=303)


def _order_page(http: Request, ctx: Ctx, order_id: int, *, form: str = "",
                values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                status: int = 200) -> Response:
    order = orders.get_order(ctx.db, actor=ctx.actor, order_id=order_id)
    [view] = forms.views(ctx.db, [order], with_items=True)
    names = staff.user_names(ctx.db, {e.actor_id for e in order.events if e.actor_id})
    awaiting = order.status == OrderStatus.AWAITING_APPROVAL
    data: dict[str, Any] = {
        "nav": "access_rights", "v": view, "order": order, "names": names,
        "event_label": forms.event_label, "form": form, "values": values or {},
        "errors": errors or {},
        "may_decide": awaiting and is_manager_of(ctx.actor, order.unit_id)
        and order.ordered_by != ctx.actor.user_id,
        "own_order": awaiting and order.ordered_by == ctx.actor.user_id
        and is_manager_of(ctx.actor, order.unit_id),
        "awaiting": awaiting,
        "may_carry_out": order.status == OrderStatus.APPROVED,
        "may_cancel": order.status in (OrderStatus.AWAITING_APPROVAL, OrderStatus.APPROVED)
        and (order.ordered_by == ctx.actor.user_id or is_manager_of(ctx.actor, order.unit_id))}
    return render(http, "access_rights/order_detail.html", data, status_code=status)


@router.get(BASE + "/{order_id}")
def order_page(http: Request, order_id: Id, ctx: CurrentCtx) -> Response:
    """An order: person, kind, lines with their items, history and the decision."""
    return _order_page(http, ctx, order_id)


def _act(http: Request, ctx: Ctx, order_id: int, form: str, values: dict[str, str],
         action: Any, back: str = "") -> Response:
    try:
        action()
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _order_page(http, ctx, order_id, form=form, values=values, errors=exc.errors,
                           status=422)
    except TransitionError as exc:
        ctx.db.rollback()
        return _order_page(http, ctx, order_id, form=form, values=values,
                           errors={"action": exc.message}, status=409)
    return RedirectResponse(back or f"{BASE}/{order_id}", status_code=303)


@router.post(BASE + "/{order_id}/godkann")
def approve(http: Request, order_id: Id, ctx: CurrentCtx, note: FormStr = "") -> Response:
    """Approve the order (a manager of the unit who did not order it): its items open."""
    return _act(http, ctx, order_id, "decide", {"note": note}, lambda: orders.approve_order(
        ctx.db, actor=ctx.actor, order_id=order_id, note=note))


@router.post(BASE + "/{order_id}/avsla")
def reject(http: Request, order_id: Id, ctx: CurrentCtx, note: FormStr = "") -> Response:
    """Reject the order with the reason (a manager of the unit)."""
    return _act(http, ctx, order_id, "decide", {"note": note}, lambda: orders.reject_order(
        ctx.db, actor=ctx.actor, order_id=order_id, note=note))


@router.post(BASE + "/{order_id}/aterkalla")
def cancel(http: Request, order_id: Id, ctx: CurrentCtx, reason: FormStr = "") -> Response:
    """Withdraw the order with the reason; open lines and their items are cancelled."""
    return _act(http, ctx, order_id, "cancel", {"reason": reason}, lambda: orders.cancel_order(
        ctx.db, actor=ctx.actor, order_id=order_id, reason=reason))


@router.post(BASE + "/{order_id}/rader/{line_id}/klar")
def line_done(http: Request, order_id: Id, line_id: Id, ctx: CurrentCtx, note: FormStr = "",
              item_id: FormStr = "") -> Response:
    """Mark a line carried out with a note; back to the work item when done from there."""
    item = parse_id(item_id)
    return _act(http, ctx, order_id, f"line-{line_id}", {"note": note},
                lambda: orders.complete_line(ctx.db, actor=ctx.actor, order_id=order_id,
                                             line_id=line_id, note=note),
                back=f"/arenden/{item}" if item else "")
