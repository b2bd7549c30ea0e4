"""Slot generation: templates, minus holidays and exceptions, become slot rows (idempotent).

Slots are computed from Stockholm wall-clock times (calendar.day_slots) and inserted with
INSERT ... ON CONFLICT DO NOTHING on the unique (resource_id, start_at): generating a range
twice, or two people generating at once, creates each slot once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kulisser.booking.calendar import Blocked, day_slots, holidays_between, local_day_bounds
from kulisser.booking.models import Resource, ScheduleException, ScheduleTemplate, Slot
from kulisser.booking.schedules import exception_span, get_resource, require_planner
from kulisser.booking.states import SlotStatus
from kulisser.db import utcnow
from kulisser.errors import ValidationFailed
from kulisser.i18n import _
from kulisser.staff.service import Actor

MAX_DAYS = 400
_CHUNK = 500


@dataclass
class Generated:
    """What a generation run did."""

    created: int = 0
    existing: int = 0  # slots already there (or overlapping one that is)
    holidays: dict[date, str] = field(default_factory=dict)
    closed_days: int = 0  # template days with no slots because of a whole-day exception


def _covers(exc: ScheduleException, resource_id: int, day: date) -> bool:
    return exc.start_date <= day <= exc.end_date and exc.resource_id in (None, resource_id)


def generate_slots(session: Session, *, actor: Actor, start: date | None, end: date | None,
                   resource_id: int | None = None, public_holidays: bool = True,
                   now: datetime | None = None) -> Generated:
    """Create the slots of the unit's templates (or one resource's) for start..end, both included.

    Public holidays (computed: fixed dates and the Easter-based ones) give no slots unless
    public_holidays is False; the unit's entered closed days and each resource's leave and
    meetings never do. Slots that already exist are left as they are.
    """
    require_planner(actor)
    now = now or utcnow()
    errors: dict[str, str] = {}
    if start is None:
        errors["start"] = _("Ange första dagen.")
    if end is None:
        errors["end"] = _("Ange sista dagen.")
    elif start is not None and end < start:
        errors["end"] = _("Sista dagen ska vara samma dag eller senare.")
    elif start is not None and (end - start).days >= MAX_DAYS:
        errors["end"] = _("Högst {max_days} dagar åt gången.", max_days=MAX_DAYS)
    if errors:
        raise ValidationFailed(errors)
    assert start is not None and end is not None
    if resource_id is not None:
        resources = [get_resource(session, actor=actor, resource_id=resource_id)]
    else:
        resources = list(session.scalars(select(Resource).where(
            Resource.unit_id == actor.unit_id, Resource.active.is_(True))))
    ids = [r.id for r in resources if r.unit_id == actor.unit_id and r.active]
    result = Generated(holidays=holidays_between(start, end) if public_holidays else {})
    if not ids:
        return result
    templates = list(session.scalars(select(ScheduleTemplate).where(
        ScheduleTemplate.resource_id.in_(ids), ScheduleTemplate.active.is_(True),
        ScheduleTemplate.valid_from <= end,
        (ScheduleTemplate.valid_to.is_(None)) | (ScheduleTemplate.valid_to >= start))
        .order_by(ScheduleTemplate.start_time, ScheduleTemplate.id)))
    exceptions = list(session.scalars(select(ScheduleException).where(
        ScheduleException.unit_id == actor.unit_id, ScheduleException.start_date <= end,
        ScheduleException.end_date >= start)))
    lo, _hi = local_day_bounds(start)
    _lo, hi = local_day_bounds(end)
    taken: dict[int, list[tuple[datetime, datetime]]] = {i: [] for i in ids}
    for rid, s_at, e_at in session.execute(select(Slot.resource_id, Slot.start_at, Slot.end_at).where(
            Slot.resource_id.in_(ids), Slot.start_at < hi, Slot.end_at > lo)):
        taken[rid].append((s_at, e_at))
    rows: list[dict[str, Any]] = []
    day = start
    while day <= end:
        if day in result.holidays:
            day += timedelta(days=1)
            continue
        for template in templates:
            if not template.applies_on(day):
                continue
            mine = [e for e in exceptions if _covers(e, template.resource_id, day)]
            if any(e.start_time is None for e in mine):
                result.closed_days += 1
                continue
            blocked = [Blocked(*exception_span(e, day)) for e in mine]
            for t in day_slots(day, start=template.start_time, end=template.end_time,
                               minutes=template.visit_type.minutes, blocked=blocked):
                busy = taken[template.resource_id]
                if any(s < t.end and t.start < e for s, e in busy):
                    result.existing += 1
                    continue
                busy.append((t.start, t.end))
                rows.append({"unit_id": actor.unit_id, "resource_id": template.resource_id,
                             "visit_type_id": template.visit_type_id, "template_id": template.id,
                             "start_at": t.start, "end_at": t.end, "status": SlotStatus.FREE.value,
                             "created_at": now})
        day += timedelta(days=1)
    result.created = _insert(session, rows)
    result.existing += len(rows) - result.created
    return result


def _insert(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert slot rows, skipping any whose (resource, start) exists; return how many were new."""
    if not rows:
        return 0
    table: Any = Slot.__table__
    dialect = session.get_bind().dialect.name
    made = 0
    for i in range(0, len(rows), _CHUNK):
        chunk = rows[i:i + _CHUNK]
        if dialect == "postgresql":
            stmt: Any = postgresql.insert(table).values(chunk)
        else:
            stmt = sqlite.insert(table).values(chunk)
        stmt = stmt.on_conflict_do_nothing(index_elements=["resource_id", "start_at"])
        made += len(session.execute(stmt.returning(table.c.id)).all())
    return made
