"""The dictations' status history for the statistics' dictation chain (issue 15), and the
demo's bulk history.

Aggregates only: these reads return ids, times and statuses, never a patient or a text, so
they are not patient accesses (the figures built from them carry no patient data either).
Re-exported by ``service`` for the ``stats`` package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from kulisser.dictation.catalog import default_note_type
from kulisser.dictation.models import Dictation, DictationEvent, NoteVersion
from kulisser.dictation.states import DictationStatus
from kulisser.i18n import _

CANCELLED = DictationStatus.CANCELLED.value


@dataclass
class ChainHistory:
    """One dictation's way through the statuses: when it was dictated, and each change after."""

    id: int
    uploaded_at: datetime
    # (when, status entered), oldest first; steps that stay in a status are left out.
    moves: list[tuple[datetime, str]] = field(default_factory=list)


def chain_histories(session: Session, *, unit_id: int, start: datetime, end: datetime,
                    now: datetime) -> list[ChainHistory]:
    """The unit's dictations that were open at some moment of [start, end), with their moves up to now.

    Cancelled dictations are left out altogether: a dictation is cancelled because it should
    never have been one (the wrong patient, dictated twice), so it is counted as entered in error.
    """
    d = Dictation
    rows = session.execute(
        select(d.id, d.uploaded_at).where(
            d.unit_id == unit_id, d.status != CANCELLED, d.uploaded_at < end,
            (d.closed_at.is_(None)) | (d.closed_at >= start)).order_by(d.id)).all()
    found = {row.id: ChainHistory(id=row.id, uploaded_at=row.uploaded_at) for row in rows}
    ids = list(found)
    ev = DictationEvent
    for chunk in range(0, len(ids), 500):
        events = session.execute(
            select(ev.dictation_id, ev.at, ev.from_status, ev.to_status)
            .where(ev.dictation_id.in_(ids[chunk:chunk + 500]), ev.to_status.is_not(None),
                   ev.at <= now)
            .order_by(ev.dictation_id, ev.at, ev.id))
        for dictation_id, at, before, after in events:
            if after != before:
                found[dictation_id].moves.append((at, after))
    return list(found.values())


def cancelled_since(session: Session, *, since: datetime) -> dict[int, datetime]:
    """Per unit, the earliest dictation time of the dictations cancelled since a moment."""
    d = Dictation
    return {unit: at for unit, at in session.execute(
        select(d.unit_id, func.min(d.uploaded_at))
        .where(d.status == CANCELLED, d.closed_at >= since).group_by(d.unit_id))}


def first_dictated(session: Session) -> datetime | None:
    """When the first dictation of any unit was made, or None when there is none."""
    return session.scalar(select(func.min(Dictation.uploaded_at)))


def insert_demo_history(session: Session, *, unit_id: int, author_id: int, uploaded_by_id: int,
                        patient_ids: list[int],
                        histories: list[tuple[datetime, list[tuple[datetime, str, str]]]]) -> int:
    """Insert closed demo dictations with backdated histories in bulk; return how many.

    Each history is (dictated at, [(at, event type, status entered), ...]); the last status must
    be closed (signed or unusable), so that no open record is left without its work item.
    No audio is stored: the demo's history is for the figures, not for listening.
    """
    note_type = default_note_type(session, unit_id=unit_id)
    text = _("Demo: anteckning ur årets historik (ingen riktig patient).")
    made = 0
    versions: list[dict[str, Any]] = []
    for number, (uploaded, moves) in enumerate(histories):
        last_at, _type, last = moves[-1]
        if last not in (DictationStatus.SIGNED.value, DictationStatus.UNUSABLE.value):
            raise ValueError(f"a demo history must end closed, not {last}")
        sent = next((at for at, _t, s in moves if s == DictationStatus.AWAITING_SIGNATURE.value), None)
        signed = last_at if last == DictationStatus.SIGNED.value else None
        dictation_id = session.execute(insert(Dictation).values(
            unit_id=unit_id, patient_id=patient_ids[number % len(patient_ids)], author_id=author_id,
            note_type_id=note_type.id, priority="normal", status=last,
            audio_sha256="0" * 64, audio_format="wav", audio_media_type="audio/wav",
            audio_duration_s=60.0 + number % 240, audio_size=0,
            original_filename="demo-historik.wav", source="upload", uploaded_by_id=uploaded_by_id,
            uploaded_at=uploaded, updated_at=last_at, text=text if sent else "",
            text_revision=1 if sent else 0,
            sent_for_signature_at=sent, signed_at=signed,
            signed_by_id=author_id if signed else None,
            unusable_reason=_("Demo: brus") if last == DictationStatus.UNUSABLE.value else None,
            closed_at=last_at).returning(Dictation.id)).scalar_one()
        rows: list[dict[str, Any]] = [{"dictation_id": dictation_id, "type": "uploaded",
                                       "actor_id": uploaded_by_id, "at": uploaded, "data": {},
                                       "from_status": None,
                                       "to_status": DictationStatus.DICTATED.value}]
        before = DictationStatus.DICTATED.value
        for at, type_, status in moves:
            rows.append({"dictation_id": dictation_id, "type": type_, "actor_id": None, "at": at,
                         "data": {}, "from_status": before, "to_status": status})
            before = status
        session.execute(insert(DictationEvent), rows)
        if signed is not None:
            versions.append({"dictation_id": dictation_id, "version": 1, "text": text,
                             "signed_by_id": author_id, "signed_at": signed})
        made += 1
    if versions:
        session.execute(insert(NoteVersion), versions)
    return made

