"""The systems of a unit's catalogue: the default ones (`service.ensure_systems`) and the
unit's own; managers add, rename, deactivate and reorder them. Part of the catalogue
(`catalogue.py` holds the role profiles and their analyses)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kulisser.access_rights import service as access
from kulisser.access_rights.catalogue import own_unit
from kulisser.access_rights.catalogue_history import CatalogueEvent, record
from kulisser.access_rights.models import AccessSystem
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import N_, _
from kulisser.staff.service import Actor

NO_SYSTEM = N_("Systemet finns inte i enhetens katalog.")


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def systems(session: Session, *, actor: Actor, unit_id: int) -> list[AccessSystem]:
    """The unit's systems in order (a unit without any gets the default catalogue first)."""
    access.require_member(actor, unit_id)
    return access.ensure_systems(session, unit_id=unit_id)


def get_system(session: Session, *, actor: Actor, system_id: int,
               action: str = "read") -> AccessSystem:
    """One system of the catalogue; another unit's is not found (logged)."""
    system = session.get(AccessSystem, system_id)
    if system is None:
        raise NotFound(NO_SYSTEM)
    own_unit(actor, unit_id=system.unit_id, object_type="access_system", object_id=system.id,
              hidden=NO_SYSTEM, action=action)
    return system


def _system_values(session: Session, *, unit_id: int, name: str, carried_by: str,
                   task_label: str, system_id: int | None) -> dict[str, str]:
    values = {"name": _clean(name), "carried_by": _clean(carried_by),
              "task_label": _clean(task_label)}
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = _("Ange systemets namn.")
    elif len(values["name"]) > 120:
        errors["name"] = _("Namnet är för långt (högst 120 tecken).")
    elif any(s.name.casefold() == values["name"].casefold() and s.id != system_id
             for s in access.ensure_systems(session, unit_id=unit_id)):
        errors["name"] = _("Enheten har redan ett system med det namnet.")
    if len(values["carried_by"]) > 120:
        errors["carried_by"] = _("Texten är för lång (högst 120 tecken).")
    if len(values["task_label"]) > 200:
        errors["task_label"] = _("Uppgiftens rubrik är för lång (högst 200 tecken).")
    if errors:
        raise ValidationFailed(errors)
    return values


def add_system(session: Session, *, actor: Actor, unit_id: int, name: str,
               carried_by: str = "", task_label: str = "") -> AccessSystem:
    """Add a system last in the unit's catalogue (managers)."""
    access.require_manager(actor, unit_id)
    existing = access.ensure_systems(session, unit_id=unit_id)
    values = _system_values(session, unit_id=unit_id, name=name, carried_by=carried_by,
                            task_label=task_label, system_id=None)
    system = AccessSystem(unit_id=unit_id, position=max((s.position for s in existing), default=-1) + 1,
                          active=True, code="", **values)
    session.add(system)
    session.flush()
    record(session, unit_id=unit_id, system_id=system.id, actor_id=actor.user_id,
           type_=CatalogueEvent.SYSTEM_ADDED, name=system.name)
    return system


def update_system(session: Session, *, actor: Actor, system_id: int, name: str,
                  carried_by: str = "", task_label: str = "") -> AccessSystem:
    """Rename a system, or change who carries out its tasks and the task's title (managers)."""
    system = get_system(session, actor=actor, system_id=system_id, action="update")
    access.require_manager(actor, system.unit_id)
    values = _system_values(session, unit_id=system.unit_id, name=name, carried_by=carried_by,
                            task_label=task_label, system_id=system.id)
    if values["name"] != system.name:
        record(session, unit_id=system.unit_id, system_id=system.id, actor_id=actor.user_id,
               type_=CatalogueEvent.SYSTEM_RENAMED, before=system.name, after=values["name"])
    if (values["carried_by"], values["task_label"]) != (system.carried_by, system.task_label):
        record(session, unit_id=system.unit_id, system_id=system.id, actor_id=actor.user_id,
               type_=CatalogueEvent.SYSTEM_CHANGED, name=values["name"])
    for key, value in values.items():
        setattr(system, key, value)
    session.flush()
    return system


def set_system_active(session: Session, *, actor: Actor, system_id: int,
                      active: bool) -> AccessSystem:
    """Deactivate a system (no new profile takes it; what people have stays) or take it back."""
    system = get_system(session, actor=actor, system_id=system_id, action="update")
    access.require_manager(actor, system.unit_id)
    if system.active != active:
        record(session, unit_id=system.unit_id, system_id=system.id, actor_id=actor.user_id,
               type_=CatalogueEvent.SYSTEM_ACTIVATED if active
               else CatalogueEvent.SYSTEM_DEACTIVATED, name=system.name)
    system.active = active
    session.flush()
    return system


def reorder_systems(session: Session, *, actor: Actor, unit_id: int,
                    system_ids: list[int]) -> list[AccessSystem]:
    """Put the unit's systems in the given order; every system of the unit, each once."""
    access.require_manager(actor, unit_id)
    found = {s.id: s for s in access.ensure_systems(session, unit_id=unit_id)}
    if sorted(system_ids) != sorted(found):
        raise ValidationFailed({"system_ids": _("Ange varje system i enhetens katalog en gång.")})
    for position, system_id in enumerate(system_ids):
        found[system_id].position = position
    session.flush()
    return [found[i] for i in system_ids]


def move_system(session: Session, *, actor: Actor, system_id: int, up: bool) -> AccessSystem:
    """Move a system one place up or down in its unit's catalogue."""
    system = get_system(session, actor=actor, system_id=system_id, action="update")
    order = [s.id for s in access.ensure_systems(session, unit_id=system.unit_id)]
    at = order.index(system.id)
    other = at - 1 if up else at + 1
    if 0 <= other < len(order):
        order[at], order[other] = order[other], order[at]
    reorder_systems(session, actor=actor, unit_id=system.unit_id, system_ids=order)
    return system
