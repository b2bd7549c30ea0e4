"""Compiling a record copy: the patient's documents within the scope, picks, masks, the PDF
(read back with pdftotext), withheld documents, a protected identity, the stored release."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from kulisser.errors import NotFound, ValidationFailed
from kulisser.records import documents, pdf
from kulisser.records.models import RecordRequest
from kulisser.worklist.service import TransitionError
from tests import factories
from tests.records.rpdf_helpers import NOW, make_request, pdf_pages, pdf_text, result, signed_note

SECRET = "Patienten berättade om sin bror Sigvard."


def _setup(db: Session, world: factories.World, **fields: object) -> tuple[RecordRequest, int]:
    pid = world.patient_ids[0]
    signed_note(db, unit_id=world.unit_id, patient_id=pid, author_id=world.clinician_id,
                text=f"Besök för kontroll. {SECRET} Status i övrigt normal.",
                corrections=("Besök för kontroll. Rättad text.",))
    result(db, unit_id=world.unit_id, patient_id=pid, user_id=world.clinician_id, title="Blodstatus")
    # Another unit's note for the same patient is not this unit's record.
    other = factories.make_user(db, world.other_unit_id, role="clinician")
    signed_note(db, unit_id=world.other_unit_id, patient_id=pid, author_id=other.id,
                text="Ortopedens anteckning.")
    return make_request(db, unit_id=world.unit_id, patient_id=pid, **fields), pid


def test_candidates_are_this_units_documents_each_note_version_within_the_scope(
        db: Session, world: factories.World) -> None:
    request, _pid = _setup(db, world)
    secretary = factories.actor(db, world.secretary_id)
    _req, found = documents.candidates(db, actor=secretary, request_id=request.id, now=NOW)
    keys = sorted((d.source, d.source_version) for d in found)
    assert keys == [("note", 1), ("note", 2), ("result", 0)]
    assert all("Ortopedens" not in d.text for d in found)
    note = next(d for d in found if d.source == "note" and d.source_version == 1)
    assert SECRET in note.text and "Signerad av" in note.text
    assert "Vidimerat av" in next(d for d in found if d.source == "result").text

    request.scope, request.document_kinds = "kinds", ["result"]
    assert [d.source for d in documents.candidates(db, actor=secretary, request_id=request.id,
                                                   now=NOW)[1]] == ["result"]
    request.scope, request.document_kinds = "period", []
    request.period_from = request.period_to = date(2020, 1, 1)
    assert documents.candidates(db, actor=secretary, request_id=request.id, now=NOW)[1] == []


def test_the_first_pick_starts_compiling_and_a_pick_keeps_the_text_as_picked(
        db: Session, world: factories.World) -> None:
    request, _pid = _setup(db, world)
    secretary = factories.actor(db, world.secretary_id)
    _req, found = documents.candidates(db, actor=secretary, request_id=request.id, now=NOW)
    note = next(d for d in found if d.source == "note" and d.source_version == 1)
    picked = documents.pick(db, actor=secretary, request_id=request.id, source="note",
                            source_id=note.source_id, source_version=1, now=NOW)
    assert request.status == "compiling" and request.prepared_by_id == world.secretary_id
    assert picked.text == note.text and picked.position == 1
    with pytest.raises(ValidationFailed):
        documents.pick(db, actor=secretary, request_id=request.id, source="note",
                       source_id=note.source_id, source_version=1, now=NOW)
    with pytest.raises(NotFound):  # not in the patient's record in this unit
        documents.pick(db, actor=secretary, request_id=request.id, source="note",
                       source_id=note.source_id, source_version=9, now=NOW)
    documents.unpick(db, actor=secretary, request_id=request.id, document_id=picked.id, now=NOW)
    assert request.documents == []
    assert [e.type for e in request.events] == ["compile", "document_picked", "document_removed"]


def test_masks_merge_overlaps_refuse_out_of_range_and_find_a_typed_passage(
        db: Session, world: factories.World) -> None:
    request, _pid = _setup(db, world)
    secretary = factories.actor(db, world.secretary_id)
    _req, found = documents.candidates(db, actor=secretary, request_id=request.id, now=NOW)
    note = next(d for d in found if d.source == "note" and d.source_version == 1)
    doc = documents.pick(db, actor=secretary, request_id=request.id, source="note",
                         source_id=note.source_id, source_version=1, now=NOW)
    documents.mask(db, actor=secretary, request_id=request.id, document_id=doc.id,
                   start=0, end=5, now=NOW)
    documents.mask(db, actor=secretary, request_id=request.id, document_id=doc.id,
                   start=3, end=10, now=NOW)
    assert [(m.start_at, m.end_at) for m in doc.masks] == [(0, 10)]
    with pytest.raises(ValidationFailed) as refused:
        documents.mask(db, actor=secretary, request_id=request.id, document_id=doc.id,
                       start=5, end=len(doc.text) + 1, now=NOW)
    assert "utanför" in refused.value.errors["mask"]
    with pytest.raises(ValidationFailed):
        documents.mask(db, actor=secretary, request_id=request.id, document_id=doc.id,
                       passage="finns inte i texten", now=NOW)
    assert documents.mask(db, actor=secretary, request_id=request.id, document_id=doc.id,
                          passage=SECRET, now=NOW) == 1
    out = documents.masked_text(doc)
    assert SECRET not in out and documents.MASK_TEXT in out and "Status i övrigt normal." in out
    assert [(m.start_at, m.end_at) for m in doc.masks][1][1] - [
        (m.start_at, m.end_at) for m in doc.masks][1][0] == len(SECRET)


def _picked_all(db: Session, world: factories.World, request: RecordRequest) -> None:
    secretary = factories.actor(db, world.secretary_id)
    for d in documents.candidates(db, actor=secretary, request_id=request.id, now=NOW)[1]:
        documents.pick(db, actor=secretary, request_id=request.id, source=d.source,
                       source_id=d.source_id, source_version=d.source_version, now=NOW)


def test_the_pdf_has_cover_furniture_and_no_masked_or_withheld_text(
        db: Session, world: factories.World, tmp_path: Path) -> None:
    request, pid = _setup(db, world)
    _picked_all(db, world, request)
    secretary = factories.actor(db, world.secretary_id)
    first = next(d for d in request.documents if d.source_version == 1)
    documents.mask(db, actor=secretary, request_id=request.id, document_id=first.id,
                   passage=SECRET, now=NOW)
    withheld = next(d for d in request.documents if d.source == "result")
    withheld.verdict = "withhold"
    body, pages = pdf.render_copy(db, actor=secretary, request_id=request.id, now=NOW)
    text = pdf_text(body, tmp_path)
    patient = db.get(factories.Patient, pid)
    assert patient is not None
    total = pdf_pages(body, tmp_path)
    assert pages == total - 1
    assert "Sigvard" not in text and "Maskerat – OSL 25 kap." in text
    assert "Hemoglobin" not in text and "Handlingar som inte lämnas ut" in text
    assert "Provsvar 2026-11-14" in text
    assert text.count("Kopia av journalhandling") >= total
    assert text.count(patient.display_id) >= total
    assert f"Sida 1 av {total}" in text and f"Sida {total} av {total}" in text
    assert "Ingen avgift" in text and "Brevgatan 9" in text


def test_a_protected_identity_prints_no_address_anywhere(
        db: Session, world: factories.World, tmp_path: Path) -> None:
    hidden = factories.make_patient(db, world.unit_id, protected=True, address="Hemliga gränd 13")
    signed_note(db, unit_id=world.unit_id, patient_id=hidden.id, author_id=world.clinician_id,
                text="Patienten bor på Hemliga gränd 13 sedan i våras.")
    request = make_request(db, unit_id=world.unit_id, patient_id=hidden.id,
                           requester_address="Hemliga gränd 13\n123 45 Teststad")
    _picked_all(db, world, request)
    body, _pages = pdf.render_copy(db, actor=factories.actor(db, world.secretary_id),
                                   request_id=request.id, now=NOW)
    text = pdf_text(body, tmp_path)
    assert "Hemliga" not in text and "Teststad" not in text
    assert hidden.display_id in text and "[Skyddad adress]" in text


def test_compile_release_stores_the_pdf_pages_and_fee_once_for_a_decided_request(
        db: Session, world: factories.World, tmp_path: Path) -> None:
    request, _pid = _setup(db, world, requester_kind="insurer", requester_organisation="Försäkring AB")
    _picked_all(db, world, request)
    secretary = factories.actor(db, world.secretary_id)
    with pytest.raises(TransitionError):
        pdf.compile_release(db, actor=secretary, request_id=request.id, now=NOW)
    request.status, request.outcome = "decided", "full"
    release = pdf.compile_release(db, actor=secretary, request_id=request.id,
                                  now=NOW + timedelta(minutes=1))
    assert release.sha256 == hashlib.sha256(release.pdf).hexdigest()
    assert release.page_count == pdf_pages(release.pdf, tmp_path) - 1
    assert request.page_count == release.page_count and request.fee_sek == release.fee_sek == 0
    assert pdf.compile_release(db, actor=secretary, request_id=request.id, now=NOW).id == release.id
    request2, _ = _setup(db, world)
    request2.status, request2.outcome = "decided", "refused"
    with pytest.raises(TransitionError):
        pdf.compile_release(db, actor=secretary, request_id=request2.id, now=NOW)


def test_another_units_secretary_cannot_compile(db: Session, world: factories.World) -> None:
    request, _pid = _setup(db, world)
    outsider = factories.make_user(db, world.other_unit_id)
    with pytest.raises(Exception) as refused:
        documents.candidates(db, actor=factories.actor_for(outsider), request_id=request.id,
                             now=NOW)
    assert type(refused.value).__name__ in ("AccessDenied", "DeniedNotFound")


def test_pick_all_adds_every_document_in_scope_once_by_date(
        db: Session, world: factories.World) -> None:
    request, _pid = _setup(db, world)
    secretary = factories.actor(db, world.secretary_id)
    assert documents.pick_all(db, actor=secretary, request_id=request.id, now=NOW) == 3
    assert request.status == "compiling"
    assert [d.position for d in request.documents] == [1, 2, 3]
    days = [d.document_date for d in request.documents]
    assert days == sorted(days)
    assert documents.pick_all(db, actor=secretary, request_id=request.id, now=NOW) == 0
    assert len(request.documents) == 3
