"""rreview's routes for tests/web/test_route_coverage.py: how to call each one on the Env's
patient (a request brought into the state the route needs), and the routes without patient
data. `e` is that file's Env: a unit's secretary and a fresh patient."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from kulisser.db import utcnow
from kulisser.letters import service as letters
from kulisser.records import delegation, review
from tests import factories
from tests.records.review_helpers import compiled_request, delegate

Call = Callable[[Any], tuple[str, dict[str, Any]]]
API = "/api/v1/record-requests"


def env_request(e: Any, state: str = "compiling") -> tuple[int, int]:
    """A request about the Env's patient in a state: (request id, first document id).

    States: compiling, in_review, reviewed (all released, not decided), full, partial,
    refused_sent (a refusal whose decision letter has gone out).
    """
    with e.database.session() as s:
        delegate(s, e.world, user_id=e.world.clinician_id)
        request = compiled_request(s, e.world, patient_id=e.patient_id)
        ids = (request.id, request.documents[0].id)
        if state == "compiling":
            return ids
        secretary = factories.actor(s, e.world.secretary_id)
        clinician = factories.actor(s, e.world.clinician_id)
        review.submit(s, actor=secretary, request_id=request.id,
                      decider_id=e.world.clinician_id, now=utcnow())
        if state == "in_review":
            return ids
        verdict = {"partial": "withhold", "refused_sent": "withhold"}.get(state, "release")
        for d in request.documents:
            extra = {} if verdict == "release" else {"legal_ground": "osl_25_1", "reason": "Skäl"}
            review.review_document(s, actor=clinician, request_id=request.id, document_id=d.id,
                                   verdict=verdict if d.position == 0 or state != "partial"
                                   else "release", now=utcnow(), **extra if d.position == 0
                                   or state != "partial" else {})
        if state == "reviewed":
            return ids
        review.decide(s, actor=clinician, request_id=request.id, now=utcnow())
        if state == "refused_sent":
            assert request.decision_letter_id is not None
            letters.act(s, actor=secretary, letter_id=request.decision_letter_id, op="sent")
        return ids


def _delegation(e: Any) -> int:
    with e.database.session() as s:
        line = delegation.add(s, actor=factories.actor(s, e.world.manager_id),
                              role="clinician", valid_from=date(2020, 1, 1))
        return line.id


def _rid(e: Any, state: str = "compiling") -> int:
    return env_request(e, state)[0]


def _doc(e: Any, path: str, state: str = "in_review") -> str:
    rid, doc = env_request(e, state)
    return path.format(rid=rid, doc=doc)


CLINICIAN = "clinician"


def _as_clinician(e: Any, url: str, **kwargs: Any) -> tuple[str, dict[str, Any]]:
    return url, {**kwargs, "as_user": e.world.clinician_id}


PATIENT_ROUTES: dict[tuple[str, str], Call] = {
    ("GET", f"{API}/releases"): lambda e: (f"{API}/releases?patient_id={e.patient_id}", {}),
    ("GET", "/journalkopior/patient/{patient_id}/utlamnanden"): lambda e: (
        f"/journalkopior/patient/{e.patient_id}/utlamnanden", {}),
    ("GET", f"{API}/{{request_id}}/review"): lambda e: (f"{API}/{_rid(e)}/review", {}),
    ("GET", f"{API}/{{request_id}}/deciders"): lambda e: (f"{API}/{_rid(e)}/deciders", {}),
    ("GET", "/journalkopior/{request_id}/provning"): lambda e: (
        f"/journalkopior/{_rid(e)}/provning", {}),
    ("POST", f"{API}/{{request_id}}/submit"): lambda e: (
        f"{API}/{_rid(e)}/submit", {"json": {"decider_id": e.world.clinician_id}}),
    ("POST", "/journalkopior/{request_id}/provning/skicka"): lambda e: (
        f"/journalkopior/{_rid(e)}/provning/skicka",
        {"data": {"decider_id": str(e.world.clinician_id)}}),
    ("POST", f"{API}/{{request_id}}/documents/{{document_id}}/review"): lambda e: _as_clinician(
        e, _doc(e, API + "/{rid}/documents/{doc}/review"), json={"verdict": "release"}),
    ("POST", "/journalkopior/{request_id}/handlingar/{document_id}/provning"): lambda e: (
        _as_clinician(e, _doc(e, "/journalkopior/{rid}/handlingar/{doc}/provning"),
                      data={"verdict": "release"})),
    ("POST", f"{API}/{{request_id}}/return"): lambda e: _as_clinician(
        e, f"{API}/{_rid(e, 'in_review')}/return", json={"reason": "Komplettera"}),
    ("POST", "/journalkopior/{request_id}/aterlamna"): lambda e: _as_clinician(
        e, f"/journalkopior/{_rid(e, 'in_review')}/aterlamna", data={"reason": "Komplettera"}),
    ("POST", f"{API}/{{request_id}}/decide"): lambda e: _as_clinician(
        e, f"{API}/{_rid(e, 'reviewed')}/decide", json={}),
    ("POST", "/journalkopior/{request_id}/beslut"): lambda e: _as_clinician(
        e, f"/journalkopior/{_rid(e, 'reviewed')}/beslut", data={}),
    ("POST", f"{API}/{{request_id}}/decision-letter"): lambda e: (
        f"{API}/{_rid(e, 'partial')}/decision-letter", {}),
    ("POST", "/journalkopior/{request_id}/beslutsbrev"): lambda e: (
        f"/journalkopior/{_rid(e, 'partial')}/beslutsbrev", {"data": {}}),
    ("POST", f"{API}/{{request_id}}/decision-received"): lambda e: (
        f"{API}/{_rid(e, 'partial')}/decision-received",
        {"json": {"received_on": delegation.local_today().isoformat()}}),
    ("POST", "/journalkopior/{request_id}/beslut-mottaget"): lambda e: (
        f"/journalkopior/{_rid(e, 'partial')}/beslut-mottaget",
        {"data": {"received_on": delegation.local_today().isoformat()}}),
    ("POST", f"{API}/{{request_id}}/deliver"): lambda e: (
        f"{API}/{_rid(e, 'full')}/deliver", {"json": {"how": "collect", "id_check": "Pass"}}),
    ("POST", "/journalkopior/{request_id}/lamna-ut"): lambda e: (
        f"/journalkopior/{_rid(e, 'full')}/lamna-ut",
        {"data": {"how": "collect", "id_check": "Pass"}}),
}

TABLE = "the unit's delegation table for record copies (staff and dates, no patient)"
NO_PATIENT_DATA: dict[tuple[str, str], str] = {
    ("GET", f"{API}/delegations"): TABLE,
    ("POST", f"{API}/delegations"): TABLE,
    ("POST", f"{API}/delegations/{{delegation_id}}/end"): TABLE,
    ("GET", "/journalkopior/delegering"): TABLE,
    ("GET", "/journalkopior/delegering.csv"): TABLE,
    ("POST", "/journalkopior/delegering"): TABLE,
    ("POST", "/journalkopior/delegering/{delegation_id}/avsluta"): TABLE,
}

UNIT_ROUTES: dict[tuple[str, str], Call] = {
    ("POST", f"{API}/delegations/{{delegation_id}}/end"): lambda e: (
        f"{API}/delegations/{_delegation(e)}/end", {"json": {}, "as_user": e.world.manager_id}),
    ("POST", "/journalkopior/delegering/{delegation_id}/avsluta"): lambda e: (
        f"/journalkopior/delegering/{_delegation(e)}/avsluta",
        {"data": {}, "as_user": e.world.manager_id}),
}
