"""The demo's record requests: every state, one overdue, one appealed, one handled in time, each
made through the services (picked documents, verdicts, a decision letter, a compiled release)."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.letters.models import Letter
from kulisser.records import demo
from kulisser.records import service as records
from kulisser.records.figures import compute
from kulisser.records.models import RecordRelease
from kulisser.staff.models import Role
from tests import factories
from tests.records.helpers import NOW, TODAY, work_items
from tests.records.rpdf_helpers import signed_note


def test_demo_record_requests(db: Session) -> None:
    unit = factories.make_unit(db)
    users = [factories.make_user(db, unit, Role.SECRETARY), factories.make_user(db, unit, Role.CLINICIAN),
             factories.make_user(db, unit, Role.MANAGER)]
    patients = [factories.make_patient(db, unit) for _ in range(12)]
    for patient in patients[:5]:  # five with a record to compile from
        for text in ("Nybesök. Inga besvär.", "Återbesök. Anhörig berättar om sin sjukdom."):
            signed_note(db, unit_id=unit.id, patient_id=patient.id, author_id=users[1].id,
                        text=text)
    made = demo.seed(db, rng=random.Random(7), now=NOW, unit_id=unit.id, users=users,
                     patients=patients)
    rows = records.list_requests(db, actor=factories.actor_for(users[0]), status="all", now=NOW)
    assert len(rows) == made == 7
    statuses = {r.request.status for r in rows}
    assert statuses == {"received", "compiling", "in_review", "decided", "delivered"}
    # One request, and only one, is past its breach date: the overdue one, not yet compiled.
    assert [r.request.status for r in rows if r.mark == "breached"] == ["received"]
    assert {r.request.kind for r in rows} == {"copy", "log_extract"}
    # Compiled through documents.pick_all: every request past receiving has its picks.
    assert all(r.request.documents for r in rows
               if r.request.status in ("compiling", "in_review", "decided", "delivered"))
    appealed = [r.request for r in rows if r.request.appeals]
    assert len(appealed) == 1 and appealed[0].appeals[0].in_time
    decided = appealed[0]
    assert decided.status == "decided" and decided.outcome == "partial"
    assert {d.verdict for d in decided.documents} == {"release", "withhold"}
    letter = db.get(Letter, decided.decision_letter_id)
    assert letter is not None and letter.kind == "record_decision" and letter.status == "sent"
    assert work_items(db, decided.id, kind="record-appeal")
    delivered = next(r.request for r in rows if r.request.status == "delivered")
    release = db.scalar(select(RecordRelease).where(RecordRelease.request_id == delivered.id))
    assert release is not None and release.pdf.startswith(b"%PDF")
    assert delivered.page_count == release.page_count and delivered.handled_on == TODAY
    assert [i.status for i in work_items(db, delivered.id, kind="record-request")] == ["completed"]
    assert [i.status for i in work_items(db, delivered.id, kind="record-review")] == ["completed"]
    months, ages = compute(db, unit_ids=(unit.id,), today=TODAY)
    assert sum(m.within_target for m in months) == 1 and sum(ages[unit.id]) == 6


def test_demo_without_documents_to_compile_makes_no_requests(db: Session) -> None:
    unit = factories.make_unit(db)
    users = [factories.make_user(db, unit, Role.SECRETARY), factories.make_user(db, unit, Role.CLINICIAN),
             factories.make_user(db, unit, Role.MANAGER)]
    patients = [factories.make_patient(db, unit) for _ in range(8)]
    assert demo.seed(db, rng=random.Random(7), now=NOW, unit_id=unit.id, users=users,
                     patients=patients) == 0
