"""Seed the load test's database: the demo clinic, plus what 64 simulated staff need.

On top of `kulisser.demo.seed` (one clinic, six staff, 200 patients, 500 work items, three
weeks of bookings) it adds, in the demo unit: N secretaries and M clinicians, each with an
API token and a login session; a schedule per added clinician with enough free slots for
the bookings; and enough unassigned tasks in the unit's queue for the claims. It returns
the ids and credentials the simulated staff use; `double_bookings` checks the result.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import time as clock
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser import demo
from kulisser.booking import service as booking
from kulisser.booking.models import Appointment, Slot
from kulisser.booking.states import OCCUPYING, SlotStatus
from kulisser.db import Database, utcnow
from kulisser.migrate import upgrade
from kulisser.packages import setup
from kulisser.patients.models import CareRelation, Patient
from kulisser.staff import service as staff
from kulisser.staff.actor import Actor
from kulisser.staff.models import CareUnit, Role, UnitMembership, User
from kulisser.worklist import service as worklist
from kulisser.worklist.models import WorkItem

setup()  # every installed package's tables, kinds, jobs and event subscribers register

PASSWORD = "load-test-password"  # noqa: S105 - a throwaway database; logins use sessions
SLOTS_PER_DAY = 32  # 08:00-16:00 in 15-minute slots, per clinician
TASKS = ["Skicka journalkopia", "Boka tolk", "Uppdatera kontaktuppgifter", "Skanna inkomna papper",
         "Kalla till provtagning", "Skicka intyg"]


@dataclass
class Person:
    """One simulated member of staff: who, and how she authenticates."""

    user_id: int
    role: str  # "secretary" or "clinician"
    token: str  # API bearer token
    cookie: str  # login session cookie (HTML pages)


@dataclass
class Scenario:
    """What the simulated staff work on (all in the demo unit)."""

    staff: list[Person]
    clinician_ids: list[int]
    patient_ids: list[int]
    searches: list[str]  # family names and full identity numbers of the unit's patients
    queue_item_ids: list[int]  # unassigned open tasks, most urgent first
    slot_ids: list[int]  # free slots, earliest first
    seed_seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


def seed(url: str, *, secretaries: int, clinicians: int, queue_items: int, slots: int,
         rng_seed: int = 20261204) -> Scenario:
    """Migrate, seed the demo and the load scenario; return what the clients need."""
    import time

    t0 = time.perf_counter()
    db = Database(url)
    try:
        upgrade(db.engine)
        rng = random.Random(rng_seed)
        with db.session() as s:
            demo.seed(s)
        with db.session() as s:
            scenario = _add_scenario(s, rng=rng, secretaries=secretaries, clinicians=clinicians,
                                     queue_items=queue_items, slots=slots)
        scenario.seed_seconds = time.perf_counter() - t0
        return scenario
    finally:
        db.engine.dispose()


def _add_scenario(s: Session, *, rng: random.Random, secretaries: int, clinicians: int,
                  queue_items: int, slots: int) -> Scenario:
    unit = s.scalar(select(CareUnit).where(CareUnit.hsa_id == demo.UNIT_HSA))
    assert unit is not None
    # One password hash for all: argon2 per user would cost seconds and prove nothing here.
    template_user = staff.create_user(s, username="belastning-sekr-0", full_name="Sekreterare 0",
                                      role=Role.SECRETARY, password=PASSWORD, unit_ids=[unit.id])
    users = [template_user]
    for n in range(1, secretaries + clinicians):
        role = Role.SECRETARY if n < secretaries else Role.CLINICIAN
        prefix = "sekr" if role == Role.SECRETARY else "lak"
        user = User(username=f"belastning-{prefix}-{n}", full_name=f"Belastning {prefix.title()} {n}",
                    role=role.value, password_hash=template_user.password_hash)
        user.memberships = [UnitMembership(unit_id=unit.id)]
        s.add(user)
        users.append(user)
    s.flush()
    people = []
    for user in users:
        token = staff.create_api_token(s, user=user, unit_id=unit.id, label="belastningstest")
        cookie, _row = staff.start_session(s, user=user)
        people.append(Person(user_id=user.id, role=user.role, token=token, cookie=cookie))
    actor = staff.make_actor(template_user, unit_id=unit.id)
    clinician_users = [u for u in users if u.role == Role.CLINICIAN.value]
    slot_ids = _add_slots(s, actor=actor, clinicians=clinician_users, wanted=slots)
    patient_ids = list(s.scalars(select(CareRelation.patient_id).where(CareRelation.unit_id == unit.id)
                                 .order_by(CareRelation.patient_id)))
    for _ in range(queue_items):
        worklist.create_item(s, actor=actor, kind="task", title=rng.choice(TASKS),
                             priority=rng.choice(["acute", "high", "normal", "normal", "low"]),
                             patient_id=rng.choice(patient_ids))
    s.flush()
    queue = list(s.scalars(select(WorkItem.id).where(
        WorkItem.unit_id == unit.id, WorkItem.owner_id.is_(None), WorkItem.status == "requested",
        WorkItem.kind == "task").order_by(WorkItem.due_at, WorkItem.id)))
    rows = s.execute(select(Patient.family_name, Patient.id_value).where(Patient.id.in_(patient_ids))).all()
    searches = sorted({r.family_name for r in rows}) + [r.id_value for r in rows[:60]]
    return Scenario(staff=people, clinician_ids=[u.id for u in clinician_users], patient_ids=patient_ids,
                    searches=searches, queue_item_ids=queue, slot_ids=slot_ids,
                    counts={"staff": len(people), "patients": len(patient_ids), "queue_items": len(queue),
                            "free_slots": len(slot_ids)})


def _add_slots(s: Session, *, actor: Actor, clinicians: list[User], wanted: int) -> list[int]:
    """A weekday schedule per added clinician, generated far enough ahead for `wanted` slots."""
    if not clinicians or wanted <= 0:
        return []
    visit = booking.create_visit_type(s, actor=actor, code="belastning", name="Belastningsbesök",
                                      minutes=15)
    resource_ids = []
    start = utcnow().date() + timedelta(days=1)
    for user in clinicians:
        resource = booking.create_resource(s, actor=actor, kind="clinician", user_id=user.id)
        booking.add_template(s, actor=actor, resource_id=resource.id, visit_type_id=visit.id,
                             weekdays="12345", start_time=clock(8, 0), end_time=clock(16, 0),
                             valid_from=start)
        resource_ids.append(resource.id)
    weekdays = -(-wanted // (SLOTS_PER_DAY * len(clinicians)))  # ceiling
    days = weekdays * 7 // 5 + 7  # weekends and public holidays give no slots
    booking.generate_slots(s, actor=actor, start=start, end=start + timedelta(days=days), now=utcnow())
    return list(s.scalars(select(Slot.id).where(Slot.resource_id.in_(resource_ids),
                                                Slot.status == SlotStatus.FREE.value)
                          .order_by(Slot.start_at, Slot.id)))


def double_bookings(url: str) -> int:
    """Slots with more than one live (occupying) appointment: must be zero."""
    db = Database(url)
    try:
        with db.session() as s:
            taken = (select(Appointment.slot_id).where(Appointment.status.in_(OCCUPYING))
                     .group_by(Appointment.slot_id).having(func.count() > 1).subquery())
            return int(s.scalar(select(func.count()).select_from(taken)) or 0)
    finally:
        db.engine.dispose()
