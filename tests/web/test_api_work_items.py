"""The work item JSON API: paging, counts, creation, every operation, access, and the docs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.audit.models import AuditEvent
from kulisser.db import Database
from kulisser.patients.models import CareRelation
from kulisser.reception import service as reception
from kulisser.worklist import service as worklist
from kulisser.worklist.models import WorkItem, WorkItemEvent
from tests import factories
from tests.factories import World
from tests.web.test_api_patients import api_token


@pytest.fixture()
def api(app: FastAPI, database: Database, world: World) -> Iterator[TestClient]:
    """The world's secretary, with a bearer token."""
    with TestClient(app, base_url="http://testserver") as c:
        c.headers["Authorization"] = f"Bearer {api_token(database, world.secretary_id)}"
        yield c


@pytest.fixture()
def api2(app: FastAPI, database: Database, world: World) -> Iterator[TestClient]:
    """The world's second secretary, with a bearer token."""
    with TestClient(app, base_url="http://testserver") as c:
        c.headers["Authorization"] = f"Bearer {api_token(database, world.secretary2_id)}"
        yield c


def _item(database: Database, world: World, *ops: tuple[str, dict[str, Any]],
          patient: bool = True, **fields: Any) -> int:
    """A task in the world's unit, moved through the given operations by the secretary."""
    with database.session() as s:
        actor = factories.actor(s, world.secretary_id)
        item = worklist.create_item(s, actor=actor, kind=fields.pop("kind", "task"),
                                    title=fields.pop("title", "Uppgift"),
                                    patient_id=world.patient_ids[0] if patient else None, **fields)
        for op, kw in ops:
            worklist.perform(s, actor=actor, item_id=item.id, operation=op, **kw)
        return item.id


def _state(database: Database, item_id: int) -> tuple[str, int | None, int, datetime]:
    """(status, owner, number of events, updated_at) as stored."""
    with database.session() as s:
        item = s.get(WorkItem, item_id)
        assert item is not None
        n = s.scalar(select(func.count()).select_from(WorkItemEvent)
                     .where(WorkItemEvent.work_item_id == item_id)) or 0
        return item.status, item.owner_id, n, item.updated_at


# -- the worklist ----------------------------------------------------------------------------

def test_cursor_pagination_walks_every_open_item_once_in_due_order(
        api: TestClient, database: Database, world: World) -> None:
    base = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)
    expected: list[tuple[datetime, int]] = []
    for i in range(30):
        due = base + timedelta(hours=(i * 7) % 25)  # 25 distinct times: some items share one
        item_id = _item(database, world, patient=i % 2 == 0, due_at=due, title=f"Post {i}")
        expected.append((due, item_id))
    _item(database, world, ("complete", {}), due_at=base)  # closed: not in the open list
    seen: list[int] = []
    dues: list[datetime] = []
    cursor, pages = "", 0
    while True:
        r = api.get("/api/v1/work-items", params={"scope": "unit", "limit": 7, "cursor": cursor})
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= 7
        seen += [i["id"] for i in body["items"]]
        dues += [datetime.fromisoformat(i["due_at"]) for i in body["items"]]
        pages += 1
        if body["next_cursor"] is None:
            break
        cursor = body["next_cursor"]
        assert pages < 10
    assert seen == [item_id for _, item_id in sorted(expected)]
    assert len(set(seen)) == 30 and pages == 5
    assert all(d.utcoffset() is not None for d in dues)
    # Each patient shown was logged as listed.
    with database.session() as s:
        assert s.scalar(select(AuditEvent.id).where(
            AuditEvent.user_id == world.secretary_id, AuditEvent.patient_id == world.patient_ids[0],
            AuditEvent.action == "list", AuditEvent.object_type == "worklist"))
    assert api.get("/api/v1/work-items", params={"limit": 201}).status_code == 422
    bad = api.get("/api/v1/work-items", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422 and "cursor" in bad.json()["errors"]


def test_item_json_fields(api: TestClient, database: Database, world: World) -> None:
    due = datetime.now(UTC) + timedelta(hours=1)
    item_id = _item(database, world, due_at=due, priority="high", title="Fält",
                    description="Beskrivning")
    body = api.get("/api/v1/work-items", params={"scope": "queue"}).json()
    (item,) = [i for i in body["items"] if i["id"] == item_id]
    assert item["kind"] == "task" and item["kind_label"] == "Uppgift"
    assert item["priority"] == "high" and item["status"] == "requested"
    assert item["description"] == "Beskrivning" and item["unit_id"] == world.unit_id
    assert item["due_soon"] is True and item["overdue"] is False
    assert item["owner"] is None and item["ref"] is None
    assert item["patient"]["id"] == world.patient_ids[0]
    assert datetime.fromisoformat(item["due_at"]) == due
    assert "claim" in item["allowed_operations"] and "resume" not in item["allowed_operations"]


def test_counts_per_kind_match_the_created_items(api: TestClient, database: Database,
                                                 world: World) -> None:
    for _ in range(3):
        _item(database, world)
    done = _item(database, world)
    with database.session() as s:
        actor = factories.actor(s, world.secretary_id)
        for n in range(2):
            reception.take_message(s, actor=actor, data=reception.MessageData(
                caller_name=f"Ringare {n}", phone="070-111 22 33", message="Vill ha tid"))
        worklist.perform(s, actor=actor, item_id=done, operation="cancel", reason="Dubblett")
    r = api.get("/api/v1/work-items/counts", params={"scope": "unit", "kind": "callback"})
    assert r.status_code == 200
    assert r.json() == {"task": 3, "callback": 2}
    closed = api.get("/api/v1/work-items/counts", params={"scope": "unit", "status": "closed"})
    assert closed.json() == {"task": 1}


def test_kinds_lists_registered_kinds(api: TestClient) -> None:
    kinds = {k["code"]: k for k in api.get("/api/v1/kinds").json()}
    assert kinds["task"]["manual"] is True and kinds["task"]["label"] == "Uppgift"
    assert kinds["callback"]["manual"] is False


# -- create and read -------------------------------------------------------------------------

def test_create_only_manual_kinds(api: TestClient, database: Database, world: World) -> None:
    due = "2031-05-04T10:00:00+02:00"
    r = api.post("/api/v1/work-items", json={
        "kind": "task", "title": "Beställ journalkopia", "priority": "low",
        "patient_id": world.patient_ids[1], "due_at": due, "owner_id": world.secretary2_id})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["owner"]["id"] == world.secretary2_id and body["priority"] == "low"
    assert datetime.fromisoformat(body["due_at"]) == datetime.fromisoformat(due)
    assert [e["type"] for e in body["events"]] == ["created", "assigned"]
    with database.session() as s:
        count = s.scalar(select(func.count()).select_from(WorkItem)
                         .where(WorkItem.unit_id == world.unit_id))
    for bad, field in (({"kind": "callback", "title": "Ring"}, "kind"),
                       ({"kind": "nope", "title": "X"}, "kind"),
                       ({"kind": "task", "title": "  "}, "title"),
                       ({"kind": "task", "title": "X", "owner_id": world.manager_id + 10**6}, "owner_id"),
                       ({"kind": "task", "title": "X", "due_at": "2031-05-04T10:00:00"}, "due_at"),
                       ({"kind": "task", "title": "X", "patient_id": 10**9}, "patient_id")):
        refused = api.post("/api/v1/work-items", json=bad)
        assert refused.status_code == 422, (bad, refused.text)
        assert field in refused.json()["errors"], (bad, refused.json())
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(WorkItem)
                        .where(WorkItem.unit_id == world.unit_id)) == count


def test_item_of_another_unit_is_404_and_patient_without_relation_is_403(
        api: TestClient, database: Database, world: World) -> None:
    with database.session() as s:
        other = factories.make_user(s, world.other_unit_id)
        foreign = worklist.create_item(s, actor=factories.actor_for(other), kind="task",
                                       title="Annan enhet").id
    r = api.get(f"/api/v1/work-items/{foreign}")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert api.post(f"/api/v1/work-items/{foreign}/claim").status_code == 404
    assert api.get("/api/v1/work-items/999999999").status_code == 404
    with database.session() as s:
        pid = factories.make_patient(s, world.unit_id).id
        item_id = worklist.create_item(s, actor=factories.actor(s, world.secretary_id), kind="task",
                                       title="Relation slut", patient_id=pid).id
        rel = s.scalar(select(CareRelation).where(CareRelation.patient_id == pid))
        assert rel is not None
        rel.ended_at = datetime.now(UTC)
    denied = api.get(f"/api/v1/work-items/{item_id}")
    assert denied.status_code == 403 and denied.json()["error"] == "access_denied"
    assert api.post(f"/api/v1/work-items/{item_id}/claim").status_code == 403
    assert _state(database, item_id)[0] == "requested"
    with database.session() as s:
        rows = list(s.scalars(select(AuditEvent).where(
            AuditEvent.patient_id == pid, AuditEvent.user_id == world.secretary_id,
            AuditEvent.outcome == "denied", AuditEvent.object_type == "work_item")))
    assert {r.action for r in rows} == {"read", "update"}


def test_phone_message_details_in_item_json(api: TestClient, database: Database,
                                            world: World) -> None:
    with database.session() as s:
        msg, item = reception.take_message(s, actor=factories.actor(s, world.secretary_id),
                                           data=reception.MessageData(
                                               caller_name="Anna Anhörig", caller_relation="relative",
                                               phone="070-999 88 77", message="Fråga om provsvar",
                                               patient_id=world.patient_ids[2]))
        msg_id, item_id = msg.id, item.id
    body = api.get(f"/api/v1/work-items/{item_id}").json()
    assert body["ref"] == {"type": "phone_message", "id": msg_id}
    assert body["phone_message"]["phone"] == "070-999 88 77"
    assert body["phone_message"]["caller_relation"] == "relative"
    listed = api.get("/api/v1/work-items", params={"scope": "unit", "kind": "callback"}).json()
    (row,) = [i for i in listed["items"] if i["id"] == item_id]
    assert row["phone_message"]["caller_name"] == "Anna Anhörig"


# -- operations --------------------------------------------------------------------------------

SECOND = "second-secretary"
# operation, set-up, body, status after the legal call, set-up that makes the call illegal
CASES: list[tuple[str, list[tuple[str, dict[str, Any]]], dict[str, Any] | None, str,
                  list[tuple[str, dict[str, Any]]]]] = [
    ("claim", [], None, "accepted", [("complete", {})]),
    ("assign", [], {"to_user_id": SECOND}, "requested", [("claim", {})]),
    ("handover", [("claim", {})], {"to_user_id": SECOND, "reason": "Semester"}, "requested", []),
    ("start", [], None, "in-progress", [("hold", {"reason": "Väntar"})]),
    ("hold", [], {"reason": "Väntar på svar"}, "on-hold", [("complete", {})]),
    ("resume", [("start", {}), ("hold", {"reason": "Väntar"})], None, "in-progress", []),
    ("complete", [], {"reason": "Klart"}, "completed", [("hold", {"reason": "Väntar"})]),
    ("cancel", [], {"reason": "Behövs inte"}, "cancelled", [("complete", {})]),
    ("error", [], {"reason": "Fel patient"}, "entered-in-error", [("cancel", {"reason": "Dubblett"})]),
]


def _body(body: dict[str, Any] | None, world: World) -> dict[str, Any] | None:
    if body is None:
        return None
    return {k: world.secretary2_id if v == SECOND else v for k, v in body.items()}


@pytest.mark.parametrize(("op", "setup", "body", "after", "illegal"), CASES,
                         ids=[c[0] for c in CASES])
def test_every_operation_legal_and_illegal(api: TestClient, database: Database, world: World,
                                           op: str, setup: list[tuple[str, dict[str, Any]]],
                                           body: dict[str, Any] | None, after: str,
                                           illegal: list[tuple[str, dict[str, Any]]]) -> None:
    item_id = _item(database, world, *setup)
    _, _, events, _ = _state(database, item_id)
    r = api.post(f"/api/v1/work-items/{item_id}/{op}", json=_body(body, world))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == after and len(r.json()["events"]) == events + 1
    stored = _state(database, item_id)
    assert stored[0] == after and stored[2] == events + 1
    last = r.json()["events"][-1]
    assert last["actor"]["id"] == world.secretary_id
    if op == "assign":
        assert stored[1] == world.secretary2_id and last["type"] == "assigned"
    elif body and body.get("reason"):
        assert last["reason"] == body["reason"]

    wrong = _item(database, world, *illegal)
    before = _state(database, wrong)
    refused = api.post(f"/api/v1/work-items/{wrong}/{op}", json=_body(body, world))
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "illegal_transition"
    assert refused.json()["detail"].startswith("Det går inte att")
    assert _state(database, wrong) == before


def test_operation_without_reason_is_422_and_changes_nothing(api: TestClient, database: Database,
                                                             world: World) -> None:
    item_id = _item(database, world)
    before = _state(database, item_id)
    for op in ("hold", "cancel", "error"):
        r = api.post(f"/api/v1/work-items/{item_id}/{op}", json={"reason": "  "})
        assert r.status_code == 422 and r.json()["errors"]["reason"] == "Ange en orsak."
        assert api.post(f"/api/v1/work-items/{item_id}/{op}", json={}).status_code == 422
    assert _state(database, item_id) == before


def test_handover_moves_owner_out_of_the_old_owners_list(api: TestClient, api2: TestClient,
                                                         database: Database, world: World) -> None:
    item_id = _item(database, world, ("claim", {}))
    mine = api.get("/api/v1/work-items", params={"scope": "mine"}).json()["items"]
    assert item_id in [i["id"] for i in mine]
    r = api.post(f"/api/v1/work-items/{item_id}/handover",
                 json={"to_user_id": world.secretary2_id, "reason": "Går på semester"})
    assert r.status_code == 200
    assert r.json()["owner"]["id"] == world.secretary2_id
    event = r.json()["events"][-1]
    assert event["type"] == "handed_over" and event["reason"] == "Går på semester"
    assert event["data"] == {"from_owner": world.secretary_id, "to_owner": world.secretary2_id}
    mine = api.get("/api/v1/work-items", params={"scope": "mine"}).json()["items"]
    assert item_id not in [i["id"] for i in mine]
    theirs = api2.get("/api/v1/work-items", params={"scope": "mine"}).json()["items"]
    assert item_id in [i["id"] for i in theirs]
    # Handing over to the unit's queue (null) empties the owner; the same owner again is a conflict.
    back = api2.post(f"/api/v1/work-items/{item_id}/claim")
    assert back.status_code == 200
    queue = api2.post(f"/api/v1/work-items/{item_id}/handover",
                      json={"to_user_id": None, "reason": "Sjuk"})
    assert queue.status_code == 200 and queue.json()["owner"] is None
    assert item_id in [i["id"] for i in api.get("/api/v1/work-items",
                                               params={"scope": "queue"}).json()["items"]]
    outsider = api.post(f"/api/v1/work-items/{item_id}/assign",
                        json={"to_user_id": world.secretary_id + 10**6})
    assert outsider.status_code == 422 and "to_user_id" in outsider.json()["errors"]


def test_comment_and_due_change(api: TestClient, database: Database, world: World) -> None:
    item_id = _item(database, world)
    r = api.post(f"/api/v1/work-items/{item_id}/comments", json={"text": "Ringde, inget svar"})
    assert r.status_code == 201
    assert r.json()["events"][-1]["type"] == "commented"
    assert r.json()["events"][-1]["reason"] == "Ringde, inget svar"
    empty = api.post(f"/api/v1/work-items/{item_id}/comments", json={"text": " "})
    assert empty.status_code == 422 and "text" in empty.json()["errors"]
    new_due = "2032-02-03T09:30:00+01:00"
    moved = api.post(f"/api/v1/work-items/{item_id}/due",
                     json={"due_at": new_due, "reason": "Patienten bortrest"})
    assert moved.status_code == 200
    assert datetime.fromisoformat(moved.json()["due_at"]) == datetime.fromisoformat(new_due)
    assert moved.json()["events"][-1]["type"] == "due_changed"
    no_reason = api.post(f"/api/v1/work-items/{item_id}/due", json={"due_at": new_due, "reason": ""})
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["errors"]
    assert api.post(f"/api/v1/work-items/{item_id}/complete").status_code == 200  # no body needed
    before = _state(database, item_id)
    closed = api.post(f"/api/v1/work-items/{item_id}/due",
                      json={"due_at": new_due, "reason": "För sent"})
    assert closed.status_code == 409
    assert _state(database, item_id) == before


# -- documentation ---------------------------------------------------------------------------

def test_openapi_lists_the_work_item_operations(secretary_client: TestClient) -> None:
    spec = secretary_client.get("/api/v1/openapi.json").json()  # behind login outside demo
    paths = spec["paths"]
    for op in ("claim", "assign", "handover", "start", "hold", "resume", "complete", "cancel",
               "error", "comments", "due"):
        assert "post" in paths[f"/api/v1/work-items/{{item_id}}/{op}"], op
    for path in ("/api/v1/work-items", "/api/v1/work-items/counts", "/api/v1/kinds",
                 "/api/v1/patients", "/api/v1/patients/{patient_id}",
                 "/api/v1/patients/{patient_id}/emergency-access",
                 "/api/v1/patients/{patient_id}/work-items"):
        assert path in paths, path
    claim = paths["/api/v1/work-items/{item_id}/claim"]["post"]
    assert {"401", "403", "404", "409", "422"} <= set(claim["responses"])
    assert claim["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ApiError")
    assert "bearer" in spec["components"]["securitySchemes"]
