"""Shortcuts for the record-request tests (rcore): a request registered through the service."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.db import utcnow
from kulisser.patients import service as patients
from kulisser.records import items
from kulisser.records import service as records
from kulisser.records.models import RecordRequest
from kulisser.records.states import Outcome
from kulisser.worklist.models import WorkItem
from tests import factories

# 10:00 UTC on Friday 4 December 2026 is 11:00 in Sweden.
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
TODAY = date(2026, 12, 4)
D = date.fromisoformat
PDF = b"%PDF-1.4\n% consent\n%%EOF\n"


def register(session: Session, world: factories.World, *, now: datetime = NOW,
             patient_id: int | None = None, **kw: object) -> RecordRequest:
    """A request by the world's secretary (received today by phone unless told otherwise)."""
    actor = factories.actor(session, world.secretary_id)
    kw.setdefault("received_on", now.date())
    kw.setdefault("channel", "phone")
    data = records.RequestData(patient_id=patient_id or world.patient_ids[0], **kw)  # type: ignore[arg-type]
    return records.register_request(session, actor=actor, data=data, now=now)


def work_items(session: Session, request_id: int, kind: str | None = None) -> list[WorkItem]:
    """Every work item about the request, oldest first."""
    stmt = select(WorkItem).where(WorkItem.ref_type == items.REF_TYPE, WorkItem.ref_id == request_id)
    if kind:
        stmt = stmt.where(WorkItem.kind == kind)
    return list(session.scalars(stmt.order_by(WorkItem.id)))


def decide_in_writing(request: RecordRequest, *, received_on: date,
                      outcome: Outcome = Outcome.REFUSED) -> None:
    """Stand in for the decision step (rreview's): a written decision received on a day."""
    request.status = "decided"
    request.outcome = outcome.value
    request.decision_received_on = received_on


# -- for tests/web/test_route_coverage.py: requests about its Env's patient (real time) --------

def env_request(env: Any, *, consent: bool = False, decided: bool = False) -> int:
    """A request about the Env's patient, received today (a third party's with consent when
    asked; with a written refusal received yesterday when asked); its id."""
    with env.database.session() as s:
        actor = factories.actor(s, env.world.secretary_id)
        today = records.local_today()
        extra: dict[str, Any] = {}
        if consent:
            extra = dict(requester_kind="court", requester_name="Tingsrätten",
                         requester_address="Box 3", consent_signed_on=today, consent_document=PDF)
        data = records.RequestData(patient_id=env.patient_id, received_on=today, channel="phone",
                                   **extra)
        request = records.register_request(s, actor=actor, data=data, now=utcnow())
        if decided:
            decide_in_writing(request, received_on=today - timedelta(days=1))
        s.flush()
        return request.id


def env_identifier(env: Any) -> str:
    """The Env's patient's identity number as typed."""
    with env.database.session() as s:
        patient = s.get(patients.Patient, env.patient_id)
        assert patient is not None
        return patient.display_id
