"""The team's load: who carries what, hand-overs in and out, absences, and one's own week.

Open and overdue items per secretary and kind, and the unit's queue beside them, are read live
from the worklist (a unit's open items are few). The ownership changes recorded in the items'
histories (hand-overs in and out) and the items each one completed come from the daily
aggregate per person (``person_days``, ``stats_person_day``) up to its job's watermark, and from
the history after it (a few minutes, normally): a hand-over shows at once, and a period's
figures equal a count of the history. People are listed by name, never ranked
by volume; nothing here measures speed or keystrokes (issue 15: show the work and its flow).
No patient data is read: kinds, counts, owners and days only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from kulisser.staff import service as staff
from kulisser.stats import person_days
from kulisser.stats.aggregate import day_start, local_day
from kulisser.stats.person_days import owner_move as owner_move  # the definition, kept there
from kulisser.stats.service import kind_label
from kulisser.worklist import service as worklist

WorkItem, WorkItemEvent = worklist.WorkItem, worklist.WorkItemEvent
OPEN = sorted(s.value for s in (worklist.Status.REQUESTED, worklist.Status.ACCEPTED,
                                worklist.Status.IN_PROGRESS, worklist.Status.ON_HOLD))
# History events that can move an item from one owner to another, as the worklist's partial
# index on their time lists them.
OWNER_EVENTS = worklist.OWNER_EVENTS


@dataclass
class Load:
    """Open and overdue items per kind, and hand-overs in and out, of one person (or the queue)."""

    open: Counter[str] = field(default_factory=Counter)
    overdue: Counter[str] = field(default_factory=Counter)
    handed_in: Counter[str] = field(default_factory=Counter)
    handed_out: Counter[str] = field(default_factory=Counter)

    @property
    def open_total(self) -> int:
        """Open items of every kind."""
        return sum(self.open.values())

    @property
    def overdue_total(self) -> int:
        """Overdue items of every kind."""
        return sum(self.overdue.values())

    @property
    def in_total(self) -> int:
        """Hand-overs to this person in the period."""
        return sum(self.handed_in.values())

    @property
    def out_total(self) -> int:
        """Hand-overs from this person in the period."""
        return sum(self.handed_out.values())

    def add(self, other: Load) -> None:
        """Add another load to this one (for totals)."""
        for mine, theirs in ((self.open, other.open), (self.overdue, other.overdue),
                             (self.handed_in, other.handed_in), (self.handed_out, other.handed_out)):
            mine.update(theirs)


@dataclass
class Person:
    """One secretary of the unit: her load, and her absence if she is away today."""

    user_id: int
    name: str
    load: Load
    away: Any = None  # staff.Absence covering today, or None


@dataclass
class Team:
    """The unit's team for a period: people by name, the queue, totals, kinds present."""

    start: date
    end: date
    people: list[Person]
    queue: Load
    team: Load  # the people's loads together
    total: Load  # the people and the queue
    kinds: list[tuple[str, str]]  # (code, Swedish plural label) of every kind shown, by label

    @property
    def absent(self) -> list[Person]:
        """The people away today, by name."""
        return [p for p in self.people if p.away is not None]

    @property
    def left_with_absent(self) -> int:
        """Open items owned by someone away today."""
        return sum(p.load.open_total for p in self.absent)

    def only(self, user_id: int) -> list[Person]:
        """The one person's row (a secretary sees her own row and the totals, no one else's)."""
        return [p for p in self.people if p.user_id == user_id]


def _handovers(session: Session, *, unit_id: int, first: date, last: date,
               owner: int | None = None) -> dict[tuple[int | None, str], list[int]]:
    """{(person, kind): [in, out]} of the ownership moves of the unit's items in the days.

    The daily aggregate (``person_days``) up to its job's watermark, the history after it (a
    few minutes, normally), so a hand-over shows at once. With an owner, only the moves to or
    from her are counted (her entries are the exact ones).
    """
    counts: dict[tuple[int | None, str], list[int]] = defaultdict(lambda: [0, 0])
    if owner is None:
        until, stored = person_days.stored_moves(session, unit_id=unit_id, first=first, last=last)
    else:
        until, rows = person_days.stored_person(session, unit_id=unit_id, user_id=owner,
                                                first=first, last=last)
        stored = [(owner, kind, n_in, n_out) for _d, kind, n_in, n_out, _done in rows]
    for person, kind, n_in, n_out in stored:
        counts[(person, kind)][0] += n_in
        counts[(person, kind)][1] += n_out
    start, end = person_days.live_start(until, first), day_start(last + timedelta(days=1))
    if start < end:
        for _unit, kind, src, dst, _at in person_days.moves(session, start=start, end=end,
                                                            unit_ids=[unit_id], owner=owner):
            counts[(dst, kind)][0] += 1
            counts[(src, kind)][1] += 1
    return counts


def _open_counts(session: Session, *, unit_id: int, now: datetime,
                 owner: int | None = None) -> list[tuple[int | None, str, int, int]]:
    """(owner, kind, open, overdue) of the unit's open items, per owner and kind."""
    overdue = func.sum(case((WorkItem.due_at < now, 1), else_=0))
    stmt = (select(WorkItem.owner_id, WorkItem.kind, func.count(), overdue)
            .where(WorkItem.unit_id == unit_id, WorkItem.status.in_(OPEN))
            .group_by(WorkItem.owner_id, WorkItem.kind))
    if owner is not None:
        stmt = stmt.where(WorkItem.owner_id == owner)
    return [(o, k, int(n), int(d or 0)) for o, k, n, d in session.execute(stmt).tuples()]


def balance(session: Session, *, unit_id: int, first: date, last: date, now: datetime,
            handovers: bool = True) -> Team:
    """Who carries what now, and (unless handovers=False) the hand-overs in the days first..last."""
    secretaries = [m for m in staff.unit_member_names(session, unit_id=unit_id)
                   if m.role == staff.Role.SECRETARY.value]
    loads: dict[int, Load] = {m.id: Load() for m in secretaries}
    queue = Load()
    for owner, kind, n, late in _open_counts(session, unit_id=unit_id, now=now):
        load = queue if owner is None else loads.get(owner)
        if load is not None:  # items of clinicians and managers are not the team's
            load.open[kind] += n
            load.overdue[kind] += late
    moves = _handovers(session, unit_id=unit_id, first=first, last=last) if handovers else {}
    for (person, kind), (n_in, n_out) in moves.items():
        if person is not None and person in loads:  # the queue's moves are not a person's
            if n_in:
                loads[person].handed_in[kind] += n_in
            if n_out:
                loads[person].handed_out[kind] += n_out
    away = staff.away_on(session, user_ids=set(loads), day=local_day(now))
    people = [Person(user_id=m.id, name=m.full_name, load=loads[m.id], away=away.get(m.id))
              for m in secretaries]  # by name, as the members come
    team, total = Load(), Load()
    for p in people:
        team.add(p.load)
    total.add(team)
    total.add(queue)
    codes = set(total.open) | set(total.handed_in) | set(total.handed_out)
    kinds = sorted(((c, kind_label(c)) for c in codes), key=lambda k: k[1])
    return Team(start=first, end=last, people=people, queue=queue, team=team, total=total,
                kinds=kinds)


@dataclass
class MyWeek:
    """One person's week: done per kind and day, what waits by due day, hand-overs to and from."""

    days: list[date]
    done: dict[str, list[int]]  # kind -> count per day of the week
    waiting: list[tuple[date | str, Counter[str]]]  # ("overdue", each day, "later"), per kind
    handed_in: Counter[str]
    handed_out: Counter[str]
    kinds: list[tuple[str, str]]

    @property
    def done_per_day(self) -> list[int]:
        """Items done each day of the week, all kinds."""
        return [sum(counts[i] for counts in self.done.values()) for i in range(len(self.days))]


def week_start(day: date) -> date:
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def my_week(session: Session, *, user_id: int, unit_id: int, monday: date,
            now: datetime) -> MyWeek:
    """The person's own week at the unit: items she completed, what waits for her, hand-overs.

    What waits is grouped by due day: overdue now, each of the seven days from today, later.
    """
    days = [monday + timedelta(days=n) for n in range(7)]
    done: dict[str, list[int]] = defaultdict(lambda: [0] * 7)
    handed_in: Counter[str] = Counter()
    handed_out: Counter[str] = Counter()
    # The daily aggregate up to its job's watermark, the history after it.
    until, stored = person_days.stored_person(session, unit_id=unit_id, user_id=user_id,
                                              first=days[0], last=days[-1])
    for day, kind, n_in, n_out, n_done in stored:
        if n_done:
            done[kind][(day - monday).days] += n_done
        if n_in:
            handed_in[kind] += n_in
        if n_out:
            handed_out[kind] += n_out
    start, end = person_days.live_start(until, days[0]), day_start(days[-1] + timedelta(days=1))
    if start < end:
        for _unit, kind, _owner, closed in person_days.completions(
                session, start=start, end=end, unit_ids=[unit_id], owner=user_id):
            done[kind][(local_day(closed) - monday).days] += 1
        for _unit, kind, src, dst, _at in person_days.moves(
                session, start=start, end=end, unit_ids=[unit_id], owner=user_id):
            if dst == user_id:
                handed_in[kind] += 1
            if src == user_id:
                handed_out[kind] += 1
    today = local_day(now)
    buckets: dict[date | str, Counter[str]] = {"overdue": Counter()}
    for n in range(7):
        buckets[today + timedelta(days=n)] = Counter()
    buckets["later"] = Counter()
    for kind, due in session.execute(
            select(WorkItem.kind, WorkItem.due_at)
            .where(WorkItem.unit_id == unit_id, WorkItem.owner_id == user_id,
                   WorkItem.status.in_(OPEN))).tuples():
        due_day = local_day(due)
        key: date | str = "overdue" if due < now else due_day if due_day in buckets else "later"
        buckets[key][kind] += 1
    codes = set(done) | {k for c in buckets.values() for k in c} | set(handed_in) | set(handed_out)
    return MyWeek(days=days, done=dict(done), waiting=list(buckets.items()), handed_in=handed_in,
                  handed_out=handed_out,
                  kinds=sorted(((c, kind_label(c)) for c in codes), key=lambda k: k[1]))
