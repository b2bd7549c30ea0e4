"""The demo's staff register: every demo login is a person with a valid assignment, and a
locum without a login has one that ends soon."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from kulisser.db import Database
from kulisser.staff import demo as staff_demo
from kulisser.staff import register
from kulisser.staff import service as staff
from kulisser.staff.models import Role, User
from tests import factories

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_the_demo_staff_are_people_with_assignments(database: Database,
                                                    world: factories.World) -> None:
    # The demo's HSA-ids are fixed: seeded in a transaction thrown away, so the run can repeat.
    db = database.sessions()
    try:
        _check(db, world)
    finally:
        db.rollback()
        db.close()


def _check(db: Session, world: factories.World) -> None:
    users = [db.get(User, i) for i in (world.secretary_id, world.clinician_id, world.manager_id)]
    made = staff_demo.seed(db, rng=random.Random(1), now=NOW, unit_id=world.unit_id,
                              users=users, patients=[])
    assert made == 4
    manager = factories.actor(db, world.manager_id)
    rows = {r.person.full_name: r for r in register.register_rows(db, actor=manager, now=NOW)}
    for user in users:
        assert user is not None
        [line] = rows[user.full_name].current
        assert (line.unit_id, line.role, line.valid_to) == (world.unit_id, user.role, None)
        access = staff.request_access(db, user_id=user.id, unit_id=world.unit_id, now=NOW)
        assert access is not None and access.role == Role(user.role)
    locum = rows["Ingrid Vik"]
    assert locum.person.user_id is None
    assert locum.ends_soon == NOW.date() + timedelta(days=10)
