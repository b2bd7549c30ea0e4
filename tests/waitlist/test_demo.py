"""The demo waiting list: about 30 waits, with offers and exclusions, some at risk, a few breached."""

from __future__ import annotations

import random

from sqlalchemy.orm import Session

from kulisser.staff.models import Role
from kulisser.waitlist import demo
from kulisser.waitlist import service as waitlist
from kulisser.waitlist.queries import WaitlistFilter
from tests import factories
from tests.waitlist.helpers import NOW


def test_demo_waiting_list(db: Session) -> None:
    unit = factories.make_unit(db)
    users = [factories.make_user(db, unit, Role.SECRETARY), factories.make_user(db, unit, Role.CLINICIAN)]
    patients = [factories.make_patient(db, unit) for _ in range(40)]
    made = demo.seed(db, rng=random.Random(7), now=NOW, unit_id=unit.id, users=users,
                     patients=patients)
    assert made == 30
    rows = waitlist.list_entries(db, actor=factories.actor_for(users[0]),
                                 f=WaitlistFilter(status="all"), now=NOW)
    assert len(rows) == 30
    figures = [r.figures for r in rows]
    assert 2 <= sum(f.breached for f in figures) <= 8
    assert sum(f.at_risk for f in figures) >= 3
    assert any(f.days_patient for f in figures) and any(f.days_medical for f in figures)
    assert any(f.target_date for f in figures)
    assert any(r.entry.offers and not r.entry.figures(NOW.date()).days_patient
               and any(not o.informed for o in r.entry.offers) for r in rows)
    assert rows[0].figures.breached  # the list starts with what is most urgent
