"""Record requests: the operations other packages and the pages call.

Registration and the unit's rules are in intake.py (re-exported here); this module loads a
request through the access check, lists the unit's requests, withdraws one, records an appeal
and quotes a fee.

Every read and write of a request goes through ``get_request`` or ``for_change``: the one
access check (audit.service.check) with its audit row, allowed or refused. A request of
another care unit is refused even where that unit also has a care relation with the patient:
a unit's releases are its own decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser import workdays
from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.patients import service as patients
from kulisser.records import fees, items
from kulisser.records.aggregates import CopyFigures as CopyFigures
from kulisser.records.aggregates import copy_figures as copy_figures
from kulisser.records.intake import DOCUMENT_KINDS as DOCUMENT_KINDS
from kulisser.records.intake import RequestData as RequestData
from kulisser.records.intake import clock as clock
from kulisser.records.intake import fee_table as fee_table
from kulisser.records.intake import local_today as local_today
from kulisser.records.intake import register_request as register_request
from kulisser.records.intake import rules as rules
from kulisser.records.intake import set_rules as set_rules
from kulisser.records.models import Appeal, RecordRequest
from kulisser.records.states import OPEN_STATUSES, Action, Outcome, RequestKind, RequestStatus
from kulisser.staff.service import Actor
from kulisser.worklist.service import TransitionError

OBJECT_TYPE = "record_request"


def check(session: Session, *, actor: Actor, request: RecordRequest, action: str,
          now: datetime) -> None:
    """The access check and audit row for one read or write of a request."""
    audit.check(session, actor=actor, record=request, object_type=OBJECT_TYPE, action=action,
                current_unit=True, reason=_("Begäran hör till en annan vårdenhet."), now=now)


def _load(session: Session, request_id: int, *, lock: bool = False) -> RecordRequest:
    request = session.get(RecordRequest, request_id,
                          with_for_update={"of": RecordRequest} if lock else None,
                          populate_existing=lock)
    if request is None:
        raise NotFound(_("Begäran finns inte."))
    return request


def get_request(session: Session, *, actor: Actor, request_id: int, action: str = "read",
                now: datetime | None = None) -> RecordRequest:
    """Load a request after the access check (which writes the audit row)."""
    request = _load(session, request_id)
    check(session, actor=actor, request=request, action=action, now=now or utcnow())
    return request


def for_change(session: Session, *, actor: Actor, request_id: int,
               now: datetime) -> RecordRequest:
    """Load a request for a change: row-locked, access-checked, logged as an update."""
    request = _load(session, request_id, lock=True)
    check(session, actor=actor, request=request, action="update", now=now)
    return request


# -- the clock's marks ----------------------------------------------------------------------

def marks(request: RecordRequest, today: date) -> str:
    """"breached", "at_risk" or "" for a request: an open one against today, a handled one
    against the day it was handled. At risk once the target date has passed."""
    day = today if request.status in OPEN_STATUSES else request.handled_on
    if day is None:
        return ""
    if day > request.breach_date:
        return "breached"
    if day > request.target_date:
        return "at_risk"
    return ""


# -- the unit's list ------------------------------------------------------------------------

STATUS_FILTERS = ("open", "all", *(s.value for s in RequestStatus))


@dataclass(frozen=True)
class RequestRow:
    """One request of a list, with its patient and its clock mark as of today."""

    request: RecordRequest
    patient: patients.Patient
    mark: str


def list_requests(session: Session, *, actor: Actor, status: str = "open", kind: str = "",
                  limit: int | None = None, object_type: str = OBJECT_TYPE,
                  now: datetime | None = None) -> list[RequestRow]:
    """The actor's unit's requests by target date; every patient shown is logged as listed."""
    errors: dict[str, str] = {}
    if status not in STATUS_FILTERS:
        errors["status"] = _("Okänt urval.")
    if kind and kind not in {k.value for k in RequestKind}:
        errors["kind"] = _("Okänt slag av begäran.")
    if errors:
        raise ValidationFailed(errors)
    now = now or utcnow()
    stmt = (select(RecordRequest, patients.Patient)
            .join(patients.Patient, patients.Patient.id == RecordRequest.patient_id)
            .where(RecordRequest.unit_id == actor.unit_id)
            .order_by(RecordRequest.target_date, RecordRequest.id))
    if status == "open":
        stmt = stmt.where(RecordRequest.status.in_([s.value for s in OPEN_STATUSES]))
    elif status != "all":
        stmt = stmt.where(RecordRequest.status == status)
    if kind:
        stmt = stmt.where(RecordRequest.kind == kind)
    if limit is not None:
        stmt = stmt.limit(limit)
    today = local_today(now)
    rows = [RequestRow(r, p, marks(r, today)) for r, p in session.execute(stmt).tuples()]
    audit.log_listing(session, actor=actor, patient_ids=[r.patient.id for r in rows],
                      object_type=object_type, now=now)
    return rows


# -- withdrawal, appeals, fees ----------------------------------------------------------------

REASON_MAX = 2000


def withdraw(session: Session, *, actor: Actor, request_id: int, reason: str,
             now: datetime) -> RecordRequest:
    """The requester withdraws the request: it ends, and its work item is cancelled."""
    text = reason.strip()
    if not text:
        raise ValidationFailed({"reason": _("Ange varför begäran återkallas.")})
    if len(text) > REASON_MAX:
        raise ValidationFailed({"reason": _("Högst {limit} tecken.", limit=REASON_MAX)})
    request = for_change(session, actor=actor, request_id=request_id, now=now)
    request.move(Action.WITHDRAW, actor_id=actor.user_id, now=now, reason=text)
    request.handled_on = local_today(now)
    items.close_for(session, actor_id=actor.user_id, request=request, now=now,
                    reason=_("Begäran återkallad: {reason}", reason=text), cancel=True)
    session.flush()
    return request


def close_items(session: Session, *, actor: Actor, request: RecordRequest, now: datetime,
                reason: str) -> None:
    """Complete the request's work item once it is handled (delivery, a refusal sent)."""
    items.close_for(session, actor_id=actor.user_id, request=request, now=now, reason=reason)


APPEAL_WEEKS = 3


def appeal_last_day(decision_received_on: date) -> date:
    """The last day to appeal: three weeks after the decision was received, moved by lag 1930:173."""
    return workdays.deadline_day(decision_received_on + timedelta(weeks=APPEAL_WEEKS))


def add_appeal(session: Session, *, actor: Actor, request_id: int, received_on: date,
               now: datetime) -> Appeal:
    """Record an appeal of the written decision; in time, it becomes a work item, late, it is noted."""
    if received_on > local_today(now):
        raise ValidationFailed({"received_on": _("Dagen kan inte ligga i framtiden.")})
    request = for_change(session, actor=actor, request_id=request_id, now=now)
    written = request.outcome in (Outcome.PARTIAL, Outcome.REFUSED)
    if not written or request.decision_received_on is None:
        raise TransitionError(_(
            "Bara ett skriftligt beslut om avslag eller delvis avslag kan överklagas, och först "
            "när det är känt vilken dag den som begärde kopian fick beslutet."))
    last_day = appeal_last_day(request.decision_received_on)
    in_time = received_on <= last_day
    appeal = Appeal(received_on=received_on, last_day=last_day, in_time=in_time,
                    created_by_id=actor.user_id, created_at=now)
    request.appeals.append(appeal)
    request.record("appeal" if in_time else "appeal_late", actor_id=actor.user_id, now=now,
                   received_on=received_on.isoformat(), last_day=last_day.isoformat())
    if in_time:
        items.open_appeal_item(session, actor=actor, request=request, last_day=last_day, now=now)
    session.flush()
    return appeal


def fee_quote(session: Session, *, actor: Actor, pages: int, requester_kind: str,
              first_copy: bool) -> int:
    """The fee in kronor for a copy of ``pages`` pages under the actor's unit's table."""
    table = fee_table(rules(session, unit_id=actor.unit_id))
    return fees.fee_sek(pages=pages, requester_kind=requester_kind, first_copy=first_copy,
                        table=table)
