"""The work items a dictation moves through, and the kinds they belong to.

- `dictation`: in the unit's queue from upload until it is sent for signature (on hold while
  the author is asked a question);
- `signature`: the author's, from sent for signature until signed;
- `dictation-question`: the author's, while a question waits for an answer;
- `dictation-redo`: the author's, when the audio was unusable and must be dictated again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, select, true
from sqlalchemy.orm import Session, aliased

from kulisser.dictation.models import Dictation
from kulisser.dictation.states import DictationStatus as DS
from kulisser.i18n import N_, _
from kulisser.patients.service import Patient
from kulisser.staff.service import Actor
from kulisser.worklist import service as worklist
from kulisser.worklist.service import (
    GENERIC_OPERATIONS,
    Finding,
    KindSpec,
    Priority,
    WorkItem,
    compare,
    register,
)

REF_TYPE = "dictation"
worklist.register_record_page(REF_TYPE, label=N_("Diktatet"), path="/diktat/{id}")


def _load(session: Session, ref_ids: list[int]) -> dict[int, Dictation]:
    return {d.id: d for d in session.scalars(select(Dictation).where(Dictation.id.in_(ref_ids)))}


_DETAIL = "dictation/_item_detail.html"  # the dictation pages provide it (included if present)
# Which dictation statuses each kind's open item belongs to (the queue item stays, on hold,
# while the author answers a question; the redo item outlives the unusable dictation).
_STATUSES = {
    "dictation": (DS.DICTATED, DS.DRAFT_READY, DS.IN_REVIEW, DS.RETURNED),
    "signature": (DS.AWAITING_SIGNATURE,),
    "dictation-question": (DS.RETURNED,),
    "dictation-redo": (DS.UNUSABLE,),
}


_Redone = aliased(Dictation)
# An unusable dictation waits for its redo until a new recording replaces it; one without an
# author has nobody to ask (mark_audio_unusable makes no item for it).
_REDO_PENDING = and_(Dictation.author_id.is_not(None),
                     ~exists().where(_Redone.replaces_id == Dictation.id))


def _checker(kind: str, *, needs: bool,
             also: ColumnElement[bool] | None = None) -> Callable[[Session], list[Finding]]:
    statuses = [s.value for s in _STATUSES[kind]]
    waiting = and_(Dictation.status.in_(statuses), also if also is not None else true())

    def check(session: Session) -> list[Finding]:
        return compare(session, kind=kind, ref_type=REF_TYPE, model=Dictation,
                       needs=waiting if needs else None,
                       allows=lambda d: d.status in statuses, label=_("Diktatet"))
    return check


DICTATION = register(KindSpec(
    code="dictation", label=N_("Diktat"), label_plural=N_("Diktat"),
    # Acute dictations (a referral that must leave today) within hours; the rest in days.
    default_hours={Priority.ACUTE: 2, Priority.HIGH: 24, Priority.NORMAL: 72, Priority.LOW: 168},
    ref_type=REF_TYPE, detail_template=_DETAIL, load_refs=_load,
    operations=GENERIC_OPERATIONS, record_hint=N_("Öppna diktatet för att skicka det för signering."),
    check=_checker("dictation", needs=True)))
SIGNATURE = register(KindSpec(
    code="signature", label=N_("Signering"), label_plural=N_("Signeringar"),
    # An unsigned note is a patient-safety risk: signing is quicker than writing.
    default_hours={Priority.ACUTE: 2, Priority.HIGH: 24, Priority.NORMAL: 48, Priority.LOW: 120},
    ref_type=REF_TYPE, detail_template=_DETAIL, load_refs=_load,
    operations=GENERIC_OPERATIONS, record_hint=N_("Öppna diktatet för att signera det."),
    check=_checker("signature", needs=True)))
QUESTION = register(KindSpec(
    code="dictation-question", label=N_("Fråga om diktat"), label_plural=N_("Frågor om diktat"),
    default_hours={Priority.ACUTE: 1, Priority.HIGH: 8, Priority.NORMAL: 24, Priority.LOW: 72},
    ref_type=REF_TYPE, detail_template=_DETAIL, load_refs=_load,
    operations=GENERIC_OPERATIONS, record_hint=N_("Öppna diktatet för att svara på frågan."),
    check=_checker("dictation-question", needs=True)))
REDO = register(KindSpec(
    code="dictation-redo", label=N_("Diktat att spela in igen"), label_plural=N_("Diktat att spela in igen"),
    default_hours={Priority.ACUTE: 2, Priority.HIGH: 24, Priority.NORMAL: 48, Priority.LOW: 120},
    ref_type=REF_TYPE, detail_template=_DETAIL, load_refs=_load,
    operations=GENERIC_OPERATIONS,
    record_hint=N_("Spela in diktatet igen: det nya diktatet klarmarkerar ärendet."),
    check=_checker("dictation-redo", needs=True, also=_REDO_PENDING)))
KIND_CODES = (DICTATION.code, SIGNATURE.code, QUESTION.code, REDO.code)


def subject(dictation: Dictation, patient: Patient | None) -> str:
    """What a dictation is about, for titles: note type and patient ("Epikris: Astrid Berg")."""
    who = patient.full_name if patient is not None else _("okänd patient")
    return f"{dictation.note_type.name}: {who}"


def dictation_title(dictation: Dictation, patient: Patient | None) -> str:
    """The queue item's title; an unmatched import says what is missing."""
    if dictation.patient_id is None or dictation.author_id is None:
        missing = " och ".join(label for label, absent in (
            ("patient", dictation.patient_id is None), (_("diktatör"), dictation.author_id is None))
            if absent)
        return _("Importerat diktat att matcha (saknar {missing}): {name}", missing=missing,
                 name=dictation.note_type.name)[:200]
    return subject(dictation, patient)[:200]


def open_items(session: Session, *, dictation_id: int, kind: str | None = None) -> list[WorkItem]:
    """The dictation's open work items (of one kind)."""
    return worklist.open_items(session, ref_type=REF_TYPE, ref_id=dictation_id, kind=kind)


def create(session: Session, *, actor: Actor, dictation: Dictation, kind: str, title: str,
           patient_id: int | None, owner_id: int | None = None, description: str = "",
           now: datetime) -> WorkItem:
    """A work item about the dictation, in its unit, at its priority."""
    return worklist.open_item(
        session, actor=actor, kind=kind, title=title, priority=dictation.priority,
        patient_id=patient_id, description=description, owner_id=owner_id, ref_type=REF_TYPE,
        ref_id=dictation.id, now=now)


def complete(session: Session, *, actor: Actor, dictation_id: int, kind: str, now: datetime,
             reason: str = "") -> None:
    """Complete the dictation's open items of a kind (an item on hold is resumed first)."""
    worklist.close_items(session, items=open_items(session, dictation_id=dictation_id, kind=kind),
                         actor_id=actor.user_id, now=now, reason=reason)


def cancel_all(session: Session, *, actor: Actor, dictation_id: int, reason: str,
               now: datetime) -> None:
    """Cancel every open item of the dictation (it was cancelled, or its audio is unusable)."""
    worklist.close_items(session, items=open_items(session, dictation_id=dictation_id),
                         actor_id=actor.user_id, now=now, reason=reason, cancel=True)


def hold_queue_item(session: Session, *, actor: Actor, dictation_id: int, reason: str,
                    now: datetime) -> None:
    """Put the dictation's queue item on hold (while the author is asked)."""
    worklist.hold_items(session, items=open_items(session, dictation_id=dictation_id,
                                                  kind=DICTATION.code),
                        actor_id=actor.user_id, reason=reason, now=now)


def resume_queue_item(session: Session, *, actor: Actor, dictation_id: int, now: datetime) -> None:
    """Take the dictation's queue item off hold (the author answered)."""
    worklist.resume_items(session, items=open_items(session, dictation_id=dictation_id,
                                                    kind=DICTATION.code),
                          actor_id=actor.user_id, now=now)


def start_queue_item(session: Session, *, actor: Actor, dictation_id: int, now: datetime) -> None:
    """Writing has begun: the queue item becomes in progress (and the writer's if unowned)."""
    worklist.start_items(session, items=open_items(session, dictation_id=dictation_id,
                                                   kind=DICTATION.code),
                         actor_id=actor.user_id, now=now)


def sync_details(session: Session, *, actor: Actor, dictation: Dictation, patient: Patient | None,
                 now: datetime) -> None:
    """After patient, author, note type or priority changed: the open items follow."""
    for item in open_items(session, dictation_id=dictation.id):
        worklist.update_details(
            session, item=item, actor_id=actor.user_id, now=now, patient_id=dictation.patient_id,
            priority=dictation.priority,
            title=dictation_title(dictation, patient) if item.kind == DICTATION.code else None)
