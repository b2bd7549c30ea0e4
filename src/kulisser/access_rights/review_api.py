"""The periodic access review in the JSON API: list and read reviews, attest a line, the
unit's policy, and the accounts without a login."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from kulisser.access_rights import review_inactive, reviews
from kulisser.access_rights.models import AccessReview
from kulisser.bounds import Id
from kulisser.web.api import auth_dependencies, error_responses
from kulisser.web.deps import CurrentCtx
from kulisser.workdays import local_today

router = APIRouter(prefix="/api/v1/access-reviews", tags=["access reviews"],
                   responses=error_responses(401), dependencies=auth_dependencies())


class ReviewLineOut(BaseModel):
    """One person's access to one system and its attestation."""

    id: int
    person_id: int
    person_name: str
    system_id: int
    system_name: str
    access_profile: str
    decision: str | None
    decision_label: str | None
    note: str
    decided_by: int | None
    decided_by_name: str | None
    decided_at: datetime | None
    order_id: int | None


class ReviewOut(BaseModel):
    """A review of a unit: when, how far, whether late; its lines when read one by one."""

    id: int
    unit_id: int
    status: str
    started_at: datetime
    due_on: date
    overdue: bool
    escalated_at: datetime | None
    done_at: datetime | None
    done_by: int | None
    lines_total: int
    lines_attested: int
    lines: list[ReviewLineOut] | None = None


class AttestIn(BaseModel):
    """The manager's attestation of a line; a note is needed for change and remove."""

    decision: Literal["keep", "change", "remove"]
    note: str = Field(default="", max_length=reviews.NOTE_MAX)


class PolicyIn(BaseModel):
    """How often the unit's access is reviewed; when an account counts as unused."""

    review_months: int = Field(ge=reviews.MONTHS_RANGE[0], le=reviews.MONTHS_RANGE[1])
    inactive_days: int = Field(ge=reviews.INACTIVE_RANGE[0], le=reviews.INACTIVE_RANGE[1])


class PolicyOut(PolicyIn):
    """The unit's policy (the defaults until a manager edits it)."""

    unit_id: int
    next_review_on: date | None


class InactiveOut(BaseModel):
    """An account of the unit without a login within the limit."""

    person_id: int
    full_name: str
    hsa_id: str
    assignment_since: date
    last_login: datetime | None
    days: int
    removal_order_id: int | None


def _out(review: AccessReview, *, today: date, rows: list[reviews.ReviewLineRow] | None = None
         ) -> ReviewOut:
    lines = None if rows is None else [ReviewLineOut(
        id=r.line.id, person_id=r.line.person_id, person_name=r.person_name,
        system_id=r.line.system_id, system_name=r.system_name,
        access_profile=r.line.access_profile, decision=r.line.decision,
        decision_label=r.decision_label or None, note=r.line.note, decided_by=r.line.decided_by,
        decided_by_name=r.decided_by_name or None, decided_at=r.line.decided_at,
        order_id=r.line.order_id) for r in rows]
    return ReviewOut(id=review.id, unit_id=review.unit_id, status=review.status,
                     started_at=review.started_at, due_on=review.due_on,
                     overdue=reviews.is_overdue(review, today), escalated_at=review.escalated_at,
                     done_at=review.done_at, done_by=review.done_by,
                     lines_total=len(review.lines),
                     lines_attested=sum(1 for x in review.lines if x.decision), lines=lines)


@router.get("", response_model=list[ReviewOut], responses=error_responses(403, 422))
def list_reviews(*, status: Annotated[Literal["open", "done"] | None, Query()] = None,
                 ctx: CurrentCtx) -> list[ReviewOut]:
    """The reviews of the caller's current unit, newest first."""
    rows = reviews.list_reviews(ctx.db, actor=ctx.actor, unit_id=ctx.actor.unit_id,
                                status=status or "")
    today = local_today()
    return [_out(r.review, today=today) for r in rows]


@router.get("/policy", response_model=PolicyOut, responses=error_responses(403))
def get_policy(ctx: CurrentCtx) -> PolicyOut:
    """The policy of the caller's current unit."""
    reviews.require_reader(ctx.actor, ctx.actor.unit_id)
    return _policy(ctx)


def _policy(ctx: CurrentCtx) -> PolicyOut:
    unit_id = ctx.actor.unit_id
    policy = reviews.get_policy(ctx.db, unit_id=unit_id)
    busy = any(r.review.status == "open" for r in reviews.list_reviews(
        ctx.db, actor=ctx.actor, unit_id=unit_id, status="open"))
    return PolicyOut(unit_id=unit_id, review_months=policy.review_months,
                     inactive_days=policy.inactive_days,
                     next_review_on=None if busy else reviews.next_due(
                         ctx.db, unit_id=unit_id, today=local_today()))


@router.put("/policy", response_model=PolicyOut, responses=error_responses(403, 422))
def put_policy(body: PolicyIn, ctx: CurrentCtx) -> PolicyOut:
    """Set the policy of the caller's current unit (managers)."""
    reviews.set_policy(ctx.db, actor=ctx.actor, unit_id=ctx.actor.unit_id,
                       review_months=body.review_months, inactive_days=body.inactive_days)
    return _policy(ctx)


@router.get("/inactive-accounts", response_model=list[InactiveOut],
            responses=error_responses(403))
def inactive_accounts(ctx: CurrentCtx) -> list[InactiveOut]:
    """The current unit's accounts without a login within the policy's days."""
    rows = review_inactive.inactive_accounts(ctx.db, actor=ctx.actor, unit_id=ctx.actor.unit_id)
    return [InactiveOut(person_id=a.person_id, full_name=a.full_name, hsa_id=a.hsa_id,
                        assignment_since=a.since, last_login=a.last_login, days=a.days,
                        removal_order_id=a.order_id) for a in rows]


class RemovalOrderOut(BaseModel):
    """The order made to remove an unused account's access."""

    order_id: int
    person_id: int
    status: str
    lines: int


@router.post("/inactive-accounts/{person_id}/removal-order", response_model=RemovalOrderOut,
             status_code=201, responses=error_responses(403, 404, 409, 422))
def order_removal(person_id: Id, ctx: CurrentCtx) -> RemovalOrderOut:
    """Order the removal of every system an unused account's person has at the unit."""
    order = review_inactive.order_removal(ctx.db, actor=ctx.actor, unit_id=ctx.actor.unit_id,
                                          person_id=person_id)
    return RemovalOrderOut(order_id=order.id, person_id=order.person_id, status=order.status,
                           lines=len(order.lines))


@router.get("/{review_id}", response_model=ReviewOut, responses=error_responses(404, 422))
def get_review(review_id: Id, ctx: CurrentCtx) -> ReviewOut:
    """One review with its lines."""
    review = reviews.get_review(ctx.db, actor=ctx.actor, review_id=review_id)
    return _out(review, today=local_today(), rows=reviews.line_rows(ctx.db, review=review))


@router.post("/{review_id}/lines/{line_id}/attest", response_model=ReviewOut,
             responses=error_responses(403, 404, 409, 422))
def attest_line(review_id: Id, line_id: Id, body: AttestIn, ctx: CurrentCtx) -> ReviewOut:
    """Attest one line (managers, once): keep, change or remove; the answer is the review."""
    reviews.attest(ctx.db, actor=ctx.actor, review_id=review_id, line_id=line_id,
                   decision=body.decision, note=body.note)
    review = reviews.get_review(ctx.db, actor=ctx.actor, review_id=review_id)
    return _out(review, today=local_today(), rows=reviews.line_rows(ctx.db, review=review))
