"""The access orders' and reviews' API in the OpenAPI document: every operation with the ways
in and its errors as ApiError bodies; the errors themselves are JSON with Swedish messages."""

from __future__ import annotations

from kulisser.db import Database
from tests import factories
from tests.conftest import Client


def test_every_access_order_and_review_operation_documents_its_errors(
        world: factories.World, client_as: Client) -> None:
    spec = client_as(world.manager_id).get("/api/v1/openapi.json").json()
    found = {path: ops for path, ops in spec["paths"].items()
             if path.startswith(("/api/v1/access-orders", "/api/v1/access-reviews"))}
    assert {"/api/v1/access-orders", "/api/v1/access-orders/{order_id}/approve",
            "/api/v1/access-reviews", "/api/v1/access-reviews/{review_id}/lines/{line_id}/attest",
            "/api/v1/access-reviews/inactive-accounts"} <= set(found)
    for path, ops in found.items():
        for method, op in ops.items():
            errors = {code: r for code, r in op["responses"].items() if code.startswith("4")}
            assert "401" in errors and len(errors) >= 2, (method, path)
            for code, response in errors.items():
                schema = response["content"]["application/json"]["schema"]
                assert schema.get("$ref", "").endswith("/ApiError"), (method, path, code)
            assert op["security"], (method, path)


def test_bad_input_gets_a_swedish_json_error_and_nothing_is_stored(
        database: Database, world: factories.World, client_as: Client) -> None:
    api = client_as(world.secretary_id)
    bad = api.post("/api/v1/access-orders", json={"kind": "new", "person_id": 999999999,
                                                  "effective_on": "2026-13-40"})
    assert bad.status_code == 422 and bad.json()["error"] == "validation"
    assert bad.json()["errors"]["effective_on"] == "Ogiltigt värde."
    unknown = api.post("/api/v1/access-orders", json={
        "kind": "new", "person_id": 999999999, "effective_on": "2026-12-20", "mode": "profile"})
    assert unknown.status_code == 422 and unknown.json()["detail"] == "Kontrollera uppgifterna."
    assert unknown.json()["errors"]["person_id"] == "Personen finns inte i personalregistret."
    review = api.post("/api/v1/access-reviews/1/lines/1/attest", json={"decision": "bogus"})
    assert review.status_code == 422 and review.json()["error"] == "validation"
    assert api.get("/api/v1/access-orders").json() == []
