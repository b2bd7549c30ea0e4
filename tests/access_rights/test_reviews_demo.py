"""The periodic review's demo data: a done review, an overdue escalated one, run once."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.access_rights import demo_reviews
from kulisser.access_rights.models import AccessReview
from tests import factories
from tests.staff.helpers import assignment, person

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def test_demo_seeds_a_done_and_an_overdue_escalated_review_once(db: Session) -> None:
    world = factories.make_world(db, patients=0)
    manager = factories.actor(db, world.manager_id)
    for _ in range(3):
        assignment(db, manager, person(db, manager).id, start=date(2024, 1, 1))
    assert demo_reviews.seed(db, now=NOW, unit_id=world.unit_id) == 2
    done, current = db.scalars(select(AccessReview).where(
        AccessReview.unit_id == world.unit_id).order_by(AccessReview.id)).all()
    assert done.status == "done" and all(x.decision == "keep" for x in done.lines)
    assert current.status == "open" and current.escalated_at == NOW
    assert current.due_on < NOW.date()
    assert 0 < sum(1 for x in current.lines if x.decision) < len(current.lines)
    assert demo_reviews.seed(db, now=NOW, unit_id=world.unit_id) == 0
