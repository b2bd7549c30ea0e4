"""The waiting-list JSON API: create, list, one entry, offers, periods, the end, limits, access."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from kulisser.db import Database
from kulisser.staff.models import Role
from kulisser.waitlist.models import local_today
from tests import factories
from tests.factories import World
from tests.waitlist.helpers import audit_rows


def _day(offset: int) -> str:
    return (local_today() + timedelta(days=offset)).isoformat()


def _create(client: TestClient, world: World, **body: object) -> dict[str, object]:
    payload = {"patient_id": world.patient_ids[0], "wait_kind": "first_visit",
               "clock_start": _day(-50), **body}
    r = client.post("/api/v1/waitlist", json=payload)
    assert r.status_code == 201, r.text
    data: dict[str, object] = r.json()
    return data


def test_create_get_and_list(secretary_client: TestClient, world: World) -> None:
    body = _create(secretary_client, world, priority="high", note="Från remiss")
    figures = body["figures"]
    assert isinstance(figures, dict)
    assert (figures["days_counted"], figures["limit_days"], figures["days_left"]) == (50, 90, 40)
    assert figures["guarantee_date"] == _day(40) and figures["breached"] is False
    assert body["status"] == "waiting" and body["wait_kind_label"] == "Nybesök"
    assert isinstance(body["work_item_ids"], list) and len(body["work_item_ids"]) == 1
    assert body["events"][0]["type"] == "created"  # type: ignore[index]
    got = secretary_client.get(f"/api/v1/waitlist/{body['id']}")
    assert got.status_code == 200 and got.json()["note"] == "Från remiss"
    listed = secretary_client.get("/api/v1/waitlist", params={"risk_days": 40}).json()
    assert body["id"] in [i["id"] for i in listed["items"]]
    assert secretary_client.get("/api/v1/waitlist", params={"risk_days": 39}).json()["total"] == 0
    bad = secretary_client.get("/api/v1/waitlist", params={"status": "gammal"})
    assert bad.status_code == 422 and bad.json()["errors"] == {"status": "Okänt urval."}


def test_create_refusals(secretary_client: TestClient, world: World) -> None:
    r = secretary_client.post("/api/v1/waitlist", json={
        "patient_id": world.patient_ids[0], "wait_kind": "follow_up", "clock_start": _day(-5)})
    assert r.status_code == 422 and "medical_target_date" in r.json()["errors"]
    r = secretary_client.post("/api/v1/waitlist", json={
        "patient_id": world.patient_ids[0], "wait_kind": "dental", "clock_start": _day(-5)})
    assert r.status_code == 422 and r.json()["errors"]["wait_kind"] == "Ogiltigt val."
    r = secretary_client.post("/api/v1/waitlist", json={
        "patient_id": world.stranger_patient_id, "wait_kind": "first_visit", "clock_start": _day(-5)})
    assert r.status_code == 403 and r.json()["error"] == "access_denied"


def test_offer_period_and_end(secretary_client: TestClient, world: World) -> None:
    entry = _create(secretary_client, world)
    eid = entry["id"]
    r = secretary_client.post(f"/api/v1/waitlist/{eid}/offers", json={
        "offered_on": _day(-30), "visit_date": _day(-20), "informed": False, "response": "declined"})
    assert r.status_code == 201
    [offer] = r.json()["offers"]
    assert offer["qualifies"] is False and "inte fått information" in offer["why_not"]
    refused = secretary_client.post(f"/api/v1/waitlist/{eid}/excluded-periods", json={
        "reason": "patient", "start": _day(-30)})
    assert refused.status_code == 422
    assert "informerats om vårdgarantin" in refused.json()["errors"]["offer_id"]
    r = secretary_client.post(f"/api/v1/waitlist/{eid}/offers", json={
        "offered_on": _day(-25), "visit_date": _day(-15), "informed": True})
    pending = r.json()["offers"][-1]
    assert pending["response"] == "pending"
    r = secretary_client.post(f"/api/v1/waitlist/{eid}/offers/{pending['id']}/answer",
                              json={"response": "declined", "responded_on": _day(-24)})
    assert r.status_code == 200 and r.json()["offers"][-1]["qualifies"] is True
    r = secretary_client.post(f"/api/v1/waitlist/{eid}/excluded-periods", json={
        "reason": "patient", "start": _day(-24)})
    assert r.status_code == 201
    body = r.json()
    period = body["excluded_periods"][0]
    assert period["offer_id"] == pending["id"] and period["end"] is None
    assert body["figures"]["paused"] is True and body["figures"]["days_patient"] == 24
    r = secretary_client.post(f"/api/v1/waitlist/{eid}/excluded-periods/{period['id']}/end",
                              json={"end": _day(-15)})
    assert r.json()["figures"]["days_patient"] == 10 and r.json()["figures"]["paused"] is False
    r = secretary_client.post(f"/api/v1/waitlist/{eid}/end", json={"status": "booked",
                                                                   "visit_date": _day(7)})
    assert r.status_code == 200
    body = r.json()
    assert (body["status"], body["end_date"], body["work_item_ids"]) == ("booked", _day(7), [])
    again = secretary_client.post(f"/api/v1/waitlist/{eid}/offers", json={
        "offered_on": _day(0), "visit_date": _day(3), "informed": True})
    assert again.status_code == 409 and again.json()["error"] == "illegal_transition"
    r = secretary_client.post(f"/api/v1/waitlist/{eid}/reopen", json={"reason": "Inställt"})
    assert r.json()["status"] == "waiting" and len(r.json()["work_item_ids"]) == 1
    r = secretary_client.post(f"/api/v1/waitlist/{eid}/remove", json={"reason": "Flyttat"})
    assert r.json()["status"] == "removed" and r.json()["removed_reason"] == "Flyttat"


def test_limits(secretary_client: TestClient, manager_client: TestClient, world: World) -> None:
    got = secretary_client.get("/api/v1/waitlist/limits").json()
    assert got["region"] == "" and [row["days"] for row in got["limits"]] == [90, 90]
    assert secretary_client.put("/api/v1/waitlist/limits", json={"region": "stockholm"}
                                ).status_code == 403
    r = manager_client.put("/api/v1/waitlist/limits", json={"region": "stockholm",
                                                           "limits": {"treatment": 75}})
    assert r.status_code == 200
    rows = {row["wait_kind"]: row for row in r.json()["limits"]}
    assert rows["first_visit"]["days"] == 30 and rows["treatment"] == {
        "wait_kind": "treatment", "label": "Behandling", "region_days": 90, "unit_days": 75,
        "days": 75}
    bad = manager_client.put("/api/v1/waitlist/limits", json={"limits": {"treatment": 0}})
    assert bad.status_code == 422


def test_patient_waits_and_other_unit(app: FastAPI, secretary_client: TestClient,
                                      database: Database, world: World) -> None:
    entry = _create(secretary_client, world)
    r = secretary_client.get(f"/api/v1/patients/{world.patient_ids[0]}/waitlist")
    assert r.status_code == 200 and [i["id"] for i in r.json()["items"]] == [entry["id"]]
    with database.session() as s:
        stranger = factories.make_user(s, world.other_unit_id, Role.SECRETARY).id
    with TestClient(app) as client:
        factories.login_client(client, database, stranger)
        r = client.get(f"/api/v1/waitlist/{entry['id']}")
        assert r.status_code == 403 and r.json()["error"] == "access_denied"
        r = client.post(f"/api/v1/waitlist/{entry['id']}/end",
                        json={"status": "done", "visit_date": _day(0)})
        assert r.status_code == 403
        assert client.get(f"/api/v1/patients/{world.patient_ids[0]}/waitlist").status_code == 403
    with database.session() as s:
        assert audit_rows(s, patient_id=world.patient_ids[0], user_id=stranger,
                          outcome="denied") == 3
