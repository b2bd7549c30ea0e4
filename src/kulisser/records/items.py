"""The work items record requests make, and their kinds.

- `record-request`: one per open request, in the unit's queue, due on the request's target
  date; completed when the request is handled (delivered, refusal sent), cancelled when it is
  withdrawn. The worklist may take, assign and start it; the request's own steps close it.
- `record-review`: the secrecy review, the named decider's while a request is in review:
  opened when the secretary submits the compiled request, completed when the decider decides,
  cancelled when she returns it. The `record-request` item stays open beside it until the
  request is delivered or closed (delivery.py closes both).
- `record-appeal`: an appeal received in time: the decider's unit reviews the decision
  (omprövning) and forwards the appeal to the administrative court of appeal. Nothing in the
  request tracks the forwarding, so the worklist carries out every action on this item.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.i18n import N_, _
from kulisser.records.models import RecordRequest
from kulisser.records.states import KIND_LABELS, OPEN_STATUSES, RequestStatus
from kulisser.staff.service import Actor
from kulisser.worklist import service as worklist
from kulisser.worklist.service import (
    ALL_OPERATIONS,
    GENERIC_OPERATIONS,
    Finding,
    KindSpec,
    Priority,
    WorkItem,
    compare,
    register,
    register_record_page,
)

REF_TYPE = "record_request"
TZ = ZoneInfo("Europe/Stockholm")
DUE_HOUR = time(16, 0)  # due by the afternoon of the target day, Swedish time
register_record_page(REF_TYPE, label=N_("Begäran om journalkopia"),
                                    path="/journalkopior/{id}")
_OPEN = [s.value for s in OPEN_STATUSES]


def _load(session: Session, ids: list[int]) -> dict[int, Any]:
    return {r.id: r for r in session.scalars(select(RecordRequest).where(RecordRequest.id.in_(ids)))}


def _check(session: Session) -> list[Finding]:
    """An open request has an open item; a handled or withdrawn one has none."""
    return compare(session, kind=REQUEST.code, ref_type=REF_TYPE, model=RecordRequest,
                   needs=RecordRequest.status.in_(_OPEN), allows=lambda r: r.status in _OPEN,
                   label=_("Begäran om journalkopia"))


REQUEST = register(KindSpec(
    code="record-request", label=N_("Journalkopia"), label_plural=N_("Journalkopior"),
    # Not used for the due time (the target date in working days is); kept for the rule table.
    default_hours={Priority.ACUTE: 4, Priority.HIGH: 24, Priority.NORMAL: 24, Priority.LOW: 72},
    ref_type=REF_TYPE, detail_template="records/_item_detail.html", load_refs=_load,
    operations=GENERIC_OPERATIONS,
    record_hint=N_("Öppna begäran för att sammanställa, pröva och lämna ut kopian."),
    check=_check))
APPEAL = register(KindSpec(
    code="record-appeal", label=N_("Överklagande"), label_plural=N_("Överklaganden"),
    # The decision is reviewed and the appeal forwarded without delay (förvaltningslagen 45 §).
    default_hours={Priority.ACUTE: 24, Priority.HIGH: 24, Priority.NORMAL: 72, Priority.LOW: 72},
    ref_type=REF_TYPE, detail_template="records/_item_detail.html", load_refs=_load,
    operations=ALL_OPERATIONS))


def _check_review(session: Session) -> list[Finding]:
    """A request in review has an open review item; one that has left review has none."""
    in_review = RequestStatus.IN_REVIEW.value
    return compare(session, kind=REVIEW.code, ref_type=REF_TYPE, model=RecordRequest,
                   needs=RecordRequest.status == in_review,
                   allows=lambda r: r.status == in_review, label=_("Begäran om journalkopia"))


REVIEW = register(KindSpec(
    code="record-review", label=N_("Sekretessprövning"), label_plural=N_("Sekretessprövningar"),
    # JO: a copy is normally handed out the same day; the review may take a few days at most.
    default_hours={Priority.ACUTE: 4, Priority.HIGH: 8, Priority.NORMAL: 24, Priority.LOW: 48},
    ref_type=REF_TYPE, detail_template="records/_review_item.html", load_refs=_load,
    operations=GENERIC_OPERATIONS,
    record_hint=N_("Öppna begäran för att pröva handlingarna och besluta."), check=_check_review))


def due_at(day: date) -> datetime:
    """When an item due on ``day`` falls due: the afternoon, Swedish time."""
    return datetime.combine(day, DUE_HOUR, TZ)


def open_request_items(session: Session, *, request_id: int) -> list[WorkItem]:
    """The request's open `record-request` items."""
    return worklist.open_items(session, ref_type=REF_TYPE, ref_id=request_id, kind=REQUEST.code)


def open_for(session: Session, *, actor: Actor, request: RecordRequest, patient_name: str,
             now: datetime) -> WorkItem:
    """Open the request's item in the actor's unit queue, due on the target date."""
    what = _(KIND_LABELS[request.kind])
    return worklist.open_item(
        session, actor=actor, kind=REQUEST.code, ref_type=REF_TYPE, ref_id=request.id,
        title=_("{what}: {who}", what=what, who=patient_name), patient_id=request.patient_id,
        due_at=due_at(request.target_date), now=now,
        description=_("Begäran mottagen {day}. Senast klar {target}.",
                      day=request.received_on.isoformat(), target=request.target_date.isoformat()))


def close_for(session: Session, *, actor_id: int | None, request: RecordRequest, now: datetime,
              reason: str, cancel: bool = False) -> None:
    """Close the request's open items: completed when handled, cancelled when withdrawn."""
    worklist.close_items(session, items=open_request_items(session, request_id=request.id),
                         actor_id=actor_id, now=now, reason=reason, cancel=cancel)


def open_appeal_item(session: Session, *, actor: Actor, request: RecordRequest, last_day: date,
                     now: datetime) -> WorkItem:
    """Open the item to review the decision and forward the appeal."""
    return worklist.open_item(
        session, actor=actor, kind=APPEAL.code, ref_type=REF_TYPE, ref_id=request.id,
        title=_("Pröva beslutet och överlämna överklagandet"), patient_id=request.patient_id,
        priority=Priority.HIGH.value, now=now,
        description=_("Överklagandet kom in i tid (sista dag {day}).", day=last_day.isoformat()))


def open_review(session: Session, *, actor: Actor, request: RecordRequest, decider_id: int,
                now: datetime) -> WorkItem:
    """Put the review in the decider's list."""
    return worklist.open_item(
        session, actor=actor, kind=REVIEW.code, ref_type=REF_TYPE, ref_id=request.id,
        patient_id=request.patient_id, owner_id=decider_id, now=now,
        title=_("Sekretessprövning av begäran om journalkopia nr {id}", id=request.id))


def close_reviews(session: Session, *, actor: Actor, request: RecordRequest, now: datetime,
                  reason: str = "", cancel: bool = False) -> None:
    """Close the request's open review items (decided: completed; returned: cancelled)."""
    items = worklist.open_items(session, ref_type=REF_TYPE, ref_id=request.id, kind=REVIEW.code)
    worklist.close_items(session, items=items, actor_id=actor.user_id, now=now, reason=reason,
                         cancel=cancel)


def close_all(session: Session, *, actor: Actor, request: RecordRequest, now: datetime) -> None:
    """Close every open item of the request (`record-request` and any review)."""
    items = worklist.open_items(session, ref_type=REF_TYPE, ref_id=request.id)
    worklist.close_items(session, items=items, actor_id=actor.user_id, now=now)
