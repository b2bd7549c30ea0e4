"""audit.service.check on any record with an id, a unit and a patient (the PatientRecord
protocol), the one system actor, and the bulk rows of an import (audit.log_many)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from kulisser.audit import service as audit
from kulisser.audit.models import AuditEvent
from kulisser.db import Database
from kulisser.results.rows import write
from tests import factories
from tests.factories import World

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Record:
    """Any unit-scoped record: the check needs nothing but these three."""

    id: int
    unit_id: int | None
    patient_id: int | None


def rows_at(database: Database, when: datetime) -> list[AuditEvent]:
    """The committed audit rows written at one instant."""
    with database.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.at == when)
                              .order_by(AuditEvent.id)))


def fields(row: AuditEvent) -> tuple[Any, ...]:
    """What a test compares of a row."""
    return (row.user_id, row.unit_id, row.patient_id, row.action, row.object_type,
            row.object_id, row.outcome, row.reason)


def test_a_record_of_the_actors_unit_goes_to_the_patients_check(database: Database,
                                                               world: World) -> None:
    when = NOW + timedelta(seconds=1)
    pid = world.patient_ids[0]
    with database.session() as s:
        me = factories.actor(s, world.secretary_id)
        audit.check(s, actor=me, record=Record(7, world.unit_id, pid), object_type="letter",
                    action="update", now=when)
        # Unmatched (no patient yet): still someone's data, logged without a patient.
        audit.check(s, actor=me, record=Record(8, world.unit_id, None), object_type="result",
                    now=when)
    assert [fields(r) for r in rows_at(database, when)] == [
        (me.user_id, world.unit_id, pid, "update", "letter", "7", "allowed", None),
        (me.user_id, world.unit_id, None, "read", "result", "8", "allowed", None)]


def test_the_patient_a_caller_means_to_attach_is_checked(database: Database,
                                                         world: World) -> None:
    when = NOW + timedelta(seconds=2)
    with database.sessions() as s:
        me = factories.actor(s, world.secretary_id)
        with pytest.raises(audit.AccessDenied) as denied:
            audit.check(s, actor=me, record=Record(9, world.unit_id, None), object_type="result",
                        action="update", patient_id=world.stranger_patient_id, now=when)
    assert denied.value.patient_id == world.stranger_patient_id
    assert denied.value.row["outcome"] == "denied"


def test_another_units_record_is_refused_with_its_reason_or_hidden(database: Database,
                                                                  world: World) -> None:
    when = NOW + timedelta(seconds=3)
    pid = world.patient_ids[0]
    record = Record(10, world.other_unit_id, pid)
    with database.sessions() as s:
        me = factories.actor(s, world.secretary_id)
        with pytest.raises(audit.AccessDenied) as denied:
            audit.check(s, actor=me, record=record, object_type="referral",
                        reason="Remissen hör till en annan vårdenhet.", now=when)
        with pytest.raises(audit.DeniedNotFound) as hidden:
            audit.check(s, actor=me, record=record, object_type="work_item",
                        hidden="Ärendet finns inte.", now=when)
        # Without a patient there is no emergency access to ask for: not found either way.
        with pytest.raises(audit.DeniedNotFound):
            audit.check(s, actor=me, record=replace(record, patient_id=None),
                        object_type="result", now=when)
        for refusal in (denied.value, hidden.value):
            audit.write_denied(s, refusal)
        s.commit()
    assert hidden.value.message == "Ärendet finns inte."
    assert [fields(r) for r in rows_at(database, when)] == [
        (me.user_id, world.unit_id, pid, "read", "referral", "10", "denied",
         "Remissen hör till en annan vårdenhet."),
        (me.user_id, world.unit_id, pid, "read", "work_item", "10", "denied",
         "Posten hör till en annan vårdenhet.")]


def test_current_unit_refuses_the_actors_other_units(database: Database, world: World) -> None:
    when = NOW + timedelta(seconds=4)
    with database.sessions() as s:
        me = factories.actor(s, world.secretary_id)
        both = replace(me, unit_ids=(world.unit_id, world.other_unit_id))
        record = Record(11, world.other_unit_id, world.patient_ids[0])
        audit.check(s, actor=both, record=record, object_type="letter", now=when)
        with pytest.raises(audit.AccessDenied):
            audit.check(s, actor=both, record=record, object_type="dictation", current_unit=True,
                        now=when)


def test_system_acts_are_logged_under_the_one_system_actor(database: Database,
                                                           world: World) -> None:
    when = NOW + timedelta(seconds=5)
    with database.session() as s:
        audit.log_system(s, unit_id=world.unit_id, patient_id=world.patient_ids[0],
                         action="create", object_type="work_item", object_id=3,
                         reason="Automatisk eskalering", now=when)
    [row] = rows_at(database, when)
    assert (row.user_id, row.username, row.role, row.outcome) == (
        None, audit.SYSTEM_USER, "system", "allowed")


@pytest.mark.parametrize("writer", ["insert", "bulk"])
def test_log_many_writes_one_allowed_row_per_record(database: Database, world: World,
                                                    writer: str) -> None:
    when = NOW + timedelta(seconds=6 if writer == "insert" else 7)
    pid = world.patient_ids[1]
    with database.session() as s:
        me = replace(factories.actor(s, world.secretary_id), ip="192.0.2.7")
        extra: dict[str, Any] = {"write": write} if writer == "bulk" else {}
        audit.log_many(s, actor=me, action="create", object_type="result", now=when,
                       records=[(21, pid), (22, None), (23, pid)], **extra)
        audit.log_many(s, actor=me, action="create", object_type="result", now=when,
                       records=[])  # nothing to write is no statement and no error
    found = rows_at(database, when)
    assert [fields(r) for r in found] == [
        (me.user_id, world.unit_id, p, "create", "result", oid, "allowed", None)
        for oid, p in (("21", pid), ("22", None), ("23", pid))]
    assert {(r.username, r.role, r.ip, r.emergency_access_id) for r in found} == {
        (me.username, "secretary", "192.0.2.7", None)}
