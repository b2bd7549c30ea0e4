"""Demo record requests, made through the same service calls a secretary and a clinician make.

The unit's delegation table first (clinicians decide; the manager too, even on what she
prepared; one ended line shows the table's history). Then one request in every state:
received today, one past its breach date, one being compiled, one in review, one decided
partly refused with its written decision and an appeal in time, one delivered within target,
and a log extract. Every step is the real one (documents.pick_all, review.submit /
review_document / decide, delivery.deliver with pdf.compile_release), at the time it would
have happened, so the demo's data is exactly what a user would make.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kulisser import workdays
from kulisser.config import Settings
from kulisser.letters import service as letters
from kulisser.patients import service as patient_service
from kulisser.records import delegation, delivery, documents, review
from kulisser.records import service as records
from kulisser.records.models import RecordRequest
from kulisser.staff import service as staff
from kulisser.staff.service import Actor, Role

# A one-page PDF stand-in for a scanned consent (demo data, not a real signature).
CONSENT_PDF = b"%PDF-1.4\n% demo consent\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
WITHHELD_WHY = "Uppgifter om en anhörig som kan lida men om de lämnas ut."


def _working_days_back(today: date, n: int) -> date:
    day = today
    while n:
        day -= timedelta(days=1)
        if workdays.is_working_day(day):
            n -= 1
    return day


def seed_delegation(session: Session, *, rng: random.Random, now: datetime, unit_id: int,
                    users: list[Any]) -> int:
    """Write the demo unit's delegation lines; return how many."""
    manager = next(u for u in users if u.role == Role.MANAGER.value)
    actor = staff.make_actor(manager, unit_id=unit_id)
    today = delegation.local_today(now)
    start = today - timedelta(days=365)  # valid for the whole demo history
    delegation.add(session, actor=actor, role=Role.CLINICIAN.value, valid_from=start, now=now)
    delegation.add(session, actor=actor, user_id=manager.id, valid_from=start,
                   may_decide_own=True, now=now)
    secretaries = [u for u in users if u.role == Role.SECRETARY.value]
    if secretaries:  # a secretary who decided while the manager was on leave: history now
        delegation.add(session, actor=actor, user_id=rng.choice(secretaries).id,
                       valid_from=start, valid_to=today - timedelta(days=30), now=now)
        return 3
    return 2


def _with_documents(session: Session, *, unit_id: int, patients: list[Any], rng: random.Random,
                    n: int) -> list[Any]:
    """Up to ``n`` patients with at least two documents in the unit (one can be withheld)."""
    rich = [p for p in patients if not p.protected_identity
            and len(documents.record_of(session, patient_id=p.id, unit_id=unit_id)) >= 2]
    rng.shuffle(rich)
    return rich[:n]


def seed(session: Session, *, rng: random.Random, now: datetime, unit_id: int, users: list[Any],
         patients: list[patient_service.Patient]) -> int:
    """Make the demo unit's delegation table and record requests; return how many requests."""
    seed_delegation(session, rng=rng, now=now, unit_id=unit_id, users=users)
    by_role = {u.role: u for u in users}
    secretary = staff.make_actor(by_role["secretary"], unit_id=unit_id)
    clinician = staff.make_actor(by_role["clinician"], unit_id=unit_id)
    today = records.local_today(now)
    rich = _with_documents(session, unit_id=unit_id, patients=list(patients), rng=rng, n=4)
    if len(rich) < 4:
        return 0  # nothing to compile from: the other packages' demo records are missing
    others = rng.sample([p for p in patients if p not in rich], 3)

    def new(patient: Any, back: int, at: datetime = now, **kw: object) -> RecordRequest:
        data = records.RequestData(patient_id=patient.id, channel=str(kw.pop("channel", "phone")),
                                   received_on=_working_days_back(records.local_today(at), back),
                                   **kw)  # type: ignore[arg-type]
        return records.register_request(session, actor=secretary, data=data, now=at)

    new(others[0], 0)                                        # received today by phone
    new(others[1], 6, channel="letter", first_copy=True)     # received, past its breach date
    new(others[2], 0, kind="log_extract", channel="eservice", scope="period",
        period_from=today - timedelta(days=365), period_to=today, delivery="mailbox")
    compiling = new(rich[0], 1, channel="email", scope="period",
                    period_from=today - timedelta(days=3 * 365), period_to=today)
    documents.pick_all(session, actor=secretary, request_id=compiling.id, now=now)
    in_review = new(rich[1], 1, requester_kind="insurer", requester_name="Anna Berg",
                    requester_organisation="Trygg Försäkring AB",
                    requester_address="Box 100, 111 22 Småstad",
                    consent_signed_on=today - timedelta(days=60), consent_document=CONSENT_PDF,
                    consent_filename="samtycke.pdf")
    _compile_and_submit(session, in_review, secretary, clinician, now)

    # Decided two days ago, on its target day, partly refused: its written decision went out by
    # post that day and arrived today, and the guardian appealed it at once (in time). The
    # released part is still to be sent, so it is open but not past its breach date.
    then = now - timedelta(days=2)
    decided = new(rich[2], 1, at=then, requester_kind="guardian", requester_name="Karin Lund",
                  requester_address="Storgatan 3, 111 22 Småstad")
    _compile_and_submit(session, decided, secretary, clinician, then)
    _review_all(session, decided, clinician, then, withhold_last=True)
    review.decide(session, actor=clinician, request_id=decided.id, now=then,
                  reason="Övriga handlingar lämnas ut.")
    assert decided.decision_letter_id is not None
    letters.act(session, actor=secretary, letter_id=decided.decision_letter_id, op="sent",
                now=then + timedelta(hours=1))
    review.set_received(session, actor=secretary, request_id=decided.id,
                        received_on=min(today, records.local_today(then)
                                        + timedelta(days=review.POST_DAYS)), now=now)
    records.add_appeal(session, actor=secretary, request_id=decided.id, received_on=today,
                       now=now)

    # Received yesterday, compiled, released in full and posted today: within target.
    delivered = new(rich[3], 1, first_copy=True)
    _compile_and_submit(session, delivered, secretary, clinician, now)
    _review_all(session, delivered, clinician, now)
    review.decide(session, actor=clinician, request_id=delivered.id, now=now)
    delivery.deliver(session, actor=secretary, request_id=delivered.id, how="post",
                     settings=Settings(mode="demo"), now=now)
    session.flush()
    return 7


def _compile_and_submit(session: Session, request: RecordRequest, secretary: Actor,
                        decider: Actor, now: datetime) -> None:
    documents.pick_all(session, actor=secretary, request_id=request.id, now=now)
    review.submit(session, actor=secretary, request_id=request.id, decider_id=decider.user_id,
                  now=now)


def _review_all(session: Session, request: RecordRequest, decider: Actor, now: datetime,
                withhold_last: bool = False) -> None:
    """The decider's verdicts: everything released, or the last document withheld."""
    docs = list(request.documents)
    for n, doc in enumerate(docs, start=1):
        if withhold_last and n == len(docs):
            review.review_document(session, actor=decider, request_id=request.id,
                                   document_id=doc.id, verdict="withhold",
                                   legal_ground="osl_25_1", reason=WITHHELD_WHY, now=now)
        else:
            review.review_document(session, actor=decider, request_id=request.id,
                                   document_id=doc.id, verdict="release", now=now)
