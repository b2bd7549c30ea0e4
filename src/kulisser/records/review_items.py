"""The secrecy review's work item: `record-review`, the decider's while a request is in review.

Opened when the secretary submits the compiled request (owned by the named decider), closed
when the decider decides or returns it. rcore's `record-request` item (the whole request)
stays open beside it until the request is delivered or closed (delivery.py closes both).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.i18n import N_, _
from kulisser.records.models import RecordRequest
from kulisser.records.states import RequestStatus
from kulisser.staff.service import Actor
from kulisser.worklist import service as worklist

REF_TYPE = "record_request"
worklist.register_record_page(REF_TYPE, label=N_("Begäran om journalkopia"),
                              path="/journalkopior/{id}")


def _load(session: Session, ids: list[int]) -> dict[int, Any]:
    return {r.id: r for r in session.scalars(select(RecordRequest).where(RecordRequest.id.in_(ids)))}


def _check(session: Session) -> list[worklist.Finding]:
    """A request in review has an open review item; one that has left review has none."""
    in_review = RequestStatus.IN_REVIEW.value
    return worklist.compare(session, kind=REVIEW.code, ref_type=REF_TYPE, model=RecordRequest,
                            needs=RecordRequest.status == in_review,
                            allows=lambda r: r.status == in_review,
                            label=_("Begäran om journalkopia"))


REVIEW = worklist.register(worklist.KindSpec(
    code="record-review", label=N_("Sekretessprövning"), label_plural=N_("Sekretessprövningar"),
    # JO: a copy is normally handed out the same day; the review may take a few days at most.
    default_hours={worklist.Priority.ACUTE: 4, worklist.Priority.HIGH: 8,
                   worklist.Priority.NORMAL: 24, worklist.Priority.LOW: 48},
    ref_type=REF_TYPE, detail_template="records/_review_item.html", load_refs=_load,
    operations=worklist.GENERIC_OPERATIONS,
    record_hint=N_("Öppna begäran för att pröva handlingarna och besluta."), check=_check))


def open_review(session: Session, *, actor: Actor, request: RecordRequest, decider_id: int,
                now: datetime) -> worklist.WorkItem:
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
    """Close every open item of the request (rcore's `record-request` and any review)."""
    items = worklist.open_items(session, ref_type=REF_TYPE, ref_id=request.id)
    worklist.close_items(session, items=items, actor_id=actor.user_id, now=now)
