"""JSON API for record requests: register, list, one request, withdraw, appeals, the fee quote."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from kulisser.bounds import Id
from kulisser.db import utcnow
from kulisser.errors import NotFound
from kulisser.i18n import _
from kulisser.patients import service as patients
from kulisser.records import figures, items
from kulisser.records import service as records
from kulisser.records.models import Appeal, RecordRequest
from kulisser.records.schemas import (
    AgeBandOut,
    AppealIn,
    AppealOut,
    EventOut,
    FeeQuote,
    FiguresOut,
    MonthFiguresOut,
    PatientRef,
    RequestCreate,
    RequestDetail,
    RequestList,
    RequestOut,
    WithdrawIn,
)
from kulisser.records.states import (
    KIND_LABELS,
    STATUS_LABELS,
    Channel,
    Delivery,
    RequesterKind,
    RequestKind,
    Scope,
)
from kulisser.staff import service as staff
from kulisser.web.api import auth_dependencies, error_responses
from kulisser.web.deps import CurrentCtx

router = APIRouter(prefix="/api/v1", tags=["record requests"], responses=error_responses(401),
                   dependencies=auth_dependencies())
_ACT_ERRORS = error_responses(403, 404, 409, 422)


def summary(r: RecordRequest, patient: patients.Patient, mark: str) -> RequestOut:
    """A request as the list shows it."""
    return RequestOut(
        id=r.id, unit_id=r.unit_id,
        patient=PatientRef(id=patient.id, name=patient.full_name, identifier=patient.display_id),
        kind=RequestKind(r.kind), kind_label=_(KIND_LABELS[r.kind]), status=r.status,
        status_label=_(STATUS_LABELS[r.status]), received_on=r.received_on,
        channel=Channel(r.channel), requester_kind=RequesterKind(r.requester_kind),
        requester_name=r.requester_name, requester_organisation=r.requester_organisation,
        target_date=r.target_date, breach_date=r.breach_date, at_risk=mark == "at_risk",
        breached=mark == "breached", handled_on=r.handled_on, created_at=r.created_at,
        updated_at=r.updated_at)


def detail(session: Session, r: RecordRequest) -> RequestDetail:
    """Everything recorded on a request (loaded through the access check by the caller)."""
    session.flush()
    patient = session.get(patients.Patient, r.patient_id)
    assert patient is not None
    names = staff.user_names(session, {e.actor_id for e in r.events if e.actor_id is not None})
    base = summary(r, patient, records.marks(r, records.local_today()))
    return RequestDetail(
        **base.model_dump(), requester_address=r.requester_address,
        consent_signed_on=r.consent_signed_on, consent_filename=r.consent_filename,
        scope=Scope(r.scope), period_from=r.period_from, period_to=r.period_to,
        document_kinds=list(r.document_kinds or []), scope_text=r.scope_text,
        delivery=Delivery(r.delivery), first_copy=r.first_copy, outcome=r.outcome,
        decision_received_on=r.decision_received_on, page_count=r.page_count, fee_sek=r.fee_sek,
        note=r.note, version=r.version,
        work_item_ids=[i.id for i in items.open_request_items(session, request_id=r.id)],
        appeals=[appeal_out(a) for a in r.appeals],
        events=[EventOut(at=e.at, type=e.type, from_status=e.from_status, to_status=e.to_status,
                         reason=e.reason, actor_id=e.actor_id,
                         actor_name=names.get(e.actor_id, "") if e.actor_id else "",
                         data=e.data or {}) for e in r.events])


def appeal_out(a: Appeal) -> AppealOut:
    """An appeal as the API gives it."""
    return AppealOut(id=a.id, request_id=a.request_id, received_on=a.received_on,
                     last_day=a.last_day, in_time=a.in_time)


@router.get("/record-requests", response_model=RequestList, responses=error_responses(422),
            summary="The unit's record requests by target date")
def list_requests(*, status: Annotated[str, Query(
                      description="open (default), all, or one status")] = "open",
                  kind: RequestKind | None = None, ctx: CurrentCtx) -> RequestList:
    """Sorted by target date; every patient listed is logged."""
    rows = records.list_requests(ctx.db, actor=ctx.actor, status=status,
                                 kind=kind.value if kind else "")
    return RequestList(items=[summary(r.request, r.patient, r.mark) for r in rows], total=len(rows))


@router.get("/record-requests/fee-quote", response_model=FeeQuote, responses=error_responses(422),
            summary="The fee for a copy under the unit's fee table")
def fee_quote(*, pages: Annotated[int, Query(ge=0, le=100_000)], requester_kind: RequesterKind,
              first_copy: bool = False, ctx: CurrentCtx) -> FeeQuote:
    """Pages 1-9 free, the 10th 50 kr, each further page 2 kr by default; the patient's first
    copy is free, a third party always pays."""
    return FeeQuote(fee_sek=records.fee_quote(ctx.db, actor=ctx.actor, pages=pages,
                                              requester_kind=requester_kind.value,
                                              first_copy=first_copy))


@router.get("/record-requests/figures", response_model=FiguresOut,
            responses=error_responses(404, 422),
            summary="Figures per month and unit (the figures page and its CSV as JSON)")
def figures_json(*, unit_id: Annotated[Id | None, Query(
                     description="One of the actor's units; all of them when left out")] = None,
                 ctx: CurrentCtx) -> FiguresOut:
    """Received, open, handled, median handling time in working days, shares within target and
    breached per month of receipt, and open requests by age; no patient in them."""
    if unit_id is not None and unit_id not in ctx.actor.unit_ids:
        raise NotFound(_("Vårdenheten finns inte."))
    unit_ids = (unit_id,) if unit_id is not None else ctx.actor.unit_ids
    today = records.local_today()
    months, ages = figures.compute(ctx.db, unit_ids=unit_ids, today=today)
    names = dict(staff.unit_choices(ctx.db, unit_ids=unit_ids))
    return FiguresOut(
        today=today,
        months=[MonthFiguresOut(
            unit_id=m.unit_id, unit_name=names.get(m.unit_id, ""), month=m.month,
            received=m.received, open=m.open, handled=m.handled, median_days=m.median_days,
            within_target=m.within_target, share_within=m.share_within, breached=m.breached,
            share_breached=m.share_breached) for m in months],
        open_by_age=[AgeBandOut(unit_id=unit, band=_(label), count=counts[i])
                     for unit, counts in sorted(ages.items())
                     for i, (_top, label) in enumerate(figures.AGE_BANDS)])


@router.post("/record-requests", response_model=RequestDetail, status_code=201,
             responses=error_responses(403, 404, 422), summary="Register a record request")
def create(body: RequestCreate, ctx: CurrentCtx) -> RequestDetail:
    """The request, its clock, and its `record-request` work item in the unit's queue."""
    data = records.RequestData(
        patient_id=body.patient_id, kind=body.kind.value, received_on=body.received_on,
        channel=body.channel.value, requester_kind=body.requester_kind.value,
        requester_name=body.requester_name, requester_organisation=body.requester_organisation,
        requester_address=body.requester_address, consent_signed_on=body.consent_signed_on,
        consent_filename=body.consent_filename, consent_document=body.consent_document,
        scope=body.scope.value, period_from=body.period_from, period_to=body.period_to,
        document_kinds=tuple(body.document_kinds), scope_text=body.scope_text,
        delivery=body.delivery.value, first_copy=body.first_copy, note=body.note)
    request = records.register_request(ctx.db, actor=ctx.actor, data=data, now=utcnow())
    return detail(ctx.db, request)


@router.get("/record-requests/{request_id}", response_model=RequestDetail,
            responses=error_responses(403, 404), summary="One record request")
def get_request(request_id: Id, ctx: CurrentCtx) -> RequestDetail:
    """The request with its history, appeals and open work item."""
    return detail(ctx.db, records.get_request(ctx.db, actor=ctx.actor, request_id=request_id))


@router.post("/record-requests/{request_id}/withdraw", response_model=RequestDetail,
             responses=_ACT_ERRORS, summary="The requester withdraws the request")
def withdraw(request_id: Id, body: WithdrawIn, ctx: CurrentCtx) -> RequestDetail:
    """The request ends as withdrawn and its work item is cancelled."""
    request = records.withdraw(ctx.db, actor=ctx.actor, request_id=request_id,
                               reason=body.reason, now=utcnow())
    return detail(ctx.db, request)


@router.post("/record-requests/{request_id}/appeals", response_model=AppealOut, status_code=201,
             responses=_ACT_ERRORS, summary="Register an appeal of the written decision")
def add_appeal(request_id: Id, body: AppealIn, ctx: CurrentCtx) -> AppealOut:
    """`last_day` and `in_time`; in time, a work item to review the decision and forward it."""
    appeal = records.add_appeal(ctx.db, actor=ctx.actor, request_id=request_id,
                                received_on=body.received_on, now=utcnow())
    return appeal_out(appeal)
