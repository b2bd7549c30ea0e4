"""Outgoing referrals: written from a template, sent once through the file drop, answered,
and chased by the periodic job once after N days (and not before)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kulisser.audit.models import AuditEvent
from kulisser.db import Database, utcnow
from kulisser.errors import ValidationFailed
from kulisser.jobs.context import JobContext
from kulisser.jobs.models import Job
from kulisser.referrals import jobs as referral_jobs
from kulisser.referrals import service as referrals
from kulisser.referrals.models import OutgoingReferral
from kulisser.referrals.sender import FileDropSender
from kulisser.referrals.storage import PdfStore
from kulisser.worklist.models import WorkItem
from kulisser.worklist.states import TransitionError
from tests import factories
from tests.conftest import test_settings as settings_for
from tests.integration.conftest import JOB_SETTINGS
from tests.referrals import helpers as h


def test_default_template_merges_patient_question_and_anamnesis(database: Database,
                                                                world: factories.World) -> None:
    with database.session() as s:
        o = h.outgoing(s, world, question="Förmaksflimmer. Ablation?", anamnesis="Sedan 2024.")
        assert o.status == "draft" and o.author_id == world.clinician_id
        assert "Till: Kardiologiska kliniken (SE2321000016-KARD)" in o.body
        assert "Frågeställning:\nFörmaksflimmer. Ablation?" in o.body
        assert "Anamnes:\nSedan 2024." in o.body
        assert "{" not in o.body
        logged = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.object_type == "outgoing_referral", AuditEvent.object_id == str(o.id),
            AuditEvent.action == "create"))
        assert logged == 1


def test_unit_template_and_its_merge_fields(database: Database, world: factories.World) -> None:
    with database.session() as s:
        actor = factories.actor(s, world.secretary_id)
        with pytest.raises(ValidationFailed) as caught:
            referrals.save_template(s, actor=actor, name="Fel", body="Hej {okand} {0.__class__}")
        assert "{okand}" in caught.value.errors["body"]
        t = referrals.save_template(s, actor=actor, name="Kort remiss",
                                    body="{patient} ({personnummer}) – {fragestallning} {x y}")
        o = h.outgoing(s, world, user_id=world.secretary_id, author_id=world.clinician_id,
                       template_id=t.id, question="Knäsmärta?")
        assert o.body.endswith(" – Knäsmärta? {x y}")  # text in braces that is no field stays
        assert o.template_id == t.id
        with pytest.raises(ValidationFailed):
            referrals.save_template(s, actor=actor, name="Kort remiss", body="{patient}")
    with database.session() as s:
        other = factories.make_unit(s)
        stranger = factories.make_user(s, other)
        with pytest.raises(ValidationFailed) as caught:
            h.outgoing(s, world, user_id=stranger.id, template_id=t.id)
        assert "template_id" in caught.value.errors


def test_a_secretary_names_the_referring_clinician(database: Database,
                                                   world: factories.World) -> None:
    with database.session() as s, pytest.raises(ValidationFailed) as caught:
        h.outgoing(s, world, user_id=world.secretary_id, receiver_hsa_id="kardiologen")
    assert set(caught.value.errors) == {"author_id", "receiver_hsa_id"}


def test_send_is_idempotent_and_delivers_one_file(database: Database, world: factories.World,
                                                  outbox: FileDropSender) -> None:
    with database.session() as s:
        oid = h.outgoing(s, world).id
    for _ in range(2):  # a double click: the second send changes nothing
        with database.session() as s:
            o = referrals.send_outgoing(s, actor=factories.actor(s, world.secretary_id),
                                        outgoing_id=oid)
            assert o.status == "sent"
    with database.session() as s:
        jobs = list(s.scalars(select(Job).where(Job.dedupe_key == referral_jobs.dedupe_key(oid))))
        assert len(jobs) == 1 and jobs[0].task == "referrals.deliver"
        o = s.get(OutgoingReferral, oid)
        assert o is not None and [e.type for e in o.events].count("send") == 1
    # The job runs (twice: a retry after a crash must not send again).
    with database.session() as s:
        referral_jobs.deliver_task(JobContext(s, JOB_SETTINGS), outgoing_id=oid)
    with database.session() as s:
        assert referrals.deliver(s, outgoing_id=oid, sender=outbox) is False
    files = sorted(p.name for p in outbox.folder.iterdir())
    assert len(files) == 2 and files[0].endswith(f"-{oid}.json") and files[1].endswith(".txt")
    payload = json.loads((outbox.folder / files[0]).read_text())
    assert payload["receiver_hsa_id"] == "SE2321000016-KARD"
    assert "Förmaksflimmer" in payload["text"]
    with database.session() as s:
        o = s.get(OutgoingReferral, oid)
        assert o is not None and o.delivered_at is not None and o.delivery_ref == files[0]
        assert [e.type for e in o.events] == ["created", "send", "delivered"]


def test_a_draft_is_never_delivered(database: Database, world: factories.World,
                                    outbox: FileDropSender) -> None:
    with database.session() as s:
        oid = h.outgoing(s, world).id
        assert referrals.deliver(s, outgoing_id=oid, sender=outbox) is False
    assert not outbox.folder.exists()


def test_chase_after_n_days_once_and_not_before(database: Database, world: factories.World) -> None:
    t0 = utcnow()
    with database.session() as s:
        oid = h.outgoing(s, world).id
        referrals.send_outgoing(s, actor=factories.actor(s, world.secretary_id), outgoing_id=oid,
                                now=t0)

    def chases() -> list[WorkItem]:
        with database.session() as s:
            return list(s.scalars(select(WorkItem).where(WorkItem.kind == "referral-chase",
                                                         WorkItem.ref_id == oid)))

    with database.session() as s:
        referrals.chase_unanswered(s, days=30, now=t0 + timedelta(days=29, hours=23))
    assert chases() == []
    with database.session() as s:
        assert referrals.chase_unanswered(s, days=30, now=t0 + timedelta(days=30, hours=1)) >= 1
    with database.session() as s:
        referrals.chase_unanswered(s, days=30, now=t0 + timedelta(days=45))
    [chase] = chases()
    assert chase.unit_id == world.unit_id and chase.owner_id is None
    assert chase.patient_id == world.patient_ids[0] and chase.status == "requested"
    assert "Kardiologiska kliniken" in chase.title
    with database.session() as s:
        o = s.get(OutgoingReferral, oid)
        assert o is not None and o.chased_at is not None and o.events[-1].type == "chase_created"
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.object_id == str(chase.id), AuditEvent.username == "kulisser-system")) == 1
    # The reply arrives: the chase item completes and the referral is answered.
    with database.session() as s:
        o = referrals.register_reply(s, actor=factories.actor(s, world.secretary_id),
                                     outgoing_id=oid, text="Ablation planeras.")
        assert o.status == "replied" and o.reply_text == "Ablation planeras."
    assert chases()[0].status == "completed"


def test_no_chase_for_answered_or_cancelled_referrals(database: Database,
                                                      world: factories.World) -> None:
    t0 = utcnow()
    with database.session() as s:
        answered, cancelled = h.outgoing(s, world).id, h.outgoing(s, world).id
        actor = factories.actor(s, world.secretary_id)
        for oid in (answered, cancelled):
            referrals.send_outgoing(s, actor=actor, outgoing_id=oid, now=t0)
        referrals.register_reply(s, actor=actor, outgoing_id=answered, text="Svar")
        referrals.cancel_outgoing(s, actor=actor, outgoing_id=cancelled, reason="Fel mottagare")
    with database.session() as s:
        referrals.chase_unanswered(s, days=30, now=t0 + timedelta(days=60))
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(WorkItem).where(
            WorkItem.kind == "referral-chase", WorkItem.ref_id.in_([answered, cancelled]))) == 0


def test_reply_with_pdf_and_bad_pdf(database: Database, world: factories.World,
                                    store: PdfStore) -> None:
    with database.session() as s:
        oid = h.outgoing(s, world).id
        referrals.send_outgoing(s, actor=factories.actor(s, world.secretary_id), outgoing_id=oid)
    with database.session() as s, pytest.raises(ValidationFailed) as caught:
        referrals.register_reply(s, actor=factories.actor(s, world.secretary_id), outgoing_id=oid,
                                 text="Svar", store=store,
                                 uploads=[h.upload(b"not a pdf at all", "svar.pdf")])
    assert "inte en PDF" in caught.value.errors["attachments"]
    with database.session() as s:
        o = s.get(OutgoingReferral, oid)
        assert o is not None and o.status == "sent" and not o.attachments
    with database.session() as s:
        o = referrals.register_reply(s, actor=factories.actor(s, world.secretary_id),
                                     outgoing_id=oid, text="Svar", store=store,
                                     received_on=h.today(), uploads=[h.upload(h.pdf_bytes())])
        assert len(o.attachments) == 1 and store.path_for(o.attachments[0].sha256).is_file()
    with database.session() as s, pytest.raises(TransitionError):
        referrals.register_reply(s, actor=factories.actor(s, world.secretary_id),
                                 outgoing_id=oid, text="Igen")


def test_edit_only_a_draft(database: Database, world: factories.World) -> None:
    with database.session() as s:
        oid = h.outgoing(s, world).id
        actor = factories.actor(s, world.clinician_id)
        o = referrals.update_outgoing(s, actor=actor, outgoing_id=oid, body="Ny text")
        assert o.body == "Ny text"
        referrals.send_outgoing(s, actor=actor, outgoing_id=oid)
        with pytest.raises(TransitionError):
            referrals.update_outgoing(s, actor=actor, outgoing_id=oid, body="Sent ändrad")


def test_the_periodic_job_chases_with_the_configured_days(database: Database,
                                                          world: factories.World) -> None:
    from kulisser.jobs import runner

    assert "referrals.chase" in runner.registered()
    # The days the worker was started with, not the default (30).
    days = 12
    started_with = settings_for(database.url, referral_chase_days=days)
    with database.session() as s:
        old, recent = h.outgoing(s, world).id, h.outgoing(s, world).id
        actor = factories.actor(s, world.secretary_id)
        referrals.send_outgoing(s, actor=actor, outgoing_id=old,
                                now=utcnow() - timedelta(days=days, hours=1))
        referrals.send_outgoing(s, actor=actor, outgoing_id=recent,
                                now=utcnow() - timedelta(days=days - 1))
    with database.session() as s:
        referral_jobs.chase_task(JobContext(s, started_with))
    with database.session() as s:
        chased = set(s.scalars(select(WorkItem.ref_id).where(
            WorkItem.kind == "referral-chase", WorkItem.ref_id.in_([old, recent]))))
        assert chased == {old}
