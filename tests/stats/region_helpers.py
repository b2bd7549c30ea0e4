"""Hand-made ``stats_work_day`` rows of three units, and their figures worked out by hand.

The period is May 2040 up to the 20th (month), compared with 1-20 April 2040: far from today,
so that no other test's rows fall in it and the region's total is these three units' sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from kulisser.db import Database
from kulisser.staff.models import Role
from kulisser.stats.models import WorkDay
from kulisser.stats.rollup import roll_up
from tests import factories

UNTIL = date(2040, 5, 20)
QUERY = {"period": "manad", "till": UNTIL.isoformat()}


@dataclass
class Units:
    """The three units (named so that A < B < C) and a region administrator."""

    a: int
    b: int
    c: int
    names: dict[int, str]
    region_admin_id: int
    home_unit_id: int


def _at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 8, 0, tzinfo=UTC)


def seed(database: Database) -> Units:
    """Three units' rows; see EXPECTED for what they add up to."""
    tag = factories.unique("")
    with database.session() as s:
        a, b, c = (factories.make_unit(s, name=f"{letter} region {tag}") for letter in "ABC")
        home = factories.make_unit(s, name=f"Regionkansliet {tag}")
        admin = factories.make_user(s, home, Role.REGION_ADMIN)

        def row(unit: int, day: date, kind: str = "task", **values: object) -> None:
            s.add(WorkDay(unit_id=unit, day=day, kind=kind, **{
                "incoming": 0, "done": 0, "cancelled": 0, "turnaround_hours_sum": 0.0,
                "turnaround_count": 0, "turnaround_hist": {}, "open_total": 0, "open_0_2": 0,
                "open_3_14": 0, "open_over_14": 0, "overdue": 0, **values}))

        # A: two kinds; a backlog on the 19th that is not the period's end; a day between the
        # periods (25 April) that belongs to neither.
        row(a.id, date(2040, 5, 2), incoming=10, done=4, turnaround_count=4,
            turnaround_hours_sum=70.0, turnaround_hist={"5": 2, "30": 2})
        row(a.id, date(2040, 5, 19), open_total=50, open_over_14=50, overdue=50,
            oldest_created_at=_at(2039, 1, 1))
        row(a.id, date(2040, 5, 20), incoming=2, done=1, turnaround_count=1,
            turnaround_hours_sum=48.0, turnaround_hist={"48": 1}, open_total=7, open_0_2=2,
            open_3_14=3, open_over_14=2, overdue=3, oldest_created_at=_at(2040, 4, 1))
        row(a.id, date(2040, 5, 20), kind="letter", incoming=1, open_total=1, open_0_2=1,
            oldest_created_at=_at(2040, 5, 19))
        row(a.id, date(2040, 4, 10), incoming=6, done=5)
        row(a.id, date(2040, 4, 25), incoming=100, done=100)
        # B
        row(b.id, date(2040, 5, 5), incoming=20, done=15, turnaround_count=15,
            turnaround_hours_sum=600.0, turnaround_hist={"24": 10, "72": 5})
        row(b.id, date(2040, 5, 20), open_total=2, open_3_14=2, oldest_created_at=_at(2040, 5, 10))
        row(b.id, date(2040, 4, 5), incoming=20, done=10)
        # C: nothing done, nothing the period before.
        row(c.id, date(2040, 5, 3), incoming=5)
        row(c.id, date(2040, 5, 20), open_total=30, open_0_2=5, open_3_14=5, open_over_14=20,
            overdue=25, oldest_created_at=_at(2040, 1, 20))
        s.flush()
        # As aggregate.store would: the months of these days rolled up.
        for unit in (a.id, b.id, c.id):
            roll_up(s, unit_id=unit, first=date(2040, 4, 1), last=date(2040, 5, 31))
        return Units(a=a.id, b=b.id, c=c.id, names={a.id: a.name, b.id: b.name, c.id: c.name},
                     region_admin_id=admin.id, home_unit_id=home.id)


# Per unit letter: the figures by hand (oldest in days at 20 May; change in percent).
EXPECTED = {
    "a": {"incoming": 13, "done": 5, "previous_incoming": 6, "change": 116.7, "open": 8,
          "open_0_2": 3, "open_3_14": 3, "open_over_14": 2, "overdue": 3, "median": 30,
          "p90": 48, "oldest": 49},
    "b": {"incoming": 20, "done": 15, "previous_incoming": 20, "change": 0.0, "open": 2,
          "open_0_2": 0, "open_3_14": 2, "open_over_14": 0, "overdue": 0, "median": 24,
          "p90": 72, "oldest": 10},
    "c": {"incoming": 5, "done": 0, "previous_incoming": 0, "change": None, "open": 30,
          "open_0_2": 5, "open_3_14": 5, "open_over_14": 20, "overdue": 25, "median": None,
          "p90": None, "oldest": 121},
}
# Ascending order per sort column (a unit without a value last, in both directions).
ASCENDING = {
    "enhet": "abc", "inkommande": "cab", "klara": "cab", "forandring": "bac", "oppna": "bac",
    "oppna_0_2": "bac", "oppna_3_14": "bac", "oppna_over_14": "bac", "forsenade": "bac",
    "median": "bac", "p90": "abc", "aldsta": "bac",
}
DESCENDING = {
    "enhet": "cba", "inkommande": "bac", "klara": "bac", "forandring": "abc", "oppna": "cab",
    "oppna_0_2": "cab", "oppna_3_14": "cab", "oppna_over_14": "cab", "forsenade": "cab",
    "median": "abc", "p90": "bac", "aldsta": "cab",
}
