"""Vidimering, follow-ups, hand-over, matching and escalation, on a real database."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.db import utcnow
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.results import service as results
from kulisser.results.models import Result, ResultObservation
from kulisser.staff.models import Role
from kulisser.worklist import service as worklist
from kulisser.worklist.escalation import escalate_overdue
from kulisser.worklist.models import WorkItem
from kulisser.worklist.states import TransitionError
from tests import factories
from tests.results.helpers import import_one, items_of, patient, report, username


@pytest.mark.parametrize(("choice", "title"), [
    ("call", "Ring patienten"), ("visit", "Boka besök"), ("letter", "Skicka brev")])
def test_signing_records_who_and_when_and_makes_the_follow_up(
        db: Session, world: factories.World, choice: str, title: str) -> None:
    result = import_one(db, world, value=95, flag="L")
    clinician = factories.actor(db, world.clinician_id)
    now = utcnow()
    results.sign_result(db, actor=clinician, result_id=result.id, follow_up=choice,
                        note="Ny kontroll om en månad", now=now)
    assert (result.status, result.signed_by_id, result.signed_at) == ("signed", world.clinician_id, now)
    review, follow = items_of(db, result.id)
    assert review.kind == "result-review" and review.status == "completed"
    assert review.closed_at == now
    assert follow.id == result.follow_up_item_id and follow.kind == "task"
    assert follow.title.startswith(title) and follow.owner_id is None  # the unit's queue
    assert follow.status == "requested" and follow.priority == "high"  # as urgent as the result
    assert follow.patient_id == result.patient_id and "Ny kontroll om en månad" in follow.description
    if choice == "call":
        assert patient(db, world.patient_ids[0]).phone in follow.description
    assert [e.type for e in result.events] == ["signed"]


def test_signing_with_no_follow_up_makes_no_item(db: Session, world: factories.World) -> None:
    result = import_one(db, world)
    results.sign_result(db, actor=factories.actor(db, world.clinician_id), result_id=result.id,
                        follow_up="none")
    assert [i.kind for i in items_of(db, result.id)] == ["result-review"]
    assert result.follow_up == "none" and result.follow_up_item_id is None


def test_only_clinicians_sign_and_only_once(db: Session, world: factories.World) -> None:
    result = import_one(db, world)
    with pytest.raises(Forbidden):
        results.sign_result(db, actor=factories.actor(db, world.secretary_id), result_id=result.id,
                            follow_up="none")
    with pytest.raises(ValidationFailed, match="uppföljning"):
        results.sign_result(db, actor=factories.actor(db, world.clinician_id), result_id=result.id,
                            follow_up="maybe")
    # Another clinician of the unit may sign what was routed to a colleague; the history says who.
    other = factories.make_user(db, world.unit_id, Role.CLINICIAN)
    results.sign_result(db, actor=factories.actor(db, other.id), result_id=result.id,
                        follow_up="none")
    assert result.signed_by_id == other.id
    assert items_of(db, result.id)[0].events[-1].actor_id == other.id
    with pytest.raises(TransitionError, match="redan vidimerat"):
        results.sign_result(db, actor=factories.actor(db, world.clinician_id), result_id=result.id,
                            follow_up="visit")


def test_a_signed_result_and_its_values_are_locked(db: Session, world: factories.World) -> None:
    result = import_one(db, world)
    results.sign_result(db, actor=factories.actor(db, world.clinician_id), result_id=result.id,
                        follow_up="none")
    db.flush()
    result.title = "Ändrad"
    with pytest.raises(TransitionError, match="vidimerat"):
        db.flush()
    db.rollback()
    value = db.scalars(select(ResultObservation).limit(1)).one()
    value.value = "999"
    with pytest.raises(TransitionError, match="värden"):
        db.flush()
    db.rollback()


def test_hand_over_moves_responsibility_with_a_reason(db: Session, world: factories.World) -> None:
    result = import_one(db, world)
    colleague = factories.make_user(db, world.unit_id, Role.CLINICIAN)
    clinician = factories.actor(db, world.clinician_id)
    with pytest.raises(ValidationFailed):
        results.hand_over(db, actor=clinician, result_id=result.id, to_user_id=colleague.id, reason=" ")
    with pytest.raises(ValidationFailed, match="läkare"):  # a secretary does not sign results
        results.hand_over(db, actor=clinician, result_id=result.id, to_user_id=world.secretary_id,
                          reason="Semester")
    results.hand_over(db, actor=clinician, result_id=result.id, to_user_id=colleague.id,
                      reason="Semester från i morgon")
    [item] = items_of(db, result.id)
    assert item.owner_id == colleague.id and item.status == "requested"
    handed = [e for e in item.events if e.type == "handed_over"]
    assert handed[0].reason == "Semester från i morgon"
    assert handed[0].data == {"from_owner": world.clinician_id, "to_owner": colleague.id}
    assert [(e.type, e.data) for e in result.events] == [
        ("handed_over", {"from_owner": world.clinician_id, "to_owner": colleague.id})]
    # The old owner no longer has it; the new one does.
    mine = results.list_results(db, actor=clinician, scope="mine")
    assert result.id not in [r.result.id for r in mine]
    theirs = results.list_results(db, actor=factories.actor(db, colleague.id), scope="mine")
    assert result.id in [r.result.id for r in theirs]
    # And on to the unit's queue.
    results.hand_over(db, actor=factories.actor(db, colleague.id), result_id=result.id,
                      to_user_id=None, reason="Osäker, ta den som kan")
    assert item.owner_id is None
    assert result.id in [r.result.id for r in results.list_results(db, actor=clinician, scope="queue")]


def test_an_unsigned_result_escalates_to_the_manager_when_overdue(
        db: Session, world: factories.World) -> None:
    start = utcnow() - timedelta(days=30)
    result = import_one(db, world, value=95, flag="L", now=start)  # high: 24 h to sign
    signed = import_one(db, world, value=95, flag="L", now=start)
    results.sign_result(db, actor=factories.actor(db, world.clinician_id), result_id=signed.id,
                        follow_up="none", now=start + timedelta(hours=1))
    [item] = items_of(db, result.id)
    _escalate(db, start + timedelta(hours=23))
    assert _escalation(db, item.id) is None  # not yet due
    _escalate(db, start + timedelta(hours=25))
    escalation = _escalation(db, item.id)
    assert escalation is not None and escalation.owner_id == world.manager_id
    assert escalation.kind == "escalation" and escalation.patient_id == result.patient_id
    assert [e.type for e in item.events][-1] == "escalated"
    assert _escalation(db, items_of(db, signed.id)[0].id) is None  # signed in time: nothing
    _escalate(db, start + timedelta(hours=50))  # once only
    assert len(db.scalars(select(WorkItem).where(WorkItem.kind == "escalation",
                                                 WorkItem.ref_id == item.id)).all()) == 1


def _escalate(db: Session, now: datetime) -> None:
    # The job works in batches over the whole (shared) database: run it until it is done.
    while escalate_overdue(db, now=now) == 500:
        pass


def _escalation(db: Session, item_id: int) -> WorkItem | None:
    return db.scalar(select(WorkItem).where(WorkItem.kind == "escalation",
                                            WorkItem.ref_type == "work_item", WorkItem.ref_id == item_id))


def test_an_unmatched_result_escalates_too(db: Session, world: factories.World) -> None:
    start = utcnow() - timedelta(days=30)
    outcome = results.import_fhir(db, actor=factories.actor(db, world.secretary_id), now=start,
                                  payload=report(factories.new_personnummer())).outcomes[0]
    [item] = items_of(db, outcome.result_id or 0)
    _escalate(db, start + timedelta(hours=25))
    assert _escalation(db, item.id) is not None


def test_matching_routes_the_result(db: Session, world: factories.World) -> None:
    outsider = factories.make_patient(db)  # registered, but no unit cares for them yet
    outcome = results.import_fhir(db, actor=factories.actor(db, world.secretary_id),
                                  payload=report("19121212-1213")).outcomes[0]
    result = db.get(Result, outcome.result_id)
    assert result is not None and result.status == "unmatched"
    secretary = factories.actor(db, world.secretary_id)
    with pytest.raises(ValidationFailed, match="Ingen patient"):
        results.match_result(db, actor=secretary, result_id=result.id,
                             identifier=factories.new_personnummer())
    with pytest.raises(ValidationFailed, match="Kontrollsiffran"):
        results.match_result(db, actor=secretary, result_id=result.id, identifier="19121212-1213")
    with pytest.raises(ValidationFailed):
        results.match_result(db, actor=secretary, result_id=result.id,
                             identifier=outsider.id_value, clinician="nobody")
    results.match_result(db, actor=secretary, result_id=result.id, identifier=outsider.id_value,
                         clinician=username(db, world.clinician_id))
    assert (result.status, result.patient_id) == ("to_sign", outsider.id)
    unmatched, review = items_of(db, result.id)
    assert unmatched.status == "completed" and unmatched.patient_id == outsider.id
    assert (review.kind, review.owner_id, review.status) == ("result-review", world.clinician_id,
                                                             "requested")
    assert [e.type for e in result.events] == ["matched"]
    with pytest.raises(TransitionError, match="redan matchat"):
        results.match_result(db, actor=secretary, result_id=result.id, identifier=outsider.id_value)
    # The generic worklist sees the routed item like any other.
    assert worklist.get_item(db, actor=factories.actor(db, world.clinician_id),
                             item_id=review.id).ref_id == result.id
