"""Factories for the introduction tests: a role profile with the default checklist, a newcomer in
the staff register, an introduction started from a start date."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from kulisser.access_rights import intro_checklist, introduction
from kulisser.access_rights.models import Introduction, RoleProfile
from kulisser.staff.register_models import StaffPerson
from kulisser.staff.service import Role
from tests import factories
from tests.staff.helpers import person


def profile(s: Session, world: factories.World, *, checklist: bool = True,
            unit_id: int | None = None) -> RoleProfile:
    """A role profile of the world's unit (or another), with the default checklist."""
    row = RoleProfile(unit_id=unit_id or world.unit_id, name=factories.unique("Profil "),
                      kulisser_role="secretary")
    s.add(row)
    s.flush()
    if checklist:
        manager = factories.actor(s, world.manager_id)
        if unit_id is not None and unit_id != world.unit_id:
            manager = factories.actor(s, factories.make_user(s, unit_id, role=Role.MANAGER).id)
        intro_checklist.add_default_checklist(s, actor=manager, profile_id=row.id)
    return row


def newcomer(s: Session, world: factories.World, *, username: str = "") -> StaffPerson:
    """A newcomer in the staff register, without an assignment yet."""
    return person(s, factories.actor(s, world.manager_id), username=username,
                  name=factories.unique("Nyanställd "))


def start(s: Session, world: factories.World, *, start_on: date = date(2026, 12, 28),
          mentor: bool = True, as_user: int | None = None) -> Introduction:
    """An introduction of a fresh newcomer at the world's unit, started by the secretary,
    with the second secretary as mentor."""
    p = profile(s, world)
    who = newcomer(s, world)
    return introduction.start_introduction(
        s, actor=factories.actor(s, as_user or world.secretary_id), person_id=who.id,
        profile_id=p.id, start_on=start_on, mentor_id=world.secretary2_id if mentor else None)
