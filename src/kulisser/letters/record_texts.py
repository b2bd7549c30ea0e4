"""A patient's sent letters as record texts, as the patient read them, without the address."""

from __future__ import annotations

import html

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.letters.models import Letter
from kulisser.letters.states import LetterStatus
from kulisser.record_texts import RecordText, local_day


def _plain(text: Markup) -> str:
    # The rendered text is escaped and its only markup is <br> (letters.merge.paragraphs).
    return html.unescape(str(text).replace("<br>\n", "\n").replace("<br>", "\n"))


def sent_letter_texts(session: Session, *, patient_id: int, unit_id: int) -> list[RecordText]:
    """The letters sent to the patient from the unit, oldest first: subject and text, never the
    recipient block (no access check: the caller checks)."""
    from kulisser.letters.printing import paper_for  # printing imports this package's service

    letters = session.scalars(select(Letter).where(
        Letter.patient_id == patient_id, Letter.unit_id == unit_id,
        Letter.status.in_((LetterStatus.SENT.value, LetterStatus.RETURNED.value)))
        .order_by(Letter.sent_at, Letter.id))
    found = []
    for letter in letters:
        paper = paper_for(session, letter)
        found.append(RecordText(
            source="letter", source_id=letter.id, source_version=0,
            title=f"{paper.kind_label}: {_plain(paper.subject)}", date=local_day(letter.sent_at),
            text="\n\n".join(_plain(p) for p in paper.paragraphs)))
    return found
