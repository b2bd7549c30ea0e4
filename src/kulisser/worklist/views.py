"""The worklist pages: the list, an item with its history and actions, new task, due rules."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from kulisser.bounds import Id, in_range, parse_int
from kulisser.config import Settings
from kulisser.db import utcnow
from kulisser.errors import ValidationFailed
from kulisser.i18n import _
from kulisser.identity import InvalidIdentifier, parse_identifier
from kulisser.patients import service as patients
from kulisser.patients.service import Patient
from kulisser.staff import service as staff
from kulisser.web.deps import (
    AppSettings,
    Ctx,
    CurrentCtx,
    FormStr,
    ManagerCtx,
    RequestForm,
)
from kulisser.web.templating import TZ, is_htmx, render
from kulisser.worklist import queries
from kulisser.worklist import service as worklist
from kulisser.worklist.concurrency import StaleItem, describe_last_change
from kulisser.worklist.kinds import all_kinds, get_kind, record_link, refs_for
from kulisser.worklist.states import (
    CONFLICT_CODES,
    OPERATION_LABELS,
    PRIORITY_LABELS,
    Priority,
    TransitionError,
    allowed_operations,
)

router = APIRouter(include_in_schema=False)


def _int_or_none(value: str) -> int | None:
    return parse_int(value)


def parse_local_datetime(value: str) -> datetime:
    """A datetime-local form value (Swedish time) as an aware datetime; ValueError if bad."""
    when = datetime.fromisoformat(value.strip()).replace(tzinfo=TZ)
    if not in_range(when.date()):
        raise ValueError(value)
    return when


@router.get("/arbetslista")
def worklist_page(
    request: Request,
    *,
    scope: str = "",
    kind: str = "",
    status: str = "open",
    owner_id: str = "",
    overdue: str = "",
    q: str = "",
    cursor: str = "",
    ctx: CurrentCtx,
    settings: AppSettings,
) -> Response:
    """The worklist: my items and the unit's queue, filtered, sorted by due time."""
    f = queries.WorklistFilter(scope=scope or queries.default_scope(ctx.actor), kind=kind, status=status,
                               owner_id=_int_or_none(owner_id), overdue=bool(overdue), q=q,
                               cursor=cursor, limit=settings.page_size)
    errors: dict[str, str] = {}
    try:
        page = queries.list_items(ctx.db, actor=ctx.actor, f=f, due_soon_hours=settings.due_soon_hours)
        counts, overdue_total = queries.kind_counts(ctx.db, actor=ctx.actor, f=f)
    except ValidationFailed as exc:
        errors = exc.errors
        f = queries.WorklistFilter(q=q)
        page = queries.list_items(ctx.db, actor=ctx.actor, f=f, due_soon_hours=settings.due_soon_hours)
        counts, overdue_total = queries.kind_counts(ctx.db, actor=ctx.actor, f=f)
    members = staff.unit_member_names(ctx.db, unit_id=ctx.actor.unit_id)
    names = {u.id: u.full_name for u in members}
    owners = {r.item.owner_id for r in page.rows if r.item.owner_id} - names.keys()
    names.update(staff.user_names(ctx.db, owners))  # former members still owning items
    # Colleagues marked away today (staff absences): their items are shown as left with them.
    away = staff.away_on(ctx.db, user_ids=set(names), day=staff.local_today(utcnow()))
    context = {
        "nav": "worklist", "f": f, "page": page, "counts": counts, "total": sum(counts.values()),
        "kinds": all_kinds(), "scopes": {k: _(v) for k, v in queries.SCOPES.items()},
        "statuses": {k: _(v) for k, v in queries.STATUS_FILTERS.items()},
        "members": members, "owner_names": names, "away": away,
        "errors": errors, "overdue_total": overdue_total,
    }
    return render(request, "worklist/list.html", context, partial="worklist/_list.html",
                  status_code=422 if errors else 200)


def _item_context(ctx: Ctx, item_id: int, settings: Settings, *, access: str = "read"
                  ) -> dict[str, Any]:
    item = worklist.get_item(ctx.db, actor=ctx.actor, item_id=item_id, action=access)
    spec = get_kind(item.kind)
    ref = refs_for(ctx.db, [item]).get(item.id)
    patient = ctx.db.get(Patient, item.patient_id) if item.patient_id else None
    actor_ids = {e.actor_id for e in item.events if e.actor_id}
    owner_ids = {int(v) for e in item.events for k, v in e.data.items()
                 if k in ("from_owner", "to_owner") and v}
    names = staff.user_names(ctx.db, actor_ids | owner_ids | ({item.owner_id} if item.owner_id else set()))
    overdue, soon = queries.deadline_flags(item, now=utcnow(),
                                           due_soon_hours=settings.due_soon_hours)
    # A kind's own detail shows its record; an item about another package's record links to it.
    record = None if spec.ref_type == item.ref_type else record_link(item.ref_type, item.ref_id)
    return {"nav": "worklist", "item": item, "spec": spec, "ref": ref, "record": record,
            "patient": patient,
            "names": names, "overdue": overdue, "due_soon": soon,
            "operations": [op for op in allowed_operations(item.status) if spec.allows(op)],
            "owned": _owned_note(item, spec), "op_labels": {k: _(v) for k, v in OPERATION_LABELS.items()},
            "members": staff.unit_members(ctx.db, unit_id=item.unit_id), "errors": {},
            "values": {}}


def _owned_note(item: Any, spec: Any) -> dict[str, str] | None:
    """What the item page says of an open item whose record closes it, with the record's link."""
    if item.closed_at is not None or spec.operations >= set(allowed_operations(item.status)):
        return None
    link = record_link(item.ref_type, item.ref_id)
    label = link[0] if link else _("Posten")
    return {"text": _("Ärendet följer {record} och avslutas därifrån.",
                      record=label[0].lower() + label[1:]),
            "hint": _(spec.record_hint or "Öppna {record}.", record=label[0].lower() + label[1:]),
            "url": link[1] if link else ""}


@router.get("/arenden/{item_id}")
def item_page(request: Request, item_id: Id, ctx: CurrentCtx,
              settings: AppSettings) -> Response:
    """One work item: facts, the record it is about, actions and history."""
    return render(request, "worklist/item.html", _item_context(ctx, item_id, settings),
                  partial="worklist/_item_body.html")


def _item_error(request: Request, ctx: Ctx, item_id: int, settings: Settings,
                errors: dict[str, str], values: dict[str, str], status: int) -> Response:
    # The failed change is rolled back, so the page shows the item as it still is.
    ctx.db.rollback()
    context = _item_context(ctx, item_id, settings)
    context.update(errors=errors, values=values)
    return render(request, "worklist/item.html", context, partial="worklist/_item_body.html",
                  status_code=status)


def _stale(request: Request, ctx: Ctx, item_id: int, settings: Settings, field: str,
           values: dict[str, str]) -> Response:
    """409: the item changed after the user saw it; say who did what, show it as it is now."""
    ctx.db.rollback()  # a lost compare-and-set leaves the session to be rolled back first
    message = describe_last_change(ctx.db, worklist.get_item(ctx.db, actor=ctx.actor, item_id=item_id))
    return _item_error(request, ctx, item_id, settings, {field: message}, values, 409)


def _row(request: Request, ctx: Ctx, item_id: int, settings: Settings, *, message: str,
         status: int) -> Response:
    """One worklist row as the item is now, with a message (htmx: the row the user acted on)."""
    item = worklist.get_item(ctx.db, actor=ctx.actor, item_id=item_id)
    patient = ctx.db.get(Patient, item.patient_id) if item.patient_id else None
    overdue, soon = queries.deadline_flags(item, now=utcnow(), due_soon_hours=settings.due_soon_hours)
    return render(request, "worklist/_row.html", {
        "row": queries.Row(item=item, patient=patient, overdue=overdue, due_soon=soon),
        "owner_names": staff.user_names(ctx.db, {item.owner_id} if item.owner_id else set()),
        "row_message": message, "row_error": status >= 400}, status_code=status)


def _after_action(request: Request, ctx: Ctx, item_id: int, settings: Settings) -> Response:
    if is_htmx(request):
        return render(request, "worklist/item.html", _item_context(ctx, item_id, settings),
                      partial="worklist/_item_body.html")
    return RedirectResponse(f"/arenden/{item_id}", status_code=303)


@router.post("/arenden/{item_id}/atgard/{operation}")
def item_action(
    request: Request,
    item_id: Id,
    operation: str,
    *,
    reason: FormStr = "",
    to_user_id: FormStr = "",
    back: FormStr = "",
    back_query: FormStr = "",
    version: FormStr = "",
    ctx: CurrentCtx,
    settings: AppSettings,
) -> Response:
    """Carry out an operation (claim, hand over, complete ...) on the version the user saw."""
    from_list = back == "list" and is_htmx(request)
    try:
        worklist.perform(ctx.db, actor=ctx.actor, item_id=item_id, operation=operation,
                         reason=reason, to_user_id=_int_or_none(to_user_id),
                         expected_version=_int_or_none(version))
    except StaleItem:
        if from_list:
            ctx.db.rollback()
            item = worklist.get_item(ctx.db, actor=ctx.actor, item_id=item_id)
            return _row(request, ctx, item_id, settings,
                        message=describe_last_change(ctx.db, item), status=409)
        return _stale(request, ctx, item_id, settings, operation,
                      {"reason": reason, "op": operation, "to_user_id": to_user_id})
    except (TransitionError, ValidationFailed) as exc:
        errors = exc.errors if isinstance(exc, ValidationFailed) else {operation: exc.message}
        if isinstance(exc, ValidationFailed):
            errors = {operation: " ".join(exc.errors.values())}
        status = 409 if isinstance(exc, TransitionError) and exc.code in CONFLICT_CODES else 422
        if from_list:
            ctx.db.rollback()
            return _row(request, ctx, item_id, settings, message=" ".join(errors.values()),
                        status=status)
        return _item_error(request, ctx, item_id, settings, errors,
                           {"reason": reason, "op": operation, "to_user_id": to_user_id}, status)
    if from_list:
        return _row(request, ctx, item_id, settings, message=_("Du har tagit ärendet.")
                    if operation == "claim" else _("Klart."), status=200)
    if back == "list":
        # Back to the list with the filters it had; only its query is taken, re-encoded, so the
        # redirect cannot lead anywhere but the worklist.
        query = urlencode(parse_qsl(back_query)[:20])
        return RedirectResponse("/arbetslista" + (f"?{query}" if query else ""), status_code=303)
    return _after_action(request, ctx, item_id, settings)


@router.post("/arenden/{item_id}/kommentar")
def item_comment(request: Request, item_id: Id, *, comment: FormStr = "", version: FormStr = "",
                 ctx: CurrentCtx, settings: AppSettings) -> Response:
    """Add a comment to the item's history (on the version the user saw)."""
    try:
        worklist.add_comment(ctx.db, actor=ctx.actor, item_id=item_id, text=comment,
                             expected_version=_int_or_none(version))
    except StaleItem:
        return _stale(request, ctx, item_id, settings, "comment", {"comment": comment})
    except ValidationFailed as exc:
        return _item_error(request, ctx, item_id, settings, exc.errors, {"comment": comment}, 422)
    return _after_action(request, ctx, item_id, settings)


@router.post("/arenden/{item_id}/forfallotid")
def item_due(request: Request, item_id: Id, *, due_at: FormStr = "", due_reason: FormStr = "",
             version: FormStr = "", ctx: CurrentCtx,
             settings: AppSettings) -> Response:
    """Move the item's due time, with a reason (on the version the user saw)."""
    values = {"due_at": due_at, "due_reason": due_reason}
    try:
        when = parse_local_datetime(due_at)
    except ValueError:
        return _item_error(request, ctx, item_id, settings,
                           {"due_at": _("Ange datum och tid, t.ex. 2026-12-01 14:00.")}, values, 422)
    try:
        worklist.change_due(ctx.db, actor=ctx.actor, item_id=item_id, due_at=when, reason=due_reason,
                            expected_version=_int_or_none(version))
    except StaleItem:
        return _stale(request, ctx, item_id, settings, "due_at", values)
    except ValidationFailed as exc:
        return _item_error(request, ctx, item_id, settings,
                           {"due_reason": " ".join(exc.errors.values())}, values, 422)
    except TransitionError as exc:
        return _item_error(request, ctx, item_id, settings, {"due_at": exc.message}, values, 409)
    return _after_action(request, ctx, item_id, settings)


def _new_form(request: Request, ctx: Ctx, values: dict[str, str], errors: dict[str, str],
              status: int = 200) -> Response:
    patient = None
    pid = _int_or_none(values.get("patient_id", ""))
    if pid is not None:
        patient = patients.get_patient(ctx.db, actor=ctx.actor, patient_id=pid)
    kinds = [(k.code, k.label) for k in all_kinds() if k.manual]
    return render(request, "worklist/new.html", {
        "nav": "worklist", "values": values, "errors": errors, "patient": patient,
        "kinds": kinds, "priorities": [(p.value, _(PRIORITY_LABELS[p])) for p in Priority],
        "members": [(str(u.id), u.name_and_role)
                    for u in staff.unit_members(ctx.db, unit_id=ctx.actor.unit_id)],
    }, status_code=status)


@router.get("/arbetslista/ny")
def new_item_form(request: Request, *, patient_id: Annotated[str, Query()] = "",
                  ctx: CurrentCtx) -> Response:
    """The form for a new task."""
    return _new_form(request, ctx, {"patient_id": patient_id, "priority": "normal",
                                    "kind": "task"}, {})


@router.post("/arbetslista/ny")
def new_item(
    request: Request,
    *,
    kind: FormStr = "task",
    title: FormStr = "",
    description: FormStr = "",
    priority: FormStr = "normal",
    due_at: FormStr = "",
    owner_id: FormStr = "",
    patient_id: FormStr = "",
    identifier: FormStr = "",
    ctx: CurrentCtx,
) -> Response:
    """Create a task; bad input shows the form again with the typed values."""
    values = {"kind": kind, "title": title, "description": description, "priority": priority,
              "due_at": due_at, "owner_id": owner_id, "patient_id": patient_id,
              "identifier": identifier}
    errors: dict[str, str] = {}
    pid = _int_or_none(patient_id)
    if pid is None and identifier.strip():
        found = patients.find_for_actor(ctx.db, actor=ctx.actor, text=identifier)
        if found is None:
            try:
                parse_identifier(identifier)
                errors["identifier"] = _(patients.NOT_AT_UNIT)
            except InvalidIdentifier as exc:
                errors["identifier"] = exc.message
        else:
            pid = found.id
    if kind not in {k.code for k in all_kinds() if k.manual}:
        errors["kind"] = _("Den här ärendetypen skapas inte för hand.")
    when = None
    if due_at.strip():
        try:
            when = parse_local_datetime(due_at)
        except ValueError:
            errors["due_at"] = _("Ange datum och tid, t.ex. 2026-12-01 14:00.")
    if not errors:
        try:
            item = worklist.create_item(ctx.db, actor=ctx.actor, kind=kind, title=title,
                                        description=description, priority=priority, due_at=when,
                                        owner_id=_int_or_none(owner_id), patient_id=pid)
            return RedirectResponse(f"/arenden/{item.id}", status_code=303)
        except ValidationFailed as exc:
            errors = exc.errors
    ctx.db.rollback()
    return _new_form(request, ctx, values, errors, status=422)


@router.get("/enhet/regler")
def rules_page(request: Request, ctx: ManagerCtx) -> Response:
    """The unit's due-time rules per kind and priority."""
    return render(request, "worklist/rules.html", {
        "nav": "rules", "rows": worklist.rule_table(ctx.db, unit_id=ctx.actor.unit_id),
        "errors": {}, "saved": request.query_params.get("sparat") == "1"})


@router.post("/enhet/regler")
def rules_save(request: Request, ctx: ManagerCtx,
               form: RequestForm) -> Response:
    """Save the rule table: an empty or default value removes the unit's own rule."""
    errors: dict[str, str] = {}
    rows = worklist.rule_table(ctx.db, unit_id=ctx.actor.unit_id)
    for row in rows:
        key = f"h_{row['kind']}_{row['priority']}"
        raw = str(form.get(key, "")).strip()
        hours: int | None
        if not raw or raw == str(row["default"]):
            hours = None
        elif (typed := parse_int(raw)) is not None:
            hours = typed
        else:
            errors[key] = _("Ange ett helt antal timmar.")
            continue
        try:
            worklist.set_rule(ctx.db, actor=ctx.actor, kind=str(row["kind"]),
                              priority=str(row["priority"]), hours=hours)
        except ValidationFailed as exc:
            errors[key] = " ".join(exc.errors.values())
    if errors:
        ctx.db.rollback()
        for row in rows:
            row["hours"] = form.get(f"h_{row['kind']}_{row['priority']}", row["hours"])
        return render(request, "worklist/rules.html", {"nav": "rules", "rows": rows,
                                                       "errors": errors, "saved": False},
                      status_code=422)
    return RedirectResponse("/enhet/regler?sparat=1", status_code=303)
