"""Accounts without a login (issue 13 item 5): the unit's people with a login whose last login
is older than the unit's limit (default 90 days), or who have not logged in since their
assignment began that long ago, each with a removal order one button away.

A login is a successful login attempt (password or OpenID) or a live session's activity
(`staff.service.last_logins`). A newcomer is not listed before the limit has passed since
their assignment began, logged in or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from kulisser.access_rights import orders
from kulisser.access_rights.models import AccessOrder, AccessOrderLine
from kulisser.access_rights.reviews import ORDER_WORKING_DAYS, get_policy, require_reader
from kulisser.access_rights.service import current_access, ensure_systems
from kulisser.access_rights.states import OPEN_ORDER_STATUSES, LineAction, OrderKind
from kulisser.db import utcnow
from kulisser.i18n import _
from kulisser.staff.service import (
    Actor,
    StaffAssignment,
    StaffPerson,
    get_person,
    last_logins,
)
from kulisser.workdays import TZ, add_working_days, local_today
from kulisser.worklist.service import TransitionError


@dataclass(frozen=True)
class InactiveAccount:
    """A person of the unit whose account has not been used within the limit."""

    person_id: int
    full_name: str
    hsa_id: str
    since: date  # the first day of the person's current assignment at the unit
    last_login: datetime | None  # None: never logged in
    days: int  # days since the last login, or since the assignment began
    order_id: int | None  # an open order that removes access, if one is already made


def _open_removals(session: Session, *, unit_id: int, person_ids: set[int]) -> dict[int, int]:
    """Each person's open order at the unit that removes something (person id -> order id)."""
    if not person_ids:
        return {}
    removes = exists().where(AccessOrderLine.order_id == AccessOrder.id,
                             AccessOrderLine.action == LineAction.REMOVE.value)
    rows = session.execute(select(AccessOrder.person_id, AccessOrder.id).where(
        AccessOrder.unit_id == unit_id, AccessOrder.person_id.in_(person_ids),
        AccessOrder.status.in_(OPEN_ORDER_STATUSES), removes).order_by(AccessOrder.id)).tuples().all()
    return dict(rows)


def inactive_accounts(session: Session, *, actor: Actor, unit_id: int,
                      now: datetime | None = None) -> list[InactiveAccount]:
    """The unit's unused accounts, longest unused first."""
    require_reader(actor, unit_id)
    return _inactive(session, unit_id=unit_id, now=now or utcnow())


def _inactive(session: Session, *, unit_id: int, now: datetime) -> list[InactiveAccount]:
    today = local_today(now)
    limit = get_policy(session, unit_id=unit_id).inactive_days
    rows = session.execute(
        select(StaffPerson.id, StaffPerson.full_name, StaffPerson.hsa_id, StaffPerson.user_id,
               StaffAssignment.valid_from)
        .join(StaffAssignment, StaffAssignment.person_id == StaffPerson.id)
        .where(StaffAssignment.unit_id == unit_id, StaffPerson.user_id.is_not(None),
               StaffAssignment.valid_from <= today,
               StaffAssignment.valid_to.is_(None) | (StaffAssignment.valid_to >= today))).all()
    people: dict[int, tuple[str, str, int, date]] = {}
    for pid, name, hsa_id, user_id, valid_from in rows:
        earliest = min(valid_from, people[pid][3]) if pid in people else valid_from
        people[pid] = (name, hsa_id, user_id, earliest)
    seen = last_logins(session, user_ids={p[2] for p in people.values()})
    cutoff = now - timedelta(days=limit)
    found = []
    for pid, (name, hsa_id, user_id, since) in people.items():
        began = datetime.combine(since, time(0), tzinfo=TZ)
        last = seen.get(user_id)
        reference = max(began, last) if last is not None else began
        if reference < cutoff:
            found.append(InactiveAccount(person_id=pid, full_name=name, hsa_id=hsa_id,
                                         since=since, last_login=last,
                                         days=(now - reference).days, order_id=None))
    orders_open = _open_removals(session, unit_id=unit_id, person_ids={a.person_id for a in found})
    found = [InactiveAccount(**{**a.__dict__, "order_id": orders_open.get(a.person_id)})
             for a in found]
    return sorted(found, key=lambda a: (-a.days, a.full_name.casefold()))


def order_removal(session: Session, *, actor: Actor, unit_id: int, person_id: int,
                  now: datetime | None = None) -> AccessOrder:
    """Order the removal of every system an unused account's person has at the unit (and the
    unit's Kulisser account), like a leaver's lines but without ending the assignment."""
    now = now or utcnow()
    get_person(session, actor=actor, person_id=person_id, action="update")  # another unit: 404
    require_reader(actor, unit_id)
    account = next((a for a in _inactive(session, unit_id=unit_id, now=now)
                    if a.person_id == person_id), None)
    if account is None:
        raise TransitionError(_("Kontot har använts inom gränsen eller personen arbetar inte "
                                "här: ingen borttagning beställd."), code="not_inactive")
    if account.order_id is not None:
        raise TransitionError(_("En borttagning är redan beställd (beställning {id}).",
                                id=account.order_id), code="already_ordered")
    today = local_today(now)
    systems = {a.system_id: a for a in current_access(session, person_id=person_id,
                                                      unit_id=unit_id, on=today)}
    catalogue = ensure_systems(session, unit_id=unit_id)
    names = {s.id: s.name for s in catalogue}
    kulisser = next((s.id for s in catalogue if s.code == "kulisser" and s.active), None)
    wanted = sorted(set(systems) | ({kulisser} if kulisser is not None else set()))
    lines = [orders.LineRequest(
        system_id=sid, action=LineAction.REMOVE.value,
        access_profile=systems[sid].access_profile if sid in systems else "",
        title=_("Ta bort behörighet i {system}", system=names.get(sid, ""))[:200])
        for sid in wanted]
    last = (account.last_login.astimezone(TZ).date().isoformat() if account.last_login
            else _("aldrig"))
    note = _("Konto utan inloggning i {days} dagar (senaste inloggning: {last}).",
             days=account.days, last=last)
    return orders.create_order(
        session, actor=actor, unit_id=unit_id, person_id=person_id, kind=OrderKind.CHANGE.value,
        effective_on=today, due_on=add_working_days(today, ORDER_WORKING_DAYS), lines=lines,
        note=note, now=now)
