"""Planning schedules: resources, visit types, recurring templates, exceptions, holidays.

Secretaries and managers plan a unit's schedules (läkarscheman); clinicians read them.
Slot generation lives in generation.py.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.booking.calendar import local_day_bounds, parse_weekdays, to_utc
from kulisser.booking.models import (
    Appointment,
    Resource,
    ScheduleException,
    ScheduleTemplate,
    Slot,
    VisitType,
)
from kulisser.booking.states import AppointmentStatus, ExceptionKind, ResourceKind, SlotStatus
from kulisser.db import utcnow
from kulisser.errors import Forbidden, NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.staff.service import Actor, Role, UnitMembership, User
from kulisser.waitlist import service as waitlist

PLANNERS = (Role.SECRETARY, Role.MANAGER, Role.ADMIN)
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_TEMPLATE_YEARS = 5


def require_planner(actor: Actor) -> None:
    """Only secretaries, managers and administrators change schedules."""
    if actor.role not in PLANNERS:
        raise Forbidden(_("Scheman planeras av sekreterare eller enhetschef."))


# -- resources and visit types ---------------------------------------------------------------

def list_resources(session: Session, *, actor: Actor, active_only: bool = True) -> list[Resource]:
    """The resources (clinicians, rooms, equipment) of the actor's unit, by kind and name."""
    stmt = select(Resource).where(Resource.unit_id == actor.unit_id)
    if active_only:
        stmt = stmt.where(Resource.active.is_(True))
    return list(session.scalars(stmt.order_by(Resource.kind, Resource.name)))


def get_resource(session: Session, *, actor: Actor, resource_id: int, action: str = "read",
                 current_unit: bool = False) -> Resource:
    """A resource of one of the actor's units (current_unit: of the unit they work in now);
    another unit's is not found, and the refusal is logged."""
    resource = session.get(Resource, resource_id)
    if resource is None:
        raise NotFound(_("Schemat finns inte."))
    audit.require_unit(actor=actor, object_type="schedule", object_id=resource.id,
                       unit_id=resource.unit_id, action=action, current_unit=current_unit,
                       hidden=_("Schemat finns inte."))
    return resource


def create_resource(session: Session, *, actor: Actor, kind: str, name: str = "",
                    user_id: int | None = None) -> Resource:
    """Add a clinician (a member of the unit) or a room or equipment with a schedule."""
    require_planner(actor)
    errors: dict[str, str] = {}
    try:
        ResourceKind(kind)
    except ValueError:
        errors["kind"] = _("Välj läkare/vårdpersonal, rum eller utrustning.")
    user: User | None = None
    if kind == ResourceKind.CLINICIAN.value:
        member = session.scalar(select(UnitMembership.user_id).where(
            UnitMembership.user_id == user_id, UnitMembership.unit_id == actor.unit_id)) if user_id else None
        if member is None:
            errors["user_id"] = _("Välj en person som arbetar på enheten.")
        else:
            user = session.get(User, user_id)
    elif user_id is not None:
        errors["user_id"] = _("Bara läkare/vårdpersonal kopplas till en person.")
    name = name.strip() or (user.full_name if user else "")
    if not name:
        errors["name"] = _("Ange ett namn.")
    elif len(name) > 200:
        errors["name"] = _("Högst 200 tecken.")
    if not errors and session.scalar(select(Resource.id).where(
            Resource.unit_id == actor.unit_id, Resource.name == name)) is not None:
        errors["name"] = _("Enheten har redan ett schema med det namnet.")
    if not errors and user is not None and session.scalar(select(Resource.id).where(
            Resource.unit_id == actor.unit_id, Resource.user_id == user.id)) is not None:
        errors["user_id"] = _("Personen har redan ett schema på enheten.")
    if errors:
        raise ValidationFailed(errors)
    resource = Resource(unit_id=actor.unit_id, kind=kind, name=name,
                        user_id=user.id if user else None, active=True)
    session.add(resource)
    session.flush()
    return resource


def visit_types(session: Session, *, unit_id: int, active_only: bool = True) -> list[VisitType]:
    """A unit's visit types, by name."""
    stmt = select(VisitType).where(VisitType.unit_id == unit_id)
    if active_only:
        stmt = stmt.where(VisitType.active.is_(True))
    return list(session.scalars(stmt.order_by(VisitType.name)))


def get_visit_type(session: Session, *, actor: Actor, visit_type_id: int) -> VisitType:
    """A visit type of one of the actor's units."""
    found = session.get(VisitType, visit_type_id)
    if found is None or found.unit_id not in actor.unit_ids:
        raise NotFound(_("Besökstypen finns inte."))
    return found


def create_visit_type(session: Session, *, actor: Actor, code: str, name: str, minutes: int | None,
                      wait_kind: str | None = None) -> VisitType:
    """Add a visit type (code, Swedish name, length, the kind of wait it ends) to the unit."""
    require_planner(actor)
    errors: dict[str, str] = {}
    code, name = code.strip().lower(), name.strip()
    if not _CODE.match(code):
        errors["code"] = _("Koden: små bokstäver, siffror, - och _ (högst 40 tecken).")
    elif session.scalar(select(VisitType.id).where(VisitType.unit_id == actor.unit_id,
                                                   VisitType.code == code)) is not None:
        errors["code"] = _("Enheten har redan en besökstyp med den koden.")
    if not name:
        errors["name"] = _("Ange ett namn.")
    elif len(name) > 100:
        errors["name"] = _("Högst 100 tecken.")
    if minutes is None or not 5 <= minutes <= 480:
        errors["minutes"] = _("Ange längden i minuter, 5 till 480.")
    wait_kind = (wait_kind or "").strip() or None
    if wait_kind is not None and wait_kind not in waitlist.wait_kinds():
        errors["wait_kind"] = _("Välj nybesök, behandling, återbesök eller ingen.")
    if errors:
        raise ValidationFailed(errors)
    assert minutes is not None
    found = VisitType(unit_id=actor.unit_id, code=code, name=name, minutes=minutes, active=True,
                      wait_kind=wait_kind)
    session.add(found)
    session.flush()
    return found


# -- templates ---------------------------------------------------------------------------------

def templates_for(session: Session, *, resource_id: int, active_only: bool = True) -> list[ScheduleTemplate]:
    """A resource's recurring sessions, by start time."""
    stmt = select(ScheduleTemplate).where(ScheduleTemplate.resource_id == resource_id)
    if active_only:
        stmt = stmt.where(ScheduleTemplate.active.is_(True))
    return list(session.scalars(stmt.order_by(ScheduleTemplate.valid_from, ScheduleTemplate.start_time)))


def _overlaps(a: ScheduleTemplate, weekdays: str, start: time, end: time, valid_from: date,
              valid_to: date | None) -> bool:
    shares_day = bool(set(a.weekdays) & set(weekdays))
    hours = a.start_time < end and start < a.end_time
    far = date.max
    dates = a.valid_from <= (valid_to or far) and valid_from <= (a.valid_to or far)
    return shares_day and hours and dates


def add_template(session: Session, *, actor: Actor, resource_id: int, visit_type_id: int | None,
                 weekdays: str, start_time: time | None, end_time: time | None,
                 valid_from: date | None, valid_to: date | None = None) -> ScheduleTemplate:
    """Add a recurring session (weekdays, local hours, visit type, validity) to a resource."""
    require_planner(actor)
    resource = get_resource(session, actor=actor, resource_id=resource_id, action="update",
                            current_unit=True)
    errors: dict[str, str] = {}
    try:
        days = parse_weekdays(weekdays)
    except ValueError:
        errors["weekdays"] = _("Ange veckodagar som siffror, 1 = måndag … 7 = söndag, t.ex. 1-5.")
        days = ""
    visit = session.get(VisitType, visit_type_id) if visit_type_id else None
    if visit is None or visit.unit_id != actor.unit_id:
        errors["visit_type_id"] = _("Välj en besökstyp.")
    if start_time is None:
        errors["start_time"] = _("Ange starttid (tt:mm).")
    if end_time is None:
        errors["end_time"] = _("Ange sluttid (tt:mm).")
    elif start_time is not None and end_time <= start_time:
        errors["end_time"] = _("Sluttiden ska vara efter starttiden.")
    elif start_time is not None and visit is not None and (
            (end_time.hour * 60 + end_time.minute) - (start_time.hour * 60 + start_time.minute)
            < visit.minutes):
        errors["end_time"] = _("Passet är kortare än ett besök ({minutes} min).", minutes=visit.minutes)
    if valid_from is None:
        errors["valid_from"] = _("Ange från vilket datum schemat gäller.")
    elif valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = _("Slutdatumet ska vara samma dag eller senare.")
    elif valid_to is not None and (valid_to - valid_from).days > 366 * MAX_TEMPLATE_YEARS:
        errors["valid_to"] = _("Högst {max_template_years} år åt gången.",
                               max_template_years=MAX_TEMPLATE_YEARS)
    if not errors:
        assert start_time is not None and end_time is not None and valid_from is not None
        for other in templates_for(session, resource_id=resource.id):
            if _overlaps(other, days, start_time, end_time, valid_from, valid_to):
                errors["start_time"] = (_("Krockar med passet {start_time:%H:%M}–{end_time:%H:%M} samma "
                                          "veckodag.", start_time=other.start_time, end_time=other.end_time))
                break
    if errors:
        raise ValidationFailed(errors)
    assert visit is not None and start_time is not None and end_time is not None
    assert valid_from is not None
    template = ScheduleTemplate(resource_id=resource.id, visit_type_id=visit.id, weekdays=days,
                                start_time=start_time, end_time=end_time, valid_from=valid_from,
                                valid_to=valid_to, active=True, created_by_id=actor.user_id)
    session.add(template)
    session.flush()
    return template


def remove_template(session: Session, *, actor: Actor, template_id: int,
                    now: datetime | None = None) -> int:
    """Retire a template; its future free slots that nobody ever booked go too. Returns how many."""
    require_planner(actor)
    now = now or utcnow()
    template = session.get(ScheduleTemplate, template_id)
    if template is None:
        raise NotFound(_("Passet finns inte."))
    audit.require_unit(actor=actor, object_type="schedule_template", object_id=template.id,
                       unit_id=template.resource.unit_id, action="update", current_unit=True,
                       hidden=_("Passet finns inte."), now=now)
    template.active = False
    gone = session.execute(
        delete(Slot).execution_options(synchronize_session=False).where(
            Slot.template_id == template.id, Slot.status == SlotStatus.FREE.value,
            Slot.start_at > now,
            # Only slots no appointment (in any status) ever pointed at may be deleted.
            ~exists().where(Appointment.slot_id == Slot.id)))
    return int(getattr(gone, "rowcount", 0) or 0)


# -- exceptions ----------------------------------------------------------------------------------

def exceptions_for(session: Session, *, actor: Actor, resource_id: int | None = None,
                   start: date | None = None) -> list[ScheduleException]:
    """The unit's exceptions (a resource's own and the unit-wide ones), from a date on."""
    stmt = select(ScheduleException).where(ScheduleException.unit_id == actor.unit_id)
    if resource_id is not None:
        stmt = stmt.where(or_(ScheduleException.resource_id == resource_id,
                              ScheduleException.resource_id.is_(None)))
    if start is not None:
        stmt = stmt.where(ScheduleException.end_date >= start)
    return list(session.scalars(stmt.order_by(ScheduleException.start_date, ScheduleException.id)))


def exception_span(exc: ScheduleException, day: date) -> tuple[datetime, datetime]:
    """The UTC stretch an exception covers on one of its days."""
    day_start, day_end = local_day_bounds(day)
    if exc.start_time is None or exc.end_time is None:
        return day_start, day_end
    start = to_utc(day, exc.start_time) or day_start
    end = to_utc(day, exc.end_time) or day_end
    return start, end


def add_exception(session: Session, *, actor: Actor, resource_id: int | None, kind: str,
                  start_date: date | None, end_date: date | None, start_time: time | None = None,
                  end_time: time | None = None, reason: str = ""
                  ) -> tuple[ScheduleException, list[Appointment]]:
    """Record leave, a meeting or a closed day; free slots in it are blocked.

    Returns the exception and the booked visits it collides with (they need rebooking; the
    caller decides how to follow them up, see service.add_exception).
    """
    require_planner(actor)
    errors: dict[str, str] = {}
    if resource_id is not None:
        get_resource(session, actor=actor, resource_id=resource_id, action="update",
                     current_unit=True)
    try:
        ExceptionKind(kind)
    except ValueError:
        errors["kind"] = _("Välj typ av undantag.")
    if start_date is None:
        errors["start_date"] = _("Ange första dagen.")
    end_date = end_date or start_date
    if start_date is not None and end_date is not None:
        if end_date < start_date:
            errors["end_date"] = _("Sista dagen ska vara samma dag eller senare.")
        elif (end_date - start_date).days > 366:
            errors["end_date"] = _("Högst ett år åt gången.")
    if (start_time is None) != (end_time is None):
        errors["end_time" if end_time is None else "start_time"] = (
            _("Ange båda tiderna, eller ingen (hela dagar)."))
    elif start_time is not None and end_time is not None and end_time <= start_time:
        errors["end_time"] = _("Sluttiden ska vara efter starttiden.")
    reason = reason.strip()
    if len(reason) > 200:
        errors["reason"] = _("Högst 200 tecken.")
    if errors:
        raise ValidationFailed(errors)
    assert start_date is not None and end_date is not None
    exc = ScheduleException(unit_id=actor.unit_id, resource_id=resource_id, kind=kind,
                            start_date=start_date, end_date=end_date, start_time=start_time,
                            end_time=end_time, reason=reason, created_by_id=actor.user_id)
    session.add(exc)
    session.flush()
    conflicts = _block(session, exc, with_conflicts=True)
    return exc, conflicts


def _block(session: Session, exc: ScheduleException, *, with_conflicts: bool = False) -> list[Appointment]:
    """Block the free slots an exception covers; optionally return the booked visits it hits."""
    conflicts: list[Appointment] = []
    day = exc.start_date
    while day <= exc.end_date:
        lo, hi = exception_span(exc, day)
        where = [Slot.unit_id == exc.unit_id, Slot.start_at < hi, Slot.end_at > lo]
        if exc.resource_id is not None:
            where.append(Slot.resource_id == exc.resource_id)
        session.execute(update(Slot).where(*where, Slot.status == SlotStatus.FREE.value)
                        .values(status=SlotStatus.BLOCKED.value, exception_id=exc.id)
                        .execution_options(synchronize_session=False))
        if with_conflicts:
            conflicts += session.scalars(
                select(Appointment).join(Slot, Slot.id == Appointment.slot_id)
                .where(*where, Appointment.status == AppointmentStatus.BOOKED.value)
                .order_by(Appointment.start_at))
        day += timedelta(days=1)
    return conflicts


def remove_exception(session: Session, *, actor: Actor, exception_id: int) -> int:
    """Remove an exception; the slots it blocked are free again. Returns how many."""
    require_planner(actor)
    exc = session.get(ScheduleException, exception_id)
    if exc is None:
        raise NotFound(_("Undantaget finns inte."))
    audit.require_unit(actor=actor, object_type="schedule_exception", object_id=exc.id,
                       unit_id=exc.unit_id, action="update", current_unit=True,
                       hidden=_("Undantaget finns inte."))
    freed = session.execute(
        update(Slot).where(and_(Slot.exception_id == exc.id, Slot.status == SlotStatus.BLOCKED.value))
        .values(status=SlotStatus.FREE.value, exception_id=None)
        .execution_options(synchronize_session=False))
    session.execute(update(Slot).where(Slot.exception_id == exc.id).values(exception_id=None)
                    .execution_options(synchronize_session=False))
    session.delete(exc)
    session.flush()
    # A slot freed here may lie in another exception too: that one blocks it again.
    for other in session.scalars(select(ScheduleException).where(
            ScheduleException.unit_id == exc.unit_id, ScheduleException.start_date <= exc.end_date,
            ScheduleException.end_date >= exc.start_date)):
        _block(session, other)
    return int(getattr(freed, "rowcount", 0) or 0)
