"""Factories for the access orders' tests: a unit's catalogue, a role profile with (or without)
a current needs-and-risk analysis, a person in the register, what a person has."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from kulisser.access_rights import orders
from kulisser.access_rights.models import (
    AccessSystem,
    PersonSystemAccess,
    RiskAnalysis,
    RoleProfile,
    RoleProfileSystem,
)
from kulisser.access_rights.service import ensure_systems
from kulisser.staff.service import Actor, StaffPerson, local_today
from tests import factories
from tests.staff.helpers import assignment, person


def systems(s: Session, unit_id: int) -> dict[str, AccessSystem]:
    """The unit's catalogue (the default one), by code."""
    return {x.code: x for x in ensure_systems(s, unit_id=unit_id)}


def profile(s: Session, unit_id: int, *, analysis: bool = True, expired: bool = False,
            codes: tuple[str, ...] = ("hsa", "siths", "record")) -> RoleProfile:
    """A role profile of the unit with the systems of `codes`, "Läkare" in the record system;
    with a current analysis, an expired one, or none."""
    by_code = systems(s, unit_id)
    made = RoleProfile(unit_id=unit_id, name=factories.unique("Profil "), kulisser_role="secretary")
    made.systems = [RoleProfileSystem(system_id=by_code[c].id,
                                      access_profile="Läkare" if c == "record" else "")
                    for c in codes]
    s.add(made)
    s.flush()
    today = local_today()
    if analysis:
        start = today - timedelta(days=400 if expired else 30)
        s.add(RiskAnalysis(profile_id=made.id, made_on=start, author="Eva Nord",
                           text="Behov: journal och HSA.", next_review=start + timedelta(days=365)))
        s.flush()
    return made


def newcomer(s: Session, manager: Actor, *, start: date | None = None) -> StaffPerson:
    """A person in the register with an assignment at the manager's unit."""
    p = person(s, manager)
    assignment(s, manager, p.id, start=start or local_today() + timedelta(days=14))
    s.refresh(p)
    return p


def give(s: Session, person_id: int, system: AccessSystem, access_profile: str = "") -> None:
    """Record by hand that the person has the system (as if granted before Kulisser)."""
    s.add(PersonSystemAccess(person_id=person_id, unit_id=system.unit_id, system_id=system.id,
                             access_profile=access_profile, since=date(2025, 1, 1)))
    s.flush()


@dataclass
class Actors:
    """The world's secretary and manager, and a second manager of the same unit."""

    secretary: Actor
    manager: Actor
    manager2: Actor


def actors(s: Session, world: factories.World) -> Actors:
    """The actors who order and approve at the world's unit."""
    from kulisser.staff.service import Role

    second = factories.make_user(s, world.unit_id, Role.MANAGER)
    return Actors(secretary=factories.actor(s, world.secretary_id),
                  manager=factories.actor(s, world.manager_id),
                  manager2=factories.actor(s, second.id))


def by_profile(s: Session, who: Actor, person_id: int, profile_id: int,
               kind: str = "new") -> orders.AccessOrder:
    """An order by profile, effective in three weeks."""
    return orders.create_order(s, actor=who, unit_id=who.unit_id, person_id=person_id, kind=kind,
                               effective_on=local_today() + timedelta(days=21),
                               profile_id=profile_id, note="Börjar på mottagningen.")
