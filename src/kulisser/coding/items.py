"""The coding work item: one per contact that must be coded and is not yet coded.

- `coding`: in the unit's queue, opened when a contact that must be coded is registered (a
  visit done, a signed note, by hand) or when a coded contact's changed codes fail the checks;
  completed when the contact is coded with no error. The worklist may take, assign, hand over
  and start it; only coding the contact closes it (generic actions cannot strand it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.coding.models import CareContact
from kulisser.coding.states import KIND_LABELS, ContactStatus
from kulisser.i18n import N_, _
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
    register_record_page,
)

REF_TYPE = "care_contact"
register_record_page(REF_TYPE, label=N_("Vårdkontakt"), path="/kodning/{id}")
_UNCODED = ContactStatus.UNCODED.value


def _load(session: Session, ids: list[int]) -> dict[int, Any]:
    return {c.id: c for c in session.scalars(select(CareContact).where(CareContact.id.in_(ids)))}


def waits(contact: CareContact) -> bool:
    """Whether the contact waits for coding (and so has an open item)."""
    return contact.must_code and contact.status == _UNCODED


def _check(session: Session) -> list[Finding]:
    """A contact that must be coded and is not has an open item; any other has none."""
    return compare(session, kind=CODING.code, ref_type=REF_TYPE, model=CareContact,
                   needs=CareContact.must_code.is_(True) & (CareContact.status == _UNCODED),
                   allows=waits, label=_("Vårdkontakten"))


CODING = register(KindSpec(
    code="coding", label=N_("Kodning"), label_plural=N_("Kodningar"),
    # The patient register is reported monthly; a contact is coded within a few working days.
    default_hours={Priority.ACUTE: 24, Priority.HIGH: 48, Priority.NORMAL: 120, Priority.LOW: 240},
    ref_type=REF_TYPE, detail_template="coding/_item_detail.html", load_refs=_load,
    operations=GENERIC_OPERATIONS,
    record_hint=N_("Öppna vårdkontakten för att koda den; ärendet stängs när koderna klarar kontrollerna."),
    check=_check))


def open_items(session: Session, *, contact_id: int) -> list[WorkItem]:
    """The contact's open coding items."""
    return worklist.open_items(session, ref_type=REF_TYPE, ref_id=contact_id, kind=CODING.code)


def open_for(session: Session, *, actor: Actor, contact: CareContact, patient_name: str,
             now: datetime) -> WorkItem | None:
    """Open the contact's coding item in the actor's unit queue, unless one is open."""
    if open_items(session, contact_id=contact.id):
        return None
    return worklist.open_item(
        session, actor=actor, kind=CODING.code, ref_type=REF_TYPE, ref_id=contact.id,
        title=_("Koda {kind} {day}: {who}", kind=_(KIND_LABELS[contact.kind]).lower(),
                day=contact.contact_date.isoformat(), who=patient_name),
        patient_id=contact.patient_id, now=now)


def close_for(session: Session, *, actor: Actor, contact: CareContact, now: datetime) -> None:
    """Complete the contact's open coding items: it is coded."""
    worklist.close_items(session, items=open_items(session, contact_id=contact.id),
                         actor_id=actor.user_id, now=now, reason=_("Vårdkontakten är kodad."))
