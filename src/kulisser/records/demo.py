"""Demo record requests: one in every state, one overdue, one appealed, a log extract.

Registration goes through the service, as a secretary would enter it (the clock, the work item
and the audit rows are the real ones). The later steps (compiling, the secrecy review, the
decision, delivery) belong to other modules of this package; here they are set on the request
directly, with their history, so that the demo shows the whole path.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kulisser import workdays
from kulisser.patients import service as patient_service
from kulisser.records import review_demo
from kulisser.records import service as records
from kulisser.records.models import RecordRequest
from kulisser.records.states import Action, Outcome
from kulisser.staff import service as staff
from kulisser.staff.service import Actor

# A one-page PDF stand-in for a scanned consent (demo data, not a real signature).
CONSENT_PDF = b"%PDF-1.4\n% demo consent\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def _working_days_back(today: date, n: int) -> date:
    day = today
    while n:
        day -= timedelta(days=1)
        if workdays.is_working_day(day):
            n -= 1
    return day


def seed(session: Session, *, rng: random.Random, now: datetime, unit_id: int, users: list[Any],
         patients: list[patient_service.Patient]) -> int:
    """Make the demo unit's delegation table and record requests; return how many requests."""
    review_demo.seed(session, rng=rng, now=now, unit_id=unit_id, users=users, patients=patients)
    by_role = {u.role: u for u in users}
    secretary = staff.make_actor(by_role["secretary"], unit_id=unit_id)
    clinician = by_role["clinician"]
    today = records.local_today(now)
    picked = rng.sample(patients, 8)

    def new(patient: patient_service.Patient, back: int, **kw: object) -> RecordRequest:
        data = records.RequestData(patient_id=patient.id, channel=str(kw.pop("channel", "phone")),
                                   received_on=_working_days_back(today, back), **kw)  # type: ignore[arg-type]
        return records.register_request(session, actor=secretary, data=data, now=now)

    new(picked[0], 0)                                        # received today by phone
    new(picked[1], 6, channel="letter", first_copy=True)     # received, past its breach date
    compiling = new(picked[2], 1, channel="email", scope="period",
                    period_from=today - timedelta(days=400), period_to=today)
    compiling.move(Action.COMPILE, actor_id=secretary.user_id, now=now)
    review = new(picked[3], 1, requester_kind="insurer", requester_name="Anna Berg",
                 requester_organisation="Trygg Försäkring AB",
                 requester_address="Box 100, 111 22 Småstad",
                 consent_signed_on=today - timedelta(days=60), consent_document=CONSENT_PDF,
                 consent_filename="samtycke.pdf")
    _to_review(review, secretary, clinician.id, now)
    new(picked[4], 0, kind="log_extract", channel="eservice", scope="period",
        period_from=today - timedelta(days=365), period_to=today, delivery="mailbox")
    decided = new(picked[5], 20, requester_kind="guardian", requester_name="Karin Lund",
                  requester_address="Storgatan 3, 111 22 Småstad")
    _to_review(decided, secretary, clinician.id, now)
    _decide(decided, clinician.id, Outcome.PARTIAL, now,
            reason="Uppgifter om en anhörig lämnas inte ut (OSL 25 kap. 1 §).")
    decided.decision_received_on = _working_days_back(today, 15)
    delivered = new(picked[6], 8, first_copy=True)
    _to_review(delivered, secretary, clinician.id, now)
    _decide(delivered, clinician.id, Outcome.FULL, now)
    delivered.move(Action.DELIVER, actor_id=secretary.user_id, now=now)
    delivered.handled_on = workdays.add_working_days(delivered.received_on, 1)
    delivered.delivered_at, delivered.delivered_by_id = now, secretary.user_id
    delivered.page_count, delivered.fee_sek = 12, 0
    records.close_items(session, actor=secretary, request=delivered, now=now,
                        reason="Kopian utlämnad")
    session.flush()
    records.add_appeal(session, actor=secretary, request_id=decided.id,
                       received_on=_working_days_back(today, 2), now=now)
    return 7


def _to_review(r: RecordRequest, secretary: Actor, decider_id: int, now: datetime) -> None:
    r.move(Action.COMPILE, actor_id=secretary.user_id, now=now)
    r.prepared_by_id, r.decider_id = secretary.user_id, decider_id
    r.move(Action.SUBMIT, actor_id=secretary.user_id, now=now)


def _decide(r: RecordRequest, decider_id: int, outcome: Outcome, now: datetime,
            reason: str = "") -> None:
    r.outcome, r.decision_reason = outcome.value, reason
    r.decided_by_id, r.decided_at = decider_id, now
    r.move(Action.DECIDE, actor_id=decider_id, now=now, outcome=outcome.value)
