"""The demo's newcomer mid-introduction: the phases before and on the first day done, the first
week under way, every undone task with its open work item; seeding twice adds nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.access_rights import demo_intro, introduction
from kulisser.access_rights.models import Introduction
from kulisser.db import Database, utcnow
from kulisser.worklist import invariants
from kulisser.worklist.kinds import get_kind
from tests import factories


def test_the_demo_newcomer_is_mid_introduction(database: Database,
                                               world: factories.World) -> None:
    # The demo's HSA-ids are fixed: seeded in a transaction thrown away, so the run can repeat.
    db = database.sessions()
    try:
        _check(db, world)
    finally:
        db.rollback()
        db.close()


def _check(db: Session, world: factories.World) -> None:
    already = db.scalar(select(Introduction.id).join(
        introduction.StaffPerson, introduction.StaffPerson.id == Introduction.person_id).where(
        introduction.StaffPerson.hsa_id == demo_intro.NEWCOMER_HSA))
    assert already is None, "the suite's database has no demo newcomer yet"
    intro = demo_intro.seed(db, now=utcnow(), unit_id=world.unit_id)
    assert intro is not None and intro.done_at is None
    row = introduction.progress_of(intro, today=introduction.local_today())
    assert row.phases["before"] == (3, 3) and row.phases["first_day"] == (3, 3)
    assert row.phases["first_week"] == (0, 2) and row.overdue == 0
    found = invariants.find(db, kinds=[get_kind("intro-task")])["intro-task"]
    assert [f for f in found if f.ref_id in {t.id for t in intro.tasks}] == []
    assert demo_intro.seed(db, now=utcnow(), unit_id=world.unit_id) is None
