"""The results JSON API over HTTP: FHIR, CSV and JSON-lines import, lists, read, sign, access."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.audit.models import AuditEvent
from kulisser.db import Database
from kulisser.patients.models import Patient
from kulisser.results.models import Result
from kulisser.staff import service as staff
from kulisser.staff.models import Role, User
from tests import factories
from tests.conftest import Client
from tests.results.helpers import csv_drop, observation, report, sender_id


@pytest.fixture()
def facts(database: Database, world: factories.World) -> dict[str, str]:
    """The identity numbers and clinician username the tests send."""
    with database.session() as s:
        people = [s.get(Patient, pid) for pid in world.patient_ids]
        clinician = s.get(User, world.clinician_id)
        assert clinician is not None and all(people)
        return {"p0": people[0].id_value, "p1": people[1].id_value,  # type: ignore[union-attr]
                "clinician": clinician.username}


def _bearer(app: FastAPI, database: Database, user_id: int) -> TestClient:
    with database.session() as s:
        user = s.get(User, user_id)
        assert user is not None
        token = staff.create_api_token(s, user=user, label="lab")
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def test_fhir_import_with_a_bearer_token_then_again(app: FastAPI, database: Database,
                                                     world: factories.World,
                                                     facts: dict[str, str]) -> None:
    body = report(facts["p0"], orderer=facts["clinician"], values=[observation(value=95, flag="L")])
    with _bearer(app, database, world.secretary_id) as lab:
        first = lab.post("/api/v1/results", json=body)
        assert first.status_code == 201, first.text
        out = first.json()
        assert (out["imported"], out["unmatched"], out["duplicates"]) == (1, 0, 0)
        rid = out["outcomes"][0]["result_id"]
        again = lab.post("/api/v1/results", json=body)
        assert again.status_code == 200
        assert again.json()["outcomes"][0] | {"message": ""} == {
            "row": None, "source_id": body["identifier"][0]["value"], "status": "duplicate",
            "status_label": "Redan importerat", "result_id": rid, "message": ""}
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Result).where(
            Result.source_id == body["identifier"][0]["value"])) == 1


def test_invalid_fhir_is_refused_with_422_and_a_clear_message(client_as: Client,
                                                               world: factories.World) -> None:
    client = client_as(world.secretary_id)
    bad = {"resourceType": "DiagnosticReport", "status": "final", "identifier": [{"value": "X"}]}
    response = client.post("/api/v1/results", json=bad)
    assert response.status_code == 422
    assert response.json()["error"] == "validation"
    assert response.json()["errors"] == {"DiagnosticReport.code": "Fältet saknas."}
    assert client.post("/api/v1/results", json={"resourceType": "Patient"}).status_code == 422
    assert client.post("/api/v1/results", content=b"[1, 2]",
                       headers={"content-type": "application/json"}).status_code == 422


def test_csv_import_reports_each_row(client_as: Client, world: factories.World,
                                     facts: dict[str, str]) -> None:
    bad = facts["p0"][:-1] + str((int(facts["p0"][-1]) + 1) % 10)
    data = csv_drop(f"{sender_id()};{facts['p0']};{facts['clinician']};718-7;Hb;140;g/L;117-153;;;",
                    f"{sender_id()};{bad};;718-7;Hb;140;g/L;117-153;;;")
    response = client_as(world.secretary_id).post(
        "/api/v1/results/csv", files={"file": ("svar.csv", data, "text/csv")})
    assert response.status_code == 201, response.text
    rows = response.json()["outcomes"]
    assert [(r["row"], r["status"]) for r in rows] == [(2, "imported"), (3, "unmatched")]
    assert "Kontrollsiffran" in rows[1]["message"]
    empty = client_as(world.secretary_id).post(
        "/api/v1/results/csv", files={"file": ("svar.csv", b"a;b\n1;2\n", "text/csv")})
    assert empty.status_code == 422 and "sender_id" in empty.json()["errors"]["file"]


def test_bulk_json_lines(client_as: Client, world: factories.World, facts: dict[str, str]) -> None:
    lines = [json.dumps({"sender_id": sender_id(), "identity_number": facts["p1"], "value": n,
                         "test_name": "CRP", "ordering_clinician": facts["clinician"]})
             for n in range(5)]
    response = client_as(world.secretary_id).post(
        "/api/v1/results/bulk", content="\n".join(lines).encode(),
        headers={"content-type": "application/x-ndjson"})
    assert response.status_code == 201 and response.json()["imported"] == 5


def test_list_read_and_sign(client_as: Client, database: Database, world: factories.World,
                            facts: dict[str, str]) -> None:
    secretary = client_as(world.secretary_id)
    rid = secretary.post("/api/v1/results", json=report(
        facts["p0"], orderer=facts["clinician"], values=[observation(value=250, flag="HH")])
    ).json()["outcomes"][0]["result_id"]
    doctor = client_as(world.clinician_id)
    mine = doctor.get("/api/v1/results?scope=mine").json()
    row = next(r for r in mine["items"] if r["id"] == rid)
    assert row["critical"] and row["priority"] == "acute" and row["status"] == "to_sign"
    assert row["responsible"]["id"] == world.clinician_id and row["patient"]["identifier"]
    detail = doctor.get(f"/api/v1/results/{rid}").json()
    assert detail["values"][0]["flag"] == "HH" and detail["values"][0]["reference"] == "117–153"
    assert json.loads(detail["raw"])["resourceType"] == "DiagnosticReport"
    assert detail["allowed_actions"] == ["sign", "handover"]
    assert secretary.get(f"/api/v1/results/{rid}").json()["allowed_actions"] == ["handover"]
    forbidden = secretary.post(f"/api/v1/results/{rid}/sign", json={"follow_up": "none"})
    assert forbidden.status_code == 403 and forbidden.json()["error"] == "forbidden"
    signed = doctor.post(f"/api/v1/results/{rid}/sign", json={"follow_up": "call", "note": "Ring idag"})
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert body["status"] == "signed" and body["signed_by"]["id"] == world.clinician_id
    assert body["follow_up"] == "call" and body["follow_up_item_id"] and body["allowed_actions"] == []
    assert doctor.post(f"/api/v1/results/{rid}/sign", json={"follow_up": "none"}).status_code == 409
    assert rid not in [r["id"] for r in doctor.get("/api/v1/results?scope=mine").json()["items"]]
    task = doctor.get(f"/api/v1/work-items/{body['follow_up_item_id']}").json()
    assert task["kind"] == "task" and task["title"].startswith("Ring patienten")
    assert client_as(world.clinician_id).get("/api/v1/results?scope=nope").status_code == 422


def test_handover_and_match_over_the_api(client_as: Client, database: Database,
                                         world: factories.World, facts: dict[str, str]) -> None:
    with database.session() as s:
        colleague = factories.make_user(s, world.unit_id, Role.CLINICIAN).id
    secretary = client_as(world.secretary_id)
    rid = secretary.post("/api/v1/results", json=report(facts["p0"], orderer=facts["clinician"])
                         ).json()["outcomes"][0]["result_id"]
    doctor = client_as(world.clinician_id)
    missing = doctor.post(f"/api/v1/results/{rid}/handover", json={"to_user_id": colleague, "reason": ""})
    assert missing.status_code == 422
    moved = doctor.post(f"/api/v1/results/{rid}/handover",
                        json={"to_user_id": colleague, "reason": "Tjänstledig"})
    assert moved.status_code == 200 and moved.json()["responsible"]["id"] == colleague
    unmatched = secretary.post("/api/v1/results", json=report(factories.new_personnummer())).json()
    uid = unmatched["outcomes"][0]["result_id"]
    assert unmatched["unmatched"] == 1
    matched = secretary.post(f"/api/v1/results/{uid}/match",
                             json={"identifier": facts["p1"], "clinician": facts["clinician"]})
    assert matched.status_code == 200 and matched.json()["status"] == "to_sign"
    assert matched.json()["responsible"]["id"] == world.clinician_id


def test_another_unit_is_refused_and_the_refusal_is_logged(
        client_as: Client, database: Database, world: factories.World, facts: dict[str, str]) -> None:
    rid = client_as(world.secretary_id).post("/api/v1/results", json=report(facts["p0"])
                                             ).json()["outcomes"][0]["result_id"]
    with database.session() as s:
        stranger = factories.make_user(s, world.other_unit_id, Role.CLINICIAN).id
    client = client_as(stranger)
    for method, url, body in (("GET", f"/api/v1/results/{rid}", None),
                              ("POST", f"/api/v1/results/{rid}/sign", {"follow_up": "none"})):
        response = client.request(method, url, json=body)
        assert response.status_code == 403 and response.json()["error"] == "access_denied"
    with database.session() as s:
        denied = s.scalars(select(AuditEvent).where(AuditEvent.user_id == stranger,
                                                    AuditEvent.outcome == "denied")).all()
        assert len(denied) == 2 and {d.patient_id for d in denied} == {world.patient_ids[0]}
        assert {d.object_id for d in denied} == {str(rid)}
        assert s.get(Result, rid).status == "to_sign"  # type: ignore[union-attr]
    # The stranger's unit lists nothing of ours.
    assert rid not in [r["id"] for r in client.get("/api/v1/results?scope=all").json()["items"]]
    assert client.get(f"/api/v1/results/{rid + 10**9}").status_code == 404


def test_reads_and_lists_write_audit_rows(client_as: Client, database: Database,
                                          world: factories.World, facts: dict[str, str]) -> None:
    rid = client_as(world.secretary_id).post("/api/v1/results", json=report(
        facts["p0"], orderer=facts["clinician"])).json()["outcomes"][0]["result_id"]
    doctor = client_as(world.clinician_id)
    doctor.get(f"/api/v1/results/{rid}")
    doctor.get("/api/v1/results?scope=mine")
    with database.session() as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.user_id == world.clinician_id)).all()
        assert ("read", "result", str(rid)) in {(r.action, r.object_type, r.object_id) for r in rows}
        assert any(r.action == "list" and r.patient_id == world.patient_ids[0] for r in rows)
