"""Factories for the access orders' tests: a unit's catalogue, a role profile with (or without)
a current needs-and-risk analysis, a person in the register, what a person has."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kulisser.access_rights import order_items, orders
from kulisser.access_rights.models import (
    AccessSystem,
    PersonSystemAccess,
    RiskAnalysis,
    RoleProfile,
    RoleProfileSystem,
)
from kulisser.access_rights.service import ensure_systems
from kulisser.staff.service import Actor, StaffPerson, local_today
from kulisser.worklist import service as worklist
from kulisser.worklist.service import WorkItem
from tests import factories
from tests.staff.helpers import assignment, person


def systems(s: Session, unit_id: int) -> dict[str, AccessSystem]:
    """The unit's catalogue (the default one), by code."""
    return {x.code: x for x in ensure_systems(s, unit_id=unit_id)}


def profile(s: Session, unit_id: int, *, analysis: bool = True, expired: bool = False,
            codes: tuple[str, ...] = ("hsa", "siths", "record")) -> RoleProfile:
    """A role profile of the unit with the systems of `codes`, "Läkare" in the record system;
    with a current analysis, an expired one, or none."""
    by_code = systems(s, unit_id)
    made = RoleProfile(unit_id=unit_id, name=factories.unique("Profil "), kulisser_role="secretary")
    made.systems = [RoleProfileSystem(system_id=by_code[c].id,
                                      access_profile="Läkare" if c == "record" else "")
                    for c in codes]
    s.add(made)
    s.flush()
    today = local_today()
    if analysis:
        start = today - timedelta(days=400 if expired else 30)
        s.add(RiskAnalysis(profile_id=made.id, made_on=start, author="Eva Nord",
                           text="Behov: journal och HSA.", next_review=start + timedelta(days=365)))
        s.flush()
    return made


def newcomer(s: Session, manager: Actor, *, start: date | None = None) -> StaffPerson:
    """A person in the register with an assignment at the manager's unit."""
    p = person(s, manager)
    assignment(s, manager, p.id, start=start or local_today() + timedelta(days=14))
    s.refresh(p)
    return p


def give(s: Session, person_id: int, system: AccessSystem, access_profile: str = "") -> None:
    """Record by hand that the person has the system (as if granted before Kulisser)."""
    s.add(PersonSystemAccess(person_id=person_id, unit_id=system.unit_id, system_id=system.id,
                             access_profile=access_profile, since=date(2025, 1, 1)))
    s.flush()


@dataclass
class Actors:
    """The world's secretary and manager, and a second manager of the same unit."""

    secretary: Actor
    manager: Actor
    manager2: Actor


def actors(s: Session, world: factories.World) -> Actors:
    """The actors who order and approve at the world's unit."""
    from kulisser.staff.service import Role

    second = factories.make_user(s, world.unit_id, Role.MANAGER)
    return Actors(secretary=factories.actor(s, world.secretary_id),
                  manager=factories.actor(s, world.manager_id),
                  manager2=factories.actor(s, second.id))


def by_profile(s: Session, who: Actor, person_id: int, profile_id: int,
               kind: str = "new") -> orders.AccessOrder:
    """An order by profile, effective in three weeks."""
    return orders.create_order(s, actor=who, unit_id=who.unit_id, person_id=person_id, kind=kind,
                               effective_on=local_today() + timedelta(days=21),
                               profile_id=profile_id, note="Börjar på mottagningen.")


# -- routes for tests/web/test_route_coverage.py ---------------------------------------------

Call = Callable[[Any], tuple[str, dict[str, Any]]]
API = "/api/v1/access-orders"
PAGES = "/behorigheter/bestallningar"


def _order(e: Any, *, approved: bool = False) -> tuple[int, int]:
    """An order of the Env's unit by its secretary (approved by its manager): (order, line)."""
    with e.database.session() as s:
        secretary = factories.actor(s, e.world.secretary_id)
        manager = factories.actor(s, e.world.manager_id)
        order = by_profile(s, secretary, newcomer(s, manager).id, profile(s, e.world.unit_id).id)
        if approved:
            orders.approve_order(s, actor=manager, order_id=order.id)
        return order.id, order.lines[0].id


def _done(path: str, body: str) -> Call:
    def call(e: Any) -> tuple[str, dict[str, Any]]:
        order_id, line_id = _order(e, approved=True)
        return path.format(o=order_id, line=line_id), {body: {"note": "Utfört"}}
    return call


ORDERS = "access orders: staff and their systems, no patient (another unit's order: 404, logged)"
NO_PATIENT_DATA: dict[tuple[str, str], str] = {
    (method, path): ORDERS for method, path in [
        ("GET", PAGES), ("GET", PAGES + ".csv"), ("GET", PAGES + "/ny"), ("POST", PAGES + "/ny"),
        ("GET", PAGES + "/rader/{line_id}"), ("GET", PAGES + "/{order_id}"),
        ("POST", PAGES + "/{order_id}/godkann"), ("POST", PAGES + "/{order_id}/avsla"),
        ("POST", PAGES + "/{order_id}/rader/{line_id}/klar"),
        ("POST", PAGES + "/{order_id}/aterkalla"), ("POST", API + "/{order_id}/cancel"),
        ("GET", API), ("POST", API), ("GET", API + "/{order_id}"),
        ("POST", API + "/{order_id}/approve"), ("POST", API + "/{order_id}/reject"),
        ("POST", API + "/{order_id}/lines/{line_id}/done"),
    ]
}
UNIT_ROUTES: dict[tuple[str, str], Call] = {
    ("GET", PAGES + "/rader/{line_id}"): lambda e: (f"{PAGES}/rader/{_order(e)[1]}", {}),
    ("GET", PAGES + "/{order_id}"): lambda e: (f"{PAGES}/{_order(e)[0]}", {}),
    ("POST", PAGES + "/{order_id}/godkann"): lambda e: (
        f"{PAGES}/{_order(e)[0]}/godkann", {"data": {"note": ""}, "as_user": e.world.manager_id}),
    ("POST", PAGES + "/{order_id}/avsla"): lambda e: (
        f"{PAGES}/{_order(e)[0]}/avsla", {"data": {"note": "Fel profil"},
                                          "as_user": e.world.manager_id}),
    ("POST", PAGES + "/{order_id}/rader/{line_id}/klar"): _done(
        PAGES + "/{o}/rader/{line}/klar", "data"),
    ("POST", PAGES + "/{order_id}/aterkalla"): lambda e: (
        f"{PAGES}/{_order(e, approved=True)[0]}/aterkalla", {"data": {"reason": "Började aldrig"}}),
    ("POST", API + "/{order_id}/cancel"): lambda e: (
        f"{API}/{_order(e)[0]}/cancel", {"json": {"reason": "Fel person"}}),
    ("GET", API + "/{order_id}"): lambda e: (f"{API}/{_order(e)[0]}", {}),
    ("POST", API + "/{order_id}/approve"): lambda e: (
        f"{API}/{_order(e)[0]}/approve", {"json": {}, "as_user": e.world.manager_id}),
    ("POST", API + "/{order_id}/reject"): lambda e: (
        f"{API}/{_order(e)[0]}/reject", {"json": {"note": "Fel profil"},
                                         "as_user": e.world.manager_id}),
    ("POST", API + "/{order_id}/lines/{line_id}/done"): _done(
        API + "/{o}/lines/{line}/done", "json"),
}


def line_item(s: Session, secretary: Actor, manager: Actor) -> WorkItem:
    """An approved order's first line's open work item (tests/integration/test_invariants.py)."""
    order = by_profile(s, secretary, newcomer(s, manager).id, profile(s, manager.unit_id).id)
    orders.approve_order(s, actor=manager, order_id=order.id)
    [item] = worklist.open_items(s, ref_type=order_items.REF_TYPE, ref_id=order.lines[0].id)
    return item
