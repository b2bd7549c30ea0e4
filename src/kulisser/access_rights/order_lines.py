"""What an access order asks for, line by line: from a role profile (which must have a current
needs-and-risk analysis), from systems picked in the unit's catalogue, or, for a leaver, from
every system the person has at the unit plus the SITHS card. Reads only; orders.py stores."""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulisser.access_rights.catalogue import current_analysis as current_analysis
from kulisser.access_rights.catalogue import orderable_reason
from kulisser.access_rights.models import AccessSystem, RoleProfile
from kulisser.access_rights.service import current_access, ensure_systems
from kulisser.access_rights.states import LineAction, OrderKind
from kulisser.i18n import _
from kulisser.workdays import is_working_day

SITHS = "siths"
MAX_ACCESS_PROFILE = 200


class LineRequest(NamedTuple):
    """One system asked for in an order."""

    system_id: int
    action: str  # states.LineAction
    access_profile: str = ""
    title: str = ""


def last_working_day(day: date) -> date:
    """The last working day on or before ``day`` (a leaver's Saturday becomes the Friday)."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def title_for(system: AccessSystem, action: str, access_profile: str) -> str:
    """The work item's title: "Lägg upp i HSA", "Behörighet i journalsystemet: profil X" ..."""
    if action == LineAction.REMOVE:
        if system.code == SITHS:
            return _("Spärra SITHS-kort")
        return _("Ta bort behörighet i {system}", system=system.name)
    if action == LineAction.CHANGE:
        base = _("Ändra behörighet i {system}", system=system.name)
    else:
        base = system.task_label or _("Behörighet i {system}", system=system.name)
    if access_profile:
        return _("{task}: profil {profile}", task=base, profile=access_profile)[:200]
    return base[:200]


def unit_systems(session: Session, *, unit_id: int) -> dict[int, AccessSystem]:
    """The unit's active systems by id, in catalogue order."""
    return {s.id: s for s in ensure_systems(session, unit_id=unit_id) if s.active}


def orderable_profiles(session: Session, *, unit_id: int) -> list[RoleProfile]:
    """The unit's active role profiles with their systems, by name."""
    return list(session.scalars(
        select(RoleProfile).where(RoleProfile.unit_id == unit_id, RoleProfile.active.is_(True))
        .options(selectinload(RoleProfile.systems)).order_by(RoleProfile.name)))


def profile_lines(session: Session, *, unit_id: int, profile_id: int | None, kind: str,
                  person_id: int, on: date, errors: dict[str, str]
                  ) -> tuple[list[LineRequest], int | None]:
    """The lines of an order by profile, and the analysis it relies on; errors when the profile
    is not the unit's, is inactive or has no current needs-and-risk analysis."""
    profile = session.get(RoleProfile, profile_id) if profile_id is not None else None
    if profile is None or profile.unit_id != unit_id or not profile.active:
        errors["profile_id"] = _("Välj en rollprofil från enhetens katalog.")
        return [], None
    # The catalogue's one rule for what may be ordered (a current analysis, systems to order).
    reason = orderable_reason(profile, on=on)
    analysis = current_analysis(session, profile_id=profile.id, on=on)
    if reason is not None or analysis is None:
        errors["profile_id"] = reason or _(
            "Rollprofilen ”{name}” saknar behovs- och riskanalys och kan inte beställas.",
            name=profile.name)
        return [], None
    systems = unit_systems(session, unit_id=unit_id)
    has = {a.system_id for a in current_access(session, person_id=person_id, unit_id=unit_id)}
    lines = []
    for item in profile.systems:
        system = systems.get(item.system_id)
        if system is None:  # deactivated in the catalogue since the profile was made
            continue
        action = (LineAction.CHANGE if kind == OrderKind.CHANGE and system.id in has
                  else LineAction.GRANT).value
        lines.append(LineRequest(system.id, action, item.access_profile,
                                 title_for(system, action, item.access_profile)))
    if not lines:
        errors["profile_id"] = _("Profilen har inga aktiva system att beställa.")
    return lines, analysis.id


def system_lines(session: Session, *, unit_id: int, kind: str, requested: list[LineRequest],
                 errors: dict[str, str]) -> list[LineRequest]:
    """The lines of an order by system: each an active system of the unit's catalogue, once,
    with an action (a newcomer's are all grants)."""
    systems = unit_systems(session, unit_id=unit_id)
    lines: list[LineRequest] = []
    seen: set[int] = set()
    for req in requested:
        system = systems.get(req.system_id)
        profile = " ".join(req.access_profile.split())
        if system is None:
            errors["systems"] = _("Välj system från enhetens katalog.")
        elif req.system_id in seen:
            errors["systems"] = _("Varje system kan bara finnas en gång i beställningen.")
        elif req.action not in {a.value for a in LineAction}:
            errors["systems"] = _("Välj lägg upp, ändra eller ta bort för varje system.")
        elif kind == OrderKind.NEW and req.action != LineAction.GRANT:
            errors["systems"] = _("En ny medarbetare kan bara få behörigheter upplagda.")
        elif len(profile) > MAX_ACCESS_PROFILE:
            errors["systems"] = _("Behörighetsprofilen får vara högst 200 tecken.")
        else:
            seen.add(req.system_id)
            lines.append(LineRequest(system.id, req.action, profile,
                                     req.title or title_for(system, req.action, profile)))
    if not lines and "systems" not in errors:
        errors["systems"] = _("Välj minst ett system.")
    return lines


def leaver_lines(session: Session, *, unit_id: int, person_id: int) -> list[LineRequest]:
    """Every system the person has at the unit, to remove, and the SITHS card cancelled when
    the unit's catalogue has it (whether or not it was recorded as the person's)."""
    systems = {s.id: s for s in ensure_systems(session, unit_id=unit_id)}
    lines: list[LineRequest] = []
    seen: set[int] = set()
    for access in current_access(session, person_id=person_id, unit_id=unit_id):
        if access.system_id in seen:
            continue
        seen.add(access.system_id)
        system = systems[access.system_id]
        lines.append(LineRequest(system.id, LineAction.REMOVE.value, access.access_profile,
                                 title_for(system, LineAction.REMOVE, "")))
    card = next((s for s in systems.values() if s.code == SITHS and s.active), None)
    if card is not None and card.id not in seen:
        lines.append(LineRequest(card.id, LineAction.REMOVE.value, "",
                                 title_for(card, LineAction.REMOVE, "")))
    return lines
