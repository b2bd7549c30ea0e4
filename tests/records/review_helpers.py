"""Helpers of rreview's tests: a compiled request with documents, delegation lines."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from kulisser.db import utcnow
from kulisser.records import delegation
from kulisser.records.models import DocumentMask, RecordRequest, RequestDocument
from kulisser.records.states import RequestStatus
from tests import factories


def compiled_request(session: Session, world: factories.World, *, documents: int = 2,
                     requester_kind: str = "patient", patient_id: int | None = None,
                     status: str = RequestStatus.COMPILING.value, **extra: object) -> RecordRequest:
    """A request being compiled, with picked documents (the first one with a masked passage)."""
    today = delegation.local_today()
    request = RecordRequest(
        unit_id=world.unit_id, patient_id=patient_id or world.patient_ids[0], kind="copy",
        status=status, received_on=today, channel="phone", requester_kind=requester_kind,
        requester_name=str(extra.pop("requester_name", "Eva Ek")), scope="whole",
        delivery="post", target_date=today + timedelta(days=1),
        breach_date=today + timedelta(days=3), created_by_id=world.secretary_id, **extra)
    for n in range(documents):
        doc = RequestDocument(source="note", source_id=1000 + n, title=f"Anteckning {n + 1}",
                              document_date=today, text=f"Text nummer {n + 1} med en hemlighet.",
                              position=n)
        if n == 0:
            doc.masks.append(DocumentMask(start_at=16, end_at=31))
        request.documents.append(doc)
    session.add(request)
    session.flush()
    return request


def delegate(session: Session, world: factories.World, *, user_id: int | None = None,
             role: str | None = None, own: bool = False,
             valid_from: date | None = None, valid_to: date | None = None) -> None:
    """A line in the world's delegation table, added by its manager."""
    manager = factories.actor(session, world.manager_id)
    delegation.add(session, actor=manager, user_id=user_id, role=role, may_decide_own=own,
                   valid_from=valid_from or date(2020, 1, 1), valid_to=valid_to)


def now() -> datetime:
    """The time of an act in a test."""
    return utcnow()
