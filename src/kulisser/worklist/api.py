"""JSON API for work items: the worklist, one item with its history, and every operation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.bounds import Id
from kulisser.config import Settings
from kulisser.db import utcnow
from kulisser.errors import ValidationFailed
from kulisser.i18n import _
from kulisser.patients import service as patients
from kulisser.patients.service import Patient
from kulisser.staff import service as staff
from kulisser.web.api import ApiError, auth_dependencies, error_responses
from kulisser.web.deps import AppSettings, Ctx, CurrentCtx
from kulisser.worklist import queries
from kulisser.worklist import service as worklist
from kulisser.worklist.concurrency import StaleItem, describe_last_change, etag, parse_if_match
from kulisser.worklist.kinds import all_kinds, get_kind, kind_label, operations_for, refs_for
from kulisser.worklist.models import WorkItem
from kulisser.worklist.schemas import (
    AssignIn,
    CommentIn,
    DueIn,
    HandoverIn,
    KindOut,
    OptionalReasonIn,
    PatientRef,
    PatientWorkItems,
    PhoneMessageOut,
    ReasonIn,
    RecordRef,
    UserRef,
    WorkItemCreate,
    WorkItemDetail,
    WorkItemEventOut,
    WorkItemOut,
    WorkItemPage,
)
from kulisser.worklist.states import (
    PRIORITY_LABELS,
    STATUS_LABELS,
    Operation,
    Priority,
    Status,
    TransitionError,
)

router = APIRouter(prefix="/api/v1", tags=["work items"], responses=error_responses(401),
                   dependencies=auth_dependencies())

_ACT_ERRORS: dict[int | str, dict[str, object]] = {
    **error_responses(403, 404, 409, 422),
    412: {"model": ApiError, "description": "If-Match names an older version of the item "
          "(error=stale): detail says who did what, in Swedish; the ETag header has the current "
          "version. Nothing was changed."},
    409: {"model": ApiError, "description": "The operation is not allowed in the item's current "
          "status (error=illegal_transition and others), or a claim without If-Match on an item "
          "someone owns (error=stale: detail says who took it). Nothing was changed."},
}


# -- serialization -------------------------------------------------------------------------

@contextmanager
def _fields(**renamed: str) -> Iterator[None]:
    """Report a service's field errors under the names this API's bodies use."""
    try:
        yield
    except ValidationFailed as exc:
        raise ValidationFailed({renamed.get(k, k): v for k, v in exc.errors.items()}) from None


def _outs(session: Session, items: list[WorkItem], *, due_soon_hours: int,
          patients_by_id: dict[int, Patient] | None = None,
          known_names: dict[int, str] | None = None) -> list[WorkItemOut]:
    """Serialize items (whose patients the caller has been allowed to see) with one query each
    for owners and patients."""
    now = utcnow()
    # A secretary's own page is mostly her items and the queue: her name is known already.
    names = dict(known_names or {})
    names.update(staff.user_names(session, {i.owner_id for i in items
                                            if i.owner_id is not None and i.owner_id not in names}))
    if patients_by_id is None:
        ids = {i.patient_id for i in items if i.patient_id is not None}
        patients_by_id = ({p.id: p for p in session.scalars(select(Patient).where(Patient.id.in_(ids)))}
                          if ids else {})
    # Only a phone message's record is part of an item's answer; loading every kind's
    # records (waiting-list entries, results with their values...) was half the list's time.
    refs = refs_for(session, [i for i in items if i.ref_type == "phone_message"])
    out = []
    for item in items:
        ref = refs.get(item.id)
        overdue, soon = queries.deadline_flags(item, now=now, due_soon_hours=due_soon_hours)
        patient = patients_by_id.get(item.patient_id) if item.patient_id is not None else None
        out.append(WorkItemOut(
            id=item.id, kind=item.kind, kind_label=kind_label(item.kind), title=item.title,
            description=item.description, priority=Priority(item.priority),
            priority_label=_(PRIORITY_LABELS[Priority(item.priority)]), status=Status(item.status),
            status_label=_(STATUS_LABELS[Status(item.status)]), due_at=item.due_at, overdue=overdue,
            due_soon=soon,
            owner=(UserRef(id=item.owner_id, name=names.get(item.owner_id, ""))
                   if item.owner_id is not None else None),
            unit_id=item.unit_id,
            patient=(PatientRef(id=patient.id, name=patient.full_name, identifier=patient.display_id)
                     if patient is not None else None),
            ref=(RecordRef(type=item.ref_type, id=item.ref_id)
                 if item.ref_type is not None and item.ref_id is not None else None),
            phone_message=(PhoneMessageOut.model_validate(ref)
                           if item.ref_type == "phone_message" and ref is not None else None),
            allowed_operations=list(operations_for(item.kind, item.status)),
            version=item.version,
            created_at=item.created_at, updated_at=item.updated_at, closed_at=item.closed_at))
    return out


def _detail(session: Session, item: WorkItem, *, due_soon_hours: int) -> WorkItemDetail:
    (base,) = _outs(session, [item], due_soon_hours=due_soon_hours)
    names = staff.user_names(session, {e.actor_id for e in item.events if e.actor_id is not None})
    events = [WorkItemEventOut(
        type=e.type, at=e.at,
        actor=UserRef(id=e.actor_id, name=names.get(e.actor_id, "")) if e.actor_id is not None else None,
        from_status=Status(e.from_status) if e.from_status else None,
        to_status=Status(e.to_status) if e.to_status else None,
        reason=e.reason, data=dict(e.data or {})) for e in item.events]
    return WorkItemDetail(**base.model_dump(), events=events)


@dataclass
class Precondition:
    """The version an action's If-Match names (None: no header), and the response for its ETag."""

    version: int | None
    response: Response


async def _precondition(response: Response, if_match: Annotated[str | None, Header(
        alias="If-Match",
        description="The item's ETag from GET (or an earlier action). If the item has changed "
                    "since, the action is refused with 412 and who did what. Optional for older "
                    "clients; without it a claim only takes an unowned item.")] = None) -> Precondition:
    try:
        version = parse_if_match(if_match)
    except ValueError:
        raise ValidationFailed({"If-Match": _("Ange ärendets ETag, t.ex. \"3\".")}) from None
    return Precondition(version=version if isinstance(version, int) else None, response=response)


def _stale(ctx: Ctx, item_id: int, pre: Precondition) -> StaleItem:
    """The refusal of a stale action: 412 for a failed If-Match (RFC 9110: the client's copy is
    out of date, GET it again), 409 for a claim without one on an item someone owns."""
    ctx.db.rollback()  # a lost compare-and-set leaves the session to be rolled back first
    item = worklist.get_item(ctx.db, actor=ctx.actor, item_id=item_id)
    exc = StaleItem(describe_last_change(ctx.db, item), version=item.version)
    exc.status = 412 if pre.version is not None else 409
    exc.etag = etag(item)
    return exc


def _act(ctx: Ctx, settings: Settings, pre: Precondition, item_id: int, operation: Operation, *,
         reason: str = "", to_user_id: int | None = None) -> WorkItemDetail:
    """Carry out one operation; a missing reason is bad input (422), a wrong status a conflict (409)."""
    try:
        item = worklist.perform(ctx.db, actor=ctx.actor, item_id=item_id, operation=operation,
                                reason=reason, to_user_id=to_user_id, expected_version=pre.version)
    except StaleItem:
        raise _stale(ctx, item_id, pre) from None
    except TransitionError as exc:
        if exc.code == "reason_required":
            raise ValidationFailed({"reason": exc.message}) from None
        raise
    pre.response.headers["ETag"] = etag(item)
    return _detail(ctx.db, item, due_soon_hours=settings.due_soon_hours)


# -- the worklist ------------------------------------------------------------------------------

async def _filter(
    scope: Annotated[queries.Scope, Query(description="mine_queue: mine and the unit's queue; "
                                 "mine; queue: unassigned; unit: the whole unit.")] = "mine_queue",
    kind: Annotated[str, Query(description="A kind code (GET /api/v1/kinds); empty for all.")] = "",
    status: Annotated[str, Query(description="open, closed, all, or one status (requested, accepted, "
                        "in-progress, on-hold, completed, cancelled, entered-in-error).")] = "open",
    owner_id: Annotated[Id | None, Query()] = None,
    unit_id: Annotated[Id | None,
                       Query(description="One of the caller's units; default the current one.")] = None,
    overdue: Annotated[bool, Query(description="Only open items past their due time.")] = False,
    q: Annotated[str, Query(max_length=100, description="Patient identity number or name.")] = "",
) -> queries.WorklistFilter:
    return queries.WorklistFilter(scope=scope, kind=kind, status=status, owner_id=owner_id,
                                  unit_id=unit_id, overdue=overdue, q=q)


@router.get("/kinds", response_model=list[KindOut], summary="Kinds of work items")
def list_kinds(ctx: CurrentCtx) -> list[KindOut]:
    """Every registered kind; only manual ones can be created with POST /api/v1/work-items."""
    return [KindOut(code=k.code, label=_(k.label), label_plural=_(k.label_plural), manual=k.manual)
            for k in all_kinds()]


@router.get("/work-items", response_model=WorkItemPage, summary="The worklist",
            responses=error_responses(422))
def list_work_items(
    f: Annotated[queries.WorklistFilter, Depends(_filter)],
    *,
    cursor: Annotated[str, Query(description="next_cursor of the previous page.")] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ctx: CurrentCtx,
    settings: AppSettings,
) -> Response:
    """One page of items in due order (keyset pagination); each patient shown is logged."""
    page = queries.list_items(ctx.db, actor=ctx.actor, f=replace(f, cursor=cursor, limit=limit),
                              due_soon_hours=settings.due_soon_hours)
    shown = {r.patient.id: r.patient for r in page.rows if r.patient is not None}
    items = _outs(ctx.db, [r.item for r in page.rows], due_soon_hours=settings.due_soon_hours,
                  patients_by_id=shown, known_names={ctx.actor.user_id: ctx.actor.full_name})
    # The busiest route: the page is built from the models just above, so it is serialized
    # once here instead of being dumped and validated again against response_model.
    body = WorkItemPage(items=items, next_cursor=page.next_cursor).model_dump_json()
    return Response(content=body, media_type="application/json")


@router.get("/work-items/counts", response_model=dict[str, int], summary="Counts per kind",
            responses=error_responses(422))
def count_work_items(f: Annotated[queries.WorklistFilter, Depends(_filter)],
                     ctx: CurrentCtx) -> dict[str, int]:
    """How many items of each kind match the filter (the kind filter itself is ignored)."""
    return queries.counts_per_kind(ctx.db, actor=ctx.actor, f=f)


@router.post("/work-items", response_model=WorkItemDetail, status_code=201,
             summary="Create a work item", responses=error_responses(403, 422))
def create_work_item(body: WorkItemCreate, ctx: CurrentCtx,
                     settings: AppSettings) -> WorkItemDetail:
    """Create an item of a manual kind in the caller's unit (other kinds come from their domain)."""
    try:
        spec = get_kind(body.kind)
    except KeyError:
        raise ValidationFailed({"kind": _("Okänd ärendetyp.")}) from None
    if not spec.manual:
        raise ValidationFailed({"kind": _("”{label}” skapas i sin egen funktion, inte här.",
                                          label=spec.label)})
    if body.patient_id is not None and ctx.db.get(Patient, body.patient_id) is None:
        raise ValidationFailed({"patient_id": _("Patienten finns inte.")})
    with _fields(to_user_id="owner_id"):
        item = worklist.create_item(
            ctx.db, actor=ctx.actor, kind=body.kind, title=body.title, priority=body.priority.value,
            patient_id=body.patient_id, description=body.description, due_at=body.due_at,
            owner_id=body.owner_id)
    return _detail(ctx.db, item, due_soon_hours=settings.due_soon_hours)


@router.get("/work-items/{item_id}", response_model=WorkItemDetail,
            summary="A work item with its history", responses=error_responses(403, 404, 422))
def read_work_item(item_id: Id, response: Response, ctx: CurrentCtx,
                   settings: AppSettings) -> WorkItemDetail:
    """One item of the caller's units, after the patient access check; ETag: its version."""
    item = worklist.get_item(ctx.db, actor=ctx.actor, item_id=item_id)
    response.headers["ETag"] = etag(item)
    return _detail(ctx.db, item, due_soon_hours=settings.due_soon_hours)


@router.get("/patients/{patient_id}/work-items", response_model=PatientWorkItems,
            tags=["patients"], summary="A patient's work items",
            responses=error_responses(403, 404, 422))
def patient_work_items(patient_id: Id, ctx: CurrentCtx,
                       settings: AppSettings) -> PatientWorkItems:
    """The patient's open and closed items in the caller's units, after the access check."""
    patient = patients.get_patient(ctx.db, actor=ctx.actor, patient_id=patient_id)
    open_, closed = queries.patient_items(ctx.db, patient_id=patient_id, unit_ids=ctx.actor.unit_ids)
    known = {patient.id: patient}
    hours = settings.due_soon_hours
    return PatientWorkItems(open=_outs(ctx.db, open_, due_soon_hours=hours, patients_by_id=known),
                            closed=_outs(ctx.db, closed, due_soon_hours=hours, patients_by_id=known))


# -- operations: one route each, so that OpenAPI lists them -----------------------------------

@router.post("/work-items/{item_id}/claim", response_model=WorkItemDetail, responses=_ACT_ERRORS,
             summary="Claim: take the item (from the queue or an on-hold pile)")
def claim(item_id: Id, pre: Annotated[Precondition, Depends(_precondition)],
          ctx: CurrentCtx,
          settings: AppSettings) -> WorkItemDetail:
    """Become the owner; the status becomes accepted."""
    return _act(ctx, settings, pre, item_id, Operation.CLAIM)


@router.post("/work-items/{item_id}/assign", response_model=WorkItemDetail, responses=_ACT_ERRORS,
             summary="Assign a new item to a member of the unit")
def assign(item_id: Id, body: AssignIn, pre: Annotated[Precondition, Depends(_precondition)],
          ctx: CurrentCtx,
           settings: AppSettings) -> WorkItemDetail:
    """Give a requested item to a named user; the status stays requested."""
    return _act(ctx, settings, pre, item_id, Operation.ASSIGN, to_user_id=body.to_user_id)


@router.post("/work-items/{item_id}/handover", response_model=WorkItemDetail, responses=_ACT_ERRORS,
             summary="Hand over to a colleague or to the unit's queue")
def handover(item_id: Id, body: HandoverIn, pre: Annotated[Precondition, Depends(_precondition)],
          ctx: CurrentCtx,
             settings: AppSettings) -> WorkItemDetail:
    """Move responsibility (to_user_id null: the unit's queue) with a reason; the old owner loses it."""
    return _act(ctx, settings, pre, item_id, Operation.HANDOVER, reason=body.reason,
                to_user_id=body.to_user_id)


@router.post("/work-items/{item_id}/start", response_model=WorkItemDetail, responses=_ACT_ERRORS,
             summary="Start work")
def start(item_id: Id, pre: Annotated[Precondition, Depends(_precondition)],
          ctx: CurrentCtx,
          settings: AppSettings) -> WorkItemDetail:
    """The status becomes in-progress; an unowned item becomes the caller's."""
    return _act(ctx, settings, pre, item_id, Operation.START)


@router.post("/work-items/{item_id}/hold", response_model=WorkItemDetail, responses=_ACT_ERRORS,
             summary="Put on hold, with a reason")
def hold(item_id: Id, body: ReasonIn, pre: Annotated[Precondition, Depends(_precondition)],
          ctx: CurrentCtx,
         settings: AppSettings) -> WorkItemDetail:
    """Wait for someone else; resume returns the item to where it was."""
    return _act(ctx, settings, pre, item_id, Operation.HOLD, reason=body.reason)


@router.post("/work-items/{item_id}/resume", response_model=WorkItemDetail, responses=_ACT_ERRORS,
             summary="Resume an item on hold")
def resume(item_id: Id, pre: Annotated[Precondition, Depends(_precondition)],
          ctx: CurrentCtx,
           settings: AppSettings) -> WorkItemDetail:
    """Back to the status before the hold."""
    return _act(ctx, settings, pre, item_id, Operation.RESUME)


@router.post("/work-items/{item_id}/complete", response_model=WorkItemDetail, responses=_ACT_ERRORS,
             summary="Mark done")
def complete(item_id: Id, *, body: OptionalReasonIn | None = None,
             pre: Annotated[Precondition, Depends(_precondition)], ctx: CurrentCtx,
             settings: AppSettings) -> WorkItemDetail:
    """The status becomes completed; an optional note goes into the history."""
    return _act(ctx, settings, pre, item_id, Operation.COMPLETE, reason=body.reason if body else "")


@router.post("/work-items/{item_id}/cancel", response_model=WorkItemDetail, responses=_ACT_ERRORS,
             summary="Cancel, with a reason")
def cancel(item_id: Id, body: ReasonIn, pre: Annotated[Precondition, Depends(_precondition)],
          ctx: CurrentCtx,
           settings: AppSettings) -> WorkItemDetail:
    """The item no longer needs doing."""
    return _act(ctx, settings, pre, item_id, Operation.CANCEL, reason=body.reason)


@router.post("/work-items/{item_id}/error", response_model=WorkItemDetail, responses=_ACT_ERRORS,
             summary="Mark entered in error, with a reason")
def entered_in_error(item_id: Id, body: ReasonIn, pre: Annotated[Precondition, Depends(_precondition)],
          ctx: CurrentCtx,
                     settings: AppSettings) -> WorkItemDetail:
    """The item should never have existed."""
    return _act(ctx, settings, pre, item_id, Operation.ENTERED_IN_ERROR, reason=body.reason)


@router.post("/work-items/{item_id}/comments", response_model=WorkItemDetail, status_code=201,
             responses=error_responses(403, 404, 422), summary="Add a comment")
def comment(item_id: Id, body: CommentIn, pre: Annotated[Precondition, Depends(_precondition)],
          ctx: CurrentCtx,
            settings: AppSettings) -> WorkItemDetail:
    """Append a comment to the item's history."""
    try:
        with _fields(comment="text"):
            item = worklist.add_comment(ctx.db, actor=ctx.actor, item_id=item_id, text=body.text,
                                        expected_version=pre.version)
    except StaleItem:
        raise _stale(ctx, item_id, pre) from None
    pre.response.headers["ETag"] = etag(item)
    return _detail(ctx.db, item, due_soon_hours=settings.due_soon_hours)


@router.post("/work-items/{item_id}/due", response_model=WorkItemDetail, responses=_ACT_ERRORS,
             summary="Move the due time, with a reason")
def change_due(item_id: Id, body: DueIn, pre: Annotated[Precondition, Depends(_precondition)],
          ctx: CurrentCtx,
               settings: AppSettings) -> WorkItemDetail:
    """Set a new due time on an open item; the old one stays in the history."""
    try:
        item = worklist.change_due(ctx.db, actor=ctx.actor, item_id=item_id, due_at=body.due_at,
                                   reason=body.reason, expected_version=pre.version)
    except StaleItem:
        raise _stale(ctx, item_id, pre) from None
    pre.response.headers["ETag"] = etag(item)
    return _detail(ctx.db, item, due_soon_hours=settings.due_soon_hours)

