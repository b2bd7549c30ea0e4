"""The demo's results: about forty, routed to the clinicians, some abnormal, a few unmatched."""

from __future__ import annotations

import random
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.db import utcnow
from kulisser.patients.models import Patient
from kulisser.results import demo
from kulisser.results.models import Result
from kulisser.staff.models import User
from kulisser.worklist.models import WorkItem
from tests import factories


def test_demo_results(db: Session, world: factories.World) -> None:
    users = list(db.scalars(select(User).where(User.id.in_(
        [world.secretary_id, world.clinician_id, world.manager_id]))))
    people = [p for p in db.scalars(select(Patient).where(Patient.id.in_(world.patient_ids)))]
    made = demo.seed(db, rng=random.Random(7), now=utcnow(), unit_id=world.unit_id, users=users,
                     patients=people, count=40)
    found = list(db.scalars(select(Result).where(Result.unit_id == world.unit_id)))
    assert made == len(found) == 40
    statuses = Counter(r.status for r in found)
    assert statuses["unmatched"] >= 3 and statuses["to_sign"] >= 30
    assert any(r.abnormal for r in found) and any(not r.abnormal for r in found)
    assert {r.source_format for r in found} == {"fhir", "jsonl"}
    items = list(db.scalars(select(WorkItem).where(WorkItem.ref_type == "result",
                                                   WorkItem.unit_id == world.unit_id)))
    assert len(items) == 40
    assert {i.owner_id for i in items if i.kind == "result-review"} == {world.clinician_id}
    assert all(i.owner_id is None for i in items if i.kind == "result-unmatched")
