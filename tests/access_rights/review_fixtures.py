"""Factories for the periodic review's tests: a unit whose staff have access to systems, and
logins at chosen times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from kulisser.access_rights.models import PersonSystemAccess
from kulisser.access_rights.service import ensure_systems
from kulisser.staff.models import LoginAttempt, User
from tests import factories
from tests.staff.helpers import assignment, person


@dataclass
class Staffed:
    """A world's unit with people who have access: person ids and the systems they have."""

    world: factories.World
    person_ids: list[int]
    system_ids: list[int]


def staffed(session: Session, world: factories.World, *, people: int = 2, systems: int = 2,
            since: date = date(2025, 1, 1)) -> Staffed:
    """People working at the world's unit, each with access to the unit's first systems."""
    manager = factories.actor(session, world.manager_id)
    chosen = [s.id for s in ensure_systems(session, unit_id=world.unit_id)[:systems]]
    ids = []
    for _ in range(people):
        p = person(session, manager)
        assignment(session, manager, p.id, start=since)
        for sid in chosen:
            session.add(PersonSystemAccess(person_id=p.id, unit_id=world.unit_id, system_id=sid,
                                           access_profile="Läsa", since=since))
        ids.append(p.id)
    session.flush()
    return Staffed(world=world, person_ids=ids, system_ids=chosen)


def login_person(session: Session, world: factories.World, *, since: date) -> tuple[int, int]:
    """A person with a login of their own, working at the world's unit from a day:
    (person id, user id)."""
    manager = factories.actor(session, world.manager_id)
    user = factories.make_user(session, world.unit_id)
    p = person(session, manager, username=user.username)
    assignment(session, manager, p.id, start=since)
    session.flush()
    return p.id, user.id


def logged_in(session: Session, user_id: int, at: datetime) -> None:
    """A successful password login of the user at a time."""
    user = session.get(User, user_id)
    assert user is not None
    session.add(LoginAttempt(username=user.username, ip="127.0.0.1", at=at, success=True))
    session.flush()
