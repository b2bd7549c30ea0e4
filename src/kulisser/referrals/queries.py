"""The referral lists: the unit's inbox and its outgoing referrals, filtered; each patient
shown is logged (one "list" audit row per patient)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.i18n import N_
from kulisser.names import search_key
from kulisser.patients.service import Patient
from kulisser.referrals import items
from kulisser.referrals.models import OutgoingReferral, Referral
from kulisser.referrals.states import OutgoingStatus, ReferralStatus
from kulisser.staff.service import Actor
from kulisser.worklist import service as worklist
from kulisser.worklist.service import Priority, WorkItem

S = ReferralStatus
# Filter value -> (label, statuses, outcome).
STATUS_FILTERS: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "open": (N_("Alla öppna"), tuple(s.value for s in (S.REGISTERED, S.RECEIVED, S.UNDER_ASSESSMENT,
                                                    S.WAITING_FOR_INFO)), None),
    "to_assess": (N_("Att bedöma"), (S.REGISTERED.value, S.RECEIVED.value, S.UNDER_ASSESSMENT.value),
                  None),
    "waiting_for_info": (N_("Väntar på komplettering"), (S.WAITING_FOR_INFO.value,), None),
    "accepted": (N_("Antagna"), (S.REPLIED.value, S.ACCEPTED.value), "accepted"),
    "rejected": (N_("Avvisade"), (S.REPLIED.value, S.REJECTED.value), "rejected"),
    "forwarded": (N_("Vidarebefordrade"), (S.REPLIED.value, S.FORWARDED.value), "forwarded"),
    "cancelled": (N_("Makulerade"), (S.CANCELLED.value,), None),
    "all": (N_("Alla"), (), None),
}
OUT_FILTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "open": (N_("Utkast och väntar på svar"), (OutgoingStatus.DRAFT.value, OutgoingStatus.SENT.value)),
    "draft": (N_("Utkast"), (OutgoingStatus.DRAFT.value,)),
    "sent": (N_("Väntar på svar"), (OutgoingStatus.SENT.value,)),
    "overdue": (N_("Svar försenat"), (OutgoingStatus.SENT.value,)),
    "replied": (N_("Besvarade"), (OutgoingStatus.REPLIED.value,)),
    "cancelled": (N_("Makulerade"), (OutgoingStatus.CANCELLED.value,)),
    "all": (N_("Alla"), ()),
}
_PRIO = case({p.value: n for n, p in enumerate(Priority)}, value=Referral.priority, else_=9)


@dataclass(frozen=True)
class ReferralFilter:
    """What the inbox shows."""

    status: str = "open"
    priority: str = ""
    assessor_id: int | None = None
    patient_id: int | None = None
    q: str = ""
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class OutgoingFilter:
    """What the outgoing list shows; overdue uses the chase limit in days."""

    status: str = "open"
    patient_id: int | None = None
    q: str = ""
    overdue_days: int = 30
    offset: int = 0
    limit: int = 50


@dataclass
class Row:
    """A referral as a list shows it, with its patient and its open work item (if any)."""

    record: Any
    patient: Patient
    item: WorkItem | None = None
    overdue: bool = False


@dataclass
class Page:
    """One page of a list; more: whether a next page exists."""

    rows: list[Row] = field(default_factory=list)
    more: bool = False


def _search(stmt: Select[Any], q: str, sender: Any) -> Select[Any]:
    q = q.strip().lower()
    if not q:
        return stmt
    digits = re.sub(r"\D", "", q)
    if digits and len(digits) >= 4 and not re.sub(r"[\d\s+-]", "", q):
        return stmt.where(Patient.id_value.contains(digits))
    for term in q.split():
        stmt = stmt.where(or_(Patient.search_name.contains(search_key(term), autoescape=True),
                              func.lower(sender).contains(term, autoescape=True)))
    return stmt


def _open_items(session: Session, *, ref_type: str, ids: list[int]) -> dict[int, WorkItem]:
    # The newest open item of each record, as the lists have always shown it.
    found = worklist.open_items_for(session, ref_type=ref_type, ref_ids=ids)
    return {ref_id: record_items[-1] for ref_id, record_items in found.items()}


def list_referrals(session: Session, *, actor: Actor, f: ReferralFilter,
                   now: datetime | None = None) -> Page:
    """The unit's incoming referrals: the open ones most urgent first, the others newest first."""
    now = now or utcnow()
    label_statuses = STATUS_FILTERS.get(f.status, STATUS_FILTERS["open"])
    _label, statuses, outcome = label_statuses
    stmt = (select(Referral, Patient).join(Patient, Patient.id == Referral.patient_id)
            .where(Referral.unit_id == actor.unit_id))
    if statuses:
        stmt = stmt.where(Referral.status.in_(statuses))
    if outcome:
        stmt = stmt.where(Referral.outcome == outcome)
    if f.priority:
        stmt = stmt.where(Referral.priority == f.priority)
    if f.assessor_id is not None:
        stmt = stmt.where(Referral.assessor_id == f.assessor_id)
    if f.patient_id is not None:
        stmt = stmt.where(Referral.patient_id == f.patient_id)
    stmt = _search(stmt, f.q, Referral.sender_name)
    if f.status in ("open", "to_assess", "waiting_for_info"):
        stmt = stmt.order_by(_PRIO, Referral.received_on, Referral.id)
    else:
        stmt = stmt.order_by(Referral.registered_at.desc(), Referral.id.desc())
    found = session.execute(stmt.offset(f.offset).limit(f.limit + 1)).tuples().all()
    open_items = _open_items(session, ref_type=items.REF_INCOMING, ids=[r.id for r, _p in found])
    rows = []
    for referral, patient in found[:f.limit]:
        item = open_items.get(referral.id)
        rows.append(Row(record=referral, patient=patient, item=item,
                        overdue=item is not None and item.due_at < now))
    audit.log_listing(session, actor=actor, patient_ids=[r.patient.id for r in rows],
                      object_type="referral_list", now=now)
    return Page(rows=rows, more=len(found) > f.limit)


def list_outgoing(session: Session, *, actor: Actor, f: OutgoingFilter,
                  now: datetime | None = None) -> Page:
    """The unit's outgoing referrals: waiting ones oldest sent first, the others newest first."""
    now = now or utcnow()
    _label, statuses = OUT_FILTERS.get(f.status, OUT_FILTERS["open"])
    limit_at = now - timedelta(days=f.overdue_days)
    stmt = (select(OutgoingReferral, Patient).join(Patient, Patient.id == OutgoingReferral.patient_id)
            .where(OutgoingReferral.unit_id == actor.unit_id))
    if statuses:
        stmt = stmt.where(OutgoingReferral.status.in_(statuses))
    if f.status == "overdue":
        stmt = stmt.where(OutgoingReferral.sent_at <= limit_at)
    if f.patient_id is not None:
        stmt = stmt.where(OutgoingReferral.patient_id == f.patient_id)
    stmt = _search(stmt, f.q, OutgoingReferral.receiver_name)
    if f.status in ("sent", "overdue"):
        stmt = stmt.order_by(OutgoingReferral.sent_at, OutgoingReferral.id)
    else:
        stmt = stmt.order_by(OutgoingReferral.created_at.desc(), OutgoingReferral.id.desc())
    found = session.execute(stmt.offset(f.offset).limit(f.limit + 1)).tuples().all()
    chase = _open_items(session, ref_type=items.REF_OUTGOING, ids=[o.id for o, _p in found])
    rows = [Row(record=o, patient=p, item=chase.get(o.id),
                overdue=o.status == OutgoingStatus.SENT and o.sent_at is not None
                and o.sent_at <= limit_at)
            for o, p in found[:f.limit]]
    audit.log_listing(session, actor=actor, patient_ids=[r.patient.id for r in rows],
                      object_type="outgoing_referral_list", now=now)
    return Page(rows=rows, more=len(found) > f.limit)
