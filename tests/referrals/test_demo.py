"""The demo's referrals: 20 incoming in every state with one overdue assessment, 4 outgoing."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from kulisser.db import Database
from kulisser.patients.models import Patient
from kulisser.referrals import demo
from kulisser.referrals.models import OutgoingReferral, Referral
from kulisser.staff.models import Role, User
from kulisser.waitlist.models import WaitlistEntry
from kulisser.worklist.models import WorkItem
from kulisser.worklist.states import OPEN_STATUSES
from tests import factories

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_demo_referrals(database: Database, tmp_path: Path) -> None:
    with database.session() as s:
        unit = factories.make_unit(s)
        users = [factories.make_user(s, unit, role) for role in (
            Role.SECRETARY, Role.SECRETARY, Role.CLINICIAN, Role.CLINICIAN, Role.MANAGER)]
        patients = [factories.make_patient(s, unit) for _ in range(40)]
        made = demo.seed(s, rng=random.Random(4), now=NOW, unit_id=unit.id, users=users,
                         patients=patients, data_dir=tmp_path)
        unit_id = unit.id
    assert made == 20
    with database.session() as s:
        found = list(s.scalars(select(Referral).where(Referral.unit_id == unit_id)))
        assert len(found) == 20
        statuses = Counter(r.status for r in found)
        assert {"registered", "received", "under_assessment", "waiting_for_info", "replied",
                "cancelled"} <= set(statuses)
        assert Counter(r.outcome for r in found if r.outcome) == {
            "accepted": 5, "rejected": 2, "forwarded": 1}
        for r in found:  # every history runs forward in time, never past now
            times = [e.at for e in r.events]
            assert times == sorted(times) and times[-1] <= NOW
        accepted = [r for r in found if r.outcome == "accepted"]
        for r in accepted:
            entry = s.get(WaitlistEntry, r.waitlist_entry_id)
            assert entry is not None and entry.clock_start == r.issued_on < r.received_on
        assert any(r.attachments for r in found)
        items = list(s.scalars(select(WorkItem).where(WorkItem.unit_id == unit_id,
                                                      WorkItem.kind == "referral-assessment")))
        overdue = [i for i in items if i.status in OPEN_STATUSES and i.due_at < NOW]
        assert len(overdue) == 1
        outgoing = list(s.scalars(select(OutgoingReferral).where(
            OutgoingReferral.unit_id == unit_id)))
        assert Counter(o.status for o in outgoing) == {"draft": 1, "sent": 2, "replied": 1}
        chased = [o for o in outgoing if o.chased_at is not None]
        assert len(chased) == 1 and s.scalar(select(WorkItem.id).where(
            WorkItem.kind == "referral-chase", WorkItem.ref_id == chased[0].id))
        assert s.scalar(select(User.id).where(User.id == users[0].id))
        assert s.get(Patient, patients[0].id)
