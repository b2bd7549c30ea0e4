"""Kulisser's own access follows the assignments (medarbetaruppdrag) of the staff register.

A linked login's unit memberships are exactly the units where its person has an assignment
valid today (Swedish calendar): kept so by every change in the register, by the periodic job
(staff/jobs.py), and checked at every request (``request_access``: the session's unit must have
a valid assignment now). A login without any assignment (the bootstrap administrator of
`kulisser user add`) keeps its own memberships and role.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.i18n import N_, _
from kulisser.staff.models import CareUnit, Role, UnitMembership
from kulisser.staff.register_models import StaffAssignment, StaffPerson
from kulisser.workdays import local_today as local_today

ASSIGNMENT_ENDED = N_("Ditt medarbetaruppdrag för vårdenheten gäller inte längre. "
                      "Logga in igen med ett giltigt uppdrag.")


class AssignmentEnded(Exception):
    """The session's unit has no assignment valid now; .message is Swedish."""

    def __init__(self, *, unit_id: int) -> None:
        self.message = _(ASSIGNMENT_ENDED)
        super().__init__(self.message)
        self.unit_id = unit_id


@dataclass(frozen=True)
class AssignmentAccess:
    """What the valid assignments give a login now: its role in the unit and its units."""

    role: Role
    unit_ids: tuple[int, ...]


@dataclass(frozen=True)
class LoginAssignment:
    """A valid assignment as a login through the identity provider needs it."""

    assignment_id: int
    commission_hsa_id: str
    person_id: int
    user_id: int | None
    unit_id: int
    unit_hsa_id: str
    unit_name: str
    purpose: str
    role: Role
    valid_from: date
    valid_to: date | None



def sync_user(session: Session, *, user_id: int, now: datetime | None = None) -> bool:
    """Make a linked login's memberships the units of its assignments valid today; whether
    anything changed. A login without assignments is left as it is."""
    lines = list(session.scalars(select(StaffAssignment).join(StaffPerson).where(
        StaffPerson.user_id == user_id)))
    if not lines:
        return False
    today = local_today(now)
    wanted = {a.unit_id for a in lines if a.valid_on(today)}
    have = set(session.scalars(select(UnitMembership.unit_id)
                               .where(UnitMembership.user_id == user_id)))
    for unit_id in have - wanted:
        member = session.get(UnitMembership, (user_id, unit_id))
        if member is not None:
            session.delete(member)
    for unit_id in wanted - have:
        session.add(UnitMembership(user_id=user_id, unit_id=unit_id))
    session.flush()
    return have != wanted


def sync_memberships(session: Session, *, now: datetime | None = None) -> int:
    """Bring every linked login's memberships in line with its assignments; how many changed."""
    user_ids = session.scalars(select(StaffPerson.user_id).where(
        StaffPerson.user_id.is_not(None))).all()
    return sum(sync_user(session, user_id=u, now=now) for u in user_ids if u is not None)


def request_access(session: Session, *, user_id: int, unit_id: int,
                   now: datetime | None = None) -> AssignmentAccess | None:
    """What a request in a unit may do by the login's assignments: None when it has none
    (its own role and units apply); AssignmentEnded when none is valid in the unit now."""
    rows = session.execute(
        select(StaffAssignment.unit_id, StaffAssignment.role, StaffAssignment.valid_from,
               StaffAssignment.valid_to)
        .join(StaffPerson, StaffPerson.id == StaffAssignment.person_id)
        .where(StaffPerson.user_id == user_id)).all()
    if not rows:
        return None
    today = local_today(now)
    valid = [r for r in rows if r.valid_from <= today and (r.valid_to is None
                                                           or today <= r.valid_to)]
    here = sorted((r for r in valid if r.unit_id == unit_id), key=lambda r: r.valid_from)
    if not here:
        raise AssignmentEnded(unit_id=unit_id)
    return AssignmentAccess(role=Role(here[-1].role),
                            unit_ids=tuple(sorted({r.unit_id for r in valid})))


def assignments_for_login(session: Session, *, person_hsa_id: str, at: datetime
                          ) -> list[LoginAssignment]:
    """The assignments of the person with this HSA-id valid at a moment, by unit name."""
    today = local_today(at)
    rows = session.execute(
        select(StaffAssignment, StaffPerson, CareUnit)
        .join(StaffPerson, StaffPerson.id == StaffAssignment.person_id)
        .join(CareUnit, CareUnit.id == StaffAssignment.unit_id)
        .where(StaffPerson.hsa_id == person_hsa_id.strip().upper())
        .order_by(CareUnit.name, StaffAssignment.id)).tuples().all()
    return [LoginAssignment(assignment_id=a.id, commission_hsa_id=a.commission_hsa_id,
                            person_id=p.id, user_id=p.user_id, unit_id=u.id, unit_hsa_id=u.hsa_id,
                            unit_name=u.name, purpose=a.purpose, role=Role(a.role),
                            valid_from=a.valid_from, valid_to=a.valid_to)
            for a, p, u in rows if a.valid_on(today)]


