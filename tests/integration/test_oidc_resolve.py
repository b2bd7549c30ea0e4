"""resolve_login on a real database: the claims' person and assignments to a register person's
login and the units of its assignments valid today."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.staff import oidc
from kulisser.staff import service as staff
from kulisser.staff.models import LoginAttempt, Role, UnitMembership, User
from kulisser.staff.register_models import StaffAssignment
from tests import factories
from tests.factories import make_unit, make_user
from tests.staff.helpers import assignment, hsa, person

NAMES = oidc.ClaimNames()


def _registered(db: Session, units: int = 2, *, ended: int = 0
                ) -> tuple[str, list[int], int, list[StaffAssignment]]:
    """A login, its register person (HSA-id) and one assignment in each of `units` new units;
    the first `ended` of them ended yesterday."""
    made = [make_unit(db) for _ in range(units)]
    keeper = factories.actor_for(make_user(db, made[0], role=Role.ADMIN))
    user = make_user(db, made[0])
    who = person(db, keeper, username=user.username)
    today = staff.local_today()
    lines = [assignment(db, keeper, who.id, unit_id=u.id, start=today - timedelta(days=30),
                        last_day=today - timedelta(days=1) if n < ended else None)
             for n, u in enumerate(made)]
    return who.hsa_id, [u.id for u in made], user.id, lines


def _claims(person_hsa: str, *commissions: str) -> dict[str, object]:
    claims: dict[str, object] = {"employeeHsaId": person_hsa}
    if commissions:
        claims["commissionHsaId"] = list(commissions)
    return claims


def test_the_assignment_claim_picks_the_unit_and_role_follows_the_register(db: Session) -> None:
    person_hsa, units, user_id, lines = _registered(db)
    found = oidc.resolve_login(db, claims=_claims(person_hsa, lines[1].commission_hsa_id),
                               names=NAMES)
    assert not found.refused and found.user is not None and found.user.id == user_id
    assert [u.id for u in found.units] == [units[1]]
    assert [(a.assignment_id, a.role) for a in found.assignments] == [(lines[1].id, Role.SECRETARY)]


def test_several_assignments_or_none_named_leave_the_choice_to_the_user(db: Session) -> None:
    person_hsa, units, _user_id, lines = _registered(db)
    both = oidc.resolve_login(db, claims=_claims(person_hsa, *(a.commission_hsa_id for a in lines)),
                              names=NAMES)
    unnamed = oidc.resolve_login(db, claims=_claims(person_hsa), names=NAMES)
    assert {u.id for u in both.units} == {u.id for u in unnamed.units} == set(units)


def test_an_ended_assignment_named_by_the_claim_is_refused(db: Session) -> None:
    person_hsa, _units, user_id, lines = _registered(db, ended=1)
    found = oidc.resolve_login(db, claims=_claims(person_hsa, lines[0].commission_hsa_id),
                               names=NAMES)
    # Her other assignment is valid, but the claim did not name it: no way in.
    assert found.refused and found.units == () and found.refusal == oidc.ASSIGNMENT_ENDED
    assert found.user is not None and found.user.id == user_id
    assert lines[0].commission_hsa_id in found.message
    assert str(staff.local_today() - timedelta(days=1)) in found.message
    # Unnamed, only the valid one is offered.
    unnamed = oidc.resolve_login(db, claims=_claims(person_hsa), names=NAMES)
    assert [a.assignment_id for a in unnamed.assignments] == [lines[1].id]


def test_an_assignment_not_yet_started_is_refused_with_its_first_day(db: Session) -> None:
    person_hsa, _units, _user_id, lines = _registered(db, units=1)
    lines[0].valid_from = staff.local_today() + timedelta(days=3)
    db.flush()
    found = oidc.resolve_login(db, claims=_claims(person_hsa, lines[0].commission_hsa_id),
                               names=NAMES)
    assert found.refused and found.refusal == oidc.ASSIGNMENT_NOT_STARTED
    assert str(lines[0].valid_from) in found.message


def test_an_assignment_of_someone_else_is_refused(db: Session) -> None:
    mine, _units, _user_id, _lines = _registered(db, units=1)
    _theirs, _units2, _user2, their_lines = _registered(db, units=1)
    other = their_lines[0].commission_hsa_id
    found = oidc.resolve_login(db, claims=_claims(mine, other), names=NAMES)
    assert found.refused and found.refusal == oidc.ASSIGNMENT_NOT_YOURS and other in found.message
    # Named beside one of her own, it still refuses the whole login.
    mixed = oidc.resolve_login(db, claims=_claims(mine, _lines[0].commission_hsa_id, other),
                               names=NAMES)
    assert mixed.refused and mixed.refusal == oidc.ASSIGNMENT_NOT_YOURS


def test_an_assignment_unknown_to_the_register_gives_no_unit(db: Session) -> None:
    person_hsa, _units, _user_id, _lines = _registered(db, units=1)
    found = oidc.resolve_login(db, claims=_claims(person_hsa, hsa("U")), names=NAMES)
    assert found.refused and found.refusal == oidc.NO_ASSIGNMENT


def test_memberships_follow_the_chosen_assignments_at_login(db: Session) -> None:
    person_hsa, units, user_id, _lines = _registered(db)
    # A membership the register does not back (left from before the register) goes at login.
    db.query(UnitMembership).filter_by(user_id=user_id).delete()
    stray = make_unit(db)
    db.add(UnitMembership(user_id=user_id, unit_id=stray.id))
    db.flush()
    found = oidc.resolve_login(db, claims=_claims(person_hsa), names=NAMES)
    assert {u.id for u in found.units} == set(units)
    have = {m.unit_id for m in db.scalars(select(UnitMembership).where(
        UnitMembership.user_id == user_id))}
    assert have == set(units)


def test_a_login_with_an_hsa_id_but_no_register_entry_is_refused(db: Session) -> None:
    unit = make_unit(db)
    user = make_user(db, unit)
    user.hsa_id = hsa("E")
    db.flush()
    found = oidc.resolve_login(db, claims=_claims(user.hsa_id, unit.hsa_id), names=NAMES)
    assert found.refused and found.refusal == oidc.NOT_IN_REGISTER
    assert "personalregist" in found.message
    oidc.record_attempt(db, resolution=found, ip="10.0.0.8")
    db.flush()
    kept = db.scalars(select(LoginAttempt).where(LoginAttempt.username == user.username)).all()
    assert [(a.success, a.ip) for a in kept] == [(False, "10.0.0.8")]


def test_a_person_without_an_active_login_is_refused(db: Session) -> None:
    unit = make_unit(db)
    keeper = factories.actor_for(make_user(db, unit, role=Role.ADMIN))
    locum = person(db, keeper)
    assignment(db, keeper, locum.id, unit_id=unit.id)
    found = oidc.resolve_login(db, claims=_claims(locum.hsa_id), names=NAMES)
    assert found.refused and found.user is None and found.refusal == oidc.NO_LOGIN
    person_hsa, _units, user_id, _lines = _registered(db, units=1)
    user = db.get(User, user_id)
    assert user is not None
    user.active = False
    db.flush()
    inactive = oidc.resolve_login(db, claims=_claims(person_hsa), names=NAMES)
    assert inactive.refused and inactive.refusal == oidc.NO_LOGIN


def test_unknown_people_are_refused_and_the_attempt_kept(db: Session) -> None:
    person_hsa, _units, _user_id, _lines = _registered(db, units=1)
    unknown = oidc.resolve_login(db, claims=_claims(person_hsa + "X"), names=NAMES)
    assert unknown.refused and unknown.user is None and unknown.refusal == oidc.UNKNOWN_PERSON
    no_claim = oidc.resolve_login(db, claims={}, names=NAMES)
    assert no_claim.refused and no_claim.user is None
    oidc.record_attempt(db, resolution=unknown, ip="10.0.0.9")
    db.flush()
    kept = db.scalars(select(LoginAttempt).where(
        LoginAttempt.username == "hsa:" + person_hsa + "X")).all()
    assert [(a.success, a.ip) for a in kept] == [(False, "10.0.0.9")]
