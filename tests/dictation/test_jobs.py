"""The transcription job through the real job runner (fake recognizer): retries, dead workers.

Each test has a database of its own, so the worker runs only that test's jobs.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from kulisser.db import Database, utcnow
from kulisser.dictation import service as dictations
from kulisser.dictation.models import Dictation
from kulisser.dictation.storage import AudioStore
from kulisser.jobs import runner
from kulisser.jobs.models import Job
from tests import factories
from tests.dictation.conftest import FakeTranscriber
from tests.dictation.helpers import upload
from tests.integration.conftest import JOB_SETTINGS


def _upload(jobdb: Database, store: AudioStore) -> tuple[factories.World, int]:
    with jobdb.session() as s:
        world = factories.make_world(s)
        return world, upload(s, world, store=store).id


def _job(jobdb: Database, dictation_id: int) -> Job:
    with jobdb.session() as s:
        job = s.scalar(select(Job).where(Job.dedupe_key == f"transcribe:{dictation_id}"))
        assert job is not None
        return job


def test_upload_then_worker_gives_a_draft(jobdb: Database, store: AudioStore,
                                          fake: FakeTranscriber) -> None:
    _world, did = _upload(jobdb, store)
    assert runner.work(jobdb, settings=JOB_SETTINGS, burst=True) == 1
    with jobdb.session() as s:
        d = s.get(Dictation, did)
        assert d is not None and d.status == "draft_ready" and d.drafted_at is not None
        assert d.draft_text == "Patienten mår bra." and d.draft_model == "fake-whisper"
        assert [w["text"] for w in d.draft_words or []] == ["Patienten", "mår", "bra."]
        assert [e.type for e in d.events] == ["uploaded", "draft_ready"]
        state = dictations.transcription_state(s, dictation_id=did)
        assert (state.status, state.attempts, state.last_error) == ("done", 1, None)


def test_a_failure_is_retried_and_its_reason_is_readable(jobdb: Database, store: AudioStore,
                                                         fake: FakeTranscriber) -> None:
    fake.fail_times = 1
    _world, did = _upload(jobdb, store)
    runner.work(jobdb, settings=JOB_SETTINGS, burst=True)
    with jobdb.session() as s:
        state = dictations.transcription_state(s, dictation_id=did)
        assert state.status == "retrying" and state.attempts == 1
        assert state.last_error == "RuntimeError: recognizer crashed"
        assert state.next_try_at is not None and state.next_try_at > utcnow()
        assert s.get(Dictation, did).status == "dictated"  # type: ignore[union-attr]
    with jobdb.session() as s:  # the back-off has passed
        job = s.scalar(select(Job).where(Job.dedupe_key == f"transcribe:{did}"))
        assert job is not None
        job.run_after = utcnow() - timedelta(seconds=1)
    runner.work(jobdb, settings=JOB_SETTINGS, burst=True)
    with jobdb.session() as s:
        assert s.get(Dictation, did).status == "draft_ready"  # type: ignore[union-attr]
        assert dictations.transcription_state(s, dictation_id=did).status == "done"
    assert len(fake.calls) == 2


def test_a_job_that_keeps_failing_is_marked_failed_and_the_secretary_can_write(
        jobdb: Database, store: AudioStore, fake: FakeTranscriber) -> None:
    fake.fail_times = 100
    world, did = _upload(jobdb, store)
    with jobdb.session() as s:
        job = s.scalar(select(Job).where(Job.dedupe_key == f"transcribe:{did}"))
        assert job is not None
        job.max_attempts = 1
    runner.work(jobdb, settings=JOB_SETTINGS, burst=True)
    with jobdb.session() as s:
        state = dictations.transcription_state(s, dictation_id=did)
        assert state.status == "failed" and state.last_error and state.label
        dictations.save_text(s, actor=factories.actor(s, world.secretary_id), dictation_id=did,
                             text="Skrivet direkt från ljudet.")
    with jobdb.session() as s:
        assert s.get(Dictation, did).status == "in_review"  # type: ignore[union-attr]


def test_a_job_whose_worker_was_killed_is_taken_again_and_completes(
        jobdb: Database, store: AudioStore, fake: FakeTranscriber) -> None:
    _world, did = _upload(jobdb, store)
    # A worker claimed the job and was killed midway: the job stays running until the lease
    # runs out (here: it ran out a minute ago).
    claimed = runner.claim(jobdb, worker="dead-host:1", lease_seconds=600)
    job = _job(jobdb, did)
    assert claimed == job.id and job.status == "running" and job.locked_by == "dead-host:1"
    assert runner.work(jobdb, settings=JOB_SETTINGS, burst=True) == 0  # a live lease is respected
    with jobdb.session() as s:
        held = s.get(Job, job.id)
        assert held is not None
        held.locked_until = utcnow() - timedelta(minutes=1)
    assert runner.work(jobdb, settings=JOB_SETTINGS, burst=True) == 1
    job = _job(jobdb, did)
    assert (job.status, job.attempts, job.locked_by) == ("done", 2, None)
    with jobdb.session() as s:
        d = s.get(Dictation, did)
        assert d is not None and d.status == "draft_ready" and d.draft_text
        assert s.scalar(select(func.count()).select_from(Dictation)) == 1  # nothing lost, nothing twice
        assert store.path_for(d.audio_sha256).is_file()


def test_a_worker_that_dies_after_the_draft_but_before_done_is_harmless(
        jobdb: Database, store: AudioStore, fake: FakeTranscriber) -> None:
    _world, did = _upload(jobdb, store)
    job_id = runner.claim(jobdb, worker="w:1")
    assert job_id is not None
    assert runner.run_job(jobdb, job_id, settings=JOB_SETTINGS)
    with jobdb.session() as s:  # as if the "done" mark was never written
        job = s.get(Job, job_id)
        assert job is not None
        job.status, job.locked_until = "running", utcnow() - timedelta(seconds=1)
    runner.work(jobdb, settings=JOB_SETTINGS, burst=True)
    with jobdb.session() as s:
        d = s.get(Dictation, did)
        assert d is not None and [e.type for e in d.events].count("draft_ready") == 1
    assert len(fake.calls) == 1  # the second run saw the draft and did nothing


def test_a_cancelled_dictation_is_not_transcribed(jobdb: Database, store: AudioStore,
                                                  fake: FakeTranscriber) -> None:
    world, did = _upload(jobdb, store)
    with jobdb.session() as s:
        dictations.cancel(s, actor=factories.actor(s, world.clinician_id), dictation_id=did,
                          reason="Dikterat två gånger")
    runner.work(jobdb, settings=JOB_SETTINGS, burst=True)
    assert fake.calls == [] and _job(jobdb, did).status == "done"


def test_a_queued_job_is_not_queued_twice(jobdb: Database, store: AudioStore,
                                          fake: FakeTranscriber) -> None:
    world, did = _upload(jobdb, store)
    with jobdb.session() as s:
        for _ in range(2):
            dictations.retry_transcription(s, actor=factories.actor(s, world.secretary_id),
                                           dictation_id=did)
        assert s.scalar(select(func.count()).select_from(Job)) == 1
