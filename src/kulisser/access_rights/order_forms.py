"""What the order pages and the API show and take: the choices of the new order form (people of
the register, profiles with whether they may be ordered, the catalogue), the form read into a
`create_order` call, and one order's lines with their open items and names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulisser.access_rights import order_items, orders
from kulisser.access_rights.models import AccessOrder, AccessSystem
from kulisser.access_rights.order_lines import (
    LineRequest,
    current_analysis,
    orderable_profiles,
    unit_systems,
)
from kulisser.access_rights.states import (
    LINE_ACTION_LABELS,
    LINE_STATUS_LABELS,
    ORDER_KIND_LABELS,
    ORDER_STATUS_LABELS,
    LineAction,
    LineStatus,
    OrderKind,
    OrderStatus,
)
from kulisser.bounds import parse_id
from kulisser.i18n import N_, _
from kulisser.staff import service as staff
from kulisser.staff.service import Actor, local_today

FORM_FIELDS = ("person_id", "kind", "mode", "profile_id", "effective_on", "note")


def kind_choices() -> list[tuple[str, str]]:
    """(value, Swedish label) of the order kinds."""
    return [(k.value, _(label)) for k, label in ORDER_KIND_LABELS.items()]


def status_choices() -> list[tuple[str, str]]:
    """(value, Swedish label) of the list's status filter, "open" first."""
    return [("open", _("Öppna"))] + [(s.value, _(label)) for s, label in ORDER_STATUS_LABELS.items()]


def action_choices() -> list[tuple[str, str]]:
    """(value, Swedish label) of what to do in a system."""
    return [(a.value, _(label)) for a, label in LINE_ACTION_LABELS.items()]


def person_choices(session: Session, *, unit_id: int) -> list[tuple[int, str]]:
    """People of the register who work (or worked) at the unit, or have no assignment yet."""
    people = session.scalars(select(staff.StaffPerson).options(
        selectinload(staff.StaffPerson.assignments)).order_by(staff.StaffPerson.full_name))
    return [(p.id, f"{p.full_name} ({p.hsa_id})") for p in people
            if not p.assignments or any(a.unit_id == unit_id for a in p.assignments)]


@dataclass(frozen=True)
class ProfileChoice:
    """A role profile in the form, and whether it may be ordered today."""

    id: int
    name: str
    orderable: bool
    systems: str


def profile_choices(session: Session, *, unit_id: int, now: datetime | None = None
                    ) -> list[ProfileChoice]:
    """The unit's active profiles; one without a current analysis is shown but not orderable."""
    today = local_today(now)
    systems = unit_systems(session, unit_id=unit_id)
    return [ProfileChoice(
        id=p.id, name=p.name,
        orderable=current_analysis(session, profile_id=p.id, on=today) is not None,
        systems=", ".join(systems[x.system_id].name for x in p.systems if x.system_id in systems))
        for p in orderable_profiles(session, unit_id=unit_id)]


def system_choices(session: Session, *, unit_id: int) -> list[AccessSystem]:
    """The unit's active systems, in catalogue order."""
    return list(unit_systems(session, unit_id=unit_id).values())


def requested_lines(form: Mapping[str, str], systems: list[AccessSystem]) -> list[LineRequest]:
    """The systems picked in the form: `action_<id>` set, with `access_profile_<id>`."""
    return [LineRequest(s.id, form.get(f"action_{s.id}", ""),
                        form.get(f"access_profile_{s.id}", ""))
            for s in systems if form.get(f"action_{s.id}", "")]


def create_from_form(session: Session, *, actor: Actor, form: Mapping[str, str]) -> AccessOrder:
    """Create the order the form describes, in the actor's current unit."""
    by_profile = form.get("mode", "profile") == "profile"
    # A profile order without a valid profile id asks for profile 0: "choose a profile".
    profile_id = (parse_id(form.get("profile_id")) or 0) if by_profile else None
    lines = [] if by_profile else requested_lines(
        form, system_choices(session, unit_id=actor.unit_id))
    return orders.create_order(session, actor=actor, unit_id=actor.unit_id,
                               person_id=parse_id(form.get("person_id")),
                               kind=form.get("kind", ""), effective_on=form.get("effective_on"),
                               profile_id=profile_id, lines=lines, note=form.get("note", ""))


@dataclass(frozen=True)
class LineView:
    """One line of an order as the page and the API show it."""

    id: int
    system: str
    carried_by: str
    action: str
    action_label: str
    access_profile: str
    title: str
    status: str
    status_label: str
    item_id: int | None
    done_by: str
    done_at: datetime | None
    done_note: str


@dataclass(frozen=True)
class OrderView:
    """An order with its names and labels resolved."""

    order: AccessOrder
    person: str
    kind_label: str
    status_label: str
    ordered_by: str
    decided_by: str
    lines: list[LineView]
    done_lines: int
    overdue: bool


def views(session: Session, found: list[AccessOrder], *, with_items: bool = False,
          today: date | None = None) -> list[OrderView]:
    """The orders with people's and users' names, labels and (optionally) each line's open item."""
    today = today or local_today()
    people = orders.person_names(session, {o.person_id for o in found})
    users = staff.user_names(session, {u for o in found for u in (
        o.ordered_by, o.decided_by, *(x.done_by for x in o.lines)) if u})
    items = order_items.open_item_ids(session, line_ids=[x.id for o in found for x in o.lines]) \
        if with_items else {}
    out = []
    for o in found:
        lines = [LineView(
            id=x.id, system=x.system.name, carried_by=x.system.carried_by, action=x.action,
            action_label=_(LINE_ACTION_LABELS[LineAction(x.action)]),
            access_profile=x.access_profile, title=x.title, status=x.status,
            status_label=_(LINE_STATUS_LABELS[LineStatus(x.status)]), item_id=items.get(x.id),
            done_by=users.get(x.done_by or 0, ""), done_at=x.done_at, done_note=x.done_note)
            for x in o.lines]
        out.append(OrderView(
            order=o, person=people.get(o.person_id, ""),
            kind_label=_(ORDER_KIND_LABELS[OrderKind(o.kind)]),
            status_label=_(ORDER_STATUS_LABELS[OrderStatus(o.status)]),
            ordered_by=users.get(o.ordered_by, ""), decided_by=users.get(o.decided_by or 0, ""),
            lines=lines, done_lines=sum(x.status == LineStatus.DONE for x in o.lines),
            overdue=o.status == OrderStatus.APPROVED and o.due_on < today))
    return out


EVENT_LABELS = {"ordered": N_("Beställd"), "approved": N_("Godkänd"), "rejected": N_("Avslagen"),
                "line_done": N_("Rad utförd"), "done": N_("Klar"),
                "cancelled": N_("Återkallad"),
                "assignments_ended": N_("Uppdragen på enheten avslutas")}


def event_label(type_: str) -> str:
    """The Swedish word for a step in an order's history."""
    return _(EVENT_LABELS[type_]) if type_ in EVENT_LABELS else type_
