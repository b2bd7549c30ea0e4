"""The access check's other door: a care relation starts only with a reason, and is flagged.

Registering a number that another unit registered used to give the unit a care relation
without a word; now the relation needs a reason, the same reason is asked for a new number,
and a start for a patient on file waits for the manager's follow-up.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kulisser.audit import relation_starts
from kulisser.audit import service as audit
from kulisser.audit.models import AuditEvent
from kulisser.audit.service import AccessDenied
from kulisser.db import Database, utcnow
from kulisser.errors import ValidationFailed
from kulisser.patients import service as patients
from kulisser.patients.models import CareRelation, Patient
from kulisser.results import service as results
from kulisser.staff.models import Role
from tests import factories
from tests.factories import World
from tests.referrals import helpers as rh
from tests.results import helpers as res


def _number(s: Session, patient_id: int) -> str:
    p = s.get(Patient, patient_id)
    assert p is not None
    return p.id_value


def _data(identifier: str, **changes: str) -> patients.PatientData:
    return patients.PatientData(identifier=identifier, given_name=changes.get("given", "Vem"),
                                family_name=changes.get("family", "Som Helst"))


def _flagged(s: Session, patient_id: int) -> list[AuditEvent]:
    return list(s.scalars(select(AuditEvent).where(AuditEvent.patient_id == patient_id,
                                                   AuditEvent.outcome == "relation")))


def test_no_reason_is_the_same_refusal_for_a_known_and_a_new_number(database: Database,
                                                                    world: World) -> None:
    with database.session() as s:
        me = factories.actor(s, world.secretary_id)
        known = _number(s, world.stranger_patient_id)
        with pytest.raises(ValidationFailed) as for_known:
            patients.register_patient(s, actor=me, data=_data(known))
        with pytest.raises(ValidationFailed) as for_new:
            patients.register_patient(s, actor=me, data=_data(factories.new_personnummer()))
        assert for_known.value.errors == for_new.value.errors
        assert set(for_known.value.errors) == {"care_reason"}
        # The message says a relation needs a reason, not that the number is known.
        assert "registrerad" not in for_known.value.errors["care_reason"]
        with pytest.raises(ValidationFailed) as other_without_text:
            patients.register_patient(s, actor=me, data=_data(known), care_reason="other")
        assert set(other_without_text.value.errors) == {"care_reason_text"}
        with pytest.raises(AccessDenied):
            audit.check_access(s, actor=me, patient_id=world.stranger_patient_id, action="read",
                               object_type="patient")
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(CareRelation).where(
            CareRelation.unit_id == world.unit_id,
            CareRelation.patient_id == world.stranger_patient_id)) == 0


def test_a_reason_starts_the_relation_flagged_and_the_record_is_kept(database: Database,
                                                                     world: World) -> None:
    with database.session() as s:
        me = factories.actor(s, world.secretary_id)
        before = s.get(Patient, world.stranger_patient_id)
        assert before is not None
        stored = (before.given_name, before.family_name, before.address, before.phone)
        patient = patients.register_patient(
            s, actor=me, data=_data(_number(s, world.stranger_patient_id)), care_reason="other",
            care_reason_text="Överflyttad från ortopeden")
        assert patient.id == world.stranger_patient_id
        assert (patient.given_name, patient.family_name, patient.address, patient.phone) == stored
    with database.session() as s:
        me = factories.actor(s, world.secretary_id)
        [row] = _flagged(s, world.stranger_patient_id)
        assert (row.unit_id, row.action, row.object_type, row.reason) == (
            world.unit_id, "create", "care_relation", "Annat: Överflyttad från ortopeden")
        assert audit.check_access(s, actor=me, patient_id=world.stranger_patient_id,
                                  action="read", object_type="patient").emergency is False
        manager = factories.actor(s, world.manager_id)
        assert relation_starts.unreviewed_count(s, actor=manager) == 1
        relation_starts.follow_up_start(s, actor=manager, event_id=row.id,
                                        comment="Skälet stämmer med remissen.")
        assert relation_starts.unreviewed_count(s, actor=manager) == 0


def test_a_new_patient_records_its_reason_without_a_flag(database: Database, world: World) -> None:
    with database.session() as s:
        me = factories.actor(s, world.secretary_id)
        p = patients.register_patient(s, actor=me, data=_data(factories.new_personnummer()),
                                      care_reason="referral")
        pid = p.id
    with database.session() as s:
        assert _flagged(s, pid) == []
        [row] = s.scalars(select(AuditEvent).where(AuditEvent.patient_id == pid,
                                                   AuditEvent.object_type == "care_relation"))
        assert (row.outcome, row.reason) == ("allowed", "Remiss mottagen")


def test_an_ended_relation_needs_a_reason_again(database: Database, world: World) -> None:
    pid = world.patient_ids[0]
    with database.session() as s:
        s.execute(update(CareRelation).where(CareRelation.unit_id == world.unit_id,
                                             CareRelation.patient_id == pid)
                  .values(ended_at=utcnow()))
    with database.session() as s:
        me = factories.actor(s, world.secretary_id)
        with pytest.raises(ValidationFailed) as caught:
            patients.register_patient(s, actor=me, data=_data(_number(s, pid)))
        assert set(caught.value.errors) == {"care_reason"}
        patients.register_patient(s, actor=me, data=_data(_number(s, pid)),
                                  care_reason="seeks_care")
    with database.session() as s:
        assert [r.reason for r in _flagged(s, pid)] == ["Patienten söker vård här"]


def test_a_manual_match_of_a_result_flags_the_start(database: Database, world: World) -> None:
    with database.session() as s:
        me = factories.actor(s, world.secretary_id)
        outcome = results.import_fhir(s, actor=me, payload=res.report("19121212-1213")).outcomes[0]
        assert outcome.result_id is not None
        results.match_result(s, actor=me, result_id=outcome.result_id,
                             identifier=_number(s, world.stranger_patient_id))
    with database.session() as s:
        [row] = _flagged(s, world.stranger_patient_id)
        assert row.unit_id == world.unit_id and "Provsvar" in (row.reason or "")


def test_a_referral_for_the_units_own_patient_flags_nothing(database: Database,
                                                            world: World) -> None:
    with database.session() as s:
        rh.register(s, world)  # the world's first patient, already cared for here
    with database.session() as s:
        assert _flagged(s, world.patient_ids[0]) == []
        # Another unit's secretary meets the same number without a relation: nothing shown.
        other = factories.make_user(s, world.other_unit_id, Role.SECRETARY)
        them = factories.actor_for(other)
        with pytest.raises(ValidationFailed) as caught:
            patients.register_patient(s, actor=them, data=_data(_number(s, world.patient_ids[0])))
        assert set(caught.value.errors) == {"care_reason"}


def test_a_bulk_start_reopens_ended_relations_adds_missing_ones_and_flags_each(
        database: Database, world: World) -> None:
    """patients.start_relations (a results import's path): the same rows as one start each."""
    with database.session() as s:
        me = factories.actor(s, world.secretary_id)
        ended, new = world.stranger_patient_id, factories.make_patient(s, None).id
        s.execute(update(CareRelation).where(CareRelation.patient_id == ended)
                  .values(unit_id=world.unit_id, ended_at=utcnow()))
        assert not audit.has_care_relation(s, unit_id=world.unit_id, patient_id=ended)
        patients.start_relations(s, actor=me, patient_ids={ended, new}, reason="Provsvar",
                                 now=utcnow())
        patients.start_relations(s, actor=me, patient_ids={new}, reason="Provsvar", now=utcnow())
        for pid in (ended, new):
            assert audit.has_care_relation(s, unit_id=world.unit_id, patient_id=pid)
            assert s.scalar(select(func.count()).select_from(CareRelation).where(
                CareRelation.unit_id == world.unit_id, CareRelation.patient_id == pid)) == 1
        assert [e.reason for e in _flagged(s, ended)] == ["Provsvar"]
        assert [e.reason for e in _flagged(s, new)] == ["Provsvar"]  # the second call: nothing
