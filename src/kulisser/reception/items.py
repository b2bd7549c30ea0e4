"""Reception's kind of work item: a phone message is a call-back in the unit's queue."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.i18n import N_
from kulisser.reception.models import PhoneMessage
from kulisser.worklist.service import KindSpec, Priority, register


def _load(session: Session, ref_ids: list[int]) -> dict[int, PhoneMessage]:
    return {m.id: m for m in session.scalars(select(PhoneMessage).where(PhoneMessage.id.in_(ref_ids)))}


CALLBACK = register(KindSpec(
    code="callback", label=N_("Återuppringning"), label_plural=N_("Återuppringningar"),
    default_hours={Priority.ACUTE: 1, Priority.HIGH: 4, Priority.NORMAL: 24, Priority.LOW: 72},
    ref_type="phone_message", detail_template="reception/_callback_detail.html", load_refs=_load,
))
