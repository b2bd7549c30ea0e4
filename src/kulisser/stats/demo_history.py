"""A year of the demo unit's past work, so that every chart of ``/oversikt`` has a shape.

Twelve months of closed work items of the unit's kinds (call-backs, referral assessments and
chases, results to sign and match, letters, record copies, coding, the waiting list,
rebookings and tasks; not the dictation kinds, whose year the dictation demo makes), with the
history the worklist would have written, in bulk (``worklist.add_closed_items``).

The shape, stated as assumptions: most work comes Monday and least on Friday, hardly any at
the weekend; volumes dip in the summer (July at about half) and peak in the autumn; from March
to May the team falls behind (turnaround grows, more items are done late) until the backlog
is cleared in June; a few items are cancelled as duplicates and some have their due time
moved. Everything is closed before the demo's moment: today's backlog is the demo's own items.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kulisser.stats import demo_handovers
from kulisser.stats.aggregate import TZ, local_day
from kulisser.worklist import service as worklist

DAYS = 365
# Items a weekday on average, per kind, for a medical clinic of the demo's size.
PER_DAY: dict[str, float] = {
    "callback": 12, "result-review": 9, "coding": 8, "letter": 6, "task": 4,
    "referral-assessment": 4, "booking-rebook": 3, "waitlist": 2, "record-request": 1.2,
    "referral-chase": 1, "result-unmatched": 0.5,
}
WEEKDAY = (1.25, 1.1, 1.0, 0.95, 0.8, 0.04, 0.02)  # Monday .. Sunday
SEASON = (1.0, 1.05, 1.05, 1.0, 0.95, 0.85, 0.55, 0.75, 1.1, 1.2, 1.15, 0.9)  # January ..
PRIORITIES = (("acute", 2), ("high", 20), ("normal", 70), ("low", 8))
OPEN_FROM, OPEN_UNTIL = 8, 17  # the hours in which work comes in and gets done
# Every history item says where it comes from (and tests tell it from the rest of the demo).
NOTE = "Ur demons historik: ett avslutat ärende från det senaste året."


def backlog_factor(day: date) -> float:
    """How much slower the team is than usual on a day: growing from March to the end of May."""
    if day.month in (3, 4, 5):
        return 1 + 1.4 * ((day - date(day.year, 3, 1)).days / 92)
    return 1.0


def _working_moment(moment: datetime, rng: random.Random) -> datetime:
    """The moment itself in working hours on a weekday, else a time early the next working day."""
    local = moment.astimezone(TZ)
    if local.weekday() < 5 and OPEN_FROM <= local.hour < OPEN_UNTIL:
        return moment
    day = local.date() + timedelta(days=0 if local.hour < OPEN_FROM else 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start = datetime.combine(day, time(OPEN_FROM), tzinfo=TZ)
    return start + timedelta(minutes=rng.randint(0, 150))


def _count(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count (Knuth; the means here are small)."""
    limit, n, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return n
        n += 1


def items(*, now: datetime, unit_id: int, due_hours: dict[tuple[str, str], int],
          user_ids: list[int], secretary_ids: list[int], patient_ids: list[int],
          rng: random.Random) -> list[worklist.ClosedItem]:
    """The year's closed items (nothing written)."""
    out: list[worklist.ClosedItem] = []
    today = local_day(now)
    latest = now - timedelta(minutes=10)
    for back in range(DAYS, 0, -1):
        day = today - timedelta(days=back)
        scale = WEEKDAY[day.weekday()] * SEASON[day.month - 1]
        slow = backlog_factor(day)
        for kind, mean in PER_DAY.items():
            for _n in range(_count(rng, mean * scale)):
                created = datetime.combine(day, time(OPEN_FROM), tzinfo=TZ) + timedelta(
                    minutes=rng.randint(0, (OPEN_UNTIL - OPEN_FROM) * 60 - 1))
                if created >= latest:
                    continue
                priority = rng.choices([p for p, _w in PRIORITIES],
                                       weights=[w for _p, w in PRIORITIES])[0]
                hours = due_hours[(kind, priority)]
                due = created + timedelta(hours=hours)
                # Most work is done in about a third of its allowed time; slower in a spring backlog.
                took = timedelta(hours=hours * slow * rng.lognormvariate(math.log(0.35), 0.7))
                closed = _working_moment(created + took, rng)
                if closed >= latest:
                    closed = created + (latest - created) * rng.random()
                owner = rng.choice(secretary_ids)
                changes: tuple[worklist.DueChange, ...] = ()
                if rng.random() < 0.06:
                    # The patient asked for a later time: two more days, moved before closing.
                    at = created + (closed - created) * rng.random()
                    changes = (worklist.DueChange(at=at, due_before=due,
                                                  reason="Patienten bad om senare tid"),)
                    due += timedelta(hours=48)
                out.append(worklist.ClosedItem(
                    kind=kind, title=_title(kind), priority=priority, created_at=created,
                    due_at=due, closed_at=max(closed, created + timedelta(minutes=1)),
                    created_by_id=rng.choice(user_ids), owner_id=owner,
                    claimed_at=created + (closed - created) * rng.random() * 0.3,
                    patient_id=rng.choice(patient_ids) if kind != "task" else None,
                    cancelled=rng.random() < 0.03, due_changes=changes, description=NOTE))
    return out


def _title(kind: str) -> str:
    try:
        return worklist.get_kind(kind).label
    except KeyError:
        return kind


def seed(session: Session, *, now: datetime, unit_id: int, users: list[Any],
         patients: list[Any]) -> int:
    """Write the unit's year of closed work items; return how many."""
    rng = random.Random(152026)  # its own stream: the other seeders' draws stay as they were
    due_hours = {(kind, priority): worklist.deadline_hours(session, unit_id=unit_id, kind=kind,
                                                           priority=priority)
                 for kind in PER_DAY for priority, _w in PRIORITIES}
    secretaries = [u.id for u in users if getattr(u, "role", None) == "secretary"]
    made = items(now=now, unit_id=unit_id, due_hours=due_hours, user_ids=[u.id for u in users],
                 secretary_ids=secretaries or [u.id for u in users],
                 patient_ids=[p.id for p in patients], rng=rng)
    # Some were handed over on the way (a stream of its own: the draws above stay as they were).
    made = demo_handovers.add_to_history(made, secretary_ids=secretaries,
                                         rng=random.Random(152028))
    return worklist.add_closed_items(session, unit_id=unit_id, items=made)
