"""Shortcuts for the contact tests: a visit done, a signed note, a contact's coding items."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.booking import service as booking
from kulisser.coding.models import CareContact
from kulisser.dictation import service as dictations
from kulisser.dictation.models import Dictation
from kulisser.dictation.storage import AudioStore
from kulisser.worklist.models import WorkItem
from tests import factories
from tests.booking import helpers as bh
from tests.dictation.audio import unique_tone


def started_visit(session: Session, world: factories.World, patient_id: int) -> int:
    """A visit of the patient with a clinician of the world's unit, begun five minutes ago."""
    _sched, slots = bh.future_schedule(session, world, days=2)
    actor = factories.actor(session, world.secretary_id)
    appt = booking.book(session, actor=actor, slot_id=slots[0].id, patient_id=patient_id)
    appt.start_at = datetime.now(UTC) - timedelta(minutes=5)
    session.flush()
    return appt.id


def signed_note(session: Session, world: factories.World, patient_id: int, text: str,
                data_dir: Path, note_type: str = "visit") -> Dictation:
    """A note about the patient dictated by the world's clinician, written and signed today."""
    clinician = factories.actor(session, world.clinician_id)
    secretary = factories.actor(session, world.secretary_id)
    d = dictations.upload_dictation(session, actor=clinician, store=AudioStore(data_dir=data_dir),
                                    audio=io.BytesIO(unique_tone()), filename="d.wav",
                                    patient_id=patient_id, note_type=note_type)
    dictations.save_text(session, actor=secretary, dictation_id=d.id, text=text)
    dictations.send_for_signature(session, actor=secretary, dictation_id=d.id)
    dictations.sign(session, actor=clinician, dictation_id=d.id)
    return d


def contacts_of(session: Session, patient_id: int) -> list[CareContact]:
    """The patient's contacts, oldest first."""
    return list(session.scalars(select(CareContact).where(CareContact.patient_id == patient_id)
                                .order_by(CareContact.id)))


def coding_items(session: Session, contact_id: int) -> list[WorkItem]:
    """The contact's coding items, oldest first."""
    return list(session.scalars(select(WorkItem).where(
        WorkItem.ref_type == "care_contact", WorkItem.ref_id == contact_id,
        WorkItem.kind == "coding").order_by(WorkItem.id)))
