"""resolve_login on a real database: the claims' person and assignments to a user and units."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.staff import oidc
from kulisser.staff.models import LoginAttempt, UnitMembership
from tests.factories import make_unit, make_user, unique

NAMES = oidc.ClaimNames()


def _person(db: Session, units: int = 2) -> tuple[str, list[int], int]:
    made = [make_unit(db) for _ in range(units)]
    user = make_user(db, made[0])
    user.memberships.extend(UnitMembership(unit_id=u.id) for u in made[1:])
    user.hsa_id = unique("SE2321000016-E")
    db.flush()
    return user.hsa_id, [u.id for u in made], user.id


def _hsa(db: Session, unit_id: int) -> str:
    from kulisser.staff.models import CareUnit

    unit = db.get(CareUnit, unit_id)
    assert unit is not None
    return unit.hsa_id


def test_the_assignment_claim_picks_the_unit(db: Session) -> None:
    hsa, units, user_id = _person(db)
    found = oidc.resolve_login(db, claims={"employeeHsaId": hsa,
                                           "commissionHsaId": _hsa(db, units[1])}, names=NAMES)
    assert not found.refused and found.user is not None and found.user.id == user_id
    assert [u.id for u in found.units] == [units[1]]


def test_several_assignments_or_none_named_leave_the_choice_to_the_user(db: Session) -> None:
    hsa, units, _user_id = _person(db)
    both = oidc.resolve_login(db, claims={"employeeHsaId": hsa, "commissionHsaId":
                                          [_hsa(db, u) for u in units]}, names=NAMES)
    unnamed = oidc.resolve_login(db, claims={"employeeHsaId": hsa}, names=NAMES)
    assert {u.id for u in both.units} == {u.id for u in unnamed.units} == set(units)


def test_an_assignment_at_a_unit_the_user_is_not_a_member_of_is_refused(db: Session) -> None:
    hsa, _units, _user_id = _person(db, units=1)
    elsewhere = make_unit(db)
    found = oidc.resolve_login(db, claims={"employeeHsaId": hsa,
                                           "commissionHsaId": elsewhere.hsa_id}, names=NAMES)
    assert found.refused and found.refusal == oidc.NO_ASSIGNMENT


def test_unknown_or_inactive_people_are_refused_and_the_attempt_kept(db: Session) -> None:
    hsa, _units, user_id = _person(db, units=1)
    unknown = oidc.resolve_login(db, claims={"employeeHsaId": hsa + "-X"}, names=NAMES)
    assert unknown.refused and unknown.user is None and unknown.refusal == oidc.UNKNOWN_PERSON
    no_claim = oidc.resolve_login(db, claims={}, names=NAMES)
    assert no_claim.refused and no_claim.user is None
    from kulisser.staff.models import User

    user = db.get(User, user_id)
    assert user is not None
    user.active = False
    db.flush()
    assert oidc.resolve_login(db, claims={"employeeHsaId": hsa}, names=NAMES).user is None
    oidc.record_attempt(db, resolution=unknown, ip="10.0.0.9")
    db.flush()
    kept = db.scalars(select(LoginAttempt).where(LoginAttempt.username == "hsa:" + hsa + "-X")).all()
    assert [(a.success, a.ip) for a in kept] == [(False, "10.0.0.9")]
