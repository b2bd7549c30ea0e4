"""kulisser.events: subscribers run in subscription order, a subtype reaches its base's
subscribers, install is idempotent, and a subscriber's error reaches the publisher."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass
from types import ModuleType
from typing import Any

import pytest

from kulisser import events
from kulisser.booking.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentChanged,
    AppointmentMoved,
)

SESSION: Any = object()  # the publisher passes its session through; nothing here uses it


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test registers into an empty registry (the app's own subscribers stay untouched)."""
    monkeypatch.setattr(events, "_handlers", {})


@dataclass(frozen=True, kw_only=True)
class Happened(events.Event):
    """A test event."""

    n: int


@dataclass(frozen=True, kw_only=True)
class HappenedLoudly(Happened):
    """A subtype of the test event."""


def test_subscribers_run_in_the_order_they_subscribed_with_the_session_and_event() -> None:
    seen: list[tuple[str, Any, int]] = []
    events.subscribe(Happened, lambda s, e: seen.append(("first", s, e.n)))
    events.subscribe(Happened, lambda s, e: seen.append(("second", s, e.n)))
    events.publish(SESSION, Happened(n=1))
    events.publish(SESSION, Happened(n=2))
    assert seen == [("first", SESSION, 1), ("second", SESSION, 1), ("first", SESSION, 2),
                    ("second", SESSION, 2)]


def test_a_subtype_reaches_its_own_subscribers_first_then_its_bases_and_not_the_reverse() -> None:
    seen: list[str] = []
    events.subscribe(Happened, lambda _s, e: seen.append(f"base {type(e).__name__}"))
    events.subscribe(HappenedLoudly, lambda _s, e: seen.append(f"loud {type(e).__name__}"))
    events.subscribe(events.Event, lambda _s, e: seen.append(f"any {type(e).__name__}"))
    events.publish(SESSION, HappenedLoudly(n=1))
    assert seen == ["loud HappenedLoudly", "base HappenedLoudly", "any HappenedLoudly"]
    seen.clear()
    events.publish(SESSION, Happened(n=2))
    assert seen == ["base Happened", "any Happened"]


def test_a_handler_subscribed_to_a_type_and_its_base_runs_once() -> None:
    calls: list[int] = []

    def handler(_s: Any, e: Happened) -> None:
        calls.append(e.n)

    events.subscribe(Happened, handler)
    events.subscribe(HappenedLoudly, handler)
    events.publish(SESSION, HappenedLoudly(n=7))
    assert calls == [7]


def test_install_is_idempotent_for_a_module_and_for_pairs() -> None:
    calls: list[str] = []

    def on_booked(_s: Any, _e: AppointmentBooked) -> None:
        calls.append("booked")

    module = ModuleType("somepackage.subscribers")
    module.SUBSCRIPTIONS = [(AppointmentBooked, on_booked)]  # type: ignore[attr-defined]
    events.install(module)
    events.install(module)
    events.install([(AppointmentBooked, on_booked)])
    assert events.handlers_for(AppointmentBooked) == [on_booked]
    assert events.handlers_for(AppointmentMoved) == []


def test_a_subscribers_error_reaches_the_publisher_and_stops_the_later_ones() -> None:
    later: list[int] = []

    def boom(_s: Any, _e: Happened) -> None:
        raise RuntimeError("subscriber failed")

    events.subscribe(Happened, boom)
    events.subscribe(Happened, lambda _s, e: later.append(e.n))
    with pytest.raises(RuntimeError, match="subscriber failed"):
        events.publish(SESSION, Happened(n=1))
    assert later == []


def test_no_subscriber_is_no_error() -> None:
    events.publish(SESSION, Happened(n=1))


def test_the_installed_packages_react_to_bookings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's installation: the waiting list before the letters, for each booking event;
    the waiting list for an accepted referral."""
    monkeypatch.undo()  # the real registry, as the app installs it
    from kulisser import packages

    packages.setup()  # every installed package's subscribers, in the installed order
    from kulisser.letters import subscribers as letters
    from kulisser.waitlist import subscribers as waitlist

    assert events.handlers_for(AppointmentBooked) == [waitlist.end_wait_on_booking, letters.calling_letter]
    assert events.handlers_for(AppointmentMoved) == [waitlist.move_wait_end, letters.rebooking_letter]
    assert events.handlers_for(AppointmentCancelled) == [waitlist.reopen_wait,
                                                         letters.cancellation_letter]
    assert issubclass(AppointmentCancelled, AppointmentChanged)
    from kulisser.referrals.events import ReferralAccepted

    assert events.handlers_for(ReferralAccepted) == [waitlist.wait_from_referral]


def test_booking_events_are_frozen_and_keyword_only() -> None:
    with pytest.raises(TypeError):
        AppointmentBooked(1)  # type: ignore[call-arg,misc]
    event = Happened(n=1)
    with pytest.raises(FrozenInstanceError):
        event.n = 2  # type: ignore[misc]
