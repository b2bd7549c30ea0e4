"""rreview over HTTP: the API's review, decision and delivery; the pages and their forms."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from kulisser.audit.models import AuditEvent
from kulisser.db import Database
from kulisser.records.models import RecordRequest
from kulisser.worklist.models import WorkItem
from tests import factories
from tests.conftest import Client
from tests.records.review_helpers import compiled_request, delegate

API = "/api/v1/record-requests"


def _in_review(database: Database, world: factories.World) -> tuple[int, list[int]]:
    with database.session() as db:
        delegate(db, world, user_id=world.clinician_id)
        request = compiled_request(db, world)
        return request.id, [d.id for d in request.documents]


def _submit(client: TestClient, request_id: int, world: factories.World) -> None:
    answer = client.post(f"{API}/{request_id}/submit", json={"decider_id": world.clinician_id})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "in_review"


def test_a_decision_without_delegation_is_refused_and_changes_nothing(
        database: Database, world: factories.World, client_as: Client) -> None:
    request_id, docs = _in_review(database, world)
    secretary = client_as(world.secretary_id)
    _submit(secretary, request_id, world)
    # The other secretary has no delegation; she tries to withhold a document, then to decide.
    other = client_as(world.secretary2_id)
    answer = other.post(f"{API}/{request_id}/documents/{docs[0]}/review",
                        json={"verdict": "withhold", "legal_ground": "osl_25_1", "reason": "x"})
    assert answer.status_code == 403
    assert answer.json() == {"error": "forbidden",
                             "detail": "Du har inte delegation att besluta om utlämnande"}
    assert other.post(f"{API}/{request_id}/decide", json={}).status_code == 403
    with database.session() as db:
        request = db.get(RecordRequest, request_id)
        assert request is not None and request.status == "in_review"
        assert [d.verdict for d in request.documents] == [None, None]
        assert request.events[-1].type == "submit"  # nothing recorded by the refused attempts
        denied = db.scalars(select(AuditEvent).where(
            AuditEvent.user_id == world.secretary2_id, AuditEvent.object_id == str(request_id),
            AuditEvent.object_type == "record_request")).all()
        assert [(r.outcome, r.reason) for r in denied] == [
            ("denied", "Du har inte delegation att besluta om utlämnande")] * 2


def test_the_review_item_is_the_deciders_and_links_to_the_request(
        database: Database, world: factories.World, client_as: Client) -> None:
    request_id, _docs = _in_review(database, world)
    _submit(client_as(world.secretary_id), request_id, world)
    with database.session() as db:
        item = db.scalar(select(WorkItem).where(WorkItem.kind == "record-review",
                                                WorkItem.ref_id == request_id))
        assert item is not None and item.owner_id == world.clinician_id
        item_id = item.id
    clinician = client_as(world.clinician_id)
    page = clinician.get(f"/arenden/{item_id}")
    assert page.status_code == 200 and f"/journalkopior/{request_id}/provning" in page.text
    # The worklist may not complete it: only the decision does.
    refused = clinician.post(f"/api/v1/work-items/{item_id}/complete", json={})
    assert refused.status_code == 409 and refused.json()["error"] == "owned_by_record"


def test_the_preparer_cannot_decide_her_own_preparation_unless_the_table_says_so(
        database: Database, world: factories.World, client_as: Client) -> None:
    request_id, docs = _in_review(database, world)
    with database.session() as db:
        delegate(db, world, user_id=world.secretary_id)
    secretary = client_as(world.secretary_id)
    deciders = secretary.get(f"{API}/{request_id}/deciders").json()
    assert [p["id"] for p in deciders] == [world.clinician_id]  # not herself
    _submit(secretary, request_id, world)
    refused = secretary.post(f"{API}/{request_id}/documents/{docs[0]}/review",
                             json={"verdict": "release"})
    assert refused.status_code == 403
    with database.session() as db:
        delegate(db, world, user_id=world.secretary_id, own=True)
    allowed = secretary.post(f"{API}/{request_id}/documents/{docs[0]}/review",
                             json={"verdict": "release"})
    assert allowed.status_code == 200 and allowed.json()["documents"][0]["verdict"] == "release"


def test_review_decide_and_deliver_through_the_api(
        database: Database, world: factories.World, client_as: Client) -> None:
    request_id, docs = _in_review(database, world)
    secretary, clinician = client_as(world.secretary_id), client_as(world.clinician_id)
    _submit(secretary, request_id, world)
    bad = clinician.post(f"{API}/{request_id}/documents/{docs[0]}/review",
                         json={"verdict": "release_masked"})
    assert bad.status_code == 422 and {"legal_ground", "reason"} <= set(bad.json()["errors"])
    assert clinician.post(f"{API}/{request_id}/documents/{docs[0]}/review",
                          json={"verdict": "nonsense"}).status_code == 422
    assert clinician.post(f"{API}/{request_id}/documents/{docs[0]}/review", json={
        "verdict": "release_masked", "legal_ground": "osl_25_6",
        "reason": "Uppgift om anhörig"}).status_code == 200
    assert clinician.post(f"{API}/{request_id}/documents/{docs[1]}/review",
                          json={"verdict": "release"}).status_code == 200
    decided = clinician.post(f"{API}/{request_id}/decide", json={"reason": ""}).json()
    assert decided["outcome"] == "partial" and decided["decision_letter_id"]
    assert secretary.post(f"{API}/{request_id}/deliver",
                          json={"how": "collect"}).status_code == 422  # no ID check
    delivered = secretary.post(f"{API}/{request_id}/deliver",
                               json={"how": "collect", "id_check": "Pass"})
    assert delivered.status_code == 200, delivered.text
    assert delivered.json()["status"] == "delivered" and delivered.json()["handled_on"]
    with database.session() as db:
        patient_id = db.get(RecordRequest, request_id).patient_id  # type: ignore[union-attr]
    entries = secretary.get(f"{API}/releases", params={"patient_id": patient_id}).json()
    assert entries[0]["request_id"] == request_id and "Eva Ek" in entries[0]["text"]
    again = secretary.post(f"{API}/{request_id}/deliver", json={"how": "collect",
                                                                "id_check": "Pass"})
    assert again.status_code == 409
    patient_page = secretary.get(f"/patienter/{patient_id}")
    assert "/journalkopior/patient/" in patient_page.text  # the section loads the entries
    shown = secretary.get(f"/journalkopior/patient/{patient_id}/utlamnanden",
                          headers={"HX-Request": "true"})
    assert shown.status_code == 200
    assert "Journalkopia lämnad ut till Eva Ek den " in shown.text
    assert "omfattning hela journalen" in shown.text


def test_delegation_table_api_and_page(database: Database, world: factories.World,
                                       client_as: Client) -> None:
    manager, secretary = client_as(world.manager_id), client_as(world.secretary_id)
    assert secretary.post(f"{API}/delegations", json={"role": "clinician"}).status_code == 403
    made = manager.post(f"{API}/delegations", json={"user_id": world.clinician_id,
                                                    "valid_from": "2026-01-01"})
    assert made.status_code == 201 and made.json()["in_force"]
    assert manager.post(f"{API}/delegations", json={}).status_code == 422
    ended = manager.post(f"{API}/delegations/{made.json()['id']}/end", json={"on": "2026-02-01"})
    assert ended.json()["valid_to"] == "2026-02-01" and not ended.json()["in_force"]
    page = manager.get("/journalkopior/delegering")
    assert page.status_code == 200 and "Lägg till delegation" in page.text
    assert f'data-delegation="{made.json()["id"]}"' in page.text
    typed = manager.post("/journalkopior/delegering", data={
        "who": "role:clinician", "valid_from": "2026-03-01", "valid_to": "2026-02-01",
        "csrf_token": manager.csrf})  # type: ignore[attr-defined]
    assert typed.status_code == 422 and "Slutdagen kan inte vara före startdagen." in typed.text
    assert 'value="2026-03-01"' in typed.text  # the typed text is kept
    csv = manager.get("/journalkopior/delegering.csv")
    assert csv.status_code == 200 and "Får besluta om egen beredning" in csv.text
    assert "Lägg till delegation" not in secretary.get("/journalkopior/delegering").text


def test_the_review_page_shows_a_refusal_where_the_user_acted(
        database: Database, world: factories.World, client_as: Client) -> None:
    request_id, docs = _in_review(database, world)
    secretary = client_as(world.secretary_id)
    page = secretary.get(f"/journalkopior/{request_id}/provning")
    assert page.status_code == 200 and "Skicka för sekretessprövning" in page.text
    answer = secretary.post(f"/journalkopior/{request_id}/provning/skicka",
                            data={"decider_id": str(world.clinician_id)}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"/journalkopior/{request_id}"
    other = client_as(world.secretary2_id)
    refused = other.post(f"/journalkopior/{request_id}/aterlamna",
                         data={"reason": "Saknar anteckning"})
    assert refused.status_code == 403
    assert "Du har inte delegation att besluta om utlämnande" in refused.text
    clinician = client_as(world.clinician_id)
    bad = clinician.post(f"/journalkopior/{request_id}/handlingar/{docs[0]}/provning",
                         data={"verdict": "withhold", "reason": "Mitt skrivna skäl"})
    assert bad.status_code == 422 and "Ange lagrum" in bad.text
    assert "Mitt skrivna skäl" in bad.text
    with database.session() as db:
        request = db.get(RecordRequest, request_id)
        assert request is not None and request.documents[0].verdict is None
