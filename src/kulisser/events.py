"""In-transaction domain events: a domain publishes what happened, other domains react before commit.

A publisher calls ``publish(session, event)`` inside its service, in the transaction of the
change. Every subscriber runs at once, in the same session and transaction; an exception in a
subscriber propagates to the publisher, so the request or job rolls the whole change back and
nothing is half-stored. There is no queue and no retry here: work that may run later belongs
in a job, which a subscriber may enqueue.

A package lists its reactions in ``subscribers.py`` as ``SUBSCRIPTIONS`` (pairs of an event
class and a handler); ``install`` registers them once, whoever calls it first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, TypeVar

from sqlalchemy.orm import Session

E = TypeVar("E", bound="Event")
Handler = Callable[[Session, Any], None]
Subscription = tuple[type["Event"], Handler]


@dataclass(frozen=True, kw_only=True)
class Event:
    """The base of every domain event; subclasses are frozen dataclasses named in the past tense."""


_handlers: dict[type[Event], list[Handler]] = {}


def subscribe(event_type: type[E], handler: Callable[[Session, E], None]) -> None:
    """Call ``handler(session, event)`` for every published event of this type (or a subtype)."""
    handlers = _handlers.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def install(subscriptions: ModuleType | Iterable[Subscription]) -> None:
    """Register a package's subscriptions (its ``subscribers`` module or the pairs); idempotent."""
    pairs: Iterable[Subscription] = (subscriptions.SUBSCRIPTIONS if isinstance(subscriptions, ModuleType)
                                     else subscriptions)
    for event_type, handler in pairs:
        subscribe(event_type, handler)


def handlers_for(event_type: type[Event]) -> list[Handler]:
    """The handlers an event of this type reaches, in subscription order, most specific type first."""
    found: list[Handler] = []
    for klass in event_type.__mro__:
        for handler in _handlers.get(klass, ()):
            if handler not in found:
                found.append(handler)
    return found


def publish(session: Session, event: Event) -> None:
    """Run every subscriber of the event now, in the caller's transaction; errors propagate."""
    for handler in handlers_for(type(event)):
        handler(session, event)
