"""Demo data of the introductions: a newcomer mid-introduction at the demo unit (started three
working days ago, the tasks before and on the first day done, the first week under way), the
unit's profile with the default checklist. Called by access_rights/demo.py after the staff
register (and the catalogue, whose first profile it uses) are seeded."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.access_rights import intro_checklist, introduction
from kulisser.access_rights.models import Introduction, RoleProfile
from kulisser.staff import service as staff
from kulisser.staff.service import Role, StaffPerson
from kulisser.workdays import TZ, is_working_day, local_today

NEWCOMER_HSA = "SE2321000016-P200"
PROFILE_NAME = "Medicinsk sekreterare, mottagningen"


def _working_days_before(day: date, n: int) -> date:
    while n:
        day -= timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), TZ)


def _profile(session: Session, *, manager: staff.Actor) -> RoleProfile:
    profile = session.scalar(select(RoleProfile).where(
        RoleProfile.unit_id == manager.unit_id, RoleProfile.active.is_(True))
        .order_by(RoleProfile.id).limit(1))
    if profile is None:
        profile = RoleProfile(unit_id=manager.unit_id, name=PROFILE_NAME,
                              kulisser_role=Role.SECRETARY.value,
                              description="Sekreterare i mottagningens reception och skrivcentral.")
        session.add(profile)
        session.flush()
    if not intro_checklist.checklist(session, profile_id=profile.id):
        intro_checklist.add_default_checklist(session, actor=manager, profile_id=profile.id)
    return profile


def seed(session: Session, *, now: datetime, unit_id: int | None = None,
         **_ignored: object) -> Introduction | None:
    """Seed the newcomer's introduction at the demo unit (or `unit_id`); None if it has no
    manager or the newcomer is already there."""
    if unit_id is None:
        from kulisser.demo import UNIT_HSA  # imported late: the demo imports every package

        unit_id = session.scalar(select(staff.CareUnit.id).where(staff.CareUnit.hsa_id == UNIT_HSA))
    members = staff.unit_members(session, unit_id=unit_id) if unit_id is not None else []
    managers = [u for u in members if u.role == Role.MANAGER.value]
    secretaries = [u for u in members if u.role == Role.SECRETARY.value]
    if unit_id is None or not managers or not secretaries:
        return None
    if session.scalar(select(StaffPerson.id).where(StaffPerson.hsa_id == NEWCOMER_HSA)):
        return None
    manager = staff.make_actor(managers[0], unit_id=unit_id)
    secretary = staff.make_actor(secretaries[0], unit_id=unit_id)
    mentor = secretaries[1] if len(secretaries) > 1 else secretaries[0]
    today = local_today(now)
    start = _working_days_before(today, 2)  # the third working day of the first week
    person = staff.create_person(session, actor=manager, now=now, values={
        "full_name": "Sara Nyberg", "hsa_id": NEWCOMER_HSA,
        "profession": "Medicinsk sekreterare", "email": "sara.nyberg@kulisser.example",
        "phone": "010-123 45 98"})
    staff.add_assignment(session, actor=manager, person_id=person.id, unit_id=unit_id,
                         purpose=staff.Purpose.ADMINISTRATIVE.value, role=Role.SECRETARY.value,
                         commission_hsa_id="SE2321000016-U200", valid_from=start, now=now)
    profile = _profile(session, manager=manager)
    started = _at(_working_days_before(start, 8), 10)
    intro = introduction.start_introduction(
        session, actor=secretary, person_id=person.id, profile_id=profile.id, start_on=start,
        mentor_id=mentor.id, now=started)
    notes = {"before": "Klart i god tid.", "first_day": "Gjort första dagen."}
    for task in intro.tasks:
        if task.phase in notes:
            done_by = manager if task.owner_id == manager.user_id else secretary
            if task.owner_id == mentor.id:
                done_by = staff.make_actor(mentor, unit_id=unit_id)
            introduction.complete_task(session, actor=done_by, task_id=task.id,
                                       note=notes[task.phase], now=_at(task.due_on, 15))
    return intro
