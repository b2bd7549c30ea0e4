"""The compile page, preview and PDF over HTTP, and the compile API: picks, masks (selection
offsets and the typed passage), Swedish refusals where the user acted, JSON errors."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from kulisser.db import Database
from kulisser.records.models import RecordRequest
from tests import factories
from tests.conftest import Client
from tests.records.rpdf_helpers import make_request, pdf_text, signed_note

SECRET = "Brodern Sigvard har samma diagnos."


def _request(database: Database, world: factories.World) -> tuple[int, int]:
    with database.session() as s:
        pid = world.patient_ids[0]
        note = signed_note(s, unit_id=world.unit_id, patient_id=pid, author_id=world.clinician_id,
                           text=f"Kontroll utan anmärkning. {SECRET} Åter om ett år.")
        return make_request(s, unit_id=world.unit_id, patient_id=pid).id, note.id


def _doc_id(database: Database, request_id: int) -> int:
    with database.session() as s:
        request = s.get(RecordRequest, request_id)
        assert request is not None
        return request.documents[0].id


def test_pick_mask_by_typed_passage_preview_and_pdf(client_as: Client, database: Database,
                                                    world: factories.World, tmp_path: Path) -> None:
    request_id, note_id = _request(database, world)
    c = client_as(world.secretary_id)
    page = c.get(f"/journalkopior/{request_id}/sammanstall")
    assert page.status_code == 200 and "Patientens handlingar (1)" in page.text
    picked = c.post(f"/journalkopior/{request_id}/sammanstall/valj",
                    data={"source": "note", "source_id": str(note_id), "source_version": "1"},
                    follow_redirects=False)
    assert picked.status_code == 303
    doc_id = _doc_id(database, request_id)
    masked = c.post(f"/journalkopior/{request_id}/sammanstall/{doc_id}/maskera",
                    data={"passage": SECRET}, follow_redirects=True)
    assert masked.status_code == 200 and "Maskerade 1 ställe." in masked.text
    assert 'data-status="compiling"' in masked.text
    preview = c.get(f"/journalkopior/{request_id}/forhandsgranska")
    assert preview.status_code == 200
    assert "Sigvard" not in preview.text and "[Maskerat – OSL 25 kap.]" in preview.text
    got = c.get(f"/journalkopior/{request_id}/kopia.pdf")
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    text = pdf_text(got.content, tmp_path)
    assert "Sigvard" not in text and "Kontroll utan anmärkning." in text


def test_a_refused_mask_is_shown_at_the_document_with_the_typed_text_kept(
        client_as: Client, database: Database, world: factories.World) -> None:
    request_id, note_id = _request(database, world)
    c = client_as(world.secretary_id)
    c.post(f"/journalkopior/{request_id}/sammanstall/valj",
           data={"source": "note", "source_id": str(note_id), "source_version": "1"})
    doc_id = _doc_id(database, request_id)
    typo = "Brodern Sigurd"
    refused = c.post(f"/journalkopior/{request_id}/sammanstall/{doc_id}/maskera",
                     data={"passage": typo})
    assert refused.status_code == 422
    assert "Texten finns inte i handlingen" in refused.text and f'value="{typo}"' in refused.text
    outside = c.post(f"/journalkopior/{request_id}/sammanstall/{doc_id}/maskera",
                     data={"start": "5", "end": "99999"})
    assert outside.status_code == 422 and "utanför handlingens text" in outside.text
    with database.session() as s:
        request = s.get(RecordRequest, request_id)
        assert request is not None and request.documents[0].masks == []


def test_the_compile_api_picks_masks_a_range_and_answers_errors_as_json(
        client_as: Client, database: Database, world: factories.World) -> None:
    request_id, note_id = _request(database, world)
    c = client_as(world.secretary_id)
    base = f"/api/v1/record-requests/{request_id}"
    candidates = c.get(f"{base}/candidates").json()
    assert [(x["source"], x["picked"]) for x in candidates] == [("note", False)]
    doc = c.post(f"{base}/documents", json={"source": "note", "source_id": note_id,
                                            "source_version": 1})
    assert doc.status_code == 201, doc.text
    start = doc.json()["text"].index(SECRET)
    masked = c.post(f"{base}/documents/{doc.json()['id']}/masks",
                    json={"start": start, "end": start + len(SECRET)})
    assert masked.status_code == 200, masked.text
    body = masked.json()
    assert body["places"] == 1 and SECRET not in body["document"]["masked_text"]
    assert body["document"]["masks"] == [{"id": body["document"]["masks"][0]["id"],
                                          "start": start, "end": start + len(SECRET)}]
    again = c.post(f"{base}/documents", json={"source": "note", "source_id": note_id,
                                              "source_version": 1})
    assert again.status_code == 422 and again.json()["error"] == "validation"
    outside = c.post(f"{base}/documents/{doc.json()['id']}/masks", json={"start": 0, "end": 10**6})
    assert outside.status_code == 422 and "utanför" in outside.text
    missing = c.post(f"{base}/documents", json={"source": "note", "source_id": note_id,
                                                "source_version": 7})
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    everything = c.post(f"{base}/documents/all")
    assert everything.status_code == 200 and everything.json()["added"] == 0
    assert len(everything.json()["documents"]) == 1
    pdf = c.get(f"{base}/copy.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_another_units_staff_cannot_see_the_compile_page(
        client_as: Client, database: Database, world: factories.World, db: Session) -> None:
    request_id, _note = _request(database, world)
    outsider = factories.make_user(db, world.other_unit_id)
    db.commit()
    c = client_as(outsider.id)
    assert c.get(f"/journalkopior/{request_id}/sammanstall").status_code in (403, 404)
    assert c.get(f"/api/v1/record-requests/{request_id}/candidates").status_code in (403, 404)
    assert c.get(f"/journalkopior/{request_id}/kopia.pdf").status_code in (403, 404)


def test_the_documents_section_renders_for_the_request_page(
        app: object, database: Database, world: factories.World) -> None:
    request_id, _note = _request(database, world)
    with database.session() as s:
        rr = s.get(RecordRequest, request_id)
        env = app.state.templates.env  # type: ignore[attr-defined]
        for context in ({"request": rr}, {"rr": rr, "request": object()},
                        {"record_request": rr, "request": object()}):
            html = env.get_template("records/_documents.html").render(**context)
            assert f"/journalkopior/{request_id}/sammanstall" in html
            assert "Inga handlingar är valda ännu." in html


def test_the_log_extract_page_and_its_csv(client_as: Client, database: Database,
                                          world: factories.World) -> None:
    from kulisser.audit import service as audit

    with database.session() as s:
        pid = world.patient_ids[1]
        audit.check_access(s, actor=factories.actor(s, world.clinician_id), patient_id=pid,
                           action="read", object_type="patient")
        request_id = make_request(s, unit_id=world.unit_id, patient_id=pid,
                                  kind="log_extract").id
        clinician = s.get(factories.User, world.clinician_id)
        assert clinician is not None
        name = clinician.full_name
    c = client_as(world.secretary_id)
    page = c.get(f"/journalkopior/{request_id}/sammanstall")
    assert page.status_code == 200 and name in page.text and "loggutdrag.csv" in page.text
    got = c.get(f"/journalkopior/{request_id}/loggutdrag.csv")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert "Tid;Vårdenhet;Roll;Personal;Åtgärd;Nödåtkomst" in got.text and name in got.text
    copy_id, _note = _request(database, world)
    assert c.get(f"/journalkopior/{copy_id}/loggutdrag.csv").status_code == 404
