"""The risk signals over the access log (issue 13 item 6), as set-based SQL over one day.

Each rule is one INSERT ... SELECT over the day's audit rows, grouped per unit and user (and,
for the rate rules, per window on two grids: from local midnight, and half a window later, so
that any burst within half a window is inside one window whatever the clock says), that inserts
only signals not yet found: the unique constraint (rule, unit, user, window start) and the NOT
EXISTS (no signal of the rule for the user that overlaps the window) make a second run over the
same day find nothing new, so the job is safe to run twice or after a crash.
Nothing here reads rows one by one into Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    cast,
    exists,
    false,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import BindParameter

from kulisser.audit.models import AuditEvent, AuditSignal, AuditSignalSetting, AuditWatch
from kulisser.db import UTCDateTime, utcnow
from kulisser.i18n import N_
from kulisser.patients.service import Patient
from kulisser.staff.service import User

TZ = ZoneInfo("Europe/Stockholm")

RULES: dict[str, str] = {
    "same_name": N_("Samma efternamn som patienten"),
    "protected": N_("Skyddad identitet"),
    "watched": N_("Bevakad patient"),
    "after_hours": N_("Utanför öppettiden"),
    "many_patients": N_("Många patienter på kort tid"),
    "emergency": N_("Nödåtkomst"),
    "refusals": N_("Upprepade nekade åtkomster"),
}


@dataclass(frozen=True)
class Thresholds:
    """A unit's opening hours (minutes after local midnight) and the rate rules' limits."""

    open_from: int = 7 * 60
    open_until: int = 18 * 60
    weekends_open: bool = False
    rate_patients: int = 50  # more than this many distinct patients ...
    rate_minutes: int = 60  # ... within this many minutes
    refusals: int = 5  # at least this many denied rows ...
    refusal_minutes: int = 10  # ... within this many minutes


DEFAULTS = Thresholds()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The local (Swedish) day as a UTC half-open interval."""
    start = datetime.combine(day, time(), TZ).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), TZ).astimezone(UTC)
    return start, end


def _clock_origin(day: date) -> datetime:
    # Local midnight at the day's noon offset: seconds since it are wall-clock seconds from
    # 03:00 on, so opening hours and windows stay right on the days the clocks change.
    offset = datetime.combine(day, time(12), TZ).utcoffset() or timedelta()
    return datetime.combine(day, time(), UTC) - offset


class _Sql:
    """The two expressions the dialects spell differently: whole seconds and adding seconds."""

    def __init__(self, dialect: str, origin: datetime) -> None:
        self.sqlite = dialect == "sqlite"
        self.origin: BindParameter[datetime] = literal(origin, UTCDateTime())

    def seconds(self, at: Any) -> ColumnElement[int]:
        """Whole seconds from the origin to a timestamp."""
        if self.sqlite:
            return (cast(func.strftime("%s", at), Integer)
                    - cast(func.strftime("%s", self.origin), Integer))
        return cast(func.floor(func.date_part("epoch", at) - func.date_part("epoch", self.origin)),
                    Integer)

    def plus(self, secs: ColumnElement[int]) -> ColumnElement[datetime]:
        """The origin plus a number of seconds, stored as the column type stores a timestamp."""
        if self.sqlite:
            # SQLAlchemy's SQLite storage format, so the unique constraint compares like with like.
            shifted = func.datetime(self.origin, cast(secs, String) + " seconds")
            return type_coerce(shifted.op("||")(".000000"), UTCDateTime)
        return self.origin + func.make_interval(0, 0, 0, 0, 0, 0, secs)


@dataclass
class _Ctx:
    start: datetime
    end: datetime
    sql: _Sql
    weekend: bool
    now: datetime


_SETTING = aliased(AuditSignalSetting)


def _setting(column: str) -> ColumnElement[int]:
    return func.coalesce(getattr(_SETTING, column), getattr(DEFAULTS, column))


def _base(c: _Ctx) -> list[ColumnElement[bool]]:
    return [AuditEvent.at >= c.start, AuditEvent.at < c.end, AuditEvent.user_id.is_not(None),
            AuditEvent.unit_id.is_not(None),
            # Reading the log itself is the review, not an access to watch.
            AuditEvent.object_type != "audit_log"]


def _store(session: Session, c: _Ctx, *, rule: str, found: Any) -> int:
    """Insert the found windows as signals, except any that overlaps a signal of the rule for
    the user (the same day or window, which the unique constraint also keeps once)."""
    known = exists().where(AuditSignal.rule == rule, AuditSignal.unit_id == found.c.unit_id,
                           AuditSignal.user_id == found.c.user_id,
                           AuditSignal.window_start < found.c.window_end,
                           AuditSignal.window_end > found.c.window_start)
    pick = select(literal(rule), found.c.unit_id, found.c.user_id, found.c.window_start,
                  found.c.window_end, found.c.rows, found.c.patients, found.c.threshold,
                  literal(c.now, UTCDateTime())).where(~known)
    # RETURNING counts the new rows on both databases (psycopg's rowcount may say -1 here).
    new = session.scalars(insert(AuditSignal).from_select(
        ["rule", "unit_id", "user_id", "window_start", "window_end", "rows", "patients",
         "threshold", "found_at"], pick).returning(AuditSignal.id)).all()
    return len(new)


def _insert(session: Session, c: _Ctx, *, rule: str, where: list[ColumnElement[bool]],
            joins: Callable[[Select[Any]], Select[Any]] | None = None) -> int:
    # The rows first, then the groups per unit and user over the whole day.
    rows = select(AuditEvent.unit_id, AuditEvent.user_id, AuditEvent.patient_id).select_from(
        AuditEvent).outerjoin(_SETTING, _SETTING.unit_id == AuditEvent.unit_id)
    if joins is not None:
        rows = joins(rows)
    r = rows.where(*_base(c), *where).subquery("r")
    g = (select(r.c.unit_id, r.c.user_id, func.count().label("rows"),
                func.count(r.c.patient_id.distinct()).label("patients"))
         .group_by(r.c.unit_id, r.c.user_id).subquery("g"))
    found = select(g.c.unit_id, g.c.user_id,
                   literal(c.start, UTCDateTime()).label("window_start"),
                   literal(c.end, UTCDateTime()).label("window_end"), g.c.rows, g.c.patients,
                   literal(None, Integer).label("threshold")).subquery("found")
    return _store(session, c, rule=rule, found=found)


def _flagged() -> ColumnElement[bool]:
    # Implied by the rule's own outcome, but spelled as the partial index's predicate so that
    # PostgreSQL picks ix_audit_event_flagged_at (the day's rare refusals and emergencies).
    return AuditEvent.outcome != "allowed"


def _not_denied() -> ColumnElement[bool]:
    return AuditEvent.outcome != "denied"


def _last_word(name: Any) -> ColumnElement[str]:
    # rtrim() with the name's non-space characters strips the last word: what is left is its
    # start, so the last word begins one character later (portable SQL, no regex).
    head = func.rtrim(name, func.replace(name, " ", ""))
    return func.substr(name, func.length(head) + 1)


def _same_name(session: Session, c: _Ctx) -> int:
    def joins(stmt: Select[Any]) -> Select[Any]:
        return stmt.join(User, User.id == AuditEvent.user_id).join(
            Patient, Patient.id == AuditEvent.patient_id)
    # The user's last name is the patient's family name ("Anna Lind" and "Per Lind"): an
    # equality, so it can be hashed, on both databases (no regular expressions in SQLite).
    name_match = func.lower(_last_word(User.full_name)) == func.lower(Patient.family_name)
    return _insert(session, c, rule="same_name",
                   where=[name_match, _not_denied()], joins=joins)


def _protected(session: Session, c: _Ctx) -> int:
    def joins(stmt: Select[Any]) -> Select[Any]:
        return stmt.join(Patient, Patient.id == AuditEvent.patient_id)
    return _insert(session, c, rule="protected",
                   where=[Patient.protected_identity.is_(True), _not_denied()], joins=joins)


def _watched(session: Session, c: _Ctx) -> int:
    # A join from the (short) watch lists, so the planner reads the rows by patient.
    def joins(stmt: Select[Any]) -> Select[Any]:
        return stmt.join(AuditWatch, and_(
            AuditWatch.unit_id == AuditEvent.unit_id, AuditWatch.patient_id == AuditEvent.patient_id,
            AuditWatch.added_at <= AuditEvent.at,
            or_(AuditWatch.removed_at.is_(None), AuditWatch.removed_at > AuditEvent.at)))
    return _insert(session, c, rule="watched", where=[_not_denied()], joins=joins)


def _after_hours(session: Session, c: _Ctx) -> int:
    secs = c.sql.seconds(AuditEvent.at)
    outside: ColumnElement[bool] = or_(secs < _setting("open_from") * 60,
                                       secs >= _setting("open_until") * 60)
    if c.weekend:
        outside = or_(not_(func.coalesce(_SETTING.weekends_open, false())), outside)
    return _insert(session, c, rule="after_hours",
                   where=[outside, _not_denied(), AuditEvent.patient_id.is_not(None)])


def _emergency(session: Session, c: _Ctx) -> int:
    return _insert(session, c, rule="emergency",
                   where=[AuditEvent.outcome == "emergency", _flagged()])


def _windowed(session: Session, c: _Ctx, *, rule: str, minutes: str, limit: str,
              where: list[ColumnElement[bool]],
              having: Callable[[Any], ColumnElement[bool]]) -> int:
    """A rate rule: the windows of `minutes` with too many rows or patients for a user.

    The windows start at every half window from local midnight: those from midnight
    (00:00-01:00, 01:00-02:00 ... for 60 minutes) and those half a window later (23:30-00:30,
    00:30-01:30 ...), so a burst within half a window lies wholly inside one of them wherever
    the clock is. Window f covers the half windows f and f + 1 (even f: from midnight).
    """
    half = _setting(minutes) * 30
    # The rule's rows with their half window (h), read once (a CTE, used twice below).
    r = (select(AuditEvent.unit_id, AuditEvent.user_id, AuditEvent.patient_id,
                (c.sql.seconds(AuditEvent.at) // half).label("h"), half.label("half"),
                _setting(limit).label("lim"))
         .select_from(AuditEvent).outerjoin(_SETTING, _SETTING.unit_id == AuditEvent.unit_id)
         .where(*_base(c), *where)).cte("r")
    # Rows per user and half window, then per window: no window with fewer than the limit's
    # rows can fire, so only the few that have as many are counted patient by patient.
    per_half = (select(r.c.unit_id, r.c.user_id, r.c.h, r.c.lim, func.count().label("n"))
                .group_by(r.c.unit_id, r.c.user_id, r.c.h, r.c.lim).subquery("per_half"))
    grid = select(literal(0).label("shift")).union_all(select(literal(1))).subquery("grid")
    spread = select(per_half.c.unit_id, per_half.c.user_id, per_half.c.lim, per_half.c.n,
                    (per_half.c.h - grid.c.shift).label("f")).select_from(per_half).join(
                        grid, true()).subquery("spread")
    busy = (select(spread.c.unit_id, spread.c.user_id, spread.c.f)
            .group_by(spread.c.unit_id, spread.c.user_id, spread.c.f, spread.c.lim)
            .having(func.sum(spread.c.n) >= spread.c.lim).subquery("busy"))
    # Each busy window's two halves, joined to the rows by equality (a hash join on few keys).
    grid2 = select(literal(0).label("shift")).union_all(select(literal(1))).subquery("grid2")
    halves = select(busy.c.unit_id, busy.c.user_id, busy.c.f,
                    (busy.c.f + grid2.c.shift).label("h")).select_from(busy).join(
                        grid2, true()).subquery("halves")
    w = (select(r.c.unit_id, r.c.user_id, r.c.patient_id, halves.c.f, r.c.half, r.c.lim)
         .select_from(r).join(halves, and_(halves.c.unit_id == r.c.unit_id,
                                           halves.c.user_id == r.c.user_id,
                                           halves.c.h == r.c.h))
         .subquery("w"))
    keys = [w.c.unit_id, w.c.user_id, w.c.f, w.c.half, w.c.lim]
    g = (select(*keys, func.count().label("rows"),
                func.count(w.c.patient_id.distinct()).label("patients"))
         .group_by(*keys).having(having(w)).cte("g"))
    # One signal per burst in a run: a window from half past (odd f) that overlaps one from
    # midnight found by the same run (f - 1 or f + 1) is left out (equality anti-joins).
    source: Any = g
    others = g.alias("g_before"), g.alias("g_after")
    for other, f in zip(others, (g.c.f - 1, g.c.f + 1), strict=True):
        source = source.outerjoin(other, and_(g.c.f % 2 != 0, other.c.unit_id == g.c.unit_id,
                                              other.c.user_id == g.c.user_id, other.c.f == f))
    found = (select(g.c.unit_id, g.c.user_id, c.sql.plus(g.c.f * g.c.half).label("window_start"),
                    c.sql.plus((g.c.f + 2) * g.c.half).label("window_end"), g.c.rows,
                    g.c.patients, g.c.lim.label("threshold"))
             .select_from(source).where(*(o.c.unit_id.is_(None) for o in others))
             .subquery("found"))
    return _store(session, c, rule=rule, found=found)


def _many_patients(session: Session, c: _Ctx) -> int:
    # List views show many patients by design; the rule counts records opened.
    return _windowed(session, c, rule="many_patients", minutes="rate_minutes",
                     limit="rate_patients",
                     where=[_not_denied(), AuditEvent.action != "list",
                            AuditEvent.patient_id.is_not(None)],
                     having=lambda r: func.count(r.c.patient_id.distinct()) > r.c.lim)


def _refusals(session: Session, c: _Ctx) -> int:
    return _windowed(session, c, rule="refusals", minutes="refusal_minutes", limit="refusals",
                     where=[AuditEvent.outcome == "denied", _flagged()],
                     having=lambda r: func.count() >= r.c.lim)


_RUNNERS: dict[str, Callable[[Session, _Ctx], int]] = {
    "same_name": _same_name, "protected": _protected, "watched": _watched,
    "after_hours": _after_hours, "many_patients": _many_patients, "emergency": _emergency,
    "refusals": _refusals,
}


def find_signals(session: Session, *, day: date, now: datetime | None = None) -> dict[str, int]:
    """Run every rule over one local day; return how many new signals each rule found."""
    start, end = day_bounds(day)
    c = _Ctx(start=start, end=end, sql=_Sql(session.get_bind().dialect.name, _clock_origin(day)),
             weekend=day.weekday() >= 5, now=now or utcnow())
    return {rule: run(session, c) for rule, run in _RUNNERS.items()}
