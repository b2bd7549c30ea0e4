"""The letters' kind of work item: a letter not yet out is an open "Brev" item in the queue."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.i18n import N_, _
from kulisser.letters.models import Letter
from kulisser.letters.states import UNSENT, LetterStatus
from kulisser.worklist.service import (
    GENERIC_OPERATIONS,
    Finding,
    KindSpec,
    Priority,
    compare,
    register,
    register_record_page,
)

register_record_page("letter", label=N_("Brevet"), path="/brev/{id}")


def _load(session: Session, ref_ids: list[int]) -> dict[int, Letter]:
    return {x.id: x for x in session.scalars(select(Letter).where(Letter.id.in_(ref_ids)))}


# A letter not yet out has an open item (a returned letter's item is a plain task).
_UNSENT = [s.value for s in UNSENT]


def _check(session: Session) -> list[Finding]:
    """A letter not yet out has an open item; a sent or void one has none."""
    return compare(session, kind=LETTER_KIND.code, ref_type="letter", model=Letter,
                   needs=Letter.status.in_(_UNSENT),
                   # Items made before returned letters got tasks may still be open.
                   allows=lambda x: x.status in (*_UNSENT, LetterStatus.RETURNED.value),
                   label=_("Brevet"))


LETTER_KIND = register(KindSpec(
    code="letter", label=N_("Brev"), label_plural=N_("Brev"),
    default_hours={Priority.ACUTE: 2, Priority.HIGH: 8, Priority.NORMAL: 24, Priority.LOW: 72},
    ref_type="letter", detail_template="letters/_letter_detail.html", load_refs=_load,
    operations=GENERIC_OPERATIONS, record_hint=N_("Öppna brevet för att skicka eller makulera det."),
    check=_check,
))
