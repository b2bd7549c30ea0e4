"""rpdf's routes for tests/web/test_route_coverage.py: how to call each one on the Env's
patient (a request with a signed note, picked and masked where the route needs it). `e` is
that file's Env: a unit's secretary and a fresh patient."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kulisser.db import utcnow
from kulisser.records import documents
from tests import factories
from tests.records.rpdf_helpers import make_request, signed_note

Call = Callable[[Any], tuple[str, dict[str, Any]]]
API = "/api/v1/record-requests"
PAGE = "/journalkopior"
PASSAGE = "Uppgift om anhörig."


def arrange(e: Any, *, picked: bool = False, masked: bool = False,
            kind: str = "copy") -> tuple[int, int, int, int]:
    """A request about the Env's patient with one signed note: (request id, note id, picked
    document id or 0, mask id or 0)."""
    with e.database.session() as s:
        note = signed_note(s, unit_id=e.world.unit_id, patient_id=e.patient_id,
                           author_id=e.world.clinician_id, text=f"Besök. {PASSAGE} Åter.")
        request = make_request(s, unit_id=e.world.unit_id, patient_id=e.patient_id, kind=kind)
        doc_id = mask_id = 0
        if picked or masked:
            secretary = factories.actor(s, e.world.secretary_id)
            doc = documents.pick(s, actor=secretary, request_id=request.id, source="note",
                                 source_id=note.id, source_version=1, now=utcnow())
            doc_id = doc.id
            if masked:
                documents.mask(s, actor=secretary, request_id=request.id, document_id=doc.id,
                               passage=PASSAGE, now=utcnow())
                mask_id = doc.masks[0].id
        return request.id, note.id, doc_id, mask_id


def _pick(e: Any) -> tuple[str, dict[str, Any]]:
    rid, note, _d, _m = arrange(e)
    return f"{PAGE}/{rid}/sammanstall/valj", {"data": {
        "source": "note", "source_id": str(note), "source_version": "1"}}


def _pick_api(e: Any) -> tuple[str, dict[str, Any]]:
    rid, note, _d, _m = arrange(e)
    return f"{API}/{rid}/documents", {"json": {"source": "note", "source_id": note,
                                               "source_version": 1}}


def _doc(e: Any, path: str, **kwargs: Any) -> tuple[str, dict[str, Any]]:
    rid, _n, doc, mask = arrange(e, picked=True, masked=True)
    return path.format(rid=rid, doc=doc, mask=mask), kwargs


PATIENT_ROUTES: dict[tuple[str, str], Call] = {
    ("GET", f"{PAGE}/{{request_id}}/sammanstall"): lambda e: (
        f"{PAGE}/{arrange(e)[0]}/sammanstall", {}),
    ("POST", f"{PAGE}/{{request_id}}/sammanstall/valj"): _pick,
    ("POST", f"{PAGE}/{{request_id}}/sammanstall/valj-alla"): lambda e: (
        f"{PAGE}/{arrange(e)[0]}/sammanstall/valj-alla", {"data": {}}),
    ("POST", f"{PAGE}/{{request_id}}/sammanstall/{{document_id}}/maskera"): lambda e: _doc(
        e, PAGE + "/{rid}/sammanstall/{doc}/maskera", data={"passage": "Besök."}),
    ("POST", f"{PAGE}/{{request_id}}/sammanstall/{{document_id}}/maskering/{{mask_id}}/ta-bort"):
        lambda e: _doc(e, PAGE + "/{rid}/sammanstall/{doc}/maskering/{mask}/ta-bort", data={}),
    ("POST", f"{PAGE}/{{request_id}}/sammanstall/{{document_id}}/ta-bort"): lambda e: _doc(
        e, PAGE + "/{rid}/sammanstall/{doc}/ta-bort", data={}),
    ("GET", f"{PAGE}/{{request_id}}/forhandsgranska"): lambda e: _doc(
        e, PAGE + "/{rid}/forhandsgranska"),
    ("GET", f"{PAGE}/{{request_id}}/kopia.pdf"): lambda e: _doc(e, PAGE + "/{rid}/kopia.pdf"),
    ("GET", f"{PAGE}/{{request_id}}/loggutdrag.csv"): lambda e: (
        f"{PAGE}/{arrange(e, kind='log_extract')[0]}/loggutdrag.csv", {}),
    ("GET", f"{API}/{{request_id}}/candidates"): lambda e: (
        f"{API}/{arrange(e)[0]}/candidates", {}),
    ("GET", f"{API}/{{request_id}}/documents"): lambda e: _doc(e, API + "/{rid}/documents"),
    ("POST", f"{API}/{{request_id}}/documents"): _pick_api,
    ("POST", f"{API}/{{request_id}}/documents/all"): lambda e: (
        f"{API}/{arrange(e)[0]}/documents/all", {}),
    ("DELETE", f"{API}/{{request_id}}/documents/{{document_id}}"): lambda e: _doc(
        e, API + "/{rid}/documents/{doc}"),
    ("POST", f"{API}/{{request_id}}/documents/{{document_id}}/masks"): lambda e: _doc(
        e, API + "/{rid}/documents/{doc}/masks", json={"start": 0, "end": 5}),
    ("DELETE", f"{API}/{{request_id}}/documents/{{document_id}}/masks/{{mask_id}}"): lambda e: _doc(
        e, API + "/{rid}/documents/{doc}/masks/{mask}"),
    ("GET", f"{API}/{{request_id}}/copy.pdf"): lambda e: _doc(e, API + "/{rid}/copy.pdf"),
}
