"""The demo's year of dictation history, so that the dictation chain's charts have a shape.

Twelve months of dictations for the demo unit, each with its status history backdated and all
of them signed before the demo's moment, so that no open record is left
without its work item (the dictation demo itself adds today's open ones). The shape: fewer
dictations in the summer and over Christmas, and a backlog that builds in the spring (reviews
start later and later from March, and the secretaries catch up in June). Inserted in bulk
through ``dictation.service``, not through the recognizer.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kulisser.dictation import service as dictation
from kulisser.staff.service import Role
from kulisser.stats.aggregate import TZ, local_day

SEED = 1501  # its own random numbers, so that the other demo data stay as they were
PER_WEEKDAY = 7.0  # dictations on an ordinary weekday
Move = tuple[datetime, str, str]  # (when, event type, status entered)


def volume(day: date) -> float:
    """How many dictations a weekday brings, relative to an ordinary one (summer, Christmas)."""
    if day.month == 7:
        return 0.35
    if (day.month == 6 and day.day > 20) or (day.month == 8 and day.day < 15):
        return 0.65
    if (day.month == 12 and day.day > 20) or (day.month == 1 and day.day < 7):
        return 0.6
    return 1.0


def backlog_days(day: date) -> float:
    """The typical wait before the review starts: growing through the spring, cleared in June."""
    if day.month in (3, 4, 5):
        return 1.0 + ((day.month - 3) * 30 + day.day) / 90 * 7.0
    if day.month == 6 and day.day <= 20:
        return 3.0
    return 1.0


def history(rng: random.Random, uploaded: datetime) -> list[Move]:
    """One dictation's way to signed: draft, review (perhaps a question), signature."""
    moves: list[Move] = []
    clock = uploaded
    if rng.random() < 0.9:  # most get the recognizer's draft within minutes
        clock += timedelta(minutes=rng.uniform(2, 25))
        moves.append((clock, "draft_ready", "draft_ready"))
    clock += timedelta(days=rng.expovariate(1 / backlog_days(local_day(uploaded))))
    moves.append((clock, "review_started", "in_review"))
    # No unusable recordings in the history: each would wait for its re-recording (an open
    # redo item, the invariant check says), which belongs to today's dictation demo. The draw
    # stays so that the rest of the year's random numbers are as they were.
    rng.random()
    if rng.random() < 0.12:  # a question to the author, answered within days
        clock += timedelta(minutes=rng.uniform(10, 40))
        moves.append((clock, "returned", "returned"))
        clock += timedelta(days=rng.uniform(0.2, 4))
        moves.append((clock, "answered", "in_review"))
    clock += timedelta(minutes=rng.uniform(15, 90))
    moves.append((clock, "sent_for_signature", "awaiting_signature"))
    clock += timedelta(days=rng.lognormvariate(1.0, 0.9))
    moves.append((clock, "signed", "signed"))
    return moves


def histories(rng: random.Random, *, now: datetime) -> list[tuple[datetime, list[Move]]]:
    """A year of weekdays' dictations up to three days before now, each closed before now."""
    out: list[tuple[datetime, list[Move]]] = []
    today = local_day(now)
    day = today - timedelta(days=365)
    while day < today - timedelta(days=3):
        if day.weekday() < 5:
            for _n in range(round(rng.gauss(PER_WEEKDAY * volume(day), 1.5))):
                uploaded = datetime.combine(day, time(8), tzinfo=TZ) + timedelta(
                    minutes=rng.uniform(0, 8 * 60))
                moves = history(rng, uploaded)
                room = now - timedelta(hours=1) - uploaded
                last = moves[-1][0] - uploaded
                if last > room:  # the recent ones: the same steps, faster, done by now
                    factor = room / last
                    moves = [(uploaded + (at - uploaded) * factor, t, s) for at, t, s in moves]
                out.append((uploaded, moves))
        day += timedelta(days=1)
    return out


def seed(session: Session, *, now: datetime, unit_id: int, users: list[Any],
         patients: list[Any]) -> int:
    """Insert the demo unit's year of closed dictations with their histories; return how many."""
    clinicians = [u for u in users if u.role == Role.CLINICIAN]
    if not clinicians or not patients:
        return 0
    rng = random.Random(SEED)
    made = 0
    planned = histories(rng, now=now)
    for n, author in enumerate(clinicians):
        made += dictation.insert_demo_history(
            session, unit_id=unit_id, author_id=author.id, uploaded_by_id=author.id,
            patient_ids=[p.id for p in patients], histories=planned[n::len(clinicians)])
    return made
