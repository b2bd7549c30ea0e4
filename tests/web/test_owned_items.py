"""An item that a record owns: the item page hides complete, hold and cancel and links to the
record; the form action and the API refuse them (409, Swedish, with the record's link)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kulisser.db import Database
from kulisser.worklist import service as worklist
from kulisser.worklist.models import WorkItem
from tests import factories
from tests.factories import World
from tests.web.test_api_patients import api_token


def _letter_item(database: Database, world: World) -> int:
    with database.session() as s:
        return worklist.create_item(s, actor=factories.actor(s, world.secretary_id), kind="letter",
                                    title="Skicka kallelse", ref_type="letter", ref_id=4711).id


def _status(database: Database, item_id: int) -> str:
    with database.session() as s:
        item = s.get(WorkItem, item_id)
        assert item is not None
        return item.status


@pytest.fixture()
def api(app: FastAPI, database: Database, world: World) -> Iterator[TestClient]:
    """The world's secretary, with a bearer token."""
    with TestClient(app, base_url="http://testserver") as c:
        c.headers["Authorization"] = f"Bearer {api_token(database, world.secretary_id)}"
        yield c


def test_the_item_page_offers_only_generic_actions_and_links_to_the_record(
        secretary_client: TestClient, database: Database, world: World) -> None:
    item_id = _letter_item(database, world)
    page = secretary_client.get(f"/arenden/{item_id}")
    assert page.status_code == 200
    for op in ("complete", "hold", "cancel", "error"):
        assert f"/atgard/{op}" not in page.text
    assert "/atgard/claim" in page.text and "/atgard/handover" not in page.text  # not yet owned
    assert 'href="/brev/4711">Öppna brevet för att skicka eller makulera det.</a>' in page.text
    # A task of the same unit keeps every action.
    with database.session() as s:
        task = worklist.create_item(s, actor=factories.actor(s, world.secretary_id), kind="task",
                                    title="Ring apoteket").id
    assert "/atgard/complete" in secretary_client.get(f"/arenden/{task}").text


def test_a_posted_complete_is_refused_with_the_message(
        secretary_client: TestClient, database: Database, world: World) -> None:
    item_id = _letter_item(database, world)
    csrf = factories.csrf_from(secretary_client.get(f"/arenden/{item_id}").text)
    r = secretary_client.post(f"/arenden/{item_id}/atgard/complete", data={"csrf_token": csrf},
                              headers={"HX-Request": "true"})
    assert r.status_code == 409
    assert "Det går inte att klarmarkera ärendet här: det följer brevet." in r.text
    assert _status(database, item_id) == "requested"


def test_the_api_refuses_and_lists_only_allowed_operations(
        api: TestClient, database: Database, world: World) -> None:
    item_id = _letter_item(database, world)
    detail = api.get(f"/api/v1/work-items/{item_id}").json()
    assert "complete" not in detail["allowed_operations"] and "claim" in detail["allowed_operations"]
    r = api.post(f"/api/v1/work-items/{item_id}/complete", json={})
    assert r.status_code == 409
    body = r.json()
    assert body["error"] == "owned_by_record" and body["record_url"] == "/brev/4711"
    assert "Öppna brevet" in body["detail"]
    cancel = api.post(f"/api/v1/work-items/{item_id}/cancel", json={"reason": "Fel"})
    assert cancel.status_code == 409
    assert _status(database, item_id) == "requested"
    claim = api.post(f"/api/v1/work-items/{item_id}/claim")
    assert claim.status_code == 200 and claim.json()["status"] == "accepted"


def test_an_unowned_item_links_to_its_record_and_is_closed_from_the_worklist(
        secretary_client: TestClient, database: Database, world: World) -> None:
    from kulisser.worklist import invariants

    with database.session() as s:
        finding = invariants.Finding(unit_id=world.unit_id, ref_type="letter", ref_id=4712,
                                     problem="Brevet väntar på arbete men har inget öppet ärende.")
        report = invariants.record_findings(s, {"letter": [finding]})
        again = invariants.record_findings(s, {"letter": [finding]})
        assert (report.created, again.created) == (1, 0)
        [item_id] = [i.id for i in worklist.items_for_ref(s, ref_type="letter", ref_id=4712)]
    page = secretary_client.get(f"/arenden/{item_id}").text
    assert "Ärende utan ägare" in page and 'href="/brev/4712"' in page
    assert "/atgard/complete" in page
