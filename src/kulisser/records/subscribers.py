"""What record requests do when another domain's event happens (kulisser.events).

A full refusal is handled when its written decision has gone out: the letters' LetterSent
for a refusal's decision letter closes the request, its history and its work items, in the
same transaction as the sending.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kulisser.events import Subscription
from kulisser.letters.events import LetterSent
from kulisser.records import delivery

DECISION_KIND = "record_decision"  # letters.states.LetterKind.RECORD_DECISION


def close_refusal_when_sent(session: Session, event: LetterSent) -> None:
    """The decision letter of a full refusal was sent: the request is closed."""
    if event.kind == DECISION_KIND:
        delivery.close_refused_by_letter(session, actor=event.actor, letter_id=event.letter_id,
                                         unit_id=event.unit_id, now=event.at)


SUBSCRIPTIONS: list[Subscription] = [(LetterSent, close_refusal_when_sent)]
