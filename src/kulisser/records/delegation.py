"""The unit's delegation table (delegationsordning): who may decide on releasing record copies.

A line names a role or a person, valid from a day (and until a day, inclusive), and says
whether the delegate may decide on a request they prepared themselves. Managers add and end
lines; an ended line is kept (its valid_to set), so the table's history stays readable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.errors import Forbidden, NotFound, ValidationFailed
from kulisser.i18n import N_, _
from kulisser.records.models import Delegation, RecordRequest
from kulisser.staff import service as staff
from kulisser.staff.service import Actor, Role
from kulisser.workdays import local_today as local_today
from kulisser.workdays import parse_day

NO_DELEGATION = N_("Du har inte delegation att besluta om utlämnande")


@dataclass(frozen=True)
class DelegationRow:
    """One line of the table for pages and the API: who, when, and whether it is in force."""

    line: Delegation
    who: str
    in_force: bool


def _valid_on(on: date) -> ColumnElement[bool]:
    return (Delegation.valid_from <= on) & or_(Delegation.valid_to.is_(None),
                                               Delegation.valid_to >= on)


def table(session: Session, *, actor: Actor, on: date | None = None) -> list[DelegationRow]:
    """The actor's unit's delegation table, lines in force first, then ended ones (history)."""
    on = on or local_today()
    lines = list(session.scalars(select(Delegation).where(Delegation.unit_id == actor.unit_id)
                                 .order_by(Delegation.valid_from.desc(), Delegation.id.desc())))
    names = staff.user_names(session, {x.user_id for x in lines if x.user_id})
    rows = [DelegationRow(line=x, who=_who(x, names),
                          in_force=x.valid_from <= on and (x.valid_to is None or x.valid_to >= on))
            for x in lines]
    return sorted(rows, key=lambda r: not r.in_force)


def _who(line: Delegation, names: dict[int, str]) -> str:
    if line.user_id is not None:
        return names.get(line.user_id, "")
    return _("Alla med rollen {role}", role=_(staff.ROLE_LABELS[Role(line.role or "")]).lower())


def add(session: Session, *, actor: Actor, role: str | None = None, user_id: int | None = None,
        valid_from: str | date | None = None, valid_to: str | date | None = None,
        may_decide_own: bool = False, now: datetime | None = None) -> Delegation:
    """Add a line to the unit's table (managers only); bad input is refused, nothing stored."""
    if not actor.is_manager:
        raise Forbidden(_("Endast enhetschef kan ändra delegationsordningen."))
    now = now or utcnow()
    errors: dict[str, str] = {}
    role = (role or "").strip() or None
    if (role is None) == (user_id is None):
        errors["who"] = _("Välj antingen en roll eller en person.")
    elif role is not None and role not in {r.value for r in Role}:
        errors["who"] = _("Okänd roll.")
    elif user_id is not None and user_id not in {
            u.id for u in staff.unit_members(session, unit_id=actor.unit_id)}:
        errors["who"] = _("Personen arbetar inte på enheten.")
    start = parse_day(valid_from, "valid_from", errors) or local_today(now)
    end = parse_day(valid_to, "valid_to", errors)
    if end is not None and "valid_from" not in errors and end < start:
        errors["valid_to"] = _("Slutdagen kan inte vara före startdagen.")
    if errors:
        raise ValidationFailed(errors)
    line = Delegation(unit_id=actor.unit_id, role=role, user_id=user_id, valid_from=start,
                      valid_to=end, may_decide_own=may_decide_own, created_by_id=actor.user_id,
                      created_at=now)
    session.add(line)
    session.flush()
    return line


def end(session: Session, *, actor: Actor, delegation_id: int, on: str | date | None = None,
        now: datetime | None = None) -> Delegation:
    """End a line on a day (default today): it stays in the table as history."""
    if not actor.is_manager:
        raise Forbidden(_("Endast enhetschef kan ändra delegationsordningen."))
    line = session.get(Delegation, delegation_id)
    if line is None:
        raise NotFound(_("Raden finns inte."))
    audit.require_unit(actor=actor, object_type="record_delegation", object_id=delegation_id,
                       unit_id=line.unit_id, hidden=_("Raden finns inte."), action="update",
                       current_unit=True, now=now)
    errors: dict[str, str] = {}
    day = parse_day(on, "valid_to", errors) or local_today(now)
    if not errors and day < line.valid_from:
        errors["valid_to"] = _("Slutdagen kan inte vara före startdagen.")
    if errors:
        raise ValidationFailed(errors)
    if line.valid_to is None or line.valid_to > day:
        line.valid_to = day
    session.flush()
    return line


def lines_for(session: Session, *, unit_id: int, on: date) -> list[Delegation]:
    """The unit's lines in force on a day."""
    return list(session.scalars(select(Delegation).where(Delegation.unit_id == unit_id,
                                                         _valid_on(on))))


def _covers(line: Delegation, *, user_id: int, role: str) -> bool:
    return line.user_id == user_id if line.user_id is not None else line.role == role


def may_decide(session: Session, *, actor: Actor, request: RecordRequest, on: date) -> bool:
    """Whether the actor may decide on the request on a day, by the unit's table.

    A delegate who prepared the request may decide it only where a line covering them says so.
    """
    lines = [x for x in lines_for(session, unit_id=request.unit_id, on=on)
             if _covers(x, user_id=actor.user_id, role=actor.role.value)]
    if request.prepared_by_id != actor.user_id:
        return bool(lines)
    return any(x.may_decide_own for x in lines)


def deciders(session: Session, *, unit_id: int, on: date, preparer_id: int | None
             ) -> list[tuple[int, str]]:
    """(id, name) of the unit's staff who may decide on a request the preparer prepared."""
    lines = lines_for(session, unit_id=unit_id, on=on)
    found = []
    for user in staff.unit_members(session, unit_id=unit_id):
        mine = [x for x in lines if _covers(x, user_id=user.id, role=user.role)]
        if mine and (user.id != preparer_id or any(x.may_decide_own for x in mine)):
            found.append((user.id, user.full_name))
    return found
