"""The staff register's operations: people and their assignments (medarbetaruppdrag), with
each change in the person's history. Every change to a linked login's assignments brings its
unit memberships in line at once (kulisser.staff.assignment_access).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulisser.db import utcnow
from kulisser.errors import Forbidden, NotFound, ValidationFailed
from kulisser.i18n import N_, _
from kulisser.phone import phone_error
from kulisser.staff.actor import Actor
from kulisser.staff.assignment_access import local_today, sync_user
from kulisser.staff.models import CareUnit, Role, User
from kulisser.staff.register_models import (
    Purpose,
    StaffAssignment,
    StaffPerson,
    StaffPersonEvent,
)
from kulisser.workdays import parse_day

# SE, then the organisation's digits and letters, optionally a dash and a serial (HSA-id).
HSA_ID = re.compile(r"^SE[0-9A-Z]+(-[0-9A-Z]+)?$")
HSA_ID_MAX = 31
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EDIT_REFUSED = N_("Endast enhetschef eller administratör kan ändra personalregistret.")
NO_PERSON = N_("Personen finns inte i personalregistret.")
PERSON_FIELDS = ("full_name", "hsa_id", "profession", "email", "phone")


def hsa_error(value: str) -> str | None:
    """The Swedish message for a malformed HSA-id, or None."""
    if not value:
        return _("Ange HSA-id.")
    if len(value) > HSA_ID_MAX or not HSA_ID.match(value):
        return _("HSA-id ska börja med SE följt av siffror och bokstäver, "
                 "till exempel SE2321000016-1234.")
    return None


def may_edit(actor: Actor, person: StaffPerson | None = None) -> bool:
    """Administrators edit anyone; a manager people of her units and people without assignments."""
    if actor.role == Role.ADMIN:
        return True
    if actor.role != Role.MANAGER:
        return False
    if person is None or not person.assignments:
        return True
    return any(a.unit_id in actor.unit_ids for a in person.assignments)


def _record(session: Session, person: StaffPerson, *, actor: Actor, type_: str,
            now: datetime, **data: Any) -> None:
    # Through the collection, so that a person already loaded shows the step at once.
    person.events.append(StaffPersonEvent(actor_id=actor.user_id, type=type_, at=now, data=data))


def _clean(values: dict[str, str]) -> dict[str, str]:
    clean = {k: " ".join((values.get(k) or "").split()) for k in PERSON_FIELDS}
    clean["hsa_id"] = clean["hsa_id"].upper()
    return clean


def _person_errors(session: Session, values: dict[str, str], *, person_id: int | None
                   ) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not values["full_name"]:
        errors["full_name"] = _("Ange namn.")
    elif len(values["full_name"]) > 200:
        errors["full_name"] = _("Namnet är för långt.")
    bad_hsa = hsa_error(values["hsa_id"])
    if bad_hsa:
        errors["hsa_id"] = bad_hsa
    elif session.scalar(select(StaffPerson.id).where(StaffPerson.hsa_id == values["hsa_id"],
                                                     StaffPerson.id != (person_id or 0))):
        errors["hsa_id"] = _("Det finns redan en person med det HSA-id:t.")
    if len(values["profession"]) > 100:
        errors["profession"] = _("Yrket är för långt.")
    if values["email"] and (len(values["email"]) > 200 or not EMAIL.match(values["email"])):
        errors["email"] = _("Ange en e-postadress som namn@exempel.se.")
    bad_phone = phone_error(values["phone"])
    if bad_phone:
        errors["phone"] = bad_phone
    return errors


def _user_for(session: Session, username: str, errors: dict[str, str],
              person_id: int | None) -> int | None:
    username = username.strip().lower()
    if not username:
        return None
    user_id = session.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        errors["username"] = _("Det finns ingen användare med det användarnamnet.")
    elif session.scalar(select(StaffPerson.id).where(StaffPerson.user_id == user_id,
                                                     StaffPerson.id != (person_id or 0))):
        errors["username"] = _("Användaren hör redan till en annan person i registret.")
    return user_id


def create_person(session: Session, *, actor: Actor, values: dict[str, str],
                  username: str = "", now: datetime | None = None) -> StaffPerson:
    """Add a person (managers, administrators); `username` links an existing login."""
    if not may_edit(actor):
        raise Forbidden(EDIT_REFUSED)
    now = now or utcnow()
    clean = _clean(values)
    errors = _person_errors(session, clean, person_id=None)
    user_id = _user_for(session, username, errors, None)
    if errors:
        raise ValidationFailed(errors)
    person = StaffPerson(**clean, user_id=user_id, created_at=now)
    session.add(person)
    session.flush()
    _record(session, person, actor=actor, type_="created", now=now, **clean,
            username=username.strip().lower() or None)
    session.flush()
    return person


def visible(actor: Actor, person: StaffPerson) -> bool:
    """Administrators see everyone; others people with an assignment (now or once) in one of
    their units, and people without any assignment yet."""
    return (actor.role == Role.ADMIN or not person.assignments
            or any(a.unit_id in actor.unit_ids for a in person.assignments))


def get_person(session: Session, *, actor: Actor, person_id: int,
               action: str = "read") -> StaffPerson:
    """One person with assignments and history; another unit's person is refused as not
    found, with a denied audit row (like any unit-scoped record)."""
    person = session.scalar(select(StaffPerson).where(StaffPerson.id == person_id).options(
        selectinload(StaffPerson.assignments), selectinload(StaffPerson.events)))
    if person is None:
        raise NotFound(NO_PERSON)
    if not visible(actor, person):
        # Imported here: the audit service imports this package's service at its own import.
        from kulisser.audit import service as audit

        audit.require_unit(actor=actor, object_type="staff_person", object_id=person.id,
                           unit_id=person.assignments[0].unit_id, hidden=_(NO_PERSON),
                           action=action)
    return person


def update_person(session: Session, *, actor: Actor, person_id: int, values: dict[str, str],
                  username: str | None = None, now: datetime | None = None) -> StaffPerson:
    """Change a person's details; each changed field goes into the history (old, new)."""
    person = get_person(session, actor=actor, person_id=person_id, action="update")
    if not may_edit(actor, person):
        raise Forbidden(EDIT_REFUSED)
    now = now or utcnow()
    clean = _clean({k: values.get(k, getattr(person, k)) for k in PERSON_FIELDS})
    errors = _person_errors(session, clean, person_id=person.id)
    user_id = person.user_id if username is None else _user_for(session, username, errors,
                                                                 person.id)
    if errors:
        raise ValidationFailed(errors)
    changes = {k: [getattr(person, k), v] for k, v in clean.items() if getattr(person, k) != v}
    if user_id != person.user_id:
        # An unlinked login keeps the memberships it has, like a login without assignments.
        changes["user_id"] = [person.user_id, user_id]
        person.user_id = user_id
        session.flush()
        if user_id is not None:
            sync_user(session, user_id=user_id, now=now)
    for key in PERSON_FIELDS:
        setattr(person, key, clean[key])
    if changes:
        _record(session, person, actor=actor, type_="updated", now=now, changes=changes)
    session.flush()
    return person


def add_assignment(session: Session, *, actor: Actor, person_id: int, unit_id: int | None,
                   purpose: str, role: str, commission_hsa_id: str,
                   valid_from: str | date | None, valid_to: str | date | None = None,
                   now: datetime | None = None) -> StaffAssignment:
    """Give a person an assignment at a unit (a manager: at her own units only)."""
    person = get_person(session, actor=actor, person_id=person_id, action="update")
    if not may_edit(actor, person):
        raise Forbidden(EDIT_REFUSED)
    now = now or utcnow()
    errors: dict[str, str] = {}
    if unit_id is None or session.get(CareUnit, unit_id) is None:
        errors["unit_id"] = _("Välj en vårdenhet.")
    elif actor.role != Role.ADMIN and unit_id not in actor.unit_ids:
        errors["unit_id"] = _("Du kan bara ge uppdrag på dina egna vårdenheter.")
    if purpose not in {p.value for p in Purpose}:
        errors["purpose"] = _("Välj syfte: vård och behandling eller administration.")
    if role not in {r.value for r in Role}:
        errors["role"] = _("Välj en roll.")
    elif role == Role.REGION_ADMIN and actor.role != Role.ADMIN:
        # It shows every unit's figures: a unit manager may not hand that out.
        errors["role"] = _("Bara en administratör kan ge rollen regionadministratör.")
    commission = " ".join(commission_hsa_id.split()).upper()
    bad_hsa = hsa_error(commission)
    if bad_hsa:
        errors["commission_hsa_id"] = bad_hsa
    elif session.scalar(select(StaffAssignment.id)
                        .where(StaffAssignment.commission_hsa_id == commission)):
        errors["commission_hsa_id"] = _("Det finns redan ett uppdrag med det HSA-id:t.")
    start = parse_day(valid_from, "valid_from", errors)
    if start is None and "valid_from" not in errors:
        errors["valid_from"] = _("Ange startdag.")
    end = parse_day(valid_to, "valid_to", errors)
    if start is not None and end is not None and end < start:
        errors["valid_to"] = _("Slutdagen kan inte vara före startdagen.")
    if errors:
        raise ValidationFailed(errors)
    assert unit_id is not None and start is not None
    line = StaffAssignment(unit_id=unit_id, purpose=purpose, role=role,
                           commission_hsa_id=commission, valid_from=start, valid_to=end)
    person.assignments.append(line)
    session.flush()
    _record(session, person, actor=actor, type_="assignment_added", now=now,
            assignment_id=line.id, unit_id=unit_id, purpose=purpose, role=role,
            commission_hsa_id=commission, valid_from=start.isoformat(),
            valid_to=end.isoformat() if end else None)
    if person.user_id is not None:
        sync_user(session, user_id=person.user_id, now=now)
    session.flush()
    return line


def end_assignment(session: Session, *, actor: Actor, assignment_id: int,
                   person_id: int | None = None, last_day: str | date | None = None,
                   now: datetime | None = None) -> StaffAssignment:
    """Set an assignment's last day (default today); it stays in the register as history."""
    line = session.get(StaffAssignment, assignment_id)
    if line is None or person_id not in (None, line.person_id):
        raise NotFound(N_("Uppdraget finns inte."))
    person = get_person(session, actor=actor, person_id=line.person_id, action="update")
    if not may_edit(actor, person) or (actor.role != Role.ADMIN
                                       and line.unit_id not in actor.unit_ids):
        raise Forbidden(EDIT_REFUSED)
    now = now or utcnow()
    errors: dict[str, str] = {}
    day = parse_day(last_day, "valid_to", errors) or local_today(now)
    if not errors and day < line.valid_from:
        errors["valid_to"] = _("Slutdagen kan inte vara före startdagen.")
    if errors:
        raise ValidationFailed(errors)
    before = line.valid_to
    line.valid_to = day
    _record(session, person, actor=actor, type_="assignment_ended", now=now,
            assignment_id=line.id, valid_to=[before.isoformat() if before else None,
                                             day.isoformat()])
    if person.user_id is not None:
        sync_user(session, user_id=person.user_id, now=now)
    session.flush()
    return line


@dataclass(frozen=True)
class RegisterRow:
    """One person in the register's list, with the assignments valid today in words."""

    person: StaffPerson
    username: str
    current: tuple[StaffAssignment, ...]
    ends_soon: date | None


def register_rows(session: Session, *, actor: Actor, query: str = "",
                  now: datetime | None = None) -> list[RegisterRow]:
    """The people the actor sees (`visible`), or those whose name or HSA-id holds `query`."""
    today = local_today(now)
    stmt = select(StaffPerson).options(selectinload(StaffPerson.assignments)) \
        .order_by(StaffPerson.full_name, StaffPerson.id)
    people = [p for p in session.scalars(stmt) if visible(actor, p)]
    needle = query.strip().lower()
    if needle:
        people = [p for p in people if needle in p.full_name.lower() or needle in p.hsa_id.lower()]
    names = dict(session.execute(select(User.id, User.username).where(
        User.id.in_({p.user_id for p in people if p.user_id}))).tuples().all())
    rows = []
    for p in people:
        current = tuple(a for a in p.assignments if a.valid_on(today))
        ends = [a.valid_to for a in current if a.valid_to is not None]
        rows.append(RegisterRow(person=p, username=names.get(p.user_id or 0, ""),
                                current=current, ends_soon=min(ends) if ends else None))
    return rows
