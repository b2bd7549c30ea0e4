"""Registering, listing, withdrawing and appealing record requests on a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser.audit.models import AuditEvent
from kulisser.errors import ValidationFailed
from kulisser.records import service as records
from kulisser.records.models import RecordRequest, UnitRules
from kulisser.records.states import Outcome
from kulisser.worklist.service import TransitionError
from tests import factories
from tests.factories import World
from tests.records.helpers import NOW, PDF, TODAY, D, decide_in_writing, register, work_items


def _errors(session: Session, world: World, **kw: object) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        register(session, world, **kw)
    session.rollback()
    return caught.value.errors


def test_register_sets_the_clock_and_opens_the_item(db: Session, world: World) -> None:
    r = register(db, world, received_on=D("2026-12-23"), now=NOW + timedelta(days=30))
    # From the day after 23 December: 28 December is the 1st working day, 30 December the 3rd.
    assert (r.target_date, r.breach_date) == (D("2026-12-28"), D("2026-12-30"))
    assert r.status == "received" and r.events[0].type == "created"
    [item] = work_items(db, r.id)
    assert item.kind == "record-request" and item.status == "requested" and item.unit_id == world.unit_id
    assert item.due_at is not None and records.local_today(item.due_at) == D("2026-12-28")
    assert r.requester_name  # the patient's own name when the patient asks


def test_the_units_rules_set_the_clock(db: Session, world: World) -> None:
    db.add(UnitRules(unit_id=world.unit_id, target_days=2, breach_days=5))
    db.flush()
    r = register(db, world, received_on=D("2026-12-04"))
    assert (r.target_date, r.breach_date) == (D("2026-12-08"), D("2026-12-11"))


def test_registration_rules(db: Session, world: World) -> None:
    assert "received_on" in _errors(db, world, received_on=TODAY + timedelta(days=1))
    assert set(_errors(db, world, requester_kind="guardian", requester_address="x")) == {
        "requester_name"}
    third = _errors(db, world, requester_kind="authority", requester_name="Försäkringskassan",
                    requester_address="Box 1")
    assert set(third) == {"consent_document", "consent_signed_on"}
    # An insurer's consent at most one year old on the day received.
    insurer = dict(requester_kind="insurer", requester_name="Anna", requester_address="Box 1",
                   consent_document=PDF, received_on=D("2026-12-01"))
    assert "consent_signed_on" in _errors(db, world, consent_signed_on=D("2025-11-30"), **insurer)
    ok = register(db, world, consent_signed_on=D("2025-12-01"), **insurer)
    assert ok.consent_document == PDF and ok.first_copy is False
    # A court's older consent is not limited to a year.
    court = dict(insurer, requester_kind="court")
    assert register(db, world, consent_signed_on=D("2020-01-01"), **court).id
    assert "consent_document" in _errors(db, world, consent_signed_on=D("2026-11-01"),
                                         **dict(insurer, consent_document=b"MZ not a scan"))
    assert "period_from" in _errors(db, world, scope="period")
    assert "period_to" in _errors(db, world, scope="period", period_from=D("2026-05-01"),
                                  period_to=D("2026-04-01"))
    assert "document_kinds" in _errors(db, world, scope="kinds")
    assert "scope_text" in _errors(db, world, scope="documents")
    assert "channel" in _errors(db, world, channel="fax")


def test_nothing_is_stored_on_bad_input(db: Session, world: World) -> None:
    before = db.scalar(select(func.count()).select_from(RecordRequest))
    _errors(db, world, requester_kind="insurer", requester_name="A", requester_address="B")
    assert db.scalar(select(func.count()).select_from(RecordRequest)) == before


def test_list_sorted_by_target_and_logged(db: Session, world: World) -> None:
    late = register(db, world, received_on=D("2026-11-20"))
    soon = register(db, world, received_on=D("2026-12-03"), patient_id=world.patient_ids[1])
    actor = factories.actor(db, world.secretary_id)
    rows = records.list_requests(db, actor=actor, now=NOW)
    assert [r.request.id for r in rows] == [late.id, soon.id]
    assert [r.mark for r in rows] == ["breached", ""]
    listed = db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.patient_id == world.patient_ids[1], AuditEvent.action == "list",
        AuditEvent.object_type == "record_request"))
    assert listed == 1
    with pytest.raises(ValidationFailed):
        records.list_requests(db, actor=actor, status="gammal")


def test_marks() -> None:
    r = RecordRequest(status="received", target_date=D("2026-12-07"), breach_date=D("2026-12-09"))
    assert [records.marks(r, D(d)) for d in ("2026-12-07", "2026-12-08", "2026-12-10")] == [
        "", "at_risk", "breached"]
    r.status, r.handled_on = "delivered", D("2026-12-08")
    assert records.marks(r, D("2027-01-01")) == "at_risk"


def test_withdraw_cancels_the_item(db: Session, world: World) -> None:
    r = register(db, world)
    actor = factories.actor(db, world.secretary_id)
    with pytest.raises(ValidationFailed):
        records.withdraw(db, actor=actor, request_id=r.id, reason="  ", now=NOW)
    records.withdraw(db, actor=actor, request_id=r.id, reason="Patienten ångrade sig", now=NOW)
    assert r.status == "withdrawn" and r.handled_on == TODAY
    [item] = work_items(db, r.id)
    assert item.status == "cancelled"
    with pytest.raises(TransitionError):
        records.withdraw(db, actor=actor, request_id=r.id, reason="igen", now=NOW)


def test_appeal_needs_a_written_decision(db: Session, world: World) -> None:
    r = register(db, world)
    actor = factories.actor(db, world.secretary_id)
    with pytest.raises(TransitionError):
        records.add_appeal(db, actor=actor, request_id=r.id, received_on=TODAY, now=NOW)
    decide_in_writing(r, received_on=D("2026-11-10"), outcome=Outcome.FULL)
    with pytest.raises(TransitionError):
        records.add_appeal(db, actor=actor, request_id=r.id, received_on=TODAY, now=NOW)


def test_appeal_in_time_and_late(db: Session, world: World) -> None:
    actor = factories.actor(db, world.secretary_id)
    r = register(db, world, received_on=D("2026-11-02"))
    # Received 10 November: three weeks end on Tuesday 1 December.
    decide_in_writing(r, received_on=D("2026-11-10"), outcome=Outcome.PARTIAL)
    late = records.add_appeal(db, actor=actor, request_id=r.id, received_on=D("2026-12-02"),
                              now=NOW)
    assert (late.last_day, late.in_time) == (D("2026-12-01"), False)
    assert r.events[-1].type == "appeal_late"
    assert work_items(db, r.id, kind="record-appeal") == []
    on_time = records.add_appeal(db, actor=actor, request_id=r.id, received_on=D("2026-12-01"),
                                 now=NOW)
    assert on_time.in_time is True and r.events[-1].type == "appeal"
    [item] = work_items(db, r.id, kind="record-appeal")
    assert item.title == "Pröva beslutet och överlämna överklagandet"
    assert item.unit_id == world.unit_id
    with pytest.raises(ValidationFailed):
        records.add_appeal(db, actor=actor, request_id=r.id, received_on=TODAY + timedelta(days=1),
                           now=NOW)


def test_another_units_request_is_refused(db: Session, world: World) -> None:
    from kulisser.audit.service import AccessDenied

    r = register(db, world)
    other = factories.make_user(db, world.other_unit_id)
    with pytest.raises(AccessDenied):
        records.get_request(db, actor=factories.actor_for(other), request_id=r.id)


def test_fee_quote_uses_the_units_table(db: Session, world: World) -> None:
    actor = factories.actor(db, world.secretary_id)
    assert records.fee_quote(db, actor=actor, pages=12, requester_kind="insurer",
                             first_copy=True) == 54
    assert records.fee_quote(db, actor=actor, pages=12, requester_kind="patient",
                             first_copy=True) == 0
    manager = factories.actor(db, world.manager_id)
    records.set_rules(db, actor=manager, now=NOW, values=dict(
        target_days=1, breach_days=3, free_pages=0, first_charged_page_sek=10, further_page_sek=1))
    assert records.fee_quote(db, actor=actor, pages=3, requester_kind="patient",
                             first_copy=False) == 12
    with pytest.raises(ValidationFailed) as caught:
        records.set_rules(db, actor=manager, now=NOW, values=dict(
            target_days=4, breach_days=3, free_pages=0, first_charged_page_sek=10,
            further_page_sek=1))
    assert set(caught.value.errors) == {"breach_days"}
