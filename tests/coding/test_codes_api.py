"""The coding API: validate a contact's codes, search codes; logged-in users only, 422 for bad input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

BODY = {"contact_date": "2026-03-01", "sex": "M", "age": 30,
        "diagnoses": ["O80.0", "j45.9", "J459"], "procedures": []}


def test_validate_answers_errors_and_warnings(secretary_client: TestClient) -> None:
    r = secretary_client.post("/api/v1/coding/validate", json=BODY)
    assert r.status_code == 200
    body = r.json()
    assert {(e["code"], e["rule"]) for e in body["errors"]} == {("O800", "sex"),
                                                                ("J459", "duplicate")}
    assert all(e["message"] for e in body["errors"]) and body["warnings"] == []
    r = secretary_client.post("/api/v1/coding/validate", json={
        "contact_date": "2026-03-01", "sex": "F", "age": 50, "diagnoses": ["S72.0"],
        "procedures": []})
    assert r.json() == {"errors": [], "warnings": [{
        "code": "S720", "rule": "external_cause",
        "message": "Skada eller förgiftning (S72.0) utan yttre orsak (V01–Y98)."}]}


def test_validate_without_diagnoses_misses_the_main_one(secretary_client: TestClient) -> None:
    r = secretary_client.post("/api/v1/coding/validate", json={
        "contact_date": "2026-03-01", "diagnoses": [], "procedures": []})
    assert r.status_code == 200
    assert r.json()["errors"] == [{"code": "", "rule": "missing_main",
                                   "message": "Huvuddiagnos saknas."}]


@pytest.mark.parametrize(("change", "field"), [
    ({"contact_date": "2026-02-30"}, "contact_date"),
    ({"contact_date": None}, "contact_date"),
    ({"sex": "X"}, "sex"),
    ({"age": -1}, "age"),
    ({"age": "old"}, "age"),
    ({"diagnoses": "J45.9"}, "diagnoses"),
    ({"diagnoses": [1]}, "diagnoses.0"),
    ({"diagnoses": ["J" * 30]}, "diagnoses.0"),
    ({"procedures": ["X"] * 51}, "procedures"),
    ({"unexpected": 1}, "unexpected"),
])
def test_a_malformed_body_is_a_422_naming_the_field(secretary_client: TestClient,
                                                     change: dict[str, Any], field: str) -> None:
    r = secretary_client.post("/api/v1/coding/validate", json={**BODY, **change})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "validation" and field in body["errors"]


def test_a_body_that_is_not_json_is_refused(secretary_client: TestClient) -> None:
    r = secretary_client.post("/api/v1/coding/validate", content=b"{not json",
                              headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"] == "validation"


def test_control_characters_are_unknown_codes_not_errors(secretary_client: TestClient) -> None:
    r = secretary_client.post("/api/v1/coding/validate", json={
        **BODY, "diagnoses": ["J45\u00009"], "procedures": ["NF\u0000B49"]})
    assert r.status_code == 200
    assert {(e["rule"]) for e in r.json()["errors"]} == {"unknown"}
    r = secretary_client.get("/api/v1/coding/codes", params={"q": "J4\u00005 ast\u0000ma"})
    assert r.status_code == 200


def test_search_codes(secretary_client: TestClient) -> None:
    r = secretary_client.get("/api/v1/coding/codes", params={"system": "icd10", "q": "j45.9",
                                                             "on": "2026-03-01"})
    assert r.status_code == 200
    assert r.json()[0] == {"system": "icd10", "code": "J459", "display": "J45.9",
                           "title": "Asthma, unspecified", "fallback": True}
    r = secretary_client.get("/api/v1/coding/codes", params={"q": "fract neck fem", "limit": 3})
    assert r.status_code == 200 and "S720" in [hit["code"] for hit in r.json()]
    assert secretary_client.get("/api/v1/coding/codes",
                                params={"q": "astma", "system": "kva"}).json() == []


@pytest.mark.parametrize("params", [
    {"q": ""}, {"q": "a", "system": "snomed"}, {"q": "a", "on": "2026-13-01"},
    {"q": "a", "limit": 0}, {"q": "a", "limit": 101}, {"q": "a" * 201},
])
def test_search_refuses_bad_parameters(secretary_client: TestClient, params: dict[str, Any]) -> None:
    r = secretary_client.get("/api/v1/coding/codes", params=params)
    assert r.status_code == 422 and r.json()["error"] == "validation"


def test_both_need_a_logged_in_user(client: TestClient) -> None:
    assert client.post("/api/v1/coding/validate", json=BODY).status_code == 401
    assert client.get("/api/v1/coding/codes", params={"q": "J45"}).status_code == 401
