"""The history of a unit's catalogue (`access_catalogue_event`): every change of a system or a
role profile is recorded with who, when and what it was before, so that the follow-up of
access (PDL 4 kap.) can tell which systems a profile gave on a given day.

The catalogue's services (`catalogue.py`, `catalogue_systems.py`) call `record` in the same
transaction as the change; the profile's page reads `profile_history`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kulisser.access_rights.models import AccessCatalogueEvent, RoleProfileSystem
from kulisser.db import utcnow
from kulisser.history import history_values
from kulisser.i18n import N_, _


class CatalogueEvent:
    """What happened to the catalogue (the event's type)."""

    PROFILE_CREATED = "profile_created"
    PROFILE_RENAMED = "profile_renamed"
    PROFILE_CHANGED = "profile_changed"  # role in Kulisser or description
    PROFILE_DEACTIVATED = "profile_deactivated"
    PROFILE_ACTIVATED = "profile_activated"
    PROFILE_SYSTEMS = "profile_systems"
    ANALYSIS_ADDED = "analysis_added"
    SYSTEM_ADDED = "system_added"
    SYSTEM_RENAMED = "system_renamed"
    SYSTEM_CHANGED = "system_changed"  # who carries it out or the task's title
    SYSTEM_DEACTIVATED = "system_deactivated"
    SYSTEM_ACTIVATED = "system_activated"


LABELS = {
    CatalogueEvent.PROFILE_CREATED: N_("Rollprofilen skapades"),
    CatalogueEvent.PROFILE_RENAMED: N_("Rollprofilen bytte namn"),
    CatalogueEvent.PROFILE_CHANGED: N_("Rollprofilen ändrades"),
    CatalogueEvent.PROFILE_DEACTIVATED: N_("Rollprofilen inaktiverades"),
    CatalogueEvent.PROFILE_ACTIVATED: N_("Rollprofilen aktiverades igen"),
    CatalogueEvent.PROFILE_SYSTEMS: N_("Profilens system ändrades"),
    CatalogueEvent.ANALYSIS_ADDED: N_("Behovs- och riskanalys dokumenterades"),
    CatalogueEvent.SYSTEM_ADDED: N_("Systemet lades till"),
    CatalogueEvent.SYSTEM_RENAMED: N_("Systemet bytte namn"),
    CatalogueEvent.SYSTEM_CHANGED: N_("Systemet ändrades"),
    CatalogueEvent.SYSTEM_DEACTIVATED: N_("Systemet inaktiverades"),
    CatalogueEvent.SYSTEM_ACTIVATED: N_("Systemet aktiverades igen"),
}


def record(session: Session, *, unit_id: int, type_: str, actor_id: int | None,
           profile_id: int | None = None, system_id: int | None = None,
           now: datetime | None = None, **data: Any) -> AccessCatalogueEvent:
    """Add one history row of the catalogue (in the caller's transaction)."""
    event = AccessCatalogueEvent(unit_id=unit_id, profile_id=profile_id, system_id=system_id,
                                 **history_values(type_, actor_id=actor_id, now=now or utcnow(),
                                                  **data))
    session.add(event)
    return event


def systems_snapshot(lines: list[RoleProfileSystem]) -> list[list[Any]]:
    """A profile's systems as [[system id, name, access profile], ...] for a history row."""
    return [[line.system_id, line.system.name if line.system else "", line.access_profile]
            for line in lines]


@dataclass(frozen=True)
class HistoryLine:
    """One row of a profile's history as the page shows it."""

    at: datetime
    actor_id: int | None
    label: str
    details: str


def _details(event: AccessCatalogueEvent) -> str:
    data = event.data or {}
    if "before" in data and "after" in data and not isinstance(data["after"], list):
        return f"{data['before']} → {data['after']}"
    if event.type == CatalogueEvent.PROFILE_SYSTEMS:
        def names(rows: list[list[Any]]) -> str:
            return ", ".join(f"{r[1]} ({r[2]})" if r[2] else str(r[1]) for r in rows) or "–"
        return _("Före: {before}. Efter: {after}.", before=names(data.get("before", [])),
                 after=names(data.get("after", [])))
    if event.type == CatalogueEvent.ANALYSIS_ADDED:
        return _("Daterad {made_on}, följs upp {next_review}.", made_on=data.get("made_on", ""),
                 next_review=data.get("next_review", ""))
    return str(data.get("name", ""))


def profile_history(session: Session, *, profile_id: int,
                    system_ids: list[int]) -> list[HistoryLine]:
    """The profile's own changes and those of its systems, newest first."""
    stmt = select(AccessCatalogueEvent).where(or_(
        AccessCatalogueEvent.profile_id == profile_id,
        (AccessCatalogueEvent.system_id.in_(system_ids))
        & AccessCatalogueEvent.profile_id.is_(None)))
    events = session.scalars(stmt.order_by(AccessCatalogueEvent.id.desc()))
    return [HistoryLine(at=e.at, actor_id=e.actor_id, label=_(LABELS.get(e.type, e.type)),
                        details=_details(e)) for e in events]
