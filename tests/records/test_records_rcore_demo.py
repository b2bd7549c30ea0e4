"""The demo's record requests: every state, one overdue, one appealed, one handled in time."""

from __future__ import annotations

import random

from sqlalchemy.orm import Session

from kulisser.records import demo
from kulisser.records import service as records
from kulisser.records.figures import compute
from kulisser.staff.models import Role
from tests import factories
from tests.records.helpers import NOW, TODAY, work_items


def test_demo_record_requests(db: Session) -> None:
    unit = factories.make_unit(db)
    users = [factories.make_user(db, unit, Role.SECRETARY), factories.make_user(db, unit, Role.CLINICIAN),
             factories.make_user(db, unit, Role.MANAGER)]
    patients = [factories.make_patient(db, unit) for _ in range(12)]
    made = demo.seed(db, rng=random.Random(7), now=NOW, unit_id=unit.id, users=users,
                     patients=patients)
    rows = records.list_requests(db, actor=factories.actor_for(users[0]), status="all", now=NOW)
    assert len(rows) == made == 7
    statuses = {r.request.status for r in rows}
    assert statuses == {"received", "compiling", "in_review", "decided", "delivered"}
    assert any(r.mark == "breached" and r.request.status == "received" for r in rows)
    appealed = [r.request for r in rows if r.request.appeals]
    assert len(appealed) == 1 and appealed[0].appeals[0].in_time
    assert work_items(db, appealed[0].id, kind="record-appeal")
    assert {r.request.kind for r in rows} == {"copy", "log_extract"}
    delivered = next(r.request for r in rows if r.request.status == "delivered")
    assert [i.status for i in work_items(db, delivered.id, kind="record-request")] == ["completed"]
    months, ages = compute(db, unit_ids=(unit.id,), today=TODAY)
    assert sum(m.within_target for m in months) == 1 and sum(ages[unit.id]) == 6
