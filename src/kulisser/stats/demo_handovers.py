"""The demo's hand-overs, so that the team page's "in" and "out" columns have figures (issue 15
item 3): over the year of history, and this week on the clinic's own open items.

The year: a share of the history's closed items (``demo_history``) was handed over once by a
colleague to its owner, or left in the unit's queue for her to take, written in bulk by the
worklist with the history its own ``hand_over`` and ``claim`` would have written. This week: a
few of the present secretaries' open items handed to a colleague or to the queue through
``worklist.perform``, as the item page does (checked and logged like any hand-over).

Stated as assumptions: about one item in twenty is handed to a colleague and one in seventy put
back in the queue (leave, a colleague who knows the patient, a part-time day); the secretary
marked away this week (``team_demo``) hands nothing over herself. A random stream of its own,
so that the other seeders' draws stay as they were.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.staff import service as staff
from kulisser.stats.aggregate import day_start, local_day
from kulisser.stats.team_demo import AWAY
from kulisser.worklist import service as worklist

TO_COLLEAGUE, TO_QUEUE = 0.05, 0.015  # shares of the year's items
REASONS = ("Ledig i morgon", "Kollegan känner patienten", "Deltid: lämnar till kollega",
           "Behöver hjälp med prioritering")
QUEUE_REASON = "Hinner inte i dag: tillbaka till kön"
THIS_WEEK = (("colleague", 5), ("queue", 2))  # hand-overs made on the clinic's open items


def add_to_history(items: list[worklist.ClosedItem], *, secretary_ids: list[int],
                   rng: random.Random) -> list[worklist.ClosedItem]:
    """The items, some handed over once before their owner completed them (nothing written)."""
    if len(secretary_ids) < 2:
        return items
    out = []
    for item in items:
        roll = rng.random()
        if (roll >= TO_COLLEAGUE + TO_QUEUE or item.cancelled or item.claimed_at is None
                or item.owner_id is None):
            out.append(item)
            continue
        giver = rng.choice([s for s in secretary_ids if s != item.owner_id])
        at = item.claimed_at + (item.closed_at - item.claimed_at) * rng.uniform(0.2, 0.6)
        taken = at + (item.closed_at - at) * rng.uniform(0.05, 0.5)
        to_queue = roll >= TO_COLLEAGUE
        out.append(replace(item, handovers=(worklist.HandOver(
            at=at, from_owner=giver, to_owner=None if to_queue else item.owner_id, taken_at=taken,
            reason=QUEUE_REASON if to_queue else rng.choice(REASONS)),)))
    return out


def this_week(session: Session, *, now: datetime, unit_id: int, users: list[Any]) -> int:
    """Hand a few of the present secretaries' open items over this week; return how many."""
    rng = random.Random(152027)
    present = [u for u in users if getattr(u, "role", None) == "secretary" and u.username != AWAY]
    if len(present) < 2:
        return 0
    monday = local_day(now) - timedelta(days=local_day(now).weekday())
    since = day_start(monday)
    by_id = {u.id: u for u in present}
    candidates = list(session.scalars(
        select(worklist.WorkItem)
        .where(worklist.WorkItem.unit_id == unit_id, worklist.WorkItem.owner_id.in_(list(by_id)),
               worklist.WorkItem.status.in_([worklist.Status.ACCEPTED.value,
                                             worklist.Status.IN_PROGRESS.value]),
               worklist.WorkItem.updated_at <= now)
        .order_by(worklist.WorkItem.id)))
    rng.shuffle(candidates)
    made = 0
    for where, count in THIS_WEEK:
        for _n in range(count):
            if not candidates:
                return made
            item = candidates.pop()
            owner = by_id[item.owner_id]
            start = max(since, item.updated_at)
            at = start + (now - start) * rng.uniform(0.1, 0.9)
            target = None if where == "queue" else rng.choice(
                [u.id for u in present if u.id != owner.id])
            worklist.perform(session, actor=staff.make_actor(owner, unit_id=unit_id),
                             item_id=item.id, operation=worklist.Operation.HANDOVER,
                             to_user_id=target, now=at,
                             reason=QUEUE_REASON if target is None else rng.choice(REASONS))
            made += 1
    return made
