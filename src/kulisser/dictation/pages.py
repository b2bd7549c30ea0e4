"""What the dictation pages show: rows of the queue, the editor's words and text, the history.

Helpers of views.py (no routes here). Every dictation passed in has been loaded through the
service, so its access check and audit row are done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.dictation import attention
from kulisser.dictation import service as dictations
from kulisser.dictation.models import Dictation
from kulisser.dictation.sections import place_draft
from kulisser.dictation.states import STATUS_LABELS, Action, DictationStatus
from kulisser.i18n import N_, _
from kulisser.patients.service import Patient
from kulisser.staff import service as staff
from kulisser.staff.service import Role
from kulisser.worklist import service as worklist
from kulisser.worklist.service import PRIORITY_LABELS, PRIORITY_ORDER, Priority

# The transcription states that change by themselves (the page polls while one is shown).
PENDING = ("queued", "retrying", "running")
# Status filters of the queue page, in menu order.
QUEUE_FILTERS: dict[str, str] = {
    "to_write": N_("Att skriva"),
    "returned": N_("Fråga till diktatören"),
    "awaiting_signature": N_("Väntar på signering"),
    "open": N_("Alla öppna"),
    "closed": N_("Avslutade"),
}
QUEUE_SORTS: dict[str, str] = {"due": N_("Förfallotid"), "priority": N_("Prioritet"),
                               "age": N_("Äldst först")}
EVENT_LABELS: dict[str, str] = {
    "uploaded": N_("Inspelningen laddades upp"),
    "draft_ready": N_("Utkast från taligenkänningen"),
    "draft_stored": N_("Utkast från taligenkänningen (sparat för statistiken)"),
    "transcription_requested": N_("Taligenkänning begärd igen"),
    "review_started": N_("Granskningen påbörjades"),
    "sent_for_signature": N_("Skickades för signering"),
    "returned": N_("Fråga till diktatören"),
    "answered": N_("Diktatören svarade"),
    "marked_unusable": N_("Ljudet markerades som oanvändbart"),
    "signed": N_("Signerad"),
    "corrected": N_("Rättad (ny version)"),
    "cancelled": N_("Makulerad"),
    "details_changed": N_("Uppgifterna ändrades"),
    "replaced": N_("Ersatt av en ny inspelning"),
}


def status_label(status: str) -> str:
    """A dictation status in Swedish."""
    try:
        return _(STATUS_LABELS[DictationStatus(status)])
    except ValueError:
        return status


def duration(seconds: float) -> str:
    """Audio length as m:ss."""
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def age(since: datetime, now: datetime) -> str:
    """How long ago, short and Swedish ("40 min", "5 tim", "3 d")."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return _("{n} min", n=minutes)
    if minutes < 48 * 60:
        return _("{n} tim", n=minutes // 60)
    return _("{n} d", n=minutes // (24 * 60))


@dataclass
class QueueRow:
    """One dictation in the queue with what the row shows."""

    d: Dictation
    patient: Patient | None
    author: str
    due_at: datetime | None
    overdue: bool
    state: dictations.TranscriptionState | None  # only where the draft is still awaited
    age: str


def _due_dates(session: Session, ids: list[int]) -> dict[int, datetime]:
    """The earliest due time of each dictation's open work items, one query."""
    if not ids:
        return {}
    item = worklist.open_items_subquery(ref_type="dictation")
    rows = session.execute(select(item.c.ref_id, item.c.due_at).where(
        item.c.ref_id.in_(ids))).tuples().all()
    due: dict[int, datetime] = {}
    for ref_id, when in rows:
        if ref_id is not None and when is not None and (ref_id not in due or when < due[ref_id]):
            due[ref_id] = when
    return due


def queue_rows(session: Session, found: list[Dictation], *, now: datetime, sort: str) -> list[QueueRow]:
    """Rows for the listed dictations (patients, authors, due times and draft states)."""
    ids = [d.id for d in found]
    pids = {d.patient_id for d in found if d.patient_id is not None}
    patients = ({p.id: p for p in session.scalars(select(Patient).where(Patient.id.in_(pids)))}
                if pids else {})
    names = staff.user_names(session, {d.author_id for d in found if d.author_id is not None})
    due = _due_dates(session, ids)
    rows = []
    for d in found:
        state = None
        if d.status == DictationStatus.DICTATED and d.draft_text is None:
            state = dictations.transcription_state(session, dictation_id=d.id)
        when = due.get(d.id)
        rows.append(QueueRow(d=d, patient=patients.get(d.patient_id) if d.patient_id else None,
                             author=names.get(d.author_id, "") if d.author_id else "",
                             due_at=when, overdue=when is not None and when < now, state=state,
                             age=age(d.uploaded_at, now)))
    far = datetime.max.replace(tzinfo=now.tzinfo)
    if sort == "due":
        rows.sort(key=lambda r: (r.due_at or far, r.d.uploaded_at, r.d.id))
    elif sort == "age":
        rows.sort(key=lambda r: (r.d.uploaded_at, r.d.id))
    # "priority": the query's own order (most urgent, then oldest).
    return rows


@dataclass(frozen=True)
class DraftWord:
    """A draft word for the editor: its text, place in the audio and whether to check it."""

    text: str
    start: float
    end: float
    probability: float | None
    attention: bool


def draft_words(session: Session, d: Dictation) -> list[DraftWord]:
    """The draft's words with their attention marks (the unit's glossary applied now)."""
    words = d.draft_words or []
    if not words:
        return []
    flags = attention.render_flags(words, glossary=dictations.glossary_keys(session, unit_id=d.unit_id))
    return [DraftWord(text=str(w.get("text", "")).strip(), start=float(w.get("start", 0.0)),
                      end=float(w.get("end", 0.0)),
                      probability=float(w["probability"]) if w.get("probability") is not None else None,
                      attention=flag) for w, flag in zip(words, flags, strict=True)]


def starting_text(d: Dictation) -> str:
    """The text the editor opens with: the saved text, or the draft under the note's headings."""
    if d.text_revision > 0:
        return d.text
    return place_draft(list(d.note_type.headings or []), d.draft_text or "")


def people(session: Session, d: Dictation) -> dict[int, str]:
    """Names of everyone in the dictation's facts, history and versions."""
    ids = {i for i in (d.author_id, d.uploaded_by_id, d.text_saved_by_id, d.signed_by_id) if i}
    ids |= {e.actor_id for e in d.events if e.actor_id is not None}
    ids |= {v.signed_by_id for v in d.versions}
    return staff.user_names(session, ids)


def clinicians(session: Session, *, unit_id: int) -> list[tuple[str, str]]:
    """(id, name) of the unit's clinicians, for author selects."""
    return [(str(u.id), u.full_name) for u in staff.unit_members(session, unit_id=unit_id)
            if u.role == Role.CLINICIAN]


def priorities() -> list[tuple[str, str]]:
    """(value, Swedish label) of the priorities, most urgent first."""
    return [(p.value, _(PRIORITY_LABELS[p])) for p in sorted(Priority, key=PRIORITY_ORDER.__getitem__)]


def note_type_options(session: Session, *, unit_id: int) -> list[tuple[str, str]]:
    """(code, name) of the unit's note types."""
    return [(t.code, t.name) for t in dictations.note_types(session, unit_id=unit_id)]


def editor_context(session: Session, *, actor: Any, d: Dictation) -> dict[str, Any]:
    """Everything the editor and the sign-off page show about one dictation."""
    patient = session.get(Patient, d.patient_id) if d.patient_id is not None else None
    actions = dictations.actions_for(actor, d)
    state = dictations.transcription_state(session, dictation_id=d.id)
    return {
        "d": d, "patient": patient, "names": people(session, d), "actions": actions,
        "can_edit": Action.SAVE_TEXT in actions, "state": state,
        "pending": state.status in PENDING and d.draft_text is None,
        "words": draft_words(session, d), "start_text": starting_text(d),
        "status_text": status_label(d.status), "event_labels": {k: _(v) for k, v in EVENT_LABELS.items()},
        "status_label_of": status_label, "duration": duration(d.audio_duration_s),
        "A": Action, "errors": {}, "values": {},
    }
