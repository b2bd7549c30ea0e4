"""The staff register's service: validation, editing rights, history, memberships that follow
the assignments, and what a login through the identity provider gets."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from kulisser.errors import Forbidden, NotFound, ValidationFailed
from kulisser.staff import register
from kulisser.staff import service as staff
from kulisser.staff.models import Role, UnitMembership, User
from kulisser.staff.register_models import StaffPerson
from tests import factories
from tests.staff.helpers import assignment, hsa, person


def _manager(db: Session, world: factories.World) -> staff.Actor:
    return factories.actor(db, world.manager_id)


def _units(db: Session, user_id: int) -> set[int]:
    return {m.unit_id for m in db.query(UnitMembership).filter_by(user_id=user_id)}


@pytest.mark.parametrize("value", ["", "2321000016-1234", "se2321000016 12", "SE-1234",
                                   "SE2321000016_1234", "SE" + "1" * 40, "SEÅ123"])
def test_a_malformed_hsa_id_is_refused_in_swedish(value: str) -> None:
    message = register.hsa_error(value)
    assert message is not None and ("HSA-id" in message)


@pytest.mark.parametrize("value", ["SE2321000016-1234", "SE2321000016-ABC9", "SE123456789"])
def test_a_well_formed_hsa_id_passes(value: str) -> None:
    assert register.hsa_error(value) is None


def test_bad_input_names_each_field_and_stores_nothing(db: Session, world: factories.World) -> None:
    manager = _manager(db, world)
    before = db.query(StaffPerson).count()
    with pytest.raises(ValidationFailed) as bad:
        register.create_person(db, actor=manager, username="finns-inte", values={
            "full_name": " ", "hsa_id": "XX1", "email": "inte-en-adress", "phone": "12"})
    assert set(bad.value.errors) == {"full_name", "hsa_id", "email", "phone", "username"}
    assert bad.value.errors["full_name"] == "Ange namn."
    assert db.query(StaffPerson).count() == before


def test_assignment_dates_role_and_unit_are_checked(db: Session, world: factories.World) -> None:
    manager = _manager(db, world)
    p = person(db, manager)
    with pytest.raises(ValidationFailed) as bad:
        register.add_assignment(db, actor=manager, person_id=p.id, unit_id=world.other_unit_id,
                                purpose="fika", role="chef", commission_hsa_id="nej",
                                valid_from="2026-13-01", valid_to="")
    assert bad.value.errors == {
        "unit_id": "Du kan bara ge uppdrag på dina egna vårdenheter.",
        "purpose": "Välj syfte: vård och behandling eller administration.",
        "role": "Välj en roll.",
        "commission_hsa_id": register.hsa_error("nej"),
        "valid_from": "Ange ett datum som ÅÅÅÅ-MM-DD.",
    }
    with pytest.raises(ValidationFailed) as backwards:
        register.add_assignment(db, actor=manager, person_id=p.id, unit_id=world.unit_id,
                                purpose="care", role="secretary", commission_hsa_id=hsa("U"),
                                valid_from="2026-05-02", valid_to="2026-05-01")
    assert backwards.value.errors == {"valid_to": "Slutdagen kan inte vara före startdagen."}
    assert register.get_person(db, actor=manager, person_id=p.id).assignments == []


def test_only_managers_and_administrators_edit(db: Session, world: factories.World) -> None:
    secretary = factories.actor(db, world.secretary_id)
    with pytest.raises(Forbidden):
        person(db, secretary)
    p = person(db, _manager(db, world))
    with pytest.raises(Forbidden):
        register.update_person(db, actor=secretary, person_id=p.id, values={"profession": "x"})
    # A manager of another unit does not even see someone who works at this one.
    other_manager = factories.actor_for(
        factories.make_user(db, world.other_unit_id, Role.MANAGER))
    assignment(db, _manager(db, world), p.id)
    with pytest.raises(NotFound):
        register.update_person(db, actor=other_manager, person_id=p.id, values={"phone": ""})
    assert p.id not in {r.person.id for r in register.register_rows(db, actor=other_manager)}
    admin = factories.actor_for(factories.make_user(db, world.other_unit_id, Role.ADMIN))
    assert register.update_person(db, actor=admin, person_id=p.id,
                                   values={"profession": "Kurator"}).profession == "Kurator"


def test_every_change_is_in_the_persons_history(db: Session, world: factories.World) -> None:
    manager = _manager(db, world)
    p = person(db, manager, name="Vera Öst")
    line = assignment(db, manager, p.id, start=date(2026, 1, 1))
    register.update_person(db, actor=manager, person_id=p.id,
                           values={"full_name": "Vera Öst-Lund", "phone": ""})
    register.end_assignment(db, actor=manager, assignment_id=line.id, last_day="2026-06-30")
    events = register.get_person(db, actor=manager, person_id=p.id).events
    assert [e.type for e in events] == ["created", "assignment_added", "updated",
                                        "assignment_ended"]
    assert all(e.actor_id == manager.user_id for e in events)
    assert events[2].data["changes"] == {"full_name": ["Vera Öst", "Vera Öst-Lund"],
                                         "phone": ["010-123 45 67", ""]}
    assert events[3].data["valid_to"] == [None, "2026-06-30"]


def test_memberships_follow_the_valid_assignments(db: Session, world: factories.World) -> None:
    manager = _manager(db, world)
    user = factories.make_user(db, world.unit_id)
    p = person(db, manager, username=user.username)
    # Linked but without assignments: the login keeps what it has.
    assert _units(db, user.id) == {world.unit_id}
    today = staff.local_today()
    assignment(db, manager, p.id, start=date(today.year + 1, 1, 1))  # only in the future
    assert _units(db, user.id) == set()
    assignment(db, manager, p.id, start=today)
    assert _units(db, user.id) == {world.unit_id}


def test_a_login_without_assignments_keeps_its_role_and_units(db: Session,
                                                              world: factories.World) -> None:
    user = db.get(User, world.secretary_id)
    assert user is not None
    assert staff.request_access(db, user_id=user.id, unit_id=world.unit_id) is None
    assert factories.actor_for(user).role == Role.SECRETARY


def test_the_assignment_gives_the_role_in_its_unit(db: Session, world: factories.World) -> None:
    manager = _manager(db, world)
    user = factories.make_user(db, world.unit_id, Role.SECRETARY)
    p = person(db, manager, username=user.username)
    assignment(db, manager, p.id, role="clinician", start=date(2025, 1, 1))
    access = staff.request_access(db, user_id=user.id, unit_id=world.unit_id)
    assert access == staff.AssignmentAccess(role=Role.CLINICIAN, unit_ids=(world.unit_id,))
    with pytest.raises(staff.AssignmentEnded):
        staff.request_access(db, user_id=user.id, unit_id=world.other_unit_id)


def test_assignments_for_login_gives_the_valid_ones(db: Session, world: factories.World) -> None:
    manager = _manager(db, world)
    admin = factories.actor_for(factories.make_user(db, world.other_unit_id, Role.ADMIN))
    user = factories.make_user(db, world.unit_id)
    p = person(db, manager, username=user.username)
    here = assignment(db, manager, p.id, start=date(2026, 1, 1), last_day=date(2026, 12, 4))
    there = assignment(db, admin, p.id, unit_id=world.other_unit_id, role="manager",
                       start=date(2026, 1, 1))
    # 23:30 in Stockholm on 4 December: both valid; half an hour later only the open-ended one.
    late = datetime(2026, 12, 4, 22, 30, tzinfo=UTC)
    found = staff.assignments_for_login(db, person_hsa_id=p.hsa_id.lower(), at=late)
    assert {(a.assignment_id, a.unit_id, a.role, a.user_id) for a in found} == {
        (here.id, world.unit_id, Role.SECRETARY, user.id),
        (there.id, world.other_unit_id, Role.MANAGER, user.id)}
    assert {a.commission_hsa_id for a in found} == {here.commission_hsa_id,
                                                     there.commission_hsa_id}
    after = datetime(2026, 12, 4, 23, 0, tzinfo=UTC)
    assert [a.assignment_id for a in staff.assignments_for_login(
        db, person_hsa_id=p.hsa_id, at=after)] == [there.id]
    assert staff.assignments_for_login(db, person_hsa_id="SE999-NOONE", at=after) == []
