"""Reception and phone desk: take a phone message, which becomes a call-back work item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from kulisser.db import utcnow
from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.phone import phone_error
from kulisser.reception.items import CALLBACK
from kulisser.reception.models import PhoneMessage
from kulisser.staff.service import Actor
from kulisser.worklist import service as worklist
from kulisser.worklist.service import Priority, WorkItem

RELATIONS = {"patient": N_("Patienten själv"), "relative": N_("Anhörig"),
             "colleague": N_("Kollega/vårdgivare"), "other": N_("Annan")}


@dataclass
class MessageData:
    """A phone message as typed at the desk (strings, unvalidated)."""

    caller_name: str = ""
    caller_relation: str = "patient"
    phone: str = ""
    message: str = ""
    priority: str = Priority.NORMAL.value
    call_back_within_hours: str = ""
    patient_id: int | None = None


def take_message(session: Session, *, actor: Actor, data: MessageData,
                 now: datetime | None = None) -> tuple[PhoneMessage, WorkItem]:
    """Store a phone message and put a call-back item in the unit's queue."""
    now = now or utcnow()
    errors: dict[str, str] = {}
    if not data.caller_name.strip() and data.patient_id is None:
        errors["caller_name"] = _("Ange vem som ringde.")
    if data.caller_relation not in RELATIONS:
        errors["caller_relation"] = _("Välj vem som ringde.")
    phone = " ".join(data.phone.split())
    if not phone:
        errors["phone"] = _("Ange telefonnummer att ringa tillbaka till.")
    elif bad_phone := phone_error(phone):
        errors["phone"] = bad_phone
    message = data.message.strip()
    if not message:
        errors["message"] = _("Skriv vad samtalet gäller.")
    elif len(message) > 2000:
        errors["message"] = _("Meddelandet får vara högst 2000 tecken.")
    if data.priority not in {p.value for p in Priority}:
        errors["priority"] = _("Okänd prioritet.")
    due_at: datetime | None = None
    if data.call_back_within_hours.strip():
        try:
            hours = float(data.call_back_within_hours.replace(",", "."))
            if not 0 < hours <= 24 * 30:
                raise ValueError
            due_at = now + timedelta(hours=hours)
        except ValueError:
            errors["call_back_within_hours"] = _("Ange antal timmar, t.ex. 2 eller 24.")
    if errors:
        raise ValidationFailed(errors)
    caller = data.caller_name.strip()
    msg = PhoneMessage(unit_id=actor.unit_id, patient_id=data.patient_id, caller_name=caller,
                       caller_relation=data.caller_relation, phone=phone, message=message,
                       taken_by_id=actor.user_id, taken_at=now, call_back_by=now)
    session.add(msg)
    session.flush()
    item = worklist.create_item(
        session, actor=actor, kind=CALLBACK.code, priority=data.priority,
        title=f"Ring tillbaka: {caller or 'patienten'}"[:200], patient_id=data.patient_id,
        description=message, due_at=due_at, ref_type=CALLBACK.ref_type, ref_id=msg.id, now=now)
    msg.call_back_by = item.due_at
    return msg, item


def open_items_by_patient(session: Session, *, patient_ids: list[int], unit_ids: tuple[int, ...]
                          ) -> dict[int, list[WorkItem]]:
    """Open items of the listed patients in the user's units, by due time (caller checked access)."""
    return worklist.open_items_of_patients(session, patient_ids=patient_ids, unit_ids=unit_ids)


def relation_choices() -> list[tuple[str, str]]:
    """The caller relations for a form's select, in Swedish."""
    return [(code, _(label)) for code, label in RELATIONS.items()]
