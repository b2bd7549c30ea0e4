"""What the work costs in staff (issue 15 item 4): hours needed against hours staffed, per month.

Per unit and month: the items that came in (``incoming`` of ``stats_work_month``; the month in
progress from ``stats_work_day``, ``rollup.split``) times each kind's standard time give the
hours needed; against the hours the manager entered as staffed, the gap in hours and in
full-time equivalents (``HOURS_PER_FTE``); and the backlog at the end of the month (open items
of the month's last day, and the hours of work they stand for).

Standard times are the unit's own where set, else the stated defaults (``staffing_defaults``);
the figure uses today's standard times for every month, so a corrected estimate corrects the
past too (the change history says when it changed). A kind without a standard time is listed
with its items as not counted. A month in progress is compared with its staffed hours pro rata
by the calendar days counted. Every change of a standard time or of a month's hours is a row of
``stats_staffing_change`` (who, when, from, to).

``staffing_months(session, unit_id=, first=, last=)`` is what the overview, the monthly report
and the region view call.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Date, func, literal, select, union_all
from sqlalchemy.orm import Session

from kulisser.bounds import in_range
from kulisser.db import utcnow
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.i18n import _
from kulisser.staff.service import Actor
from kulisser.stats.models import WorkDay, WorkMonth
from kulisser.stats.rollup import add_months as add_months
from kulisser.stats.rollup import day_filter, month_filter, split
from kulisser.stats.rollup import month_end as month_end
from kulisser.stats.rollup import month_start as month_start
from kulisser.stats.service import kind_label
from kulisser.stats.staffing_defaults import DEFAULTS, HOURS_PER_FTE, NO_DEFAULT
from kulisser.stats.staffing_models import StaffedMonth, StaffingChange, StandardTime
from kulisser.worklist import service as worklist

MAX_STANDARD_MINUTES = 8 * 60  # one item taking a whole working day is the most we accept
MAX_STAFFED_HOURS = 100_000  # a month of about 600 full-time secretaries: no unit is larger
MAX_MONTHS = 120
MONTH_NAMES = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
               "september", "oktober", "november", "december")


def month_label(month: date) -> str:
    """A month in Swedish: "december 2026"."""
    return f"{MONTH_NAMES[month.month - 1]} {month.year}"


@dataclass
class StandardTimeRow:
    """One kind's standard time as the unit uses it, beside its default and where that comes from."""

    kind: str
    label: str
    default: int | None
    why: str
    minutes: int | None
    own: bool  # the unit has set its own value (which may be "none")


def standard_times(session: Session, *, unit_id: int) -> list[StandardTimeRow]:
    """Every kind of work with the unit's standard time (its own, else the default)."""
    own = {r.kind: r.minutes for r in session.scalars(
        select(StandardTime).where(StandardTime.unit_id == unit_id))}
    rows = []
    for spec in worklist.all_kinds():
        default = DEFAULTS.get(spec.code)
        minutes = default.minutes if default else None
        rows.append(StandardTimeRow(
            kind=spec.code, label=_(spec.label_plural), default=minutes,
            why=_(default.why) if default else _(NO_DEFAULT),
            minutes=own.get(spec.code, minutes), own=spec.code in own))
    return rows


def _require_manager(actor: Actor) -> None:
    if not actor.is_manager:
        raise Forbidden(_("Endast enhetschef eller administratör kan ändra bemanningsunderlaget."))


def set_standard_times(session: Session, *, actor: Actor, values: dict[str, int | None],
                       now: datetime | None = None) -> int:
    """Set the unit's standard times (minutes, None for none); all or nothing; return changes."""
    _require_manager(actor)
    rows = {r.kind: r for r in standard_times(session, unit_id=actor.unit_id)}
    errors = {}
    for kind, minutes in values.items():
        if kind not in rows:
            errors[kind] = _("Okänd typ av arbete.")
        elif minutes is not None and not 0 <= minutes <= MAX_STANDARD_MINUTES:
            errors[kind] = _("Ange ett helt antal minuter mellan 0 och {n}.", n=MAX_STANDARD_MINUTES)
    if errors:
        raise ValidationFailed(errors)
    changed = 0
    for kind, minutes in values.items():
        row = rows[kind]
        if minutes == row.minutes:
            continue
        stored = session.scalar(select(StandardTime).where(
            StandardTime.unit_id == actor.unit_id, StandardTime.kind == kind))
        to_default = minutes == row.default
        if to_default:
            if stored is not None:
                session.delete(stored)  # back to the default: it follows future defaults too
        elif stored is None:
            session.add(StandardTime(unit_id=actor.unit_id, kind=kind, minutes=minutes))
        else:
            stored.minutes = minutes
        session.add(StaffingChange(
            unit_id=actor.unit_id, at=now or utcnow(), actor_id=actor.user_id,
            what="standard_time", kind=kind, before=row.minutes, after=minutes,
            before_default=not row.own, after_default=to_default))
        changed += 1
    session.flush()
    return changed


def staffed_minutes(session: Session, *, unit_id: int, first: date, last: date) -> dict[date, int]:
    """The staffed minutes entered per month (first day of month) for the months first..last."""
    return {r.month: r.minutes for r in session.scalars(select(StaffedMonth).where(
        StaffedMonth.unit_id == unit_id, StaffedMonth.month >= month_start(first),
        StaffedMonth.month <= last))}


def set_staffed(session: Session, *, actor: Actor, values: dict[date, int | None],
                now: datetime | None = None) -> int:
    """Set the staffed minutes of months (None removes); all or nothing; return the changes."""
    _require_manager(actor)
    errors = {}
    for month, minutes in values.items():
        key = month.isoformat()[:7]
        if month.day != 1 or not in_range(month):
            errors[key] = _("Okänd månad.")
        elif minutes is not None and not 0 <= minutes <= MAX_STAFFED_HOURS * 60:
            errors[key] = _("Ange högst {n} timmar.", n=f"{MAX_STAFFED_HOURS:,}".replace(",", "\u00a0"))
    if errors:
        raise ValidationFailed(errors)
    stored = {r.month: r for r in session.scalars(select(StaffedMonth).where(
        StaffedMonth.unit_id == actor.unit_id, StaffedMonth.month.in_(list(values))))}
    changed = 0
    for month, minutes in sorted(values.items()):
        row = stored.get(month)
        before = row.minutes if row else None
        if before == minutes:
            continue
        if minutes is None and row is not None:
            session.delete(row)
        elif row is None:
            session.add(StaffedMonth(unit_id=actor.unit_id, month=month, minutes=minutes))
        else:
            row.minutes = minutes  # type: ignore[assignment]  # not None: the branch above
        session.add(StaffingChange(unit_id=actor.unit_id, at=now or utcnow(),
                                   actor_id=actor.user_id, what="staffed", month=month,
                                   before=before, after=minutes))
        changed += 1
    session.flush()
    return changed


def changes(session: Session, *, unit_id: int, limit: int = 100) -> list[StaffingChange]:
    """The unit's latest changes of standard times and staffed hours, newest first."""
    return list(session.scalars(select(StaffingChange).where(StaffingChange.unit_id == unit_id)
                                .order_by(StaffingChange.at.desc(), StaffingChange.id.desc())
                                .limit(limit)))


@dataclass
class KindNeed:
    """One kind's items in a month and the hours they need (None: no standard time)."""

    kind: str
    label: str
    incoming: int
    minutes: int | None

    @property
    def hours(self) -> float | None:
        """Items times the standard time, in hours."""
        return None if self.minutes is None else self.incoming * self.minutes / 60


@dataclass
class StaffingMonth:
    """One month of the staffing figure for a unit."""

    month: date
    end: date  # the last day counted: the month's last, or `last` for a month in progress
    kinds: list[KindNeed] = field(default_factory=list)
    staffed_hours: float | None = None  # the whole month's, as entered
    open_end: int = 0
    open_change: int | None = None  # against the end of the month before
    backlog_hours: float = 0.0  # the open items at the end times their standard times

    @property
    def share(self) -> float:
        """The share of the month's calendar days counted (1 for a finished month)."""
        return ((self.end - self.month).days + 1) / month_end(self.month).day

    @property
    def in_progress(self) -> bool:
        """Whether the month is counted only up to a day before its last."""
        return self.end < month_end(self.month)

    @property
    def needed_hours(self) -> float:
        """The hours the month's incoming items need, over the kinds with a standard time."""
        return sum(k.hours or 0.0 for k in self.kinds)

    @property
    def uncounted(self) -> list[KindNeed]:
        """The kinds with items this month but no standard time (not counted in the need)."""
        return [k for k in self.kinds if k.minutes is None]

    @property
    def staffed_counted(self) -> float | None:
        """The staffed hours for the days counted (pro rata in a month in progress)."""
        return None if self.staffed_hours is None else self.staffed_hours * self.share

    @property
    def gap_hours(self) -> float | None:
        """Hours needed less hours staffed: positive when the staffing falls short."""
        staffed = self.staffed_counted
        return None if staffed is None else self.needed_hours - staffed

    @property
    def gap_fte(self) -> float | None:
        """The gap in full-time equivalents of HOURS_PER_FTE a month (for the days counted)."""
        gap = self.gap_hours
        return None if gap is None else gap / (HOURS_PER_FTE * self.share)


def _own_minutes(session: Session, unit_ids: list[int]) -> dict[int, dict[str, int | None]]:
    """Each unit's standard time per kind (its own, else the default) in one query."""
    defaults = {spec.code: (DEFAULTS[spec.code].minutes if spec.code in DEFAULTS else None)
                for spec in worklist.all_kinds()}
    out: dict[int, dict[str, int | None]] = {u: dict(defaults) for u in unit_ids}
    for row in session.scalars(select(StandardTime).where(StandardTime.unit_id.in_(unit_ids))):
        if row.kind in defaults:
            out[row.unit_id][row.kind] = row.minutes
    return out


def staffing_months(session: Session, *, unit_id: int, first: date, last: date) -> list[StaffingMonth]:
    """The staffing figure per month for the months from first's to last's (last counted day)."""
    return staffing_months_of_units(session, unit_ids=[unit_id], first=first, last=last)[unit_id]


def _incoming(session: Session, *, unit_ids: list[int], ends: dict[date, date],
              last: date) -> dict[tuple[int, date, str], int]:
    """Items in per (unit, month, kind): whole months from the roll-up, the rest from the days."""
    part = split(min(ends), last)
    incoming: dict[tuple[int, date, str], int] = defaultdict(int)
    for unit, month, kind, n in session.execute(
            select(WorkMonth.unit_id, WorkMonth.month, WorkMonth.kind, WorkMonth.incoming)
            .where(WorkMonth.unit_id.in_(unit_ids), month_filter(part, WorkMonth.month))):
        incoming[(unit, month, kind)] += n
    if part.days:
        # The months as a small table to join, so that both backends group by a plain column.
        bounds = union_all(*(select(literal(m, Date).label("month"), literal(e, Date).label("end"))
                             for m, e in ends.items())).subquery()
        for unit, month, kind, n in session.execute(
                select(WorkDay.unit_id, bounds.c.month, WorkDay.kind, func.sum(WorkDay.incoming))
                .join(bounds, WorkDay.day.between(bounds.c.month, bounds.c.end))
                .where(WorkDay.unit_id.in_(unit_ids), day_filter(part, WorkDay.day))
                .group_by(WorkDay.unit_id, bounds.c.month, WorkDay.kind)):
            incoming[(unit, month, kind)] += int(n)
    return incoming


PROBES_PER_STATEMENT = 500


def staffing_months_of_units(session: Session, *, unit_ids: list[int], first: date,
                             last: date) -> dict[int, list[StaffingMonth]]:
    """The staffing figure per month for each unit (the region view): six or seven queries."""
    start = month_start(first)
    months: list[date] = []
    m = start
    while m <= last:
        months.append(m)
        m = add_months(m, 1)
    if not months or len(months) > MAX_MONTHS:
        raise ValidationFailed({"till": _("Välj mellan 1 och {n} månader.", n=MAX_MONTHS)})
    ends = {m: min(month_end(m), last) for m in months}
    before = start - timedelta(days=1)
    minutes = _own_minutes(session, unit_ids)
    out = {u: [StaffingMonth(month=m, end=ends[m]) for m in months] for u in unit_ids}
    figure = {(u, f.month): f for u, fs in out.items() for f in fs}
    incoming = _incoming(session, unit_ids=unit_ids, ends=ends, last=last)
    for (unit, month, kind), n in sorted(incoming.items()):
        if n:
            figure[(unit, month)].kinds.append(KindNeed(
                kind=kind, label=kind_label(kind), incoming=n, minutes=minutes[unit].get(kind)))
    for row in session.scalars(select(StaffedMonth).where(
            StaffedMonth.unit_id.in_(unit_ids), StaffedMonth.month >= start,
            StaffedMonth.month <= last)):
        figure[(row.unit_id, row.month)].staffed_hours = row.minutes / 60
    # No row on a day means nothing open then.
    backlog: dict[tuple[int, date], dict[str, int]] = defaultdict(dict)
    for unit, day, kind, n in session.execute(
            select(WorkDay.unit_id, WorkDay.day, WorkDay.kind, WorkDay.open_total)
            .where(WorkDay.unit_id.in_(unit_ids), WorkDay.day.in_([before, *ends.values()]))):
        backlog[(unit, day)][kind] = n
    # The change is left out only where a unit has no figures at all before the first month.
    # One index probe per unit (an EXISTS each), not a scan of the years before; in chunks,
    # as a statement's select list is bounded (PostgreSQL: 1,664 entries).
    earlier: set[int] = set()
    for at in range(0, len(unit_ids), PROBES_PER_STATEMENT):
        chunk = unit_ids[at:at + PROBES_PER_STATEMENT]
        probes = session.execute(select(*(
            select(WorkDay.id).where(WorkDay.unit_id == u, WorkDay.day <= before).exists()
            for u in chunk))).one()
        earlier |= {u for u, found in zip(chunk, probes, strict=True) if found}
    for unit, fs in out.items():
        previous = sum(backlog[(unit, before)].values()) if unit in earlier else None
        for f in fs:
            f.kinds.sort(key=lambda k: k.label)
            open_now = backlog[(unit, f.end)]
            f.open_end = sum(open_now.values())
            f.backlog_hours = sum(n * (minutes[unit].get(k) or 0) for k, n in open_now.items()) / 60
            f.open_change = None if previous is None else f.open_end - previous
            previous = f.open_end
    return out
