"""Factories for tests: each call makes new, unique rows (tests never share them)."""

from __future__ import annotations

import functools
import itertools
import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kulisser.db import Database
from kulisser.identity import generate_personnummer
from kulisser.patients.models import CareRelation, Patient
from kulisser.staff import service as staff
from kulisser.staff.actor import Actor
from kulisser.staff.models import CareUnit, Role, UnitMembership, User
from kulisser.web.deps import SESSION_COOKIE

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)
_rng = random.Random()
_used_ids: set[str] = set()


def unique(prefix: str) -> str:
    """A name no other test uses."""
    return f"{prefix}{next(_seq)}x{_rng.randrange(10**6)}"


def make_unit(session: Session, name: str = "") -> CareUnit:
    """A care unit with a unique HSA-id."""
    return staff.create_unit(session, hsa_id=unique("SE2321000016-T"), name=name or unique("Enhet "))


@functools.cache
def _password_hash() -> str:
    # Hashing with argon2 costs ~50 ms on purpose; tests share one hash of PASSWORD.
    return staff.hash_password(PASSWORD)


def make_user(session: Session, unit: CareUnit | int, role: Role = Role.SECRETARY,
              full_name: str = "") -> User:
    """A user in a unit with the factories' password."""
    unit_id = unit if isinstance(unit, int) else unit.id
    user = User(username=unique("u"), full_name=full_name or unique("Person "), role=Role(role).value,
                password_hash=_password_hash())
    user.memberships = [UnitMembership(unit_id=unit_id)]
    session.add(user)
    session.flush()
    return user


_YOUNGEST = date(2020, 12, 31)


def new_personnummer() -> str:
    """A valid personnummer (12 digits) not used before in this run, of someone under 100.

    Under a hundred, so that the ten-digit forms tests type ("YYMMDD-NNNC", "YYMMDDNNNC")
    mean this person; the "+" of centenarians is tested in tests/unit/test_identity.py.
    """
    while True:
        born = _YOUNGEST - timedelta(days=_rng.randrange(0, 365 * 90))  # 1930-2020
        value = generate_personnummer(_rng, birth_date=born).value
        if value not in _used_ids:
            _used_ids.add(value)
            return value


def make_patient(session: Session, unit: CareUnit | int | None = None, *, given: str = "",
                 family: str = "", protected: bool = False, address: str = "Testgatan 1",
                 county: str = "01", municipality: str = "0180") -> Patient:
    """A patient (living in Stockholm unless told); with a unit, that unit gets a care relation."""
    p = Patient(id_kind="personnummer", id_value=new_personnummer(), address=address,
                postal_code="123 45", city="Teststad", phone="070-123 45 67",
                protected_identity=protected, county_code=county, municipality_code=municipality)
    p.set_name(given_name=given or unique("Given"), family_name=family or unique("Family"))
    session.add(p)
    session.flush()
    if unit is not None:
        unit_id = unit if isinstance(unit, int) else unit.id
        session.add(CareRelation(unit_id=unit_id, patient_id=p.id))
        session.flush()
    return p


def actor_for(user: User, unit_id: int | None = None) -> Actor:
    """The Actor of a user in their (first) unit."""
    return staff.make_actor(user, unit_id=unit_id or min(m.unit_id for m in user.memberships))


@dataclass
class World:
    """One unit with its staff and patients, plus a patient of another unit."""

    unit_id: int
    other_unit_id: int
    secretary_id: int
    secretary2_id: int
    clinician_id: int
    manager_id: int
    patient_ids: list[int] = field(default_factory=list)
    stranger_patient_id: int = 0  # cared for by the other unit only


def make_world(session: Session, patients: int = 3) -> World:
    """Build a World."""
    unit, other = make_unit(session), make_unit(session)
    w = World(unit_id=unit.id, other_unit_id=other.id,
              secretary_id=make_user(session, unit, Role.SECRETARY).id,
              secretary2_id=make_user(session, unit, Role.SECRETARY).id,
              clinician_id=make_user(session, unit, Role.CLINICIAN).id,
              manager_id=make_user(session, unit, Role.MANAGER).id)
    w.patient_ids = [make_patient(session, unit).id for _ in range(patients)]
    w.stranger_patient_id = make_patient(session, other).id
    return w


def actor(session: Session, user_id: int) -> Actor:
    """Load a user and return their Actor."""
    user = session.get(User, user_id)
    assert user is not None
    return actor_for(user)


def login_client(client: TestClient, database: Database, user_id: int) -> str:
    """Give the client a live session for the user; return the session's CSRF token."""
    with database.session() as session:
        user = session.get(User, user_id)
        assert user is not None
        token, row = staff.start_session(session, user=user)
        csrf = row.csrf_token
    client.cookies.set(SESSION_COOKIE, token)
    client.headers["X-CSRF-Token"] = csrf
    client.csrf = csrf  # type: ignore[attr-defined]
    return csrf


def csrf_from(html: str) -> str:
    """The CSRF token in a page's forms."""
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no csrf_token in page"
    return m.group(1)
