"""The reminder of analyses due: `access-analyses`, one work item per unit for its manager while
an active role profile's needs-and-risk analysis is missing, past its review date or due within
`catalogue.REVIEW_WARNING_DAYS`; completed when none is (a profile without a current analysis
cannot be ordered, so the manager hears of it before the secretaries do).

`sync_items` is run by the hourly job (`review_jobs.py`); it is safe to run any number of times.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulisser.access_rights.catalogue import State, standing
from kulisser.access_rights.models import RoleProfile
from kulisser.db import utcnow
from kulisser.i18n import N_, _, ngettext
from kulisser.staff.service import Role, unit_members
from kulisser.workdays import local_today
from kulisser.worklist import service as worklist
from kulisser.worklist.service import GENERIC_OPERATIONS, KindSpec, Priority, register

REF_ANALYSES = "access_analyses"  # ref_id: the unit's id
worklist.register_record_page(REF_ANALYSES, label=N_("Analyser att följa upp"),
                              path="/behorigheter/profiler/analyser")

ANALYSES = register(KindSpec(
    code="access-analyses", label=N_("Behovs- och riskanalyser att följa upp"),
    label_plural=N_("Behovs- och riskanalyser att följa upp"),
    default_hours={Priority.ACUTE: 24, Priority.HIGH: 72, Priority.NORMAL: 168,
                   Priority.LOW: 720},
    ref_type=REF_ANALYSES, operations=GENERIC_OPERATIONS,
    record_hint=N_("Öppna analyserna att följa upp och dokumentera en ny analys för varje profil.")))


def _manager(session: Session, unit_id: int) -> int | None:
    managers = [u for u in unit_members(session, unit_id=unit_id) if u.role == Role.MANAGER.value]
    return min(managers, key=lambda u: u.full_name).id if managers else None


def due_per_unit(session: Session, *, now: datetime) -> dict[int, int]:
    """{unit id: how many active profiles have an analysis missing, past or due soon}."""
    today = local_today(now)
    due: dict[int, int] = {}
    for profile in session.scalars(select(RoleProfile).where(RoleProfile.active.is_(True))
                                   .options(selectinload(RoleProfile.analyses))):
        if standing(profile, on=today).state != State.CURRENT:
            due[profile.unit_id] = due.get(profile.unit_id, 0) + 1
    return due


def sync_items(session: Session, *, now: datetime | None = None) -> int:
    """Open the unit's reminder where analyses are due and none is open; complete it where none
    are. Returns how many items it opened or completed."""
    now = now or utcnow()
    due = due_per_unit(session, now=now)
    # A unit with a reminder open has profiles (the reminder came from them), so these suffice.
    units = set(session.scalars(select(RoleProfile.unit_id).distinct()))
    open_units = worklist.open_items_for(session, ref_type=REF_ANALYSES, ref_ids=units,
                                         kind=ANALYSES.code)
    changed = 0
    for unit_id in sorted(units):
        if unit_id in due and not open_units.get(unit_id):
            worklist.open_item(
                session, actor=None, unit_id=unit_id, kind=ANALYSES.code, ref_type=REF_ANALYSES,
                ref_id=unit_id, title=_("Behovs- och riskanalyser att följa upp"),
                description=ngettext(
                    "{n} rollprofil behöver en ny behovs- och riskanalys inom 30 dagar.",
                    "{n} rollprofiler behöver en ny behovs- och riskanalys inom 30 dagar.",
                    due[unit_id]),
                owner_id=_manager(session, unit_id), system_reason=_("Analyser att följa upp"),
                now=now)
            changed += 1
        elif unit_id not in due and open_units.get(unit_id):
            worklist.close_items(session, items=open_units[unit_id], actor_id=None, now=now,
                                 reason=_("Alla rollprofiler har en aktuell analys"))
            changed += len(open_units[unit_id])
    return changed
