"""The team page, my week and the absence forms over HTTP: who sees which rows, the Swedish
error for days in the wrong order (nothing stored), CSRF, the one-action hand-over, the
overview's team section and the worklist's "away" mark."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from sqlalchemy import func, select

from kulisser.db import Database, utcnow
from kulisser.staff.absence_models import Absence
from kulisser.staff.models import User
from kulisser.stats.aggregate import local_day
from kulisser.worklist import service as worklist
from kulisser.worklist.models import WorkItem
from tests import factories
from tests.conftest import Client


def _names(database: Database, world: factories.World) -> tuple[str, str]:
    with database.session() as s:
        a, b = s.get(User, world.secretary_id), s.get(User, world.secretary2_id)
        assert a is not None and b is not None
        return a.full_name, b.full_name


def _items(database: Database, world: factories.World) -> list[int]:
    """Two open items of the world's first secretary (one begun), one of the second."""
    with database.session() as s:
        me, other = factories.actor(s, world.secretary_id), factories.actor(s, world.secretary2_id)
        made = [worklist.create_item(s, actor=me, kind="task", title="Min", owner_id=me.user_id,
                                     patient_id=world.patient_ids[0]) for _ in range(2)]
        made[0].claim(actor_id=me.user_id, now=utcnow())
        worklist.create_item(s, actor=other, kind="task", title="Hennes", owner_id=other.user_id)
        s.flush()
        return [i.id for i in made]


def test_a_manager_sees_every_row_a_secretary_only_her_own(client_as: Client, database: Database,
                                                           world: factories.World) -> None:
    _items(database, world)
    mine, hers = _names(database, world)
    page = client_as(world.manager_id).get("/oversikt/team")
    assert page.status_code == 200, page.text
    assert f'data-person="{world.secretary_id}"' in page.text
    assert f'data-person="{world.secretary2_id}"' in page.text
    own = client_as(world.secretary_id).get("/oversikt/team?period=manad")
    assert own.status_code == 200
    assert f'data-person="{world.secretary_id}"' in own.text
    assert f'data-person="{world.secretary2_id}"' not in own.text and hers not in own.text
    totals = own.text[own.text.index('id="team-totals"'):]
    assert re.search(r"Öppna</dt><dd>3<", totals)  # the team's totals include her colleague's
    rows = list(csv.reader(io.StringIO(client_as(world.secretary_id).get(
        "/oversikt/team.csv").content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Namn", "Typ", "Öppna", "Försenade"]
    assert {r[0] for r in rows[1:]} == {mine, "Enhetens kö", "Teamet", "Teamet och kön"}
    assert [r[2] for r in rows if r[0] == mine] == ["2"]
    manager_csv = client_as(world.manager_id).get("/oversikt/team.csv").content.decode("utf-8-sig")
    assert hers in manager_csv
    assert client_as(world.clinician_id).get("/oversikt/team").status_code == 403
    assert client_as(world.clinician_id).get("/oversikt/min-vecka").status_code == 403


def test_days_in_the_wrong_order_are_refused_in_swedish(client_as: Client, database: Database,
                                                        world: factories.World) -> None:
    today = local_day(utcnow())
    client = client_as(world.secretary_id)
    res = client.post("/oversikt/franvaro", data={
        "user_id": str(world.secretary_id), "first_day": (today + timedelta(days=2)).isoformat(),
        "last_day": today.isoformat(), "csrf_token": client.csrf})  # type: ignore[attr-defined]
    assert res.status_code == 422
    assert "Sista dagen kan inte vara före första dagen." in res.text
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Absence).where(
            Absence.user_id == world.secretary_id)) == 0
    other = client.post("/oversikt/franvaro", data={
        "user_id": str(world.secretary2_id), "first_day": today.isoformat(),
        "last_day": today.isoformat(), "csrf_token": client.csrf})  # type: ignore[attr-defined]
    assert other.status_code == 403
    client.headers.pop("X-CSRF-Token")
    forged = client.post("/oversikt/franvaro", data={
        "user_id": str(world.secretary_id), "first_day": today.isoformat(),
        "last_day": today.isoformat()})
    assert forged.status_code == 403
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Absence).where(
            Absence.user_id.in_([world.secretary_id, world.secretary2_id]))) == 0


def test_marking_away_and_handing_her_items_to_a_colleague(client_as: Client, database: Database,
                                                           world: factories.World) -> None:
    mine = _items(database, world)
    today = local_day(utcnow()).isoformat()
    manager = client_as(world.manager_id)
    token = manager.csrf  # type: ignore[attr-defined]
    res = manager.post("/oversikt/franvaro", data={
        "user_id": str(world.secretary_id), "first_day": today, "last_day": today,
        "csrf_token": token}, follow_redirects=False)
    assert res.status_code == 303
    page = manager.get("/oversikt/team").text
    assert "2 kvar hos frånvarande" in page
    assert re.search(r'id="left-with-absent">2<', page)
    listing = client_as(world.secretary2_id).get("/arbetslista?scope=unit").text
    assert "data-away" in listing and "(frånvarande)" in listing
    overview = manager.get("/oversikt").text
    assert 'id="team-section"' in overview and "/oversikt/team" in overview
    moved = manager.post("/oversikt/franvaro/lamna-over", data={
        "user_id": str(world.secretary_id), "to": str(world.secretary2_id), "csrf_token": token},
        follow_redirects=False)
    assert moved.status_code == 303 and "flyttade=2" in moved.headers["location"]
    with database.session() as s:
        owners = {i: s.get(WorkItem, i).owner_id for i in mine}  # type: ignore[union-attr]
    assert owners == {mine[0]: world.secretary2_id, mine[1]: world.secretary2_id}
    after = manager.get("/oversikt/team?flyttade=2&kvar=0").text
    assert "2 ärenden lämnades över." in after and re.search(r'id="left-with-absent">0<', after)
    bad = manager.post("/oversikt/franvaro/lamna-over", data={
        "user_id": str(world.secretary_id), "to": "någon", "csrf_token": token})
    assert bad.status_code == 422 and "Välj kön eller en kollega." in bad.text


def test_my_week_shows_only_her_own_figures(client_as: Client, database: Database,
                                            world: factories.World) -> None:
    mine = _items(database, world)
    with database.session() as s:
        item = s.get(WorkItem, mine[0])
        assert item is not None
        item.complete(actor_id=world.secretary_id, now=utcnow())
    page = client_as(world.secretary_id).get("/oversikt/min-vecka")
    assert page.status_code == 200
    done = page.text[page.text.index('id="table-done"'):]
    assert re.search(r"Alla typer</th>(<td>\d</td>){7}", done)
    assert sum(int(n) for n in re.findall(r"<td>(\d)</td>", done.split("</tr>", 2)[1])) == 1
    start = page.text.index('id="table-waiting"')
    waiting = page.text[start:page.text.index("</table>", start)]
    assert sum(int(n) for n in re.findall(r"<td>(\d+)</td></tr>", waiting)) == 1  # one still open
    other = client_as(world.secretary2_id).get("/oversikt/min-vecka").text
    hers = other[other.index('id="table-waiting"'):]
    assert sum(int(n) for n in re.findall(r"<td>(\d+)</td></tr>", hers.split("</table>")[0])) == 1
    res = client_as(world.secretary_id).get("/oversikt/min-vecka.csv")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    bad = client_as(world.secretary_id).get("/oversikt/min-vecka?vecka=förra")
    assert bad.status_code == 422
