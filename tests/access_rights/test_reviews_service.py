"""The periodic access review (issue 13 item 5): started when due and once, attested line by
line, changes and removals ordered with the review's id, overdue reviews escalated once,
unused accounts listed and their removal ordered."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.access_rights import review_inactive, review_items, reviews
from kulisser.access_rights.models import AccessOrder, AccessReview, PersonSystemAccess
from kulisser.access_rights.service import ensure_systems
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.worklist import service as worklist
from kulisser.worklist.service import TransitionError
from tests import factories
from tests.access_rights.review_fixtures import logged_in, login_person, staffed

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday morning in Sweden


def _reviews(db: Session, unit_id: int) -> list[AccessReview]:
    return list(db.scalars(select(AccessReview).where(AccessReview.unit_id == unit_id)
                           .order_by(AccessReview.id)))


def _item(db: Session, review: AccessReview) -> worklist.WorkItem:
    [item] = worklist.items_for_ref(db, ref_type=review_items.REF_REVIEW, ref_id=review.id)
    return item


def _started(db: Session, world: factories.World, **kw: object) -> AccessReview:
    staffed(db, world, **kw)  # type: ignore[arg-type]
    [review] = reviews.start_due_reviews(db, now=NOW, unit_ids=[world.unit_id])
    return review


def test_a_due_review_starts_once_with_a_line_per_person_and_system(db: Session) -> None:
    world = factories.make_world(db, patients=0)
    unit = staffed(db, world, people=2, systems=3)
    first = reviews.start_due_reviews(db, now=NOW, unit_ids=[world.unit_id])
    again = reviews.start_due_reviews(db, now=NOW + timedelta(hours=1), unit_ids=[world.unit_id])
    assert len(first) == 1 and again == []
    [review] = _reviews(db, world.unit_id)
    assert review.status == "open" and review.due_on == date(2026, 12, 2)
    assert sorted((x.person_id, x.system_id) for x in review.lines) == sorted(
        (p, s) for p in unit.person_ids for s in unit.system_ids)
    item = _item(db, review)
    assert item.kind == "access-review" and item.status == "requested"
    assert item.owner_id == world.manager_id and item.unit_id == world.unit_id


def test_a_unit_without_access_or_with_an_ended_one_gets_no_review(db: Session) -> None:
    world = factories.make_world(db, patients=0)
    unit = staffed(db, world, people=1, systems=1)
    for row in db.scalars(select(PersonSystemAccess).where(
            PersonSystemAccess.person_id.in_(unit.person_ids))):
        row.ended_on = date(2026, 10, 1)
    assert reviews.start_due_reviews(db, now=NOW, unit_ids=[world.unit_id]) == []


def test_a_review_not_yet_due_does_not_start_one_due_does(db: Session) -> None:
    world = factories.make_world(db, patients=0)
    review = _started(db, world, people=1, systems=1)
    manager = factories.actor(db, world.manager_id)
    done_at = NOW - timedelta(days=150)  # five months ago; the policy says six
    reviews.keep_remaining(db, actor=manager, review_id=review.id,
                           person_id=review.lines[0].person_id, now=done_at)
    assert review.status == "done"
    assert reviews.start_due_reviews(db, now=NOW, unit_ids=[world.unit_id]) == []
    # Six months after the last one was done, the next one starts.
    later = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    assert reviews.next_due(db, unit_id=world.unit_id, today=later.date()) == date(2026, 12, 5)
    assert len(reviews.start_due_reviews(db, now=later, unit_ids=[world.unit_id])) == 1
    # A shorter policy brings the next one forward.
    other = factories.make_world(db, patients=0)
    second = _started(db, other, people=1, systems=1)
    reviews.keep_remaining(db, actor=factories.actor(db, other.manager_id), review_id=second.id,
                           person_id=second.lines[0].person_id, now=done_at)
    reviews.set_policy(db, actor=factories.actor(db, other.manager_id), unit_id=other.unit_id,
                       review_months="4", inactive_days="90")
    assert len(reviews.start_due_reviews(db, now=NOW, unit_ids=[other.unit_id])) == 1


def test_attesting_the_last_line_completes_the_review_and_its_item(db: Session) -> None:
    world = factories.make_world(db, patients=0)
    review = _started(db, world, people=1, systems=2)
    manager = factories.actor(db, world.manager_id)
    first, last = review.lines
    reviews.attest(db, actor=manager, review_id=review.id, line_id=first.id, decision="keep",
                   now=NOW)
    assert review.status == "open" and _item(db, review).status == "requested"
    reviews.attest(db, actor=manager, review_id=review.id, line_id=last.id, decision="keep",
                   now=NOW + timedelta(minutes=1))
    assert review.status == "done" and review.done_by == world.manager_id
    assert review.done_at == NOW + timedelta(minutes=1)
    assert _item(db, review).status == "completed"
    assert first.decided_by == world.manager_id and first.decided_at == NOW
    # Keeping everything orders nothing.
    assert db.scalars(select(AccessOrder).where(AccessOrder.review_id == review.id)).all() == []


def test_a_removal_becomes_one_order_per_person_with_the_reviews_id(db: Session) -> None:
    world = factories.make_world(db, patients=0)
    review = _started(db, world, people=2, systems=2)
    manager = factories.actor(db, world.manager_id)
    anna = [x for x in review.lines if x.person_id == review.lines[0].person_id]
    reviews.attest(db, actor=manager, review_id=review.id, line_id=anna[0].id, decision="remove",
                   note="Arbetar inte längre i receptionen", now=NOW)
    assert anna[0].order_id is None  # the person's other line is still to attest
    reviews.attest(db, actor=manager, review_id=review.id, line_id=anna[1].id, decision="change",
                   note="Endast läsbehörighet", now=NOW)
    [order] = db.scalars(select(AccessOrder).where(AccessOrder.review_id == review.id)).all()
    assert order.kind == "change" and order.person_id == anna[0].person_id
    assert order.status == "awaiting_approval" and order.ordered_by == world.manager_id
    assert sorted(line.action for line in order.lines) == ["change", "remove"]
    assert {line.system_id for line in order.lines} == {x.system_id for x in anna}
    assert "Arbetar inte längre i receptionen" in order.note
    assert anna[0].order_id == anna[1].order_id == order.id
    assert review.status == "open"  # the other person's lines remain


def test_change_and_remove_need_a_note_and_a_line_is_attested_once(db: Session) -> None:
    world = factories.make_world(db, patients=0)
    review = _started(db, world, people=1, systems=2)
    manager = factories.actor(db, world.manager_id)
    line = review.lines[0]
    with pytest.raises(ValidationFailed) as bad:
        reviews.attest(db, actor=manager, review_id=review.id, line_id=line.id,
                       decision="remove", note="  ", now=NOW)
    assert "note" in bad.value.errors and line.decision is None
    with pytest.raises(ValidationFailed) as unknown:
        reviews.attest(db, actor=manager, review_id=review.id, line_id=line.id,
                       decision="maybe", now=NOW)
    assert "decision" in unknown.value.errors
    reviews.attest(db, actor=manager, review_id=review.id, line_id=line.id, decision="keep",
                   now=NOW)
    with pytest.raises(TransitionError):
        reviews.attest(db, actor=manager, review_id=review.id, line_id=line.id,
                       decision="remove", note="Ändrat mig", now=NOW)
    assert line.decision == "keep"


def test_only_the_units_manager_attests(db: Session) -> None:
    world = factories.make_world(db, patients=0)
    review = _started(db, world, people=1, systems=1)
    secretary = factories.actor(db, world.secretary_id)
    with pytest.raises(Forbidden):
        reviews.attest(db, actor=secretary, review_id=review.id, line_id=review.lines[0].id,
                       decision="keep", now=NOW)
    with pytest.raises(Forbidden):
        reviews.set_policy(db, actor=secretary, unit_id=world.unit_id, review_months="3",
                           inactive_days="30")
    assert review.lines[0].decision is None


def test_keep_remaining_attests_only_that_persons_open_lines(db: Session) -> None:
    world = factories.make_world(db, patients=0)
    review = _started(db, world, people=2, systems=3)
    manager = factories.actor(db, world.manager_id)
    pid = review.lines[0].person_id
    mine = [x for x in review.lines if x.person_id == pid]
    reviews.attest(db, actor=manager, review_id=review.id, line_id=mine[0].id, decision="remove",
                   note="Slutat använda systemet", now=NOW)
    kept = reviews.keep_remaining(db, actor=manager, review_id=review.id, person_id=pid, now=NOW)
    assert {x.id for x in kept} == {x.id for x in mine[1:]}
    assert [x.decision for x in mine] == ["remove", "keep", "keep"]
    assert all(x.decision is None for x in review.lines if x.person_id != pid)
    [order] = db.scalars(select(AccessOrder).where(AccessOrder.review_id == review.id)).all()
    assert [line.action for line in order.lines] == ["remove"]


def test_an_overdue_review_escalates_once(db: Session) -> None:
    world = factories.make_world(db, patients=0)
    review = _started(db, world, people=1, systems=1)
    item = _item(db, review)
    assert item.priority == "normal"
    on_time = NOW + timedelta(days=30)  # the due day itself: not yet overdue
    assert reviews.escalate_overdue(db, now=on_time, unit_ids=[world.unit_id]) == []
    late = NOW + timedelta(days=31)
    assert reviews.escalate_overdue(db, now=late, unit_ids=[world.unit_id]) == [review]
    assert reviews.escalate_overdue(db, now=late + timedelta(hours=1),
                                    unit_ids=[world.unit_id]) == []
    assert review.escalated_at == late
    assert item.priority == "high" and item.title.startswith("Försenad")
    assert [e.type for e in item.events].count("details_changed") == 1
    assert reviews.is_overdue(review, late.date())


def test_an_account_unused_91_days_is_listed_89_days_is_not(db: Session) -> None:
    world = factories.make_world(db, patients=0)
    idle, idle_user = login_person(db, world, since=date(2025, 1, 1))
    active, active_user = login_person(db, world, since=date(2025, 1, 1))
    never, _u = login_person(db, world, since=date(2025, 1, 1))
    newcomer, _n = login_person(db, world, since=NOW.date() - timedelta(days=10))
    logged_in(db, idle_user, NOW - timedelta(days=91))
    logged_in(db, active_user, NOW - timedelta(days=200))
    logged_in(db, active_user, NOW - timedelta(days=89))
    manager = factories.actor(db, world.manager_id)
    found = {a.person_id: a for a in review_inactive.inactive_accounts(
        db, actor=manager, unit_id=world.unit_id, now=NOW)}
    assert idle in found and found[idle].days == 91
    assert found[idle].last_login == NOW - timedelta(days=91)
    assert never in found and found[never].last_login is None
    assert active not in found and newcomer not in found
    # A longer limit drops the 91-day account.
    reviews.set_policy(db, actor=manager, unit_id=world.unit_id, review_months="6",
                       inactive_days="100")
    assert idle not in {a.person_id for a in review_inactive.inactive_accounts(
        db, actor=manager, unit_id=world.unit_id, now=NOW)}


def test_removal_of_an_unused_account_orders_every_system_once(db: Session) -> None:
    world = factories.make_world(db, patients=0)
    idle, _user = login_person(db, world, since=date(2025, 1, 1))
    unit = staffed(db, world, people=0, systems=3)
    for sid in unit.system_ids[1:]:
        db.add(PersonSystemAccess(person_id=idle, unit_id=world.unit_id, system_id=sid,
                                  access_profile="Skriva", since=date(2025, 1, 1)))
    db.flush()
    secretary = factories.actor(db, world.secretary_id)
    order = review_inactive.order_removal(db, actor=secretary, unit_id=world.unit_id,
                                          person_id=idle, now=NOW)
    kulisser = next(s for s in ensure_systems(db, unit_id=world.unit_id)
                    if s.code == "kulisser").id
    assert order.kind == "change" and order.review_id is None
    assert {line.action for line in order.lines} == {"remove"}
    assert {line.system_id for line in order.lines} == set(unit.system_ids[1:]) | {kulisser}
    [listed] = [a for a in review_inactive.inactive_accounts(
        db, actor=secretary, unit_id=world.unit_id, now=NOW) if a.person_id == idle]
    assert listed.order_id == order.id
    with pytest.raises(TransitionError):
        review_inactive.order_removal(db, actor=secretary, unit_id=world.unit_id,
                                      person_id=idle, now=NOW)
    active, active_user = login_person(db, world, since=date(2025, 1, 1))
    logged_in(db, active_user, NOW - timedelta(days=3))
    with pytest.raises(TransitionError):
        review_inactive.order_removal(db, actor=secretary, unit_id=world.unit_id,
                                      person_id=active, now=NOW)


def test_add_months_keeps_the_day_or_takes_the_months_last() -> None:
    assert reviews.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert reviews.add_months(date(2026, 8, 15), 6) == date(2027, 2, 15)
    assert reviews.add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)


def test_the_hourly_job_is_registered_for_the_worker(db: Session) -> None:
    from kulisser.access_rights import review_jobs
    from kulisser.jobs.runner import registered

    assert registered()[review_jobs.REVIEWS] is review_jobs.reviews_task
