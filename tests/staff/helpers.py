"""Factories for the staff register's tests: a manager's actor, a person, an assignment."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from kulisser.staff import register
from kulisser.staff.register_models import StaffAssignment, StaffPerson
from kulisser.staff.service import Actor
from tests import factories


def hsa(prefix: str = "P") -> str:
    """A fresh, well-formed HSA-id."""
    return "SE2321000016-" + factories.unique(prefix).upper()


def person(db: Session, manager: Actor, *, username: str = "", name: str = "") -> StaffPerson:
    """A person in the register (linked to a login when username is given)."""
    return register.create_person(db, actor=manager, username=username, values={
        "full_name": name or factories.unique("Person "), "hsa_id": hsa(), "profession": "Läkare",
        "email": "a.b@region.example", "phone": "010-123 45 67"})


def assignment(db: Session, manager: Actor, person_id: int, *, unit_id: int | None = None,
               role: str = "secretary", start: date | None = None,
               last_day: date | None = None, now: datetime | None = None) -> StaffAssignment:
    """An assignment at the manager's unit (or another), from a day to a day."""
    return register.add_assignment(
        db, actor=manager, person_id=person_id, unit_id=unit_id or manager.unit_id,
        purpose="care", role=role, commission_hsa_id=hsa("U"),
        valid_from=start or date(2026, 1, 1) - timedelta(days=1), valid_to=last_day, now=now)
