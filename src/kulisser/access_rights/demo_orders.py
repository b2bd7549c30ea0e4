"""Demo access orders, made through the same service calls a secretary and a manager make.

- The locum's order from her first day, by system, approved and carried out: what she has.
- Her leaver's order (her assignment ends soon): approved, so one item per system waits in the
  unit's queue (one already done) and her assignment ends on the last working day.
- A colleague's change to a role profile ordered by the secretary, awaiting the manager's
  approval (the manager did not order it, so she may approve it: four eyes).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.access_rights import orders
from kulisser.access_rights.models import RiskAnalysis, RoleProfile, RoleProfileSystem
from kulisser.access_rights.order_lines import (
    LineRequest,
    current_analysis,
    orderable_profiles,
    unit_systems,
)
from kulisser.i18n import N_, _
from kulisser.staff import service as staff
from kulisser.staff.service import Actor, Role

DEMO_UNIT_HSA = "SE2321000016-DEMO1"
LOCUM_HSA = "SE2321000016-P100"  # the staff register's demo locum (staff/demo.py)
PROFILE = N_("Medicinsk sekreterare, mottagningen")


def _profile(session: Session, *, unit_id: int, manager: Actor, now: datetime) -> int:
    """An orderable profile of the unit: the catalogue's, or one of our own with its analysis."""
    today = staff.local_today(now)
    for found in orderable_profiles(session, unit_id=unit_id):
        if current_analysis(session, profile_id=found.id, on=today) is not None:
            return found.id
    by_code = {s.code: s for s in unit_systems(session, unit_id=unit_id).values()}
    profile = RoleProfile(unit_id=unit_id, name=_(PROFILE), kulisser_role=Role.SECRETARY.value,
                          description=_("Journalskrivning, diktat och reception."), created_at=now)
    profile.systems = [RoleProfileSystem(system_id=by_code[code].id, access_profile=access)
                       for code, access in (("hsa", ""), ("siths", ""), ("kulisser", "Sekreterare"),
                                            ("record", "Sekreterare"), ("speech", "Utskrift"))
                       if code in by_code]
    session.add(profile)
    session.flush()
    session.add(RiskAnalysis(profile_id=profile.id, made_on=today - timedelta(days=60),
                             author="Eva Nord", next_review=today + timedelta(days=300),
                             text=_("Sekreteraren skriver journal och hanterar diktat för "
                                    "enhetens patienter: läs- och skrivbehörighet i "
                                    "journalsystemet, utskrift i taligenkänningen. Risk: åtkomst "
                                    "utan vårdrelation; loggarna följs upp månadsvis."),
                             created_by=manager.user_id, created_at=now))
    session.flush()
    return profile.id


def seed(session: Session, *, now: datetime, unit_id: int | None = None, **_more: Any) -> int:
    """Seed the demo unit's access orders; return how many (0 without the staff register)."""
    if unit_id is None:
        unit_id = session.scalar(select(staff.CareUnit.id)
                                 .where(staff.CareUnit.hsa_id == DEMO_UNIT_HSA))
    locum = session.scalar(select(staff.StaffPerson).where(staff.StaffPerson.hsa_id == LOCUM_HSA))
    members = staff.unit_members(session, unit_id=unit_id) if unit_id else []
    managers = [u for u in members if u.role == Role.MANAGER]
    secretaries = [u for u in members if u.role == Role.SECRETARY]
    if unit_id is None or locum is None or not managers or not secretaries:
        return 0
    manager = staff.make_actor(managers[0], unit_id=unit_id)
    secretary = staff.make_actor(secretaries[0], unit_id=unit_id)
    today = staff.local_today(now)
    systems = {s.code: s for s in unit_systems(session, unit_id=unit_id).values()}
    stint = next(a for a in locum.assignments if a.unit_id == unit_id)
    started = now - timedelta(days=(today - stint.valid_from).days + 3)
    wanted = [("hsa", ""), ("siths", ""), ("kulisser", "Sekreterare"), ("record", "Sekreterare")]
    first = orders.create_order(
        session, actor=secretary, unit_id=unit_id, person_id=locum.id, kind="new",
        effective_on=stint.valid_from, now=started, note=_("Vikarie under sommaren."),
        lines=[LineRequest(systems[c].id, "grant", access) for c, access in wanted if c in systems])
    orders.approve_order(session, actor=manager, order_id=first.id, now=started + timedelta(hours=2))
    for n, line in enumerate(first.lines):
        orders.complete_line(session, actor=secretary, order_id=first.id, line_id=line.id,
                             note=_("Upplagt enligt beställningen."),
                             now=started + timedelta(days=1, minutes=10 * n))
    assert stint.valid_to is not None
    leaving = orders.create_order(
        session, actor=secretary, unit_id=unit_id, person_id=locum.id, kind="leaver",
        effective_on=stint.valid_to, now=now - timedelta(days=2),
        note=_("Vikariatet slutar; kortet lämnas till receptionen."))
    orders.approve_order(session, actor=manager, order_id=leaving.id,
                         now=now - timedelta(days=1))
    orders.complete_line(session, actor=secretary, order_id=leaving.id,
                         line_id=leaving.lines[0].id, note=_("Utfört, kvitterat av IT."),
                         now=now - timedelta(hours=3))
    # A colleague moving to the profile with speech recognition: ordered, awaiting approval.
    colleague = session.scalar(select(staff.StaffPerson).where(
        staff.StaffPerson.user_id == secretaries[-1].id))
    if colleague is None:
        return 2
    orders.create_order(
        session, actor=secretary, unit_id=unit_id, person_id=colleague.id, kind="change",
        effective_on=today + timedelta(days=14), now=now - timedelta(hours=5),
        profile_id=_profile(session, unit_id=unit_id, manager=manager, now=now),
        note=_("Tar över diktatkön efter sommaren."))
    return 3
