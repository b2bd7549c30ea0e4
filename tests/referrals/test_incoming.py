"""Incoming referrals on a real database: registration, decisions and their replies, the
waiting list, the assessment item's routing (hand-over, escalation) and nothing half-stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kulisser.audit.models import AuditEvent
from kulisser.db import Database, utcnow
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.patients.models import CareRelation, Patient
from kulisser.referrals import service as referrals
from kulisser.referrals.models import Referral
from kulisser.referrals.storage import PdfStore
from kulisser.staff.models import Role
from kulisser.waitlist.models import WaitlistEntry
from kulisser.worklist import service as worklist
from kulisser.worklist.escalation import escalate_overdue
from kulisser.worklist.models import WorkItem
from kulisser.worklist.states import TransitionError
from tests import factories
from tests.referrals import helpers as h


def _path(referral: Referral) -> list[str]:
    return [e.to_status for e in referral.events if e.to_status]


def test_unknown_patient_is_registered_with_the_referral(database: Database,
                                                        world: factories.World,
                                                        store: PdfStore) -> None:
    number = factories.new_personnummer()
    with database.session() as s:
        r = h.register(s, world, identifier=number, given_name="Ny", family_name="Remisspatient",
                       store=store, files=[h.pdf_bytes(), h.pdf_bytes()])
        rid, pid = r.id, r.patient_id
    with database.session() as s:
        patient = s.get(Patient, pid)
        assert patient is not None and patient.id_value == number
        assert patient.full_name == "Ny Remisspatient"
        # The new patient gets the unit's care relation, so the unit may read them (PDL).
        assert s.scalar(select(CareRelation.id).where(CareRelation.unit_id == world.unit_id,
                                                      CareRelation.patient_id == pid))
        r = s.get(Referral, rid)
        assert r is not None
        assert _path(r) == ["registered", "received"]  # receipt confirmed at registration
        assert [m.kind for m in r.messages] == ["receipt"] and r.messages[0].direction == "out"
        assert "Vi har tagit emot remissen" in r.messages[0].text
        assert len(r.attachments) == 2
        assert all(store.path_for(a.sha256).is_file() for a in r.attachments)
        [item] = h.assessment_items(s, rid)
        assert item.kind == "referral-assessment" and item.owner_id == world.clinician_id
        assert item.patient_id == pid and item.status == "requested"
        logged = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.patient_id == pid, AuditEvent.object_type == "referral",
            AuditEvent.object_id == str(rid), AuditEvent.action == "create"))
        assert logged == 1


def test_unknown_patient_needs_a_name(database: Database, world: factories.World) -> None:
    with database.session() as s, pytest.raises(ValidationFailed) as caught:
        h.register(s, world, identifier=factories.new_personnummer())
    assert set(caught.value.errors) == {"given_name", "family_name"}
    assert "ny för enheten" in caught.value.errors["given_name"]


def test_a_registered_patient_new_to_the_unit_needs_a_name_too(database: Database,
                                                                world: factories.World) -> None:
    # The same errors as for an unknown number: the form does not tell which numbers are on file.
    with database.session() as s, pytest.raises(ValidationFailed) as known:
        h.register(s, world, patient_id=world.stranger_patient_id)
    with database.session() as s, pytest.raises(ValidationFailed) as unknown:
        h.register(s, world, identifier=factories.new_personnummer())
    assert known.value.errors == unknown.value.errors
    with database.session() as s:
        assert s.scalar(select(CareRelation.id).where(
            CareRelation.unit_id == world.unit_id,
            CareRelation.patient_id == world.stranger_patient_id)) is None


def test_a_patient_of_another_unit_gets_a_care_relation_here(database: Database,
                                                            world: factories.World) -> None:
    with database.session() as s:
        r = h.register(s, world, patient_id=world.stranger_patient_id, given_name="Vem",
                       family_name="Som Helst")
        assert r.patient_id == world.stranger_patient_id
    with database.session() as s:
        assert s.scalar(select(CareRelation.id).where(
            CareRelation.unit_id == world.unit_id,
            CareRelation.patient_id == world.stranger_patient_id)) is not None
        # The start is logged with the referral as its reason, flagged for the log review.
        flagged = s.scalars(select(AuditEvent).where(
            AuditEvent.patient_id == world.stranger_patient_id,
            AuditEvent.outcome == "relation")).all()
        assert [(e.unit_id, e.object_type) for e in flagged] == [(world.unit_id, "care_relation")]
        assert flagged[0].reason is not None and "Remiss" in flagged[0].reason


@pytest.mark.parametrize(("changes", "field"), [
    ({"issued_days_ago": 2, "received_days_ago": 5}, "received_on"),  # arrived before issued
    ({"issued_days_ago": -1, "received_days_ago": 0}, "issued_on"),  # issued in the future
    ({"received_days_ago": -3}, "received_on"),  # arrives in the future
    ({"issued_on": "13/11/2026"}, "issued_on"),
    ({"sender_hsa_id": "VC Norr"}, "sender_hsa_id"),
    ({"sender_name": "  "}, "sender_name"),
    ({"question": ""}, "question"),
    ({"identifier": "19121212-1213"}, "identifier"),  # wrong check digit
    ({"priority": "urgent"}, "priority"),
])
def test_bad_input_is_refused_and_nothing_is_stored(database: Database, world: factories.World,
                                                   store: PdfStore, changes: dict[str, object],
                                                   field: str) -> None:
    with database.session() as s:
        before = s.scalar(select(func.count()).select_from(Referral))
    with database.session() as s, pytest.raises(ValidationFailed) as caught:
        h.register(s, world, store=store, files=[h.pdf_bytes()], **changes)
    assert field in caught.value.errors
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Referral)) == before
    assert not store.root.exists() or not any(p.is_file() for p in store.root.rglob("*"))


def test_assessor_must_be_a_clinician_of_the_unit(database: Database, world: factories.World) -> None:
    with database.session() as s, pytest.raises(ValidationFailed) as caught:
        h.register(s, world, assessor_id=world.secretary_id)
    assert "assessor_id" in caught.value.errors


def test_bad_pdf_refuses_the_registration(database: Database, world: factories.World,
                                          store: PdfStore) -> None:
    number = factories.new_personnummer()
    with database.session() as s, pytest.raises(ValidationFailed) as caught:
        h.register(s, world, identifier=number, given_name="Ej", family_name="Sparad",
                   store=store, files=[h.pdf_bytes(), b"GIF89a not a pdf"])
    assert "inte en PDF" in caught.value.errors["attachments"]
    with database.session() as s:
        # Not the patient either: nothing of the request is stored.
        assert s.scalar(select(Patient.id).where(Patient.id_value == number)) is None
    assert not any(p.is_file() for p in store.root.rglob("*") if "tmp" not in p.parts)
    assert not any(store.root.rglob("*.part"))


def test_accept_puts_the_patient_on_the_waiting_list_from_the_issue_date(
        database: Database, world: factories.World) -> None:
    with database.session() as s:
        # Issued 12 days ago, arrived 2 days ago: the guarantee runs from the issue date.
        r = h.register(s, world, issued_days_ago=12, received_days_ago=2)
        issued, rid = r.issued_on, r.id
    with database.session() as s:
        r = referrals.accept(s, actor=factories.actor(s, world.clinician_id), referral_id=rid,
                             note="Välkommen till oss.")
        assert r.status == "replied" and r.outcome == "accepted"
        assert _path(r) == ["registered", "received", "under_assessment", "accepted", "replied"]
        entry = s.get(WaitlistEntry, r.waitlist_entry_id)
        assert entry is not None
        assert entry.clock_start == issued == h.today() - timedelta(days=12)
        assert entry.wait_kind == "first_visit" and entry.patient_id == r.patient_id
        assert (entry.source_type, entry.source_id) == ("referral", rid)
        reply = r.messages[-1]
        assert (reply.kind, reply.direction) == ("accepted", "out")
        assert "Remissen är antagen" in reply.text and "Välkommen till oss." in reply.text
        assert issued.isoformat() in reply.text
        [item] = h.assessment_items(s, rid)
        assert item.status == "completed"
    with database.session() as s, pytest.raises(TransitionError):
        referrals.accept(s, actor=factories.actor(s, world.clinician_id), referral_id=rid)


def test_reject_replies_with_the_reason(database: Database, world: factories.World) -> None:
    with database.session() as s:
        rid = h.register(s, world).id
    with database.session() as s:
        r = referrals.reject(s, actor=factories.actor(s, world.clinician_id), referral_id=rid,
                             reason="Kan handläggas i primärvården.")
        assert (r.status, r.outcome, r.decision_reason) == (
            "replied", "rejected", "Kan handläggas i primärvården.")
        assert r.waitlist_entry_id is None
        reply = r.messages[-1]
        assert reply.kind == "rejected" and "Remissen är avvisad" in reply.text
        assert "Kan handläggas i primärvården." in reply.text
        assert h.assessment_items(s, rid)[0].status == "completed"


def test_forward_names_the_new_unit_in_the_reply(database: Database, world: factories.World) -> None:
    with database.session() as s:
        rid = h.register(s, world).id
    with database.session() as s:
        r = referrals.forward(s, actor=factories.actor(s, world.clinician_id), referral_id=rid,
                              to_name="Ortopedmottagningen", to_hsa_id="se2321000016-orto",
                              reason="Frågan gäller knät.")
        assert (r.outcome, r.forward_to_name, r.forward_to_hsa_id) == (
            "forwarded", "Ortopedmottagningen", "SE2321000016-ORTO")
        text = r.messages[-1].text
        assert "vidarebefordrad till Ortopedmottagningen (SE2321000016-ORTO)" in text
        assert "Frågan gäller knät." in text
    with database.session() as s, pytest.raises(ValidationFailed) as caught:
        rid2 = h.register(s, world).id
        referrals.forward(s, actor=factories.actor(s, world.clinician_id), referral_id=rid2,
                          to_name="", to_hsa_id="x", reason="")
    assert set(caught.value.errors) == {"to_name", "to_hsa_id", "reason"}


def test_ask_for_more_information_then_resume(database: Database, world: factories.World,
                                              store: PdfStore) -> None:
    with database.session() as s:
        rid = h.register(s, world).id
    t0 = utcnow()
    with database.session() as s:
        r = referrals.request_information(s, actor=factories.actor(s, world.clinician_id),
                                          referral_id=rid, question="Finns EKG?", now=t0)
        assert r.status == "waiting_for_info"
        assert r.messages[-1].kind == "question" and "Finns EKG?" in r.messages[-1].text
        [item] = h.assessment_items(s, rid)
        assert item.status == "on-hold"
        # Waiting for the sender, a decision is refused.
        with pytest.raises(TransitionError):
            referrals.reject(s, actor=factories.actor(s, world.clinician_id), referral_id=rid,
                             reason="x")
    t1 = t0 + timedelta(days=4)
    with database.session() as s:
        r = referrals.register_answer(s, actor=factories.actor(s, world.secretary_id),
                                      referral_id=rid, text="EKG bifogas.", store=store,
                                      uploads=[h.upload(h.pdf_bytes(), "ekg.pdf")], now=t1)
        assert r.status == "under_assessment"
        answer = r.messages[-1]
        assert (answer.kind, answer.direction, answer.text) == ("answer", "in", "EKG bifogas.")
        assert [a.message_id for a in r.attachments] == [answer.id]
        [item] = h.assessment_items(s, rid)
        assert item.status == "in-progress"  # back where it was before the hold
        assert item.due_at > t1  # a fresh due time for the resumed assessment
    with database.session() as s:
        r = referrals.accept(s, actor=factories.actor(s, world.clinician_id), referral_id=rid)
        assert _path(r) == ["registered", "received", "under_assessment", "waiting_for_info",
                            "under_assessment", "accepted", "replied"]


def test_answer_before_the_referral_arrived_is_refused(database: Database,
                                                       world: factories.World) -> None:
    with database.session() as s:
        rid = h.register(s, world, received_days_ago=2).id
        referrals.request_information(s, actor=factories.actor(s, world.clinician_id),
                                      referral_id=rid, question="?")
    with database.session() as s, pytest.raises(ValidationFailed) as caught:
        referrals.register_answer(s, actor=factories.actor(s, world.secretary_id),
                                  referral_id=rid, text="Svar",
                                  received_on=h.today() - timedelta(days=5))
    assert "received_on" in caught.value.errors


def test_only_clinicians_decide(database: Database, world: factories.World) -> None:
    with database.session() as s:
        rid = h.register(s, world).id
    with database.session() as s, pytest.raises(Forbidden):
        referrals.accept(s, actor=factories.actor(s, world.secretary_id), referral_id=rid)


def test_hand_over_moves_the_assessment(database: Database, world: factories.World) -> None:
    with database.session() as s:
        other = factories.make_user(s, world.unit_id, Role.CLINICIAN).id
        rid = h.register(s, world).id
    with database.session() as s:
        # A new item (not yet taken) is reassigned; the reason is kept on item and referral.
        referrals.hand_over(s, actor=factories.actor(s, world.clinician_id), referral_id=rid,
                            to_user_id=other, reason="Semester")
        [item] = h.assessment_items(s, rid)
        assert item.owner_id == other and item.events[-1].type == "handed_over"
        assert item.events[-1].reason == "Semester"
    with database.session() as s:
        # The colleague starts, then hands it back through the worklist's own operation.
        referrals.start_assessment(s, actor=factories.actor(s, other), referral_id=rid)
        worklist.perform(s, actor=factories.actor(s, other), item_id=item.id,
                         operation="handover", to_user_id=world.clinician_id, reason="Åter")
    with database.session() as s:
        r = referrals.hand_over(s, actor=factories.actor(s, world.clinician_id), referral_id=rid,
                                to_user_id=None, reason="Till kön")
        [item] = h.assessment_items(s, rid)
        assert item.owner_id is None and item.status == "requested"
        assert r.events[-1].type == "handed_over" and r.assessor_id is None
    with database.session() as s, pytest.raises(ValidationFailed):
        referrals.hand_over(s, actor=factories.actor(s, world.clinician_id), referral_id=rid,
                            to_user_id=world.secretary_id, reason="Fel roll")
    with database.session() as s:
        r = referrals.reject(s, actor=factories.actor(s, other), referral_id=rid, reason="Nej")
        done = s.get(WorkItem, item.id)
        assert done is not None and done.status == "completed" and done.owner_id == other


def test_overdue_assessment_escalates_to_the_manager(database: Database,
                                                     world: factories.World) -> None:
    t0 = utcnow()
    with database.session() as s:
        rid = h.register(s, world, now=t0, priority="high").id  # 24 hours to assess
        [item] = h.assessment_items(s, rid)
        item_id = item.id

    def escalations() -> list[WorkItem]:
        with database.session() as s:
            return list(s.scalars(select(WorkItem).where(WorkItem.kind == "escalation",
                                                         WorkItem.ref_id == item_id)))

    with database.session() as s:
        escalate_overdue(s, now=t0 + timedelta(hours=23))
    assert escalations() == []
    with database.session() as s:
        escalate_overdue(s, now=t0 + timedelta(hours=25))
    with database.session() as s:
        escalate_overdue(s, now=t0 + timedelta(hours=30))  # once only
    [esc] = escalations()
    assert esc.owner_id == world.manager_id and esc.unit_id == world.unit_id
    assert esc.title.startswith("Försenat: Bedöm remiss")


def test_cancel_closes_without_a_reply(database: Database, world: factories.World) -> None:
    with database.session() as s:
        rid = h.register(s, world).id
    with database.session() as s:
        r = referrals.cancel(s, actor=factories.actor(s, world.secretary_id), referral_id=rid,
                             reason="Dubblett")
        assert r.status == "cancelled" and [m.kind for m in r.messages] == ["receipt"]
        assert h.assessment_items(s, rid)[0].status == "cancelled"


def test_confirm_receipt_later(database: Database, world: factories.World) -> None:
    with database.session() as s:
        rid = h.register(s, world, confirm_receipt=False).id
    with database.session() as s:
        r = referrals.confirm_receipt(s, actor=factories.actor(s, world.secretary_id),
                                      referral_id=rid)
        assert _path(r) == ["registered", "received"] and r.messages[0].kind == "receipt"


def test_list_filters_and_logs_each_patient(database: Database, world: factories.World) -> None:
    with database.session() as s:
        first = h.register(s, world).id
        second = h.register(s, world, patient_id=world.patient_ids[1], priority="acute").id
        referrals.reject(s, actor=factories.actor(s, world.clinician_id), referral_id=first,
                         reason="Nej")
    with database.session() as s:
        actor = factories.actor(s, world.secretary_id)
        open_ids = [r.record.id for r in referrals.list_referrals(
            s, actor=actor, f=referrals.ReferralFilter(status="open")).rows]
        assert second in open_ids and first not in open_ids
        rejected = [r.record.id for r in referrals.list_referrals(
            s, actor=actor, f=referrals.ReferralFilter(status="rejected")).rows]
        assert rejected == [first]
        listed = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.user_id == world.secretary_id, AuditEvent.action == "list",
            AuditEvent.object_type == "referral_list"))
        assert listed and listed >= 2
        # Another unit's secretary sees none of them.
        stranger = factories.make_user(s, world.other_unit_id, Role.SECRETARY)
        rows = referrals.list_referrals(s, actor=factories.actor_for(stranger),
                                        f=referrals.ReferralFilter(status="all")).rows
        assert not {first, second} & {r.record.id for r in rows}
