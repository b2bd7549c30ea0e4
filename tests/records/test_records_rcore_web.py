"""Record requests over HTTP: the API (register, list, one, withdraw, appeals, fee quote) and
the pages (list, CSV, new form with its errors, detail, withdraw, appeal, rules, figures)."""

from __future__ import annotations

import base64
from datetime import timedelta

from fastapi.testclient import TestClient

from kulisser.db import Database
from kulisser.records import service as records
from kulisser.records.models import RecordRequest
from kulisser.records.states import Outcome
from tests import factories
from tests.factories import World, csrf_from
from tests.records.helpers import PDF, decide_in_writing, work_items


def _day(offset: int) -> str:
    return (records.local_today() + timedelta(days=offset)).isoformat()


def _create(client: TestClient, world: World, **body: object) -> dict[str, object]:
    payload = {"patient_id": world.patient_ids[0], "received_on": _day(0), "channel": "phone",
               **body}
    r = client.post("/api/v1/record-requests", json=payload)
    assert r.status_code == 201, r.text
    data: dict[str, object] = r.json()
    return data


def test_api_create_get_list(secretary_client: TestClient, world: World) -> None:
    body = _create(secretary_client, world, requester_kind="insurer", requester_name="Anna Berg",
                   requester_organisation="Trygg AB", requester_address="Box 1",
                   consent_signed_on=_day(-30), consent_document=base64.b64encode(PDF).decode(),
                   consent_filename="samtycke.pdf")
    assert body["status"] == "received" and body["kind_label"] == "Journalkopia"
    assert body["target_date"] > _day(0) and body["breach_date"] >= body["target_date"]
    assert isinstance(body["work_item_ids"], list) and len(body["work_item_ids"]) == 1
    got = secretary_client.get(f"/api/v1/record-requests/{body['id']}")
    assert got.status_code == 200 and got.json()["consent_filename"] == "samtycke.pdf"
    listed = secretary_client.get("/api/v1/record-requests").json()
    assert body["id"] in [i["id"] for i in listed["items"]]
    bad = secretary_client.get("/api/v1/record-requests", params={"status": "gammal"})
    assert bad.status_code == 422 and bad.json()["errors"] == {"status": "Okänt urval."}


def test_api_refusals_are_json_422(secretary_client: TestClient, world: World) -> None:
    r = secretary_client.post("/api/v1/record-requests", json={
        "patient_id": world.patient_ids[0], "received_on": _day(1), "channel": "phone"})
    assert r.status_code == 422 and "received_on" in r.json()["errors"]
    r = secretary_client.post("/api/v1/record-requests", json={
        "patient_id": world.patient_ids[0], "received_on": _day(0), "channel": "phone",
        "requester_kind": "insurer", "requester_name": "X", "requester_address": "Y"})
    assert r.status_code == 422
    assert {"consent_document", "consent_signed_on"} <= set(r.json()["errors"])
    r = secretary_client.post("/api/v1/record-requests", json={
        "patient_id": world.patient_ids[0], "received_on": _day(0), "channel": "fax"})
    assert r.status_code == 422 and r.json()["error"] == "validation"
    stranger = secretary_client.post("/api/v1/record-requests", json={
        "patient_id": world.stranger_patient_id, "received_on": _day(0), "channel": "phone"})
    assert stranger.status_code == 403


def test_fee_quote(secretary_client: TestClient) -> None:
    q = secretary_client.get("/api/v1/record-requests/fee-quote",
                             params={"pages": 12, "requester_kind": "insurer", "first_copy": "true"})
    assert q.status_code == 200 and q.json() == {"fee_sek": 54}
    q = secretary_client.get("/api/v1/record-requests/fee-quote",
                             params={"pages": 12, "requester_kind": "patient", "first_copy": "true"})
    assert q.json() == {"fee_sek": 0}
    for params in ({"pages": -1, "requester_kind": "patient"}, {"pages": "tio", "requester_kind": "patient"},
                   {"pages": 3, "requester_kind": "neighbour"}, {"requester_kind": "patient"}):
        bad = secretary_client.get("/api/v1/record-requests/fee-quote", params=params)
        assert bad.status_code == 422 and bad.json()["error"] == "validation", params


def test_api_withdraw_and_appeal(secretary_client: TestClient, world: World,
                                 database: Database) -> None:
    body = _create(secretary_client, world)
    rid = body["id"]
    r = secretary_client.post(f"/api/v1/record-requests/{rid}/appeals",
                              json={"received_on": _day(0)})
    assert r.status_code == 409 and "skriftligt beslut" in r.json()["detail"]
    with database.session() as s:
        req = s.get(RecordRequest, rid)
        assert req is not None
        decide_in_writing(req, received_on=records.local_today() - timedelta(days=30),
                          outcome=Outcome.REFUSED)
    r = secretary_client.post(f"/api/v1/record-requests/{rid}/appeals",
                              json={"received_on": _day(0)})
    assert r.status_code == 201 and r.json()["in_time"] is False
    assert r.json()["last_day"] < _day(0)
    r = secretary_client.post(f"/api/v1/record-requests/{rid}/appeals",
                              json={"received_on": "2026-13-01"})
    assert r.status_code == 422
    w = secretary_client.post(f"/api/v1/record-requests/{rid}/withdraw", json={"reason": "Ångrat"})
    assert w.status_code == 200 and w.json()["status"] == "withdrawn"
    with database.session() as s:
        assert [i.status for i in work_items(s, int(str(rid)), kind="record-request")] == ["cancelled"]
    again = secretary_client.post(f"/api/v1/record-requests/{rid}/withdraw", json={"reason": "x"})
    assert again.status_code == 409


def test_another_units_request_is_404_or_403(client_as: factories.Client, world: World,
                                             secretary_client: TestClient,
                                             database: Database) -> None:
    rid = _create(secretary_client, world)["id"]
    with database.session() as s:
        other = factories.make_user(s, world.other_unit_id).id
    stranger = client_as(other)
    assert stranger.get(f"/api/v1/record-requests/{rid}").status_code in (403, 404)
    assert rid not in [i["id"] for i in stranger.get("/api/v1/record-requests").json()["items"]]


def _patient_ident(database: Database, patient_id: int) -> str:
    from kulisser.patients.models import Patient

    with database.session() as s:
        p = s.get(Patient, patient_id)
        assert p is not None
        return p.display_id


def test_pages_register_by_form(secretary_client: TestClient, world: World,
                                database: Database) -> None:
    page = secretary_client.get("/journalkopior/ny")
    assert page.status_code == 200
    token = csrf_from(page.text)
    ident = _patient_ident(database, world.patient_ids[0])
    form = {"csrf_token": token, "identifier": ident, "kind": "copy", "received_on": _day(0),
            "channel": "phone", "requester_kind": "guardian", "requester_name": "",
            "requester_address": "Gatan 1", "scope": "kinds", "delivery": "post",
            "note": "Ring innan"}
    bad = secretary_client.post("/journalkopior/ny", data=form)
    assert bad.status_code == 422
    assert "Ange namnet på den som begär kopian." in bad.text
    assert "Välj minst ett slags handling." in bad.text
    assert "Ring innan" in bad.text and "Gatan 1" in bad.text  # what was typed is kept
    form.update(requester_name="Karin Lund", document_kinds=["note", "result"])
    ok = secretary_client.post("/journalkopior/ny", data=form, follow_redirects=False)
    assert ok.status_code == 303, ok.text
    detail = secretary_client.get(ok.headers["location"])
    assert detail.status_code == 200
    assert "Karin Lund" in detail.text and "Måldatum" in detail.text and "Registrerad" in detail.text
    listing = secretary_client.get("/journalkopior")
    assert listing.status_code == 200 and ok.headers["location"] in listing.text
    csv = secretary_client.get("/journalkopior.csv")
    assert csv.status_code == 200 and "Karin Lund" in csv.text
    assert csv.headers["content-type"].startswith("text/csv")


def test_pages_third_party_consent_upload(secretary_client: TestClient, world: World,
                                          database: Database) -> None:
    token = csrf_from(secretary_client.get("/journalkopior/ny").text)
    form = {"csrf_token": token, "identifier": _patient_ident(database, world.patient_ids[1]),
            "kind": "copy", "received_on": _day(0), "channel": "letter",
            "requester_kind": "insurer", "requester_name": "Anna", "requester_address": "Box 2",
            "consent_signed_on": _day(-400), "scope": "whole", "delivery": "post"}
    bad = secretary_client.post("/journalkopior/ny", data=form,
                                files={"consent_document": ("s.pdf", PDF, "application/pdf")})
    assert bad.status_code == 422 and "högst ett år gammalt" in bad.text
    form["consent_signed_on"] = _day(-10)
    ok = secretary_client.post("/journalkopior/ny", data=form, follow_redirects=False,
                               files={"consent_document": ("s.pdf", PDF, "application/pdf")})
    assert ok.status_code == 303
    consent = secretary_client.get(ok.headers["location"] + "/samtycke")
    assert consent.status_code == 200 and consent.content == PDF


def test_pages_withdraw_and_appeal(secretary_client: TestClient, world: World,
                                   database: Database) -> None:
    rid = _create(secretary_client, world)["id"]
    page = secretary_client.get(f"/journalkopior/{rid}")
    token = csrf_from(page.text)
    empty = secretary_client.post(f"/journalkopior/{rid}/aterkalla",
                                  data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 422 and "Ange varför begäran återkallas." in empty.text
    with database.session() as s:
        req = s.get(RecordRequest, rid)
        assert req is not None
        decide_in_writing(req, received_on=records.local_today() - timedelta(days=1),
                          outcome=Outcome.PARTIAL)
    page = secretary_client.get(f"/journalkopior/{rid}")
    assert "Sista dag att överklaga" in page.text
    bad = secretary_client.post(f"/journalkopior/{rid}/overklagande",
                                data={"csrf_token": token, "appeal_received_on": "igår"})
    assert bad.status_code == 422 and "Ogiltigt datum" in bad.text and "igår" in bad.text
    ok = secretary_client.post(f"/journalkopior/{rid}/overklagande", follow_redirects=False,
                               data={"csrf_token": token, "appeal_received_on": _day(0)})
    assert ok.status_code == 303
    assert "i tid" in secretary_client.get(f"/journalkopior/{rid}").text
    done = secretary_client.post(f"/journalkopior/{rid}/aterkalla", follow_redirects=False,
                                 data={"csrf_token": token, "reason": "Ångrat"})
    assert done.status_code == 303


def test_rules_page_is_for_managers(secretary_client: TestClient,
                                    manager_client: TestClient) -> None:
    assert secretary_client.get("/journalkopior/installningar").status_code == 403
    page = manager_client.get("/journalkopior/installningar")
    assert page.status_code == 200
    token = csrf_from(page.text)
    values = {"csrf_token": token, "target_days": "2", "breach_days": "1", "free_pages": "9",
              "first_charged_page_sek": "50", "further_page_sek": "2"}
    bad = manager_client.post("/journalkopior/installningar", data=values)
    assert bad.status_code == 422 and "före målet" in bad.text
    values["breach_days"] = "4"
    ok = manager_client.post("/journalkopior/installningar", data=values, follow_redirects=False)
    assert ok.status_code == 303


def test_figures_page_and_csv(secretary_client: TestClient, world: World) -> None:
    _create(secretary_client, world, received_on=_day(-20))
    page = secretary_client.get("/journalkopior/statistik")
    assert page.status_code == 200 and "Mer än 10 arbetsdagar" in page.text
    csv = secretary_client.get("/journalkopior/statistik.csv")
    assert csv.status_code == 200 and "Median handläggningstid" in csv.text


def test_a_scanned_consent_of_some_megabytes(secretary_client: TestClient, world: World,
                                            database: Database) -> None:
    # Larger than the general 2 MB body limit (the route has its own), smaller than 10 MB.
    token = csrf_from(secretary_client.get("/journalkopior/ny").text)
    form = {"csrf_token": token, "identifier": _patient_ident(database, world.patient_ids[2]),
            "kind": "copy", "received_on": _day(0), "channel": "letter",
            "requester_kind": "court", "requester_name": "Tingsrätten", "requester_address": "Box 9",
            "consent_signed_on": _day(-1), "scope": "whole", "delivery": "post"}
    scan = PDF + b"0" * (3 * 1024 * 1024)
    ok = secretary_client.post("/journalkopior/ny", data=form, follow_redirects=False,
                               files={"consent_document": ("s.pdf", scan, "application/pdf")})
    assert ok.status_code == 303, ok.text[:300]
    big = PDF + b"0" * (11 * 1024 * 1024)
    refused = secretary_client.post("/journalkopior/ny", data=form,
                                    files={"consent_document": ("s.pdf", big, "application/pdf")})
    assert refused.status_code == 422 and "högst 10 MB" in refused.text


def test_the_work_item_links_to_the_request(secretary_client: TestClient, world: World) -> None:
    body = _create(secretary_client, world)
    [item_id] = body["work_item_ids"]  # type: ignore[misc]
    page = secretary_client.get(f"/arenden/{item_id}")
    assert page.status_code == 200
    assert f'href="/journalkopior/{body["id"]}"' in page.text
    assert "Öppna begäran" in page.text
    # The worklist may not complete it: the request's own steps do.
    item = secretary_client.get(f"/api/v1/work-items/{item_id}").json()
    assert "complete" not in item["allowed_operations"]


def test_the_patient_found_by_name(secretary_client: TestClient, world: World,
                                   database: Database) -> None:
    family = factories.unique("Journalsok")
    with database.session() as s:
        one = factories.make_patient(s, world.unit_id, given="Ada", family=family)
        factories.make_patient(s, world.unit_id, given="Bo", family=family)
        ident = one.display_id
    token = csrf_from(secretary_client.get("/journalkopior/ny").text)
    form = {"csrf_token": token, "identifier": f"ada {family}", "kind": "copy",
            "received_on": _day(0), "channel": "phone", "requester_kind": "patient",
            "scope": "whole", "delivery": "post"}
    ok = secretary_client.post("/journalkopior/ny", data=form, follow_redirects=False)
    assert ok.status_code == 303, ok.text[:500]
    form["identifier"] = family
    several = secretary_client.post("/journalkopior/ny", data=form)
    assert several.status_code == 422 and "Flera patienter matchar" in several.text
    assert ident in several.text and 'name="patient_pick"' in several.text
    picked = secretary_client.post("/journalkopior/ny", data={**form, "patient_pick": ident},
                                   follow_redirects=False)
    assert picked.status_code == 303
    form["identifier"] = "Ingen Sådan Person"
    none = secretary_client.post("/journalkopior/ny", data=form)
    assert none.status_code == 422 and "Ingen patient med det namnet" in none.text
