"""No lost update through the pages and the API: versions, ETag/If-Match, the 409 message."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from kulisser.db import Database
from kulisser.staff.models import Role
from kulisser.worklist import service as worklist
from kulisser.worklist.models import WorkItem, WorkItemEvent
from tests import factories
from tests.conftest import Client
from tests.factories import World

HX = {"HX-Request": "true"}


def _item(database: Database, world: World) -> int:
    with database.session() as s:
        actor = factories.actor(s, world.secretary_id)
        return worklist.create_item(s, actor=actor, kind="task", title=factories.unique("Uppg ")).id


def _anna(database: Database, world: World) -> int:
    with database.session() as s:
        return factories.make_user(s, world.unit_id, Role.SECRETARY, full_name="Anna Lind").id


def _version(html: str, item_id: int) -> str:
    row = html[html.index(f'id="item-{item_id}"'):]
    found = re.search(r'name="version" value="(\d+)"', row)
    assert found, "the row's claim form carries the version"
    return found.group(1)


def _claims(database: Database, item_id: int) -> int:
    with database.session() as s:
        return len(s.scalars(select(WorkItemEvent).where(
            WorkItemEvent.work_item_id == item_id, WorkItemEvent.type == "claimed")).all())


def test_stale_claim_from_the_list_refreshes_the_row_with_who_took_it(
        secretary_client: TestClient, client_as: Client, database: Database, world: World) -> None:
    item_id = _item(database, world)
    seen = _version(secretary_client.get("/arbetslista").text, item_id)
    anna = client_as(_anna(database, world))
    assert anna.post(f"/arenden/{item_id}/atgard/claim",
                     data={"version": seen, "back": "list"}, headers=HX).status_code == 200
    r = secretary_client.post(f"/arenden/{item_id}/atgard/claim",
                              data={"version": seen, "back": "list"}, headers=HX)
    assert r.status_code == 409
    assert r.text.lstrip().startswith("{#") is False and "<tr" in r.text  # just the row
    assert re.search(r"Ärendet togs av Anna Lind \d\d:\d\d", r.text)
    assert "Anna Lind" in r.text.split("data-row-message")[0]  # the row shows the new owner
    assert 'hx-post="/arenden' not in r.text  # and no "Ta" button any more
    with database.session() as s:
        item = s.get(WorkItem, item_id)
        assert item is not None and item.owner_id != world.secretary_id
    assert _claims(database, item_id) == 1


def test_stale_action_on_the_item_page_is_409_with_the_message(
        secretary_client: TestClient, client_as: Client, database: Database, world: World) -> None:
    item_id = _item(database, world)
    page = secretary_client.get(f"/arenden/{item_id}").text
    seen = re.search(r'name="version" value="(\d+)"', page)
    assert seen
    anna = client_as(_anna(database, world))
    assert anna.post(f"/arenden/{item_id}/atgard/claim", data={"version": seen.group(1)},
                     headers=HX).status_code == 200
    r = secretary_client.post(f"/arenden/{item_id}/atgard/hold",
                              data={"version": seen.group(1), "reason": "Väntar på svar"}, headers=HX)
    assert r.status_code == 409
    assert "Ärendet togs av Anna Lind" in r.text
    assert 'value="Väntar på svar"' in r.text  # the typed reason is kept
    r = secretary_client.post(f"/arenden/{item_id}/kommentar",
                              data={"version": seen.group(1), "comment": "Ringde"}, headers=HX)
    assert r.status_code == 409 and "Ärendet togs av Anna Lind" in r.text and ">Ringde</textarea>" in r.text


def test_over_long_comment_is_422_with_the_text_kept(secretary_client: TestClient,
                                                      database: Database, world: World) -> None:
    item_id = _item(database, world)
    r = secretary_client.post(f"/arenden/{item_id}/kommentar", data={"comment": "x" * 4001},
                              headers=HX)
    assert r.status_code == 422
    assert "högst 4000 tecken" in r.text and "x" * 4001 in r.text


def test_api_etag_and_if_match(client_as: Client, database: Database, world: World) -> None:
    item_id = _item(database, world)
    me = client_as(world.secretary_id)
    anna = client_as(_anna(database, world))
    got = me.get(f"/api/v1/work-items/{item_id}")
    etag = got.headers["ETag"]
    assert etag == f'"{got.json()["version"]}"'
    claimed = anna.post(f"/api/v1/work-items/{item_id}/claim", headers={"If-Match": etag})
    assert claimed.status_code == 200 and claimed.headers["ETag"] != etag
    stale = me.post(f"/api/v1/work-items/{item_id}/claim", headers={"If-Match": etag})
    assert stale.status_code == 412
    body = stale.json()
    assert body["error"] == "stale" and body["detail"].startswith("Ärendet togs av Anna Lind")
    assert stale.headers["ETag"] == claimed.headers["ETag"]
    # Without If-Match (an old client) a claim still only takes an unowned item: 409.
    assert me.post(f"/api/v1/work-items/{item_id}/claim").status_code == 409
    assert me.post(f"/api/v1/work-items/{item_id}/comments", json={"text": "Ringt"},
                   headers={"If-Match": etag}).status_code == 412
    assert me.post(f"/api/v1/work-items/{item_id}/comments", json={"text": "Ringt"},
                   headers={"If-Match": claimed.headers["ETag"]}).status_code == 201
    assert me.post(f"/api/v1/work-items/{item_id}/start",
                   headers={"If-Match": '"nonsense'}).status_code == 422
    assert _claims(database, item_id) == 1
