"""The demo's access orders: made through the services, one of each kind of moment."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.access_rights import demo_orders, order_items
from kulisser.access_rights.models import AccessOrder
from kulisser.access_rights.service import current_access
from kulisser.db import Database
from kulisser.staff import demo as staff_demo
from kulisser.staff import service as staff
from kulisser.staff.models import Role
from kulisser.worklist.invariants import find
from kulisser.worklist.kinds import get_kind
from tests import factories


def test_the_demo_seeds_a_done_order_a_leaver_and_one_awaiting_approval(
        database: Database, world: factories.World) -> None:
    # The demo's HSA-ids are fixed: seeded in a transaction thrown away, so the run can repeat.
    db = database.sessions()
    try:
        _check(db, world)
    finally:
        db.rollback()
        db.close()


def _check(db: Session, world: factories.World) -> None:
    now = datetime.now(UTC)
    users = [db.get(staff.User, u) for u in (world.secretary_id, world.secretary2_id,
                                              world.clinician_id, world.manager_id)]
    staff_demo.seed(db, rng=random.Random(1), now=now, unit_id=world.unit_id, users=users,
                    patients=[])
    assert demo_orders.seed(db, now=now, unit_id=world.unit_id) == 3
    found = list(db.scalars(select(AccessOrder).where(AccessOrder.unit_id == world.unit_id)
                            .order_by(AccessOrder.id)))
    assert [(o.kind, o.status) for o in found] == [
        ("new", "done"), ("leaver", "approved"), ("change", "awaiting_approval")]
    assert found[2].ordered_by != world.manager_id  # the manager may approve it
    leaver = found[1]
    assert len([x for x in leaver.lines if x.status == "open"]) == len(leaver.lines) - 1
    assert current_access(db, person_id=leaver.person_id, unit_id=world.unit_id)
    assert {r.role for r in users if r} >= {Role.MANAGER.value}
    findings = find(db, kinds=[get_kind(order_items.LINE.code)])[order_items.LINE.code]
    assert [f for f in findings if f.unit_id == world.unit_id] == []
