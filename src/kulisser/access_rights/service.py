"""Access rights' public face: who may do what, the unit's systems, what a person has.

Other packages (and the access-rights modules) use these; the catalogue (`catalogue.py`),
orders (`orders.py`), introductions (`introduction.py`) and reviews (`reviews.py`) build on
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from kulisser.access_rights.models import (
    AccessOrder,
    AccessOrderLine,
    AccessReview,
    AccessSystem,
    Introduction,
    PersonSystemAccess,
    RiskAnalysis,
    RoleProfile,
)
from kulisser.access_rights.states import (
    ORDER_KIND_LABELS,
    ORDER_STATUS_LABELS,
    LineStatus,
    OrderKind,
    OrderStatus,
    ReviewStatus,
)
from kulisser.errors import Forbidden
from kulisser.i18n import N_, _
from kulisser.staff.service import Actor, Role

MANAGERS_ONLY = N_("Endast enhetschef eller administratör får göra detta.")
MEMBERS_ONLY = N_("Du arbetar inte på den vårdenheten.")

# The systems a unit's catalogue starts with: (code, name, carried by, the grant task's title).
DEFAULT_SYSTEMS: tuple[tuple[str, str, str, str], ...] = (
    ("hsa", N_("HSA-katalogen"), N_("HSA-administratör"), N_("Lägg upp i HSA")),
    ("siths", N_("SITHS-kort"), N_("Korthandläggare"), N_("Beställ SITHS-kort")),
    ("kulisser", N_("Kulisser"), N_("Enhetschef"), N_("Lägg upp medarbetaruppdrag i Kulisser")),
    ("record", N_("Journalsystemet"), N_("Behörighetsadministratör"),
     N_("Behörighet i journalsystemet")),
    ("speech", N_("Taligenkänning"), N_("IT-avdelningen"), N_("Behörighet i taligenkänningen")),
    ("phone", N_("Telefoni"), N_("Telefonist/IT"), N_("Koppla anknytning och mobil")),
    ("printer", N_("Utskrifter"), N_("IT-avdelningen"), N_("Lägg upp utskriftskonto")),
    ("portal", N_("Regionens portal"), N_("IT-avdelningen"), N_("Behörighet i regionens portal")),
)


def is_manager_of(actor: Actor, unit_id: int) -> bool:
    """Administrators manage every unit; a manager her own units."""
    return actor.role == Role.ADMIN or (actor.role == Role.MANAGER and unit_id in actor.unit_ids)


def can_order(actor: Actor, unit_id: int) -> bool:
    """Whether the actor orders access and starts introductions at the unit (secretaries,
    managers, administrators)."""
    return is_manager_of(actor, unit_id) or (actor.role == Role.SECRETARY
                                             and unit_id in actor.unit_ids)


def require_manager(actor: Actor, unit_id: int) -> None:
    """Forbidden unless the actor manages the unit."""
    if not is_manager_of(actor, unit_id):
        raise Forbidden(MANAGERS_ONLY)


def require_member(actor: Actor, unit_id: int) -> None:
    """Forbidden unless the actor works at the unit (or is an administrator)."""
    if actor.role != Role.ADMIN and unit_id not in actor.unit_ids:
        raise Forbidden(MEMBERS_ONLY)


def ensure_systems(session: Session, *, unit_id: int) -> list[AccessSystem]:
    """The unit's systems; a unit without any gets the default catalogue first."""
    systems = list(session.scalars(select(AccessSystem).where(AccessSystem.unit_id == unit_id)
                                   .order_by(AccessSystem.position, AccessSystem.id)))
    if systems:
        return systems
    for position, (code, name, carried_by, task) in enumerate(DEFAULT_SYSTEMS):
        session.add(AccessSystem(unit_id=unit_id, code=code, name=name, carried_by=carried_by,
                                 task_label=task, position=position))
    session.flush()
    return ensure_systems(session, unit_id=unit_id)


def current_access(session: Session, *, person_id: int, unit_id: int | None = None,
                   on: date | None = None) -> list[PersonSystemAccess]:
    """What a person has now (not ended by `on`), in one unit or every unit."""
    stmt = select(PersonSystemAccess).where(PersonSystemAccess.person_id == person_id)
    if unit_id is not None:
        stmt = stmt.where(PersonSystemAccess.unit_id == unit_id)
    if on is None:
        stmt = stmt.where(PersonSystemAccess.ended_on.is_(None))
    else:
        stmt = stmt.where((PersonSystemAccess.ended_on.is_(None))
                          | (PersonSystemAccess.ended_on > on))
    return list(session.scalars(stmt.order_by(PersonSystemAccess.system_id)))


@dataclass(frozen=True)
class Overview:
    """The unit's access work at a glance (the landing page's figures)."""

    awaiting_approval: int
    lines_to_do: int
    introductions_running: int
    reviews_open: int
    reviews_overdue: int
    profiles_without_analysis: int


def overview(session: Session, *, actor: Actor, today: date) -> Overview:
    """Counts of the actor's unit's orders, introductions, reviews and profiles."""
    unit = actor.unit_id
    require_member(actor, unit)

    def count(stmt: Select[Any]) -> int:
        return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)

    current = select(RiskAnalysis.profile_id).where(
        RiskAnalysis.made_on <= today, RiskAnalysis.next_review >= today)
    return Overview(
        awaiting_approval=count(select(AccessOrder.id).where(
            AccessOrder.unit_id == unit,
            AccessOrder.status == OrderStatus.AWAITING_APPROVAL.value)),
        lines_to_do=count(select(AccessOrderLine.id).join(AccessOrder).where(
            AccessOrder.unit_id == unit, AccessOrderLine.status == LineStatus.OPEN.value)),
        introductions_running=count(select(Introduction.id).where(
            Introduction.unit_id == unit, Introduction.done_at.is_(None))),
        reviews_open=count(select(AccessReview.id).where(
            AccessReview.unit_id == unit, AccessReview.status == ReviewStatus.OPEN.value)),
        reviews_overdue=count(select(AccessReview.id).where(
            AccessReview.unit_id == unit, AccessReview.status == ReviewStatus.OPEN.value,
            AccessReview.due_on < today)),
        profiles_without_analysis=count(select(RoleProfile.id).where(
            RoleProfile.unit_id == unit, RoleProfile.active.is_(True),
            RoleProfile.id.not_in(current))),
    )


@dataclass(frozen=True)
class PersonLink:
    """One order, introduction or system access of a person, as the staff register shows it."""

    url: str
    title: str
    status: str
    day: date | None


@dataclass(frozen=True)
class PersonWork:
    """A person's access work at the actor's units: orders, introductions, current access."""

    orders: list[PersonLink]
    introductions: list[PersonLink]
    access: list[PersonLink]
    can_order: bool


def person_work(session: Session, *, actor: Actor, person_id: int) -> PersonWork:
    """The person's orders, introductions and current access per system, at the units the
    actor works at (every unit for an administrator); nothing of another unit."""
    def scoped(stmt: Select[Any], column: Any) -> Select[Any]:
        return stmt if actor.role == Role.ADMIN else stmt.where(column.in_(actor.unit_ids))

    orders = session.scalars(scoped(select(AccessOrder).where(
        AccessOrder.person_id == person_id), AccessOrder.unit_id)
        .order_by(AccessOrder.ordered_at.desc(), AccessOrder.id.desc()))
    intros = session.scalars(scoped(select(Introduction).where(
        Introduction.person_id == person_id), Introduction.unit_id)
        .order_by(Introduction.start_on.desc(), Introduction.id.desc()))
    held = session.scalars(scoped(select(PersonSystemAccess).where(
        PersonSystemAccess.person_id == person_id, PersonSystemAccess.ended_on.is_(None)),
        PersonSystemAccess.unit_id).order_by(PersonSystemAccess.unit_id,
                                             PersonSystemAccess.system_id))
    profiles = dict(session.execute(select(RoleProfile.id, RoleProfile.name)).tuples().all())
    return PersonWork(
        orders=[PersonLink(f"/behorigheter/bestallningar/{o.id}",
                           _(ORDER_KIND_LABELS[OrderKind(o.kind)]),
                           _(ORDER_STATUS_LABELS[OrderStatus(o.status)]), o.effective_on)
                for o in orders],
        introductions=[PersonLink(
            f"/behorigheter/introduktion/{i.id}", profiles.get(i.profile_id or 0, ""),
            _("Klar") if i.done_at else _("Pågår"), i.start_on) for i in intros],
        access=[PersonLink("/behorigheter/system", a.system.name, a.access_profile, a.since)
                for a in held],
        can_order=can_order(actor, actor.unit_id))
