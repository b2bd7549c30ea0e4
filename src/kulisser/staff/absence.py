"""Marking a colleague (or oneself) away for a stretch of days, and reading who is away.

A secretary marks herself away, or her unit's manager marks her; either may take the absence
back. Nothing but the days is stored (no reason). Other packages read absences through
``kulisser.staff.service``: the worklist to show an owner as away, the team overview to show
the items left with someone absent and to offer them to the queue or a colleague.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.db import utcnow
from kulisser.errors import Forbidden, NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.staff.absence_models import Absence
from kulisser.staff.actor import Actor
from kulisser.staff.assignment_access import local_today
from kulisser.staff.models import UnitMembership, User
from kulisser.workdays import parse_day

# Longer stretches are leave (föräldraledighet, tjänstledighet), handled by the assignments.
MAX_DAYS = 366
FIRST, LAST = date(2000, 1, 1), date(2999, 12, 31)


def _member(session: Session, *, user_id: int, unit_id: int) -> bool:
    return session.scalar(select(UnitMembership.user_id).join(User, User.id == UnitMembership.user_id)
                          .where(UnitMembership.user_id == user_id, UnitMembership.unit_id == unit_id,
                                 User.active.is_(True))) is not None


def may_mark_absent(actor: Actor, user_id: int) -> bool:
    """Whether the actor may mark this colleague away (herself, or anyone as the unit's manager)."""
    return actor.user_id == user_id or actor.is_manager


def _check(session: Session, *, actor: Actor, user_id: int) -> None:
    if not _member(session, user_id=user_id, unit_id=actor.unit_id):
        raise NotFound(_("Personen arbetar inte på din vårdenhet."))
    if not may_mark_absent(actor, user_id):
        raise Forbidden(_("Bara du själv eller enhetschefen kan ändra din frånvaro."))


def mark_absent(session: Session, *, actor: Actor, user_id: int, first_day: str | date | None,
                last_day: str | date | None, now: datetime | None = None) -> Absence:
    """Record that a member of the actor's unit is away from first_day to last_day (no reason)."""
    now = now or utcnow()
    _check(session, actor=actor, user_id=user_id)
    errors: dict[str, str] = {}
    first = parse_day(first_day, "first_day", errors)
    last = parse_day(last_day, "last_day", errors)
    if first is None and "first_day" not in errors:
        errors["first_day"] = _("Ange första dagen.")
    if last is None and "last_day" not in errors:
        errors["last_day"] = _("Ange sista dagen.")
    for key, day in (("first_day", first), ("last_day", last)):
        if day is not None and not FIRST <= day <= LAST:
            errors[key] = _("Ange ett datum mellan {a} och {b}.", a=FIRST.isoformat(),
                            b=LAST.isoformat())
    if errors:
        raise ValidationFailed(errors)
    assert first is not None and last is not None
    if first > last:
        raise ValidationFailed({"last_day": _("Sista dagen kan inte vara före första dagen.")})
    if last < local_today(now):
        raise ValidationFailed({"last_day": _("Frånvaron har redan passerat.")})
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationFailed({"last_day": _("En frånvaro kan vara högst {n} dagar.", n=MAX_DAYS)})
    overlapping = session.scalar(select(Absence.id).where(
        Absence.user_id == user_id, Absence.first_day <= last, Absence.last_day >= first))
    if overlapping is not None:
        raise ValidationFailed({"first_day": _("Det finns redan frånvaro under de dagarna.")})
    absence = Absence(user_id=user_id, first_day=first, last_day=last, created_by_id=actor.user_id,
                      created_at=now)
    session.add(absence)
    session.flush()
    return absence


def remove_absence(session: Session, *, actor: Actor, absence_id: int) -> None:
    """Take an absence back (the person is at work after all, or it was marked by mistake)."""
    absence = session.get(Absence, absence_id)
    if absence is None:
        raise NotFound(_("Frånvaron finns inte."))
    _check(session, actor=actor, user_id=absence.user_id)
    session.delete(absence)
    session.flush()


def unit_absences(session: Session, *, unit_id: int, from_day: date) -> list[Absence]:
    """The absences of the unit's active members that end on or after from_day, soonest first."""
    return list(session.scalars(
        select(Absence).join(UnitMembership, UnitMembership.user_id == Absence.user_id)
        .join(User, User.id == Absence.user_id)
        .where(UnitMembership.unit_id == unit_id, User.active.is_(True),
               Absence.last_day >= from_day)
        .order_by(Absence.first_day, Absence.id)))


def away_on(session: Session, *, user_ids: set[int], day: date) -> dict[int, Absence]:
    """Of the given logins, those away on the day, with the absence that covers it."""
    if not user_ids:
        return {}
    return {a.user_id: a for a in session.scalars(select(Absence).where(
        Absence.user_id.in_(sorted(user_ids)), Absence.first_day <= day, Absence.last_day >= day))}

