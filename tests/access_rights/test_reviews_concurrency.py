"""Two managers attesting one person's last two lines at the same moment: the review's row lock
makes them take turns, so the second sees the first's line and the person's order is made."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from kulisser.access_rights import reviews
from kulisser.access_rights.models import AccessOrder
from kulisser.db import Database, utcnow
from kulisser.staff.service import Role
from tests import factories
from tests.access_rights.review_fixtures import staffed
from tests.conftest import backend


def test_simultaneous_last_attestations_make_the_persons_order(database: Database) -> None:
    if backend() != "postgresql":
        pytest.skip("SQLite lets one writer at a time by itself; the row lock is PostgreSQL's")
    with database.session() as s:
        world = factories.make_world(s, patients=0)
        other_manager = factories.make_user(s, world.unit_id, Role.MANAGER).id
        staffed(s, world, people=1, systems=2)
        [review] = reviews.start_due_reviews(s, now=utcnow(), unit_ids=[world.unit_id])
        rid, (first, second) = review.id, [x.id for x in review.lines]
    failures: list[BaseException] = []

    def colleague() -> None:
        try:
            with database.session() as b:
                reviews.attest(b, actor=factories.actor(b, other_manager), review_id=rid,
                               line_id=second, decision="remove", note="Slutat")
        except BaseException as exc:  # reported below, in the test's own thread
            failures.append(exc)

    with database.session() as a:
        reviews.attest(a, actor=factories.actor(a, world.manager_id), review_id=rid,
                       line_id=first, decision="keep")
        thread = threading.Thread(target=colleague)
        thread.start()
        # Without the lock the colleague would finish here, before this attestation commits.
        thread.join(timeout=2)
    thread.join()
    assert not failures, failures
    with database.session() as s:
        orders = s.scalars(select(AccessOrder).where(AccessOrder.review_id == rid)).all()
        assert len(orders) == 1 and [line.action for line in orders[0].lines] == ["remove"]
