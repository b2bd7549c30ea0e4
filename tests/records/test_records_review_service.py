"""rreview: the delegation table, the secrecy review and the decision (service level)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.errors import Forbidden, ValidationFailed
from kulisser.letters.models import Letter
from kulisser.records import delegation, review
from kulisser.records.models import RecordRequest
from kulisser.worklist.models import WorkItem
from kulisser.worklist.service import TransitionError
from tests import factories
from tests.records.review_helpers import compiled_request, delegate, now


def _actors(db: Session, world: factories.World) -> tuple:
    return (factories.actor(db, world.secretary_id), factories.actor(db, world.clinician_id))


def test_may_decide_follows_person_role_dates_and_own_preparation(db: Session,
                                                                  world: factories.World) -> None:
    secretary, clinician = _actors(db, world)
    request = compiled_request(db, world)
    today = delegation.local_today()
    assert not delegation.may_decide(db, actor=clinician, request=request, on=today)
    delegate(db, world, user_id=world.clinician_id, valid_to=today - timedelta(days=1))
    assert not delegation.may_decide(db, actor=clinician, request=request, on=today)  # ended
    delegate(db, world, role="clinician", valid_from=today)
    assert delegation.may_decide(db, actor=clinician, request=request, on=today)
    # The secretary has a line of her own, but prepared the request: not without may_decide_own.
    delegate(db, world, user_id=world.secretary_id)
    request.prepared_by_id = secretary.user_id
    assert not delegation.may_decide(db, actor=secretary, request=request, on=today)
    delegate(db, world, user_id=world.secretary_id, own=True)
    assert delegation.may_decide(db, actor=secretary, request=request, on=today)
    names = dict(delegation.deciders(db, unit_id=world.unit_id, on=today,
                                     preparer_id=world.secretary_id))
    assert world.clinician_id in names and world.manager_id not in names


def test_only_managers_edit_the_table_and_ended_lines_stay(db: Session,
                                                           world: factories.World) -> None:
    secretary, _clinician = _actors(db, world)
    with pytest.raises(Forbidden):
        delegation.add(db, actor=secretary, role="secretary")
    manager = factories.actor(db, world.manager_id)
    with pytest.raises(ValidationFailed) as bad:
        delegation.add(db, actor=manager, role="clinician", user_id=world.clinician_id)
    assert "who" in bad.value.errors
    with pytest.raises(ValidationFailed) as bad:
        delegation.add(db, actor=manager, user_id=world.clinician_id, valid_from="2026-12-05",
                       valid_to="2026-12-01")
    assert "valid_to" in bad.value.errors
    line = delegation.add(db, actor=manager, user_id=world.clinician_id, valid_from="2020-01-01")
    delegation.end(db, actor=manager, delegation_id=line.id, on="2021-06-30")
    rows = delegation.table(db, actor=manager)
    assert [(r.line.id, r.in_force) for r in rows] == [(line.id, False)]
    assert rows[0].line.valid_to == date(2021, 6, 30)


def test_submit_names_a_decider_with_delegation_and_opens_the_review_item(
        db: Session, world: factories.World) -> None:
    secretary, _clinician = _actors(db, world)
    request = compiled_request(db, world)
    with pytest.raises(ValidationFailed):
        review.submit(db, actor=secretary, request_id=request.id,
                      decider_id=world.clinician_id, now=now())
    delegate(db, world, user_id=world.clinician_id)
    review.submit(db, actor=secretary, request_id=request.id, decider_id=world.clinician_id,
                  now=now())
    assert request.status == "in_review" and request.prepared_by_id == world.secretary_id
    item = db.scalar(select(WorkItem).where(WorkItem.ref_type == "record_request",
                                            WorkItem.ref_id == request.id))
    assert item is not None and item.kind == "record-review"
    assert item.owner_id == world.clinician_id


def _in_review(db: Session, world: factories.World, **kw: object) -> RecordRequest:
    secretary, _ = _actors(db, world)
    delegate(db, world, user_id=world.clinician_id)
    request = compiled_request(db, world, **kw)
    review.submit(db, actor=secretary, request_id=request.id, decider_id=world.clinician_id,
                  now=now())
    return request


def test_masking_or_withholding_needs_a_ground_and_a_reason(db: Session,
                                                            world: factories.World) -> None:
    _secretary, clinician = _actors(db, world)
    request = _in_review(db, world)
    first, second = request.documents
    with pytest.raises(ValidationFailed) as bad:
        review.review_document(db, actor=clinician, request_id=request.id, document_id=first.id,
                               verdict="withhold", now=now())
    assert {"legal_ground", "reason"} <= set(bad.value.errors)
    with pytest.raises(ValidationFailed) as bad:
        review.review_document(db, actor=clinician, request_id=request.id, document_id=first.id,
                               verdict="withhold", legal_ground="other", reason="x", now=now())
    assert "legal_ground_text" in bad.value.errors
    with pytest.raises(ValidationFailed) as bad:  # guardians' ground for a patient's request
        review.review_document(db, actor=clinician, request_id=request.id, document_id=first.id,
                               verdict="withhold", legal_ground="osl_12_3", reason="x", now=now())
    assert "legal_ground" in bad.value.errors
    with pytest.raises(ValidationFailed) as bad:  # nothing masked in the second document
        review.review_document(db, actor=clinician, request_id=request.id, document_id=second.id,
                               verdict="release_masked", legal_ground="osl_25_6", reason="x",
                               now=now())
    assert "verdict" in bad.value.errors
    assert first.verdict is None and second.verdict is None


def test_full_partial_and_refused_decisions(db: Session, world: factories.World) -> None:
    _secretary, clinician = _actors(db, world)
    full = _in_review(db, world)
    for d in full.documents:
        review.review_document(db, actor=clinician, request_id=full.id, document_id=d.id,
                               verdict="release", now=now())
    review.decide(db, actor=clinician, request_id=full.id, now=now())
    assert (full.status, full.outcome, full.decision_letter_id) == ("decided", "full", None)

    partial = compiled_request(db, world)
    review.submit(db, actor=factories.actor(db, world.secretary_id), request_id=partial.id,
                  decider_id=world.clinician_id, now=now())
    first, second = partial.documents
    review.review_document(db, actor=clinician, request_id=partial.id, document_id=first.id,
                           verdict="release_masked", legal_ground="osl_25_6",
                           reason="Uppgift om tredje man", now=now())
    with pytest.raises(TransitionError):  # the second is not reviewed yet
        review.decide(db, actor=clinician, request_id=partial.id, now=now())
    review.review_document(db, actor=clinician, request_id=partial.id, document_id=second.id,
                           verdict="release", now=now())
    review.decide(db, actor=clinician, request_id=partial.id, now=now())
    assert partial.outcome == "partial" and partial.decided_by_id == world.clinician_id
    letter = db.get(Letter, partial.decision_letter_id)
    assert letter is not None and letter.kind == "record_decision" and letter.status == "ready"
    assert "OSL 25 kap. 6 §" in letter.fields["skal"] and "tredje man" in letter.fields["skal"]
    assert "kammarrätten" in letter.body_template and "tre veckor" in letter.body_template
    assert partial.decision_received_on == delegation.local_today() + timedelta(days=2)
    items = db.scalars(select(WorkItem).where(WorkItem.ref_id == partial.id,
                                              WorkItem.kind == "record-review")).all()
    assert [i.status for i in items] == ["completed"]
    # Asked again for the appealable decision, the letter made stands.
    review.decision_letter(db, actor=clinician, request_id=partial.id, now=now())
    assert db.scalars(select(Letter).where(Letter.source_id == partial.id,
                                           Letter.kind == "record_decision")).all() == [letter]
    with pytest.raises(TransitionError):
        review.decision_letter(db, actor=clinician, request_id=full.id, now=now())


def test_return_needs_a_reason_and_cancels_the_review(db: Session, world: factories.World) -> None:
    _secretary, clinician = _actors(db, world)
    request = _in_review(db, world)
    with pytest.raises(ValidationFailed):
        review.return_request(db, actor=clinician, request_id=request.id, reason=" ", now=now())
    review.return_request(db, actor=clinician, request_id=request.id,
                          reason="Anteckningen från maj saknas", now=now())
    assert request.status == "compiling"
    assert request.events[-1].reason == "Anteckningen från maj saknas"


def test_decision_received_on_is_checked(db: Session, world: factories.World) -> None:
    _secretary, clinician = _actors(db, world)
    request = _in_review(db, world)
    for d in request.documents:
        review.review_document(db, actor=clinician, request_id=request.id, document_id=d.id,
                               verdict="withhold", legal_ground="osl_25_1", reason="Sekretess",
                               now=now())
    review.decide(db, actor=clinician, request_id=request.id, now=now())
    assert request.outcome == "refused"
    today = delegation.local_today()
    with pytest.raises(ValidationFailed):
        review.set_received(db, actor=clinician, request_id=request.id,
                            received_on=(today - timedelta(days=1)).isoformat(), now=now())
    review.set_received(db, actor=clinician, request_id=request.id, received_on=today, now=now())
    assert request.decision_received_on == today


def test_the_demo_table_lets_clinicians_and_the_manager_decide(db: Session,
                                                               world: factories.World) -> None:
    import random

    from kulisser.records import demo
    from kulisser.staff.models import User

    users = [db.get(User, i) for i in (world.secretary_id, world.clinician_id, world.manager_id)]
    assert demo.seed_delegation(db, rng=random.Random(1), now=now(), unit_id=world.unit_id,
                                users=users) == 3
    request = compiled_request(db, world)
    request.prepared_by_id = world.manager_id
    deciders = dict(delegation.deciders(db, unit_id=world.unit_id, on=delegation.local_today(),
                                        preparer_id=world.manager_id))
    assert set(deciders) == {world.clinician_id, world.manager_id}
    assert len(delegation.table(db, actor=factories.actor(db, world.manager_id))) == 3


def test_the_check_finds_a_review_without_its_item(db: Session, world: factories.World) -> None:
    from kulisser.records import items

    request = _in_review(db, world)
    assert request.id not in {f.ref_id for f in items.REVIEW.check(db)}  # type: ignore[misc]
    item = db.scalar(select(WorkItem).where(WorkItem.kind == "record-review",
                                            WorkItem.ref_id == request.id))
    assert item is not None
    item.cancel(actor_id=None, reason="test", now=now())
    db.flush()
    found = [f for f in items.REVIEW.check(db) if f.ref_id == request.id]  # type: ignore[misc]
    assert len(found) == 1 and found[0].unit_id == world.unit_id
