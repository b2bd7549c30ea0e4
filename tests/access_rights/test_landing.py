"""The access-rights landing page: the unit's own counts, and none of another unit's."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from kulisser.access_rights import orders, service
from kulisser.access_rights.states import LineAction, OrderKind
from kulisser.db import Database
from kulisser.staff.service import Role
from tests import factories
from tests.conftest import Client
from tests.staff.helpers import person


def _figure(html: str, label: str) -> int:
    found = re.search(r"<strong>(\d+)</strong> " + re.escape(label), html)
    assert found, label
    return int(found.group(1))


def test_the_landing_page_counts_orders_awaiting_approval_of_the_unit_only(
        database: Database, world: factories.World, client_as: Client) -> None:
    with database.session() as db:
        manager = factories.actor(db, world.manager_id)
        newcomer = person(db, manager)
        [system, *_] = service.ensure_systems(db, unit_id=world.unit_id)
        day = date(2026, 12, 14)
        orders.create_order(db, actor=manager, unit_id=world.unit_id, person_id=newcomer.id,
                            kind=OrderKind.NEW.value, effective_on=day,
                            due_on=day - timedelta(days=3),
                            lines=[orders.LineRequest(system.id, LineAction.GRANT.value)])
        other = factories.make_user(db, world.other_unit_id, Role.MANAGER)
        db.flush()
        other_id = other.id
    page = client_as(world.secretary_id).get("/behorigheter")
    assert page.status_code == 200
    assert _figure(page.text, "beställningar väntar på godkännande") == 1
    elsewhere = client_as(other_id).get("/behorigheter")
    assert _figure(elsewhere.text, "beställningar väntar på godkännande") == 0


def test_the_default_catalogue_is_made_once_per_unit(database: Database,
                                                    world: factories.World) -> None:
    with database.session() as db:
        first = service.ensure_systems(db, unit_id=world.unit_id)
        again = service.ensure_systems(db, unit_id=world.unit_id)
        other = service.ensure_systems(db, unit_id=world.other_unit_id)
    assert [s.id for s in again] == [s.id for s in first]
    assert {"hsa", "siths", "kulisser", "record"} <= {s.code for s in first}
    assert not {s.id for s in first} & {s.id for s in other}


PARTS = ["/behorigheter/bestallningar", "/behorigheter/introduktion",
         "/behorigheter/uppfoljning", "/behorigheter/profiler", "/behorigheter/system",
         "/personal"]
WORKERS = ["/behorigheter/bestallningar/ny", "/behorigheter/introduktion/ny",
           "/behorigheter/uppfoljning/inaktiva"]
MANAGERS = ["/behorigheter/introduktion/checklistor", "/behorigheter/profiler/analyser"]


@pytest.mark.parametrize(("role", "wanted"), [
    ("manager", PARTS + WORKERS + MANAGERS), ("secretary", PARTS + WORKERS)])
def test_the_landing_page_links_every_part_that_answers_for_the_role(
        world: factories.World, client_as: Client, role: str, wanted: list[str]) -> None:
    client = client_as(getattr(world, f"{role}_id"))
    page = client.get("/behorigheter").text
    parts = page[page.index('id="access-parts"'):]
    links = re.findall(r'href="([^"#?]+)"', parts[:parts.index("</ul>")])
    assert sorted(links) == sorted(wanted)
    for link in links:
        assert client.get(link).status_code == 200, link
    if role == "secretary":  # the managers' pages are not linked, and refuse her
        for link in MANAGERS:
            assert client.get(link).status_code == 403, link
