"""rreview: delivery (post, digital mailbox, collected), consent, the record of it, closing."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser import events
from kulisser.audit.models import AuditEvent
from kulisser.config import Settings
from kulisser.errors import ValidationFailed
from kulisser.letters import jobs as letter_jobs
from kulisser.letters.mailbox import FileDropMailbox
from kulisser.letters.models import Letter
from kulisser.records import delegation, delivery, review
from kulisser.records.events import RecordReleased
from kulisser.records.models import RecordRelease, RecordRequest
from kulisser.worklist import service as worklist
from kulisser.worklist.models import WorkItem
from kulisser.worklist.service import TransitionError
from tests import factories
from tests.records.review_helpers import compiled_request, delegate, now

SETTINGS = Settings(mode="test", secret_key="x" * 40)


def _decided(db: Session, world: factories.World, *, verdicts: tuple[str, ...] = ("release",
                                                                                   "release"),
             **kw: object) -> RecordRequest:
    secretary = factories.actor(db, world.secretary_id)
    clinician = factories.actor(db, world.clinician_id)
    delegate(db, world, user_id=world.clinician_id)
    request = compiled_request(db, world, **kw)
    review.submit(db, actor=secretary, request_id=request.id, decider_id=world.clinician_id,
                  now=now())
    for doc, verdict in zip(request.documents, verdicts, strict=True):
        ground = {} if verdict == "release" else {"legal_ground": "osl_25_1", "reason": "Skäl"}
        review.review_document(db, actor=clinician, request_id=request.id, document_id=doc.id,
                               verdict=verdict, now=now(), **ground)
    review.decide(db, actor=clinician, request_id=request.id, now=now())
    return request


@pytest.fixture()
def released() -> Iterator[list[RecordReleased]]:
    seen: list[RecordReleased] = []
    events.subscribe(RecordReleased, lambda _s, e: seen.append(e))
    yield seen
    seen.clear()


def test_collected_in_person_records_what_to_whom_when_and_how(
        db: Session, world: factories.World, released: list[RecordReleased]) -> None:
    secretary = factories.actor(db, world.secretary_id)
    request = _decided(db, world)
    rcore_item = worklist.open_item(db, actor=secretary, kind="task", ref_type="record_request",
                                    ref_id=request.id, title="Begäran", now=now())
    with pytest.raises(ValidationFailed) as bad:
        delivery.deliver(db, actor=secretary, request_id=request.id, how="collect",
                         settings=SETTINGS, now=now())
    assert "id_check" in bad.value.errors
    delivery.deliver(db, actor=secretary, request_id=request.id, how="collect",
                     id_check="Körkort", settings=SETTINGS, now=now())
    assert request.status == "delivered" and request.id_check == "Körkort"
    assert request.handled_on == delegation.local_today() and request.delivered_at is not None
    release = db.scalar(select(RecordRelease).where(RecordRelease.request_id == request.id))
    assert release is not None and release.pdf.startswith(b"%PDF") and release.fee_sek == 0
    step = request.events[-1]
    assert (step.type, step.data["how"], step.data["release_id"]) == ("deliver", "collect",
                                                                      release.id)
    row = db.scalar(select(AuditEvent).where(AuditEvent.action == "release",
                                             AuditEvent.object_id == str(request.id)))
    assert row is not None and row.patient_id == request.patient_id
    assert row.user_id == world.secretary_id and row.outcome == "allowed"
    assert [e.request_id for e in released] == [request.id]
    assert rcore_item.status == "completed"
    assert not worklist.open_items(db, ref_type="record_request", ref_id=request.id)
    entries = delivery.releases_for_patient(db, actor=secretary, patient_id=request.patient_id)
    assert entries[0].text.startswith("Journalkopia lämnad ut till Eva Ek den ")
    assert "omfattning hela journalen" in entries[0].text


def test_a_third_party_without_valid_consent_cannot_be_delivered_to(
        db: Session, world: factories.World) -> None:
    secretary = factories.actor(db, world.secretary_id)
    request = _decided(db, world, requester_kind="insurer", requester_organisation="Trygg AB",
                       requester_address="Box 1, 111 11 Stad")
    with pytest.raises(TransitionError) as refused:
        delivery.deliver(db, actor=secretary, request_id=request.id, how="post",
                         settings=SETTINGS, now=now())
    assert refused.value.code == "consent_missing"
    today = delegation.local_today()
    request.consent_signed_on, request.consent_filename = today - timedelta(days=400), "s.pdf"
    with pytest.raises(TransitionError, match="äldre än ett år"):
        delivery.deliver(db, actor=secretary, request_id=request.id, how="post",
                         settings=SETTINGS, now=now())
    assert request.status == "decided" and request.delivered_at is None
    request.consent_signed_on = today - timedelta(days=30)
    delivery.deliver(db, actor=secretary, request_id=request.id, how="post", settings=SETTINGS,
                     now=now())
    cover = db.scalar(select(Letter).where(Letter.source_id == request.id,
                                           Letter.kind == "record_copy"))
    assert cover is not None and cover.status == "ready" and cover.route == "post"
    assert cover.fields["mottagare"] == "Eva Ek, Trygg AB"
    assert cover.fields["mottagare_adress"] == "Box 1, 111 11 Stad"
    assert request.status == "delivered" and request.fee_sek == 0  # one page: within the free


def test_a_partial_release_to_the_mailbox_carries_the_copy(
        db: Session, world: factories.World, tmp_path: Path) -> None:
    secretary = factories.actor(db, world.secretary_id)
    request = _decided(db, world, verdicts=("release", "withhold"))
    assert request.outcome == "partial"
    letter_jobs.configure(mailbox=FileDropMailbox(tmp_path))
    try:
        delivery.deliver(db, actor=secretary, request_id=request.id, how="mailbox",
                         settings=SETTINGS, now=now())
    finally:
        letter_jobs.configure()
    envelope = next(tmp_path.glob("*.json"))
    assert json.loads(envelope.read_text())["kind"] == "record_copy"
    listed = subprocess.run(["pdfdetach", "-list", str(next(tmp_path.glob("*.pdf")))],
                            capture_output=True, text=True, check=True).stdout
    assert f"journalkopia-{request.id}.pdf" in listed  # the copy travels embedded in the letter
    cover = db.scalar(select(Letter).where(Letter.source_id == request.id,
                                           Letter.kind == "record_copy"))
    assert cover is not None and cover.status == "sent"
    assert "Vissa uppgifter lämnas inte ut" in cover.fields["delbeslut"]


def test_a_refusal_is_closed_only_once_its_decision_has_gone_out(
        db: Session, world: factories.World) -> None:
    secretary = factories.actor(db, world.secretary_id)
    request = _decided(db, world, verdicts=("withhold", "withhold"))
    with pytest.raises(TransitionError):
        delivery.deliver(db, actor=secretary, request_id=request.id, how="collect",
                         id_check="Pass", settings=SETTINGS, now=now())
    with pytest.raises(TransitionError) as early:
        delivery.close_refused(db, actor=secretary, request_id=request.id, now=now())
    assert early.value.code == "decision_not_sent"
    letter = db.get(Letter, request.decision_letter_id)
    assert letter is not None
    from kulisser.letters import service as letters

    # Sending the decision letter closes the refusal by itself (records' LetterSent subscriber).
    letters.act(db, actor=secretary, letter_id=letter.id, op="sent", now=now())
    assert request.status == "closed" and request.handled_on == delegation.local_today()
    assert [e.type for e in request.events][-1] == "close"
    assert not db.scalars(select(WorkItem).where(
        WorkItem.ref_id == request.id, WorkItem.ref_type == "record_request",
        WorkItem.status.in_(("requested", "accepted", "in-progress")))).all()
    with pytest.raises(TransitionError):  # and only once
        delivery.close_refused(db, actor=secretary, request_id=request.id, now=now())


def test_a_partial_decision_sent_waits_for_the_delivery(db: Session, world: factories.World) -> None:
    from kulisser.letters import service as letters

    secretary = factories.actor(db, world.secretary_id)
    request = _decided(db, world, verdicts=("release", "withhold"))
    assert request.outcome == "partial" and request.decision_letter_id is not None
    letters.act(db, actor=secretary, letter_id=request.decision_letter_id, op="sent", now=now())
    assert request.status == "decided" and request.handled_on is None


def test_the_written_decision_prints_the_appeal_and_never_a_protected_address(
        db: Session, world: factories.World, tmp_path: Path) -> None:
    from kulisser.letters import printing
    from tests.letters.conftest import pdf_text

    clinician = factories.actor(db, world.clinician_id)
    insurer = _decided(db, world, verdicts=("release", "withhold"), requester_kind="insurer",
                       requester_organisation="Trygg AB", requester_address="Box 9, 111 99 Stad")
    _name, pdf = printing.letter_pdf(db, actor=clinician, letter_id=insurer.decision_letter_id)
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert "Beslut om utlämnande av journalhandlingar" in text
    assert "Box 9, 111 99 Stad" in text and "kammarrätten" in text
    assert "inom tre veckor från den dag du fick del av beslutet" in text
    assert "OSL 25 kap. 1 §" in text
    protected = factories.make_patient(db, world.unit_id, protected=True,
                                       address="Hemliga gatan 7")
    own = _decided(db, world, verdicts=("withhold", "withhold"), patient_id=protected.id)
    _name, pdf = printing.letter_pdf(db, actor=clinician, letter_id=own.decision_letter_id)
    text = pdf_text(pdf, tmp_path)
    assert "Hemliga gatan" not in text and "kammarrätten" in text
