"""The worklist pages: list, filters, item actions, new task and the unit's due-time rules."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from kulisser.db import Database, utcnow
from kulisser.patients.models import Patient
from kulisser.worklist import service as worklist
from kulisser.worklist.models import DeadlineRule, WorkItem
from tests import factories
from tests.factories import World


def _item(database: Database, world: World, *, title: str = "", owner: bool = False,
          patient: int | None = None, due_in_hours: float | None = None, kind: str = "task",
          priority: str = "normal") -> int:
    with database.session() as s:
        actor = factories.actor(s, world.secretary_id)
        due = utcnow() + timedelta(hours=due_in_hours) if due_in_hours is not None else None
        item = worklist.create_item(s, actor=actor, kind=kind, title=title or factories.unique("Uppg "),
                                    patient_id=patient, due_at=due, priority=priority,
                                    owner_id=world.secretary_id if owner else None)
        return item.id


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-href="/arenden/(\d+)"', html)]


def test_worklist_shows_my_items_and_the_queue_sorted_by_due(
        secretary_client: TestClient, database: Database, world: World) -> None:
    late = _item(database, world, owner=True, due_in_hours=48)
    early = _item(database, world, due_in_hours=1)
    with database.session() as s:
        other = factories.make_user(s, world.unit_id).id
        actor = factories.actor(s, world.secretary2_id)
        colleagues = worklist.create_item(s, actor=actor, kind="task", title="Kollegans", owner_id=other).id
    page = secretary_client.get("/arbetslista")
    assert page.status_code == 200
    ids = _ids(page.text)
    assert early in ids and late in ids and colleagues not in ids
    assert ids.index(early) < ids.index(late)
    assert "Enhetens kö" in page.text
    mine = _ids(secretary_client.get("/arbetslista?scope=mine").text)
    assert late in mine and early not in mine
    queue = _ids(secretary_client.get("/arbetslista?scope=queue").text)
    assert early in queue and late not in queue


def test_filters_counts_overdue_and_search(secretary_client: TestClient, database: Database,
                                           world: World) -> None:
    with database.session() as s:
        patient = s.get(Patient, world.patient_ids[0])
        assert patient is not None
        pnr, family = patient.id_value, patient.family_name
    overdue = _item(database, world, due_in_hours=-3, patient=world.patient_ids[0])
    fresh = _item(database, world, due_in_hours=30)
    page = secretary_client.get("/arbetslista?overdue=1")
    assert overdue in _ids(page.text) and fresh not in _ids(page.text)
    assert "Försenad" in page.text
    by_number = secretary_client.get(f"/arbetslista?q={pnr[2:8]}-{pnr[8:]}")  # under 100: "-"
    assert _ids(by_number.text) == [overdue]
    by_name = secretary_client.get(f"/arbetslista?q={family}")
    assert overdue in _ids(by_name.text) and fresh not in _ids(by_name.text)
    counts = secretary_client.get("/arbetslista?kind=task")
    match = re.search(r"<span>Uppgifter</span><span>(\d+)</span>", counts.text)
    assert match and int(match.group(1)) == 2
    assert re.search(r"<span>Återuppringningar</span><span>0</span>", counts.text)


def test_claiming_from_a_filtered_list_keeps_the_filters(secretary_client: TestClient,
                                                         database: Database, world: World) -> None:
    queued = _item(database, world, due_in_hours=-2)
    page = secretary_client.get("/arbetslista?overdue=1&kind=task")
    assert 'name="back_query" value="overdue=1&amp;kind=task"' in page.text
    r = secretary_client.post(f"/arenden/{queued}/atgard/claim", follow_redirects=False,
                              data={"back": "list", "back_query": "overdue=1&kind=task"})
    assert r.status_code == 303 and r.headers["location"] == "/arbetslista?overdue=1&kind=task"
    with database.session() as s:
        item = s.get(WorkItem, queued)
        assert item is not None and item.owner_id == world.secretary_id
    # Only the list's own query comes back: never another address.
    other = _item(database, world, due_in_hours=-2)
    evil = secretary_client.post(f"/arenden/{other}/atgard/claim", follow_redirects=False,
                                 data={"back": "list", "back_query": "//evil.example/x?a=1"})
    assert evil.headers["location"].startswith("/arbetslista")
    assert "//evil" not in evil.headers["location"].split("?")[0]


def test_htmx_gets_the_partial_only(secretary_client: TestClient, database: Database,
                                    world: World) -> None:
    item = _item(database, world)
    r = secretary_client.get("/arbetslista?scope=queue", headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "<html" not in r.text and item in _ids(r.text)
    assert 'hx-swap-oob="true"' in r.text  # counts refresh alongside the rows


def test_pagination_walks_all_items(secretary_client: TestClient, database: Database,
                                    world: World, app) -> None:  # type: ignore[no-untyped-def]
    made = {_item(database, world, due_in_hours=h) for h in range(1, 13)}
    app.state.settings.page_size, before = 5, app.state.settings.page_size
    try:
        seen: list[int] = []
        url = "/arbetslista?scope=queue"
        for _ in range(10):
            html = secretary_client.get(url).text
            seen += _ids(html)
            nxt = re.search(r'href="\?([^"]*cursor=[^"]+)"[^>]*>Nästa sida', html)
            if not nxt:
                break
            url = "/arbetslista?" + nxt.group(1).replace("&amp;", "&")
    finally:
        app.state.settings.page_size = before
    assert set(seen) == made and len(seen) == len(made)


def test_claim_and_complete_from_the_item_page(secretary_client: TestClient, database: Database,
                                               world: World) -> None:
    item = _item(database, world, patient=world.patient_ids[1])
    page = secretary_client.get(f"/arenden/{item}")
    assert page.status_code == 200 and "Historik" in page.text and "Ta ärendet" in page.text
    assert secretary_client.post(f"/arenden/{item}/atgard/claim", follow_redirects=False).status_code == 303
    done = secretary_client.post(f"/arenden/{item}/atgard/complete")
    assert done.status_code == 200
    assert re.search(r'id="item-status">Klar<', done.text)
    assert 'data-event="claimed"' in done.text and "Mottagen → Klar" in done.text
    again = secretary_client.post(f"/arenden/{item}/atgard/complete")
    assert again.status_code == 409 and "Det går inte att klarmarkera" in again.text
    with database.session() as s:
        row = s.get(WorkItem, item)
        assert row is not None and row.status == "completed" and row.owner_id == world.secretary_id
        assert [e.type for e in row.events] == ["created", "claimed", "status_changed"]


def test_handover_needs_a_reason_and_moves_responsibility(
        secretary_client: TestClient, database: Database, world: World) -> None:
    item = _item(database, world, owner=True)
    secretary_client.post(f"/arenden/{item}/atgard/claim")
    bad = secretary_client.post(f"/arenden/{item}/atgard/handover",
                                data={"to_user_id": str(world.secretary2_id), "reason": " "})
    assert bad.status_code == 422 and "Ange en orsak" in bad.text
    with database.session() as s:
        row = s.get(WorkItem, item)
        assert row is not None and row.owner_id == world.secretary_id
    ok = secretary_client.post(f"/arenden/{item}/atgard/handover", follow_redirects=False,
                               data={"to_user_id": str(world.secretary2_id), "reason": "Semester"})
    assert ok.status_code == 303
    assert item not in _ids(secretary_client.get("/arbetslista?scope=mine").text)
    with database.session() as s:
        row = s.get(WorkItem, item)
        assert row is not None and row.owner_id == world.secretary2_id and row.status == "requested"
        assert row.events[-1].type == "handed_over" and row.events[-1].reason == "Semester"


def test_new_task_keeps_typed_values_on_bad_input(secretary_client: TestClient, database: Database,
                                                  world: World) -> None:
    with database.session() as s:
        before = s.query(WorkItem).count()
    r = secretary_client.post("/arbetslista/ny", data={
        "kind": "task", "title": "", "description": "Beskrivning som inte får försvinna",
        "identifier": "19121212-1213", "priority": "high", "due_at": "inte ett datum"})
    assert r.status_code == 422
    assert "Kontrollsiffran stämmer inte" in r.text
    assert "Ange datum och tid" in r.text
    assert "Beskrivning som inte får försvinna" in r.text and 'value="19121212-1213"' in r.text
    assert re.search(r'<option value="high" selected>', r.text)
    with database.session() as s:
        assert s.query(WorkItem).count() == before


def test_new_task_gets_its_due_time_from_the_units_rule(
        manager_client: TestClient, secretary_client: TestClient, database: Database,
        world: World) -> None:
    saved = manager_client.post("/enhet/regler", data={"h_task_high": "5"}, follow_redirects=False)
    assert saved.status_code == 303
    with database.session() as s:
        patient = s.get(Patient, world.patient_ids[2])
        assert patient is not None
        pnr = patient.id_value
    started = utcnow()
    r = secretary_client.post("/arbetslista/ny", follow_redirects=False, data={
        "kind": "task", "title": "Beställ tolk", "priority": "high", "identifier": pnr})
    assert r.status_code == 303
    item_id = int(r.headers["location"].rsplit("/", 1)[1])
    with database.session() as s:
        item = s.get(WorkItem, item_id)
        assert item is not None and item.patient_id == world.patient_ids[2]
        assert timedelta(hours=5) <= item.due_at - started < timedelta(hours=5, minutes=1)
        rule = s.scalar(select(DeadlineRule).where(DeadlineRule.unit_id == world.unit_id))
        assert rule is not None and rule.hours == 5


def test_rules_page_is_for_managers_and_checks_numbers(
        manager_client: TestClient, secretary_client: TestClient, world: World) -> None:
    assert secretary_client.get("/enhet/regler").status_code == 403
    page = manager_client.get("/enhet/regler")
    assert page.status_code == 200 and "Återuppringning" in page.text
    bad = manager_client.post("/enhet/regler", data={"h_callback_normal": "tolv"})
    assert bad.status_code == 422 and "Ange ett helt antal timmar" in bad.text
    assert 'value="tolv"' in bad.text


def test_due_change_keeps_values_on_bad_input(secretary_client: TestClient, database: Database,
                                              world: World) -> None:
    item = _item(database, world)
    r = secretary_client.post(f"/arenden/{item}/forfallotid", data={"due_at": "igår", "due_reason": "Sjuk"})
    assert r.status_code == 422 and 'value="Sjuk"' in r.text
    ok = secretary_client.post(f"/arenden/{item}/forfallotid", follow_redirects=False,
                               data={"due_at": "2031-03-01T09:30", "due_reason": "Patienten bortrest"})
    assert ok.status_code == 303
    page = secretary_client.get(f"/arenden/{item}")
    assert "2031-03-01 09:30" in page.text and "Patienten bortrest" in page.text
