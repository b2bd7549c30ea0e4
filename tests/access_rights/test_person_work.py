"""The staff register's person page links the access work: order, leaver's order and
introduction for this person, and lists their orders, introductions and current access
(of the viewer's units only)."""

from __future__ import annotations

import re
from datetime import date

from kulisser.access_rights import introduction
from kulisser.db import Database
from kulisser.staff.service import Role
from tests import factories
from tests.access_rights import intro_fixtures as ip
from tests.access_rights import orders_fixtures as of
from tests.conftest import Client


def test_the_person_page_links_and_lists_the_access_work(
        database: Database, world: factories.World, client_as: Client) -> None:
    with database.session() as s:
        manager = factories.actor(s, world.manager_id)
        secretary = factories.actor(s, world.secretary_id)
        newcomer = of.newcomer(s, manager)
        order = of.by_profile(s, secretary, newcomer.id, of.profile(s, world.unit_id).id)
        intro = introduction.start_introduction(
            s, actor=secretary, person_id=newcomer.id, profile_id=ip.profile(s, world).id,
            start_on=date(2026, 12, 28))
        of.give(s, newcomer.id, of.systems(s, world.unit_id)["record"], "Sekreterare avd 12")
        # Another unit's system: not shown to this unit.
        of.give(s, newcomer.id, of.systems(s, world.other_unit_id)["phone"], "Hemlig")
        clinician_id = world.clinician_id
        person_id, order_id, intro_id = newcomer.id, order.id, intro.id
        other_manager = factories.make_user(s, world.other_unit_id, Role.MANAGER).id
    client = client_as(world.secretary_id)
    page = client.get(f"/personal/{person_id}").text
    actions = page[page.index('id="person-actions"'):]
    links = re.findall(r'href="([^"]+)"', actions[:actions.index("</p>")])
    assert links == [
        f"/behorigheter/bestallningar/ny?person_id={person_id}&amp;kind=new",
        f"/behorigheter/bestallningar/ny?person_id={person_id}&amp;kind=leaver",
        f"/behorigheter/introduktion/ny?person_id={person_id}"]
    for link in links:
        form = client.get(link.replace("&amp;", "&"))
        assert form.status_code == 200
        assert re.search(rf'<option value="{person_id}"[^>]*selected', form.text), link
    assert f'href="/behorigheter/bestallningar/{order_id}"' in page
    assert f'href="/behorigheter/introduktion/{intro_id}"' in page
    access = page[page.index('id="person-access"'):page.index("</table>", page.index(
        'id="person-access"'))]
    assert "Journalsystemet" in access and "Sekreterare avd 12" in access
    assert "Hemlig" not in page
    # A clinician reads the page (if she may) without the actions.
    seen = client_as(clinician_id).get(f"/personal/{person_id}")
    assert 'id="person-actions"' not in seen.text
    elsewhere = client_as(other_manager).get(f"/personal/{person_id}")
    assert f"/behorigheter/bestallningar/{order_id}" not in elsewhere.text
