"""The dictation service on a real database: upload, review, signature, work items, access."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser.audit.service import AccessDenied
from kulisser.db import utcnow
from kulisser.dictation import jobs as dictation_jobs
from kulisser.dictation import queries
from kulisser.dictation import service as dictations
from kulisser.dictation.models import Dictation, NoteVersion
from kulisser.dictation.states import Action
from kulisser.dictation.storage import AudioStore
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.jobs.context import JobContext
from kulisser.jobs.models import Job
from kulisser.staff.models import Role
from kulisser.worklist.states import TransitionError
from tests import factories
from tests.dictation.audio import unique_tone, wav_bytes
from tests.dictation.conftest import FakeTranscriber
from tests.dictation.helpers import audit_rows, bring_to, items_of, upload
from tests.integration.conftest import JOB_SETTINGS


def test_upload_queues_the_dictation_its_item_and_its_draft(db: Session, world: factories.World,
                                                            store: AudioStore) -> None:
    audio = unique_tone(1.5)
    d = upload(db, world, store=store, audio=audio, note_type="epikris", priority="acute")
    assert d.status == "dictated" and d.author_id == world.clinician_id
    assert d.unit_id == world.unit_id and d.patient_id == world.patient_ids[0]
    assert d.note_type.code == "discharge" and d.priority == "acute"
    assert d.audio_format == "wav" and d.audio_duration_s == pytest.approx(1.5, abs=0.01)
    assert store.path_for(d.audio_sha256).read_bytes() == audio
    assert [e.type for e in d.events] == ["uploaded"]
    [item] = items_of(db, d.id)
    assert item.kind == "dictation" and item.owner_id is None and item.status == "requested"
    assert item.unit_id == world.unit_id and item.patient_id == d.patient_id
    assert item.priority == "acute"
    assert item.title.startswith("Epikris: ")
    # Acute dictations are due within hours, not days.
    assert (item.due_at - item.created_at).total_seconds() <= 2 * 3600
    job = db.scalar(select(Job).where(Job.dedupe_key == f"transcribe:{d.id}"))
    assert job is not None and job.status == "queued" and job.args == {"dictation_id": d.id}
    assert dictations.transcription_state(db, dictation_id=d.id).status == "queued"
    assert audit_rows(db, user_id=world.clinician_id, object_type="dictation",
                      patient_id=d.patient_id) == 1


def test_the_same_audio_twice_makes_two_dictations_and_one_file(
        db: Session, world: factories.World, store: AudioStore) -> None:
    audio = unique_tone()
    first, second = (upload(db, world, store=store, audio=audio) for _ in range(2))
    assert first.id != second.id and first.audio_sha256 == second.audio_sha256
    assert [p for p in store.root.rglob("*") if p.is_file()] == [store.path_for(first.audio_sha256)]


def test_a_path_traversal_file_name_is_only_display_text(db: Session, world: factories.World,
                                                         store: AudioStore) -> None:
    d = upload(db, world, store=store, filename="../../etc/passwd.wav")
    assert d.original_filename == "passwd.wav"
    files = [p for p in store.data_dir.parent.rglob("*") if p.is_file()]
    assert files == [store.path_for(d.audio_sha256)]
    assert not (store.data_dir.parent / "etc").exists()


@pytest.mark.parametrize("case", ["empty", "random", "silent", "too_long", "too_large"])
def test_bad_audio_stores_no_row_no_item_no_job_no_file(db: Session, world: factories.World,
                                                        tmp_path: Path, case: str) -> None:
    store = AudioStore(data_dir=tmp_path / "data", max_duration_s=2.0, max_bytes=200_000)
    audio = {"empty": b"", "random": bytes(range(256)) * 100,
             "silent": wav_bytes(np.zeros(16_000, np.float32)),
             "too_long": unique_tone(3.0), "too_large": unique_tone(1.0) * 10}[case]
    before = [db.scalar(select(func.count()).select_from(t)) for t in (Dictation, Job)]
    with pytest.raises(ValidationFailed) as caught:
        upload(db, world, store=store, audio=audio)
    assert set(caught.value.errors) == {"audio"}
    db.rollback()  # what the request does with a 422
    assert [db.scalar(select(func.count()).select_from(t)) for t in (Dictation, Job)] == before
    assert not store.root.exists() or not [p for p in store.root.rglob("*") if p.is_file()]


def test_secretary_uploads_on_behalf_of_a_clinician_only(db: Session, world: factories.World,
                                                         store: AudioStore) -> None:
    with pytest.raises(ValidationFailed) as caught:
        upload(db, world, store=store, uploader_id=world.secretary_id)
    assert "author_id" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:  # a secretary is not an author
        upload(db, world, store=store, uploader_id=world.secretary_id, author_id=world.secretary2_id)
    assert "author_id" in caught.value.errors
    d = upload(db, world, store=store, uploader_id=world.secretary_id, author_id=world.clinician_id)
    assert d.author_id == world.clinician_id and d.uploaded_by_id == world.secretary_id
    other = factories.make_user(db, world.unit_id, Role.CLINICIAN)
    with pytest.raises(ValidationFailed) as caught:  # a clinician dictates only for themselves
        upload(db, world, store=store, author_id=other.id)
    assert "author_id" in caught.value.errors


def test_bad_fields_are_refused_before_any_audio_is_stored(db: Session, world: factories.World,
                                                           store: AudioStore) -> None:
    with pytest.raises(ValidationFailed) as caught:
        upload(db, world, store=store, note_type="dikt", priority="urgent", patient_id=10**9)
    assert set(caught.value.errors) == {"note_type", "priority", "patient_id"}
    assert not store.root.exists()


def test_review_signature_and_correction(db: Session, world: factories.World,
                                         store: AudioStore) -> None:
    secretary = factories.actor(db, world.secretary_id)
    clinician = factories.actor(db, world.clinician_id)
    d = upload(db, world, store=store)
    # The secretary writes from the audio without waiting for a draft.
    dictations.save_text(db, actor=secretary, dictation_id=d.id, text="Anamnes:\nHosta.")
    assert d.status == "in_review" and d.text_revision == 1
    [queue_item] = items_of(db, d.id)
    assert queue_item.status == "in-progress" and queue_item.owner_id == world.secretary_id
    # An autosave over a text someone else saved meanwhile is refused, not lost.
    with pytest.raises(TransitionError) as caught:
        dictations.save_text(db, actor=clinician, dictation_id=d.id, text="Annat", base_revision=0)
    assert caught.value.code == "edit_conflict" and d.text == "Anamnes:\nHosta."
    dictations.save_text(db, actor=secretary, dictation_id=d.id, text="Anamnes:\nHosta i två veckor.",
                         base_revision=1)
    dictations.send_for_signature(db, actor=secretary, dictation_id=d.id)
    assert d.status == "awaiting_signature"
    queue_item, signature_item = items_of(db, d.id)
    assert queue_item.status == "completed"
    assert signature_item.kind == "signature" and signature_item.owner_id == world.clinician_id
    assert signature_item.status == "requested" and signature_item.title.startswith("Signera ")
    with pytest.raises(Forbidden):
        dictations.sign(db, actor=secretary, dictation_id=d.id)
    other_clinician = factories.actor(db, factories.make_user(db, world.unit_id, Role.CLINICIAN).id)
    with pytest.raises(Forbidden):
        dictations.sign(db, actor=other_clinician, dictation_id=d.id)
    signed_at = utcnow()
    v1 = dictations.sign(db, actor=clinician, dictation_id=d.id, now=signed_at)
    assert (v1.version, v1.text, v1.signed_by_id, v1.signed_at) == (
        1, "Anamnes:\nHosta i två veckor.", world.clinician_id, signed_at)
    assert d.status == "signed" and d.signed_at == signed_at and d.signed_by_id == world.clinician_id
    assert items_of(db, d.id)[1].status == "completed"
    # The signed text is locked ...
    with pytest.raises(TransitionError):
        dictations.save_text(db, actor=secretary, dictation_id=d.id, text="Ändrad")
    with pytest.raises(TransitionError) as caught:
        dictations.correct_signed(db, actor=clinician, dictation_id=d.id, text="Ny", reason=" ")
    assert caught.value.code == "reason_required"
    # ... a correction is a new version, and the first one is kept as it was.
    v2 = dictations.correct_signed(db, actor=clinician, dictation_id=d.id,
                                   text="Anamnes:\nHosta i tre veckor.", reason="Fel antal veckor")
    db.flush()
    db.expire_all()
    versions = list(db.scalars(select(NoteVersion).where(NoteVersion.dictation_id == d.id)
                               .order_by(NoteVersion.version)))
    assert [(v.version, v.text, v.correction_reason) for v in versions] == [
        (1, "Anamnes:\nHosta i två veckor.", None),
        (2, "Anamnes:\nHosta i tre veckor.", "Fel antal veckor")]
    assert v2.id == versions[1].id and db.get(Dictation, d.id).text == "Anamnes:\nHosta i tre veckor."  # type: ignore[union-attr]
    types = [e.type for e in db.get(Dictation, d.id).events]  # type: ignore[union-attr]
    assert types == ["uploaded", "review_started", "sent_for_signature", "signed", "corrected"]


def test_a_signed_version_cannot_be_changed_in_place(db: Session, world: factories.World,
                                                     store: AudioStore) -> None:
    d = bring_to(db, world, upload(db, world, store=store), "signed")
    db.flush()
    version = d.versions[0]
    version.text = "Smyg-ändrat"
    with pytest.raises(TransitionError) as caught:
        db.flush()
    assert caught.value.code == "signed_version_locked"
    db.rollback()


def test_return_to_author_and_answer(db: Session, world: factories.World, store: AudioStore) -> None:
    secretary = factories.actor(db, world.secretary_id)
    clinician = factories.actor(db, world.clinician_id)
    d = bring_to(db, world, upload(db, world, store=store), "in_review")
    with pytest.raises(TransitionError) as caught:
        dictations.return_to_author(db, actor=secretary, dictation_id=d.id, question="  ")
    assert caught.value.code == "reason_required"
    dictations.return_to_author(db, actor=secretary, dictation_id=d.id, question="Vilken dos menas?")
    assert d.status == "returned" and d.question == "Vilken dos menas?"
    queue_item, question_item = items_of(db, d.id)
    assert queue_item.status == "on-hold"
    assert question_item.kind == "dictation-question" and question_item.owner_id == world.clinician_id
    assert question_item.description == "Vilken dos menas?"
    # The secretary may go on with what is clear meanwhile.
    dictations.save_text(db, actor=secretary, dictation_id=d.id, text="Det som är klart.")
    assert d.status == "returned"
    with pytest.raises(Forbidden):
        dictations.answer_question(db, actor=secretary, dictation_id=d.id, answer="5 mg")
    dictations.answer_question(db, actor=clinician, dictation_id=d.id, answer="5 mg dagligen.")
    assert d.status == "in_review" and d.answer == "5 mg dagligen."
    queue_item, question_item = items_of(db, d.id)
    assert question_item.status == "completed"
    assert queue_item.status == "in-progress"  # back where it was before the hold


def test_unusable_audio_closes_the_dictation_and_asks_for_a_new_recording(
        db: Session, world: factories.World, store: AudioStore) -> None:
    secretary = factories.actor(db, world.secretary_id)
    d = upload(db, world, store=store)
    with pytest.raises(Forbidden):
        dictations.mark_audio_unusable(db, actor=factories.actor(db, world.clinician_id),
                                       dictation_id=d.id, reason="Brus")
    dictations.mark_audio_unusable(db, actor=secretary, dictation_id=d.id,
                                   reason="Bara brus efter tio sekunder.")
    assert d.status == "unusable" and d.unusable_reason == "Bara brus efter tio sekunder."
    queue_item, redo = items_of(db, d.id)
    assert queue_item.status == "cancelled" and "Bara brus" in (queue_item.events[-1].reason or "")
    assert redo.kind == "dictation-redo" and redo.owner_id == world.clinician_id
    assert redo.status == "requested"
    with pytest.raises(TransitionError):
        dictations.save_text(db, actor=secretary, dictation_id=d.id, text="x")
    # The new recording names the unusable one; the author's redo item is then done.
    clinician = factories.actor(db, world.clinician_id)
    new = dictations.upload_dictation(
        db, actor=clinician, store=store, audio=io.BytesIO(unique_tone()), filename="igen.wav",
        patient_id=d.patient_id or 0, note_type="visit", replaces_id=d.id)
    assert new.replaces_id == d.id and redo.status == "completed"
    with pytest.raises(ValidationFailed) as caught:  # only an unusable dictation can be replaced
        dictations.upload_dictation(
            db, actor=clinician, store=store, audio=io.BytesIO(unique_tone()), filename="x.wav",
            patient_id=d.patient_id or 0, note_type="visit", replaces_id=new.id)
    assert "replaces_id" in caught.value.errors


def test_cancel_closes_every_open_item(db: Session, world: factories.World, store: AudioStore) -> None:
    d = bring_to(db, world, upload(db, world, store=store), "awaiting_signature")
    clinician = factories.actor(db, world.clinician_id)
    dictations.cancel(db, actor=clinician, dictation_id=d.id, reason="Fel patient")
    assert d.status == "cancelled" and d.cancelled_reason == "Fel patient" and d.closed_at
    assert [i.status for i in items_of(db, d.id)] == ["completed", "cancelled"]
    with pytest.raises(TransitionError):
        dictations.sign(db, actor=clinician, dictation_id=d.id)


def test_roles_decide_the_offered_actions(db: Session, world: factories.World, store: AudioStore) -> None:
    d = bring_to(db, world, upload(db, world, store=store), "awaiting_signature")
    secretary = factories.actor(db, world.secretary_id)
    clinician = factories.actor(db, world.clinician_id)
    assert dictations.actions_for(secretary, d) == [Action.SAVE_TEXT, Action.CANCEL]
    assert dictations.actions_for(clinician, d) == [Action.SAVE_TEXT, Action.SIGN, Action.CANCEL]


def test_another_unit_is_denied_and_the_denial_carries_the_patient(
        db: Session, world: factories.World, store: AudioStore) -> None:
    d = upload(db, world, store=store)
    stranger = factories.actor(db, factories.make_user(db, world.other_unit_id, Role.SECRETARY).id)
    for call in (lambda: dictations.get_dictation(db, actor=stranger, dictation_id=d.id),
                 lambda: dictations.open_audio(db, actor=stranger, store=store, dictation_id=d.id),
                 lambda: dictations.save_text(db, actor=stranger, dictation_id=d.id, text="x")):
        with pytest.raises(AccessDenied) as caught:
            call()
        assert caught.value.row["patient_id"] == d.patient_id
        assert caught.value.row["outcome"] == "denied"
        assert caught.value.row["user_id"] == stranger.user_id


def test_reads_and_the_audio_are_audited(db: Session, world: factories.World, store: AudioStore) -> None:
    d = upload(db, world, store=store)
    secretary = factories.actor(db, world.secretary_id)
    dictations.get_dictation(db, actor=secretary, dictation_id=d.id)
    found = dictations.open_audio(db, actor=secretary, store=store, dictation_id=d.id)
    assert found.path == store.path_for(d.audio_sha256) and found.media_type == "audio/wav"
    assert found.filename == f"diktat-{d.id}.wav"
    db.flush()
    assert audit_rows(db, user_id=world.secretary_id, object_type="dictation", patient_id=d.patient_id) == 1
    assert audit_rows(db, user_id=world.secretary_id, object_type="dictation_audio",
                      patient_id=d.patient_id) == 1


def test_queue_is_ordered_by_priority_then_age_and_logs_each_patient(
        db: Session, world: factories.World, store: AudioStore) -> None:
    low = upload(db, world, store=store, priority="low")
    acute = upload(db, world, store=store, priority="acute", patient_id=world.patient_ids[1])
    normal = upload(db, world, store=store, priority="normal", patient_id=world.patient_ids[2])
    secretary = factories.actor(db, world.secretary_id)
    found = queries.list_dictations(db, actor=secretary, filter=queries.DictationFilter())
    assert [d.id for d in found] == [acute.id, normal.id, low.id]
    assert queries.count_dictations(db, actor=secretary, filter=queries.DictationFilter()) == 3
    db.flush()
    assert audit_rows(db, user_id=world.secretary_id, object_type="dictation_list") == 3
    bring_to(db, world, normal, "awaiting_signature")
    mine = queries.list_for_author(db, actor=factories.actor(db, world.clinician_id))
    assert [d.id for d in mine] == [normal.id]
    to_write = queries.list_dictations(db, actor=secretary,
                                       filter=queries.DictationFilter(status="to_write"))
    assert [d.id for d in to_write] == [acute.id, low.id]
    with pytest.raises(ValidationFailed):
        queries.list_dictations(db, actor=secretary, filter=queries.DictationFilter(status="gammal"))


def test_the_job_task_drafts_once_and_never_touches_the_working_text(
        db: Session, world: factories.World, store: AudioStore, fake: FakeTranscriber) -> None:
    d = upload(db, world, store=store)
    db.commit()
    dictation_jobs.transcribe(JobContext(db, JOB_SETTINGS), dictation_id=d.id)
    db.commit()
    d = db.get(Dictation, d.id)  # type: ignore[assignment]
    assert d.status == "draft_ready" and d.draft_text == "Patienten mår bra."
    assert d.draft_model == "fake-whisper" and d.text == "" and len(d.draft_words or []) == 3
    assert fake.calls == [store.path_for(d.audio_sha256)]
    dictation_jobs.transcribe(JobContext(db, JOB_SETTINGS), dictation_id=d.id)  # a second run changes nothing
    assert len(fake.calls) == 1 and [e.type for e in d.events].count("draft_ready") == 1
    # A dictation the secretary already began is not transcribed at all.
    started = upload(db, world, store=store)
    dictations.save_text(db, actor=factories.actor(db, world.secretary_id), dictation_id=started.id,
                         text="Skrivet från ljudet.")
    db.commit()
    dictation_jobs.transcribe(JobContext(db, JOB_SETTINGS), dictation_id=started.id)
    assert len(fake.calls) == 1 and db.get(Dictation, started.id).draft_text is None  # type: ignore[union-attr]


def test_an_unmatched_import_is_matched_later(db: Session, world: factories.World,
                                              store: AudioStore) -> None:
    secretary = factories.actor(db, world.secretary_id)
    d = dictations.import_dictation(db, actor=secretary, store=store, audio=io.BytesIO(unique_tone()),
                                    filename="DS400012.WAV", patient_id=None, author_id=None,
                                    note_type=None, priority="normal", import_note="Okänt filnamn.")
    [item] = items_of(db, d.id)
    assert item.patient_id is None and "saknar patient och diktatör" in item.title
    assert d.note_type.code == "visit"  # the default until the secretary changes it
    with pytest.raises(TransitionError) as caught:
        bring_to(db, world, d, "awaiting_signature")
    assert caught.value.code == "unmatched"
    dictations.set_details(db, actor=secretary, dictation_id=d.id, patient_id=world.patient_ids[0],
                           author_id=world.clinician_id, note_type="remiss", priority="high")
    assert (d.patient_id, d.author_id, d.note_type.code, d.priority) == (
        world.patient_ids[0], world.clinician_id, "referral", "high")
    assert item.patient_id == world.patient_ids[0] and item.title.startswith("Remiss: ")
    assert item.priority == "high"
    with pytest.raises(ValidationFailed) as caught:  # a known patient is never swapped
        dictations.set_details(db, actor=secretary, dictation_id=d.id, patient_id=world.patient_ids[1])
    assert "patient_id" in caught.value.errors
    dictations.send_for_signature(db, actor=secretary, dictation_id=d.id)
    assert d.status == "awaiting_signature"


def test_retry_transcription_after_the_job_gave_up(db: Session, world: factories.World,
                                                   store: AudioStore) -> None:
    d = upload(db, world, store=store)
    secretary = factories.actor(db, world.secretary_id)
    assert dictations.retry_transcription(db, actor=secretary, dictation_id=d.id).status == "queued"
    job = db.scalar(select(Job).where(Job.dedupe_key == f"transcribe:{d.id}"))
    assert job is not None
    job.status, job.attempts, job.last_error = "failed", 5, "RuntimeError: modellen saknas"
    db.flush()
    state = dictations.transcription_state(db, dictation_id=d.id)
    assert (state.status, state.last_error, state.label) == (
        "failed", "RuntimeError: modellen saknas", "Taligenkänningen misslyckades")
    assert dictations.retry_transcription(db, actor=secretary, dictation_id=d.id).status == "queued"
    assert db.scalar(select(func.count()).select_from(Job).where(
        Job.dedupe_key == f"transcribe:{d.id}")) == 2
