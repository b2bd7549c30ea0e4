"""The tiny package's reaction to its own event."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from kulisser.events import Event, Subscription


@dataclass(frozen=True, kw_only=True)
class TinyHappened(Event):
    """Something happened in the tiny package."""


HEARD: list[TinyHappened] = []


def remember(_session: Session, event: TinyHappened) -> None:
    """Keep the event."""
    HEARD.append(event)


SUBSCRIPTIONS: list[Subscription] = [(TinyHappened, remember)]
