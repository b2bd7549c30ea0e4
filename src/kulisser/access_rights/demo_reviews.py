"""Demo data of the periodic access review: what the demo unit's staff have in its systems, a
review done eight months ago, this time's review overdue and escalated with one person
attested, and logins at chosen times so that one account is listed as unused.

Called by `access_rights/demo.py` after the staff register's demo; running it again changes
nothing (a unit that has a review is left alone).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.access_rights import reviews
from kulisser.access_rights.models import AccessReview, PersonSystemAccess
from kulisser.access_rights.service import ensure_systems
from kulisser.staff import service as staff
from kulisser.workdays import local_today

# The systems each role has, with the access profile it has in the record system.
BY_ROLE: dict[str, tuple[tuple[str, ...], str]] = {
    "secretary": (("hsa", "siths", "kulisser", "record", "speech", "printer"),
                  "Medicinsk sekreterare"),
    "clinician": (("hsa", "siths", "kulisser", "record", "speech"), "Läkare"),
    "manager": (("hsa", "siths", "kulisser", "record", "portal"), "Enhetschef"),
}
# Days since each demo login last logged in; Lena Sund's account is the unused one.
LAST_LOGIN_DAYS = {"sekreterare": 1, "sekreterare2": 2, "sekreterare3": 6, "lakare": 1,
                   "lakare2": 120, "chef": 1}


def _demo_unit(session: Session) -> int:
    from kulisser.demo import UNIT_HSA  # the clinic's own constant; imported late: demo imports us

    unit_id = session.scalar(select(staff.CareUnit.id).where(staff.CareUnit.hsa_id == UNIT_HSA))
    assert unit_id is not None, "the demo unit is seeded first"
    return unit_id


def _grant(session: Session, *, unit_id: int, today: Any) -> None:
    """What each person working at the unit has, from their assignment's first day."""
    codes = {s.code: s.id for s in ensure_systems(session, unit_id=unit_id)}
    having = set(session.scalars(select(PersonSystemAccess.person_id).where(
        PersonSystemAccess.unit_id == unit_id)))
    rows = session.execute(select(staff.StaffAssignment.person_id, staff.StaffAssignment.role,
                                  staff.StaffAssignment.valid_from).where(
        staff.StaffAssignment.unit_id == unit_id, staff.StaffAssignment.valid_from <= today)
        .order_by(staff.StaffAssignment.person_id)).tuples().all()
    for person_id, role, since in rows:
        if person_id in having:
            continue
        having.add(person_id)
        systems, profile = BY_ROLE.get(role, BY_ROLE["secretary"])
        for code in systems:
            if code in codes:
                session.add(PersonSystemAccess(
                    person_id=person_id, unit_id=unit_id, system_id=codes[code], since=since,
                    access_profile=profile if code in ("record", "kulisser") else ""))
    session.flush()


def _logins(session: Session, *, users: Sequence[Any], now: datetime) -> None:
    """Each demo login's last login, recorded as the login form records it."""
    from kulisser.demo import DEMO_PASSWORD

    for user in users:
        days = LAST_LOGIN_DAYS.get(user.username)
        if days is None:
            continue
        try:
            staff.authenticate(session, username=user.username, password=DEMO_PASSWORD,
                               ip="127.0.0.1", max_failures=5, max_failures_per_ip=50,
                               window_minutes=15, now=now - timedelta(days=days, hours=2))
        except staff.StaffError:
            continue  # not a demo password: no login to show


def seed(session: Session, *, now: datetime, unit_id: int | None = None,
         users: Sequence[Any] | None = None, **_unused: Any) -> int:
    """Seed the demo unit's access and reviews once; return how many reviews were made."""
    unit_id = unit_id or _demo_unit(session)
    if session.scalar(select(AccessReview.id).where(AccessReview.unit_id == unit_id).limit(1)):
        return 0
    members = staff.unit_members(session, unit_id=unit_id)
    managers = [u for u in members if u.role == staff.Role.MANAGER.value]
    if not managers:
        return 0
    actor = staff.make_actor(managers[0], unit_id=unit_id)
    _grant(session, unit_id=unit_id, today=local_today(now))
    # The last review: started eight months ago, every line kept three weeks later.
    made = 0
    for review in reviews.start_due_reviews(session, now=now - timedelta(days=265),
                                            unit_ids=[unit_id]):
        for person_id in sorted({x.person_id for x in review.lines}):
            reviews.keep_remaining(session, actor=actor, review_id=review.id,
                                   person_id=person_id, now=now - timedelta(days=244))
        made += 1
    # This time's: started 35 days ago (due five days ago), one person attested, escalated.
    for review in reviews.start_due_reviews(session, now=now - timedelta(days=35),
                                            unit_ids=[unit_id]):
        first = min(x.person_id for x in review.lines)
        reviews.keep_remaining(session, actor=actor, review_id=review.id, person_id=first,
                               now=now - timedelta(days=20))
        made += 1
    reviews.escalate_overdue(session, now=now, unit_ids=[unit_id])
    _logins(session, users=users if users is not None else members, now=now)
    return made
