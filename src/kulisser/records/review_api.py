"""JSON API for the secrecy review, the decision and delivery of record requests, and the
delegation table. The same services, access checks and audit rows as the pages; a decision
without delegation is 403 (error=forbidden) and changes nothing."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from kulisser.bounds import Day, Id
from kulisser.db import utcnow
from kulisser.records import delegation, delivery, review
from kulisser.records import service as records
from kulisser.records.models import Delegation, RecordRequest
from kulisser.records.states import Delivery, LegalGround, Verdict
from kulisser.web.api import Timestamp, auth_dependencies, error_responses
from kulisser.web.deps import AppSettings, CurrentCtx

router = APIRouter(prefix="/api/v1/record-requests", tags=["record-requests"],
                   responses=error_responses(401), dependencies=auth_dependencies())
_ACT = error_responses(403, 404, 409, 422)
TEXT_MAX = 2000


class DocumentReview(BaseModel):
    """One picked document and the decider's verdict on it."""

    id: int
    title: str
    verdict: Verdict | None
    legal_ground: LegalGround | None
    legal_ground_text: str
    reason: str
    masks: int


class ReviewOut(BaseModel):
    """Where a request stands in review, decision and delivery."""

    id: int
    status: str
    outcome: str | None
    prepared_by_id: int | None
    decider_id: int | None
    decided_by_id: int | None
    decided_at: Timestamp | None
    decision_reason: str
    decision_letter_id: int | None
    decision_received_on: date | None
    delivery: str
    delivered_at: Timestamp | None
    id_check: str
    page_count: int | None
    fee_sek: int | None
    handled_on: date | None
    version: int
    documents: list[DocumentReview]


def _out(request: RecordRequest) -> ReviewOut:
    return ReviewOut(
        id=request.id, status=request.status, outcome=request.outcome,
        prepared_by_id=request.prepared_by_id, decider_id=request.decider_id,
        decided_by_id=request.decided_by_id, decided_at=request.decided_at,
        decision_reason=request.decision_reason, decision_letter_id=request.decision_letter_id,
        decision_received_on=request.decision_received_on, delivery=request.delivery,
        delivered_at=request.delivered_at, id_check=request.id_check,
        page_count=request.page_count, fee_sek=request.fee_sek, handled_on=request.handled_on,
        version=request.version,
        documents=[DocumentReview(id=d.id, title=d.title,
                                  verdict=Verdict(d.verdict) if d.verdict else None,
                                  legal_ground=LegalGround(d.legal_ground) if d.legal_ground
                                  else None, legal_ground_text=d.legal_ground_text,
                                  reason=d.reason, masks=len(d.masks))
                   for d in request.documents])


class DelegationOut(BaseModel):
    """One line of the delegation table."""

    id: int
    role: str | None
    user_id: int | None
    who: str
    valid_from: date
    valid_to: date | None
    may_decide_own: bool
    in_force: bool


class DelegationIn(BaseModel):
    """A new line: a role or a person (one of them), valid from a day (default today)."""

    role: str | None = Field(None, max_length=20)
    user_id: Id | None = None
    valid_from: Day | None = None
    valid_to: Day | None = None
    may_decide_own: bool = False


class EndIn(BaseModel):
    """The last day a line is in force (default today)."""

    on: Day | None = None


class SubmitIn(BaseModel):
    """Who is to decide (someone with delegation; see /{id}/deciders)."""

    decider_id: Id


class VerdictIn(BaseModel):
    """The verdict on one document; masked or withheld needs a legal ground and a reason."""

    verdict: Verdict
    legal_ground: LegalGround | None = None
    legal_ground_text: str = Field("", max_length=TEXT_MAX)
    reason: str = Field("", max_length=TEXT_MAX)


class ReasonIn(BaseModel):
    """A reason in words."""

    reason: str = Field("", max_length=TEXT_MAX)


class ReceivedIn(BaseModel):
    """The day the requester received the written decision."""

    received_on: Day


class DeliverIn(BaseModel):
    """How the copy goes out; collected in person needs the identification shown."""

    how: Delivery
    id_check: str = Field("", max_length=delivery.ID_CHECK_MAX)


class Person(BaseModel):
    """A member of staff."""

    id: int
    name: str


class ReleaseOut(BaseModel):
    """A release on the patient's record."""

    request_id: int
    delivered_on: date
    text: str


def _line(row: delegation.DelegationRow) -> DelegationOut:
    x: Delegation = row.line
    return DelegationOut(id=x.id, role=x.role, user_id=x.user_id, who=row.who,
                         valid_from=x.valid_from, valid_to=x.valid_to,
                         may_decide_own=x.may_decide_own, in_force=row.in_force)


@router.get("/delegations", response_model=list[DelegationOut],
            summary="The unit's delegation table (lines in force first, then ended ones)")
def delegations(ctx: CurrentCtx) -> list[DelegationOut]:
    """Who may decide on releasing record copies."""
    return [_line(r) for r in delegation.table(ctx.db, actor=ctx.actor)]


@router.post("/delegations", response_model=DelegationOut, status_code=201,
             summary="Add a line to the delegation table (managers)", responses=_ACT)
def add_delegation(body: DelegationIn, ctx: CurrentCtx) -> DelegationOut:
    """A role or a person may decide from a day (until a day)."""
    line = delegation.add(ctx.db, actor=ctx.actor, role=body.role, user_id=body.user_id,
                          valid_from=body.valid_from, valid_to=body.valid_to,
                          may_decide_own=body.may_decide_own)
    return next(_line(r) for r in delegation.table(ctx.db, actor=ctx.actor) if r.line is line)


@router.post("/delegations/{delegation_id}/end", response_model=DelegationOut,
             summary="End a line (it stays as history; managers)", responses=_ACT)
def end_delegation(delegation_id: Id, body: EndIn, ctx: CurrentCtx) -> DelegationOut:
    """The line is in force up to and including the day."""
    line = delegation.end(ctx.db, actor=ctx.actor, delegation_id=delegation_id, on=body.on)
    return next(_line(r) for r in delegation.table(ctx.db, actor=ctx.actor) if r.line is line)


@router.get("/releases", response_model=list[ReleaseOut], responses=error_responses(403, 422),
            summary="What the caller's units handed out about a patient")
def releases(patient_id: Id, ctx: CurrentCtx) -> list[ReleaseOut]:
    """The entries on the patient's record ("Journalkopia lämnad ut till … den …")."""
    return [ReleaseOut(request_id=e.request_id, delivered_on=e.delivered_on, text=e.text)
            for e in delivery.releases_for_patient(ctx.db, actor=ctx.actor,
                                                   patient_id=patient_id)]


@router.get("/{request_id}/review", response_model=ReviewOut, responses=error_responses(403, 404),
            summary="The request's review, decision and delivery")
def review_state(request_id: Id, ctx: CurrentCtx) -> ReviewOut:
    """Documents with their verdicts, the decision and the delivery."""
    return _out(records.get_request(ctx.db, actor=ctx.actor, request_id=request_id))


@router.get("/{request_id}/deciders", response_model=list[Person],
            responses=error_responses(403, 404), summary="Who may decide the request")
def deciders(request_id: Id, ctx: CurrentCtx) -> list[Person]:
    """Staff with delegation today; the preparer only where the table lets her decide her own."""
    request = records.get_request(ctx.db, actor=ctx.actor, request_id=request_id)
    return [Person(id=i, name=n) for i, n in delegation.deciders(
        ctx.db, unit_id=request.unit_id, on=delegation.local_today(),
        preparer_id=request.prepared_by_id or ctx.actor.user_id)]


def _now() -> datetime:
    return utcnow()


@router.post("/{request_id}/submit", response_model=ReviewOut, responses=_ACT,
             summary="Send the compiled request to the decider")
def submit(request_id: Id, body: SubmitIn, ctx: CurrentCtx) -> ReviewOut:
    """compiling -> in_review; a `record-review` work item for the decider."""
    return _out(review.submit(ctx.db, actor=ctx.actor, request_id=request_id,
                              decider_id=body.decider_id, now=_now()))


@router.post("/{request_id}/documents/{document_id}/review", response_model=ReviewOut,
             responses=_ACT, summary="The decider's verdict on one document")
def review_document(request_id: Id, document_id: Id, body: VerdictIn,
                    ctx: CurrentCtx) -> ReviewOut:
    """403 without delegation (nothing changed, the refusal logged)."""
    review.review_document(ctx.db, actor=ctx.actor, request_id=request_id,
                           document_id=document_id, verdict=body.verdict.value,
                           legal_ground=body.legal_ground.value if body.legal_ground else "",
                           legal_ground_text=body.legal_ground_text, reason=body.reason,
                           now=_now())
    return _out(records.get_request(ctx.db, actor=ctx.actor, request_id=request_id))


@router.post("/{request_id}/return", response_model=ReviewOut, responses=_ACT,
             summary="Send the request back to the secretary")
def return_request(request_id: Id, body: ReasonIn, ctx: CurrentCtx) -> ReviewOut:
    """in_review -> compiling, with the reason."""
    return _out(review.return_request(ctx.db, actor=ctx.actor, request_id=request_id,
                                      reason=body.reason, now=_now()))


@router.post("/{request_id}/decide", response_model=ReviewOut, responses=_ACT,
             summary="Decide from the verdicts (full, partial, refused)")
def decide(request_id: Id, body: ReasonIn, ctx: CurrentCtx) -> ReviewOut:
    """A partial release or refusal gets its written decision (decision_letter_id)."""
    return _out(review.decide(ctx.db, actor=ctx.actor, request_id=request_id,
                              reason=body.reason, now=_now()))


@router.post("/{request_id}/decision-letter", response_model=ReviewOut, responses=_ACT,
             summary="The appealable written decision on a refusal")
def decision_letter(request_id: Id, ctx: CurrentCtx) -> ReviewOut:
    """Made once; asked again, the existing letter stands."""
    return _out(review.decision_letter(ctx.db, actor=ctx.actor, request_id=request_id,
                                       now=_now()))


@router.post("/{request_id}/decision-received", response_model=ReviewOut, responses=_ACT,
             summary="The day the requester received the written decision")
def decision_received(request_id: Id, body: ReceivedIn, ctx: CurrentCtx) -> ReviewOut:
    """The appeal's three weeks run from this day."""
    return _out(review.set_received(ctx.db, actor=ctx.actor, request_id=request_id,
                                    received_on=body.received_on, now=_now()))


@router.post("/{request_id}/deliver", response_model=ReviewOut, responses=_ACT,
             summary="Hand the decided copy over")
def deliver(request_id: Id, body: DeliverIn, ctx: CurrentCtx,
            settings: AppSettings) -> ReviewOut:
    """Post (cover letter to the print run), digital mailbox, or collected (ID check)."""
    return _out(delivery.deliver(ctx.db, actor=ctx.actor, request_id=request_id,
                                 how=body.how.value, id_check=body.id_check,
                                 settings=settings, now=_now()))
