"""Shortcuts for the dictation tests: upload a tone as a clinician, bring a dictation to a status."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser.audit.models import AuditEvent
from kulisser.db import utcnow
from kulisser.dictation import service as dictations
from kulisser.dictation.models import Dictation
from kulisser.dictation.storage import AudioStore
from kulisser.worklist.models import WorkItem
from tests import factories
from tests.dictation.audio import unique_tone


def upload(session: Session, world: factories.World, *, store: AudioStore, audio: bytes | None = None,
           patient_id: int | None = None, uploader_id: int | None = None,
           author_id: int | None = None, note_type: str = "visit", priority: str = "normal",
           filename: str = "diktat.wav") -> Dictation:
    """Upload audio (a fresh tone unless given) as the world's clinician (or uploader_id)."""
    actor = factories.actor(session, uploader_id or world.clinician_id)
    return dictations.upload_dictation(
        session, actor=actor, store=store, audio=io.BytesIO(unique_tone() if audio is None else audio),
        filename=filename, patient_id=patient_id or world.patient_ids[0], note_type=note_type,
        priority=priority, author_id=author_id)


def bring_to(session: Session, world: factories.World, dictation: Dictation, status: str) -> Dictation:
    """Move a fresh dictation along the normal path (secretary writes, clinician signs)."""
    secretary = factories.actor(session, world.secretary_id)
    clinician = factories.actor(session, world.clinician_id)
    now = utcnow()
    if status == "dictated":
        return dictation
    if status == "returned":
        return dictations.return_to_author(session, actor=secretary, dictation_id=dictation.id,
                                           question="Vilken dos?", now=now)
    dictations.save_text(session, actor=secretary, dictation_id=dictation.id,
                         text="Anamnes:\nPatienten mår bra.", now=now)
    if status == "in_review":
        return dictation
    dictations.send_for_signature(session, actor=secretary, dictation_id=dictation.id, now=now)
    if status == "awaiting_signature":
        return dictation
    dictations.sign(session, actor=clinician, dictation_id=dictation.id, now=now)
    assert status == "signed", status
    return dictation


def items_of(session: Session, dictation_id: int) -> list[WorkItem]:
    """The dictation's work items, oldest first."""
    return list(session.scalars(select(WorkItem).where(
        WorkItem.ref_type == "dictation", WorkItem.ref_id == dictation_id).order_by(WorkItem.id)))


def audit_rows(session: Session, *, user_id: int, object_type: str | None = None,
               outcome: str | None = None, patient_id: int | None = None) -> int:
    """How many audit rows match."""
    stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.user_id == user_id)
    if object_type is not None:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    if outcome is not None:
        stmt = stmt.where(AuditEvent.outcome == outcome)
    if patient_id is not None:
        stmt = stmt.where(AuditEvent.patient_id == patient_id)
    return session.scalar(stmt) or 0


def table_row(html: str, row_id: str) -> list[str]:
    """The text of each cell of the table row with this id (tags stripped)."""
    found = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert found, row_id
    return [re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", found.group(1), re.S)]
