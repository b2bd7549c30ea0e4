"""The words of access rights: kinds and statuses of orders, lines, introductions and reviews.
Pure logic (no database)."""

from __future__ import annotations

from enum import StrEnum

from kulisser.i18n import N_, _
from kulisser.worklist.service import TransitionError


class OrderKind(StrEnum):
    """What an access order (behörighetsbeställning) is for."""

    NEW = "new"  # a newcomer: grant by profile or by system
    CHANGE = "change"  # someone changes role or needs another system
    LEAVER = "leaver"  # someone leaves: every system closed, the card cancelled


ORDER_KIND_LABELS = {OrderKind.NEW: N_("Ny medarbetare"), OrderKind.CHANGE: N_("Ändring"),
                     OrderKind.LEAVER: N_("Avslut")}


class OrderStatus(StrEnum):
    """Where an order is: awaiting the manager's approval, being carried out, done."""

    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"  # one work item per line is open
    DONE = "done"  # every line carried out
    REJECTED = "rejected"
    CANCELLED = "cancelled"


ORDER_STATUS_LABELS = {
    OrderStatus.AWAITING_APPROVAL: N_("Väntar på godkännande"),
    OrderStatus.APPROVED: N_("Godkänd, utförs"), OrderStatus.DONE: N_("Klar"),
    OrderStatus.REJECTED: N_("Avslagen"), OrderStatus.CANCELLED: N_("Återkallad"),
}
OPEN_ORDER_STATUSES = (OrderStatus.AWAITING_APPROVAL.value, OrderStatus.APPROVED.value)

# An order's way: awaiting approval -> approved -> done; or rejected / cancelled before done.
_ORDER_MOVES = {
    ("approve", OrderStatus.AWAITING_APPROVAL): OrderStatus.APPROVED,
    ("reject", OrderStatus.AWAITING_APPROVAL): OrderStatus.REJECTED,
    ("cancel", OrderStatus.AWAITING_APPROVAL): OrderStatus.CANCELLED,
    ("cancel", OrderStatus.APPROVED): OrderStatus.CANCELLED,
    ("complete", OrderStatus.APPROVED): OrderStatus.DONE,
}


def next_order_status(status: str, action: str) -> OrderStatus:
    """The order's status after an action, or TransitionError with a Swedish message."""
    target = _ORDER_MOVES.get((action, OrderStatus(status)))
    if target is None:
        raise TransitionError(_("Beställningen kan inte ändras så när den har status "
                                "”{status}”.").format(status=_(ORDER_STATUS_LABELS[OrderStatus(status)])))
    return target


class LineAction(StrEnum):
    """What to do in one system."""

    GRANT = "grant"
    CHANGE = "change"
    REMOVE = "remove"


LINE_ACTION_LABELS = {LineAction.GRANT: N_("Lägg upp"), LineAction.CHANGE: N_("Ändra"),
                      LineAction.REMOVE: N_("Ta bort")}


class LineStatus(StrEnum):
    """One system's task within an order."""

    PENDING = "pending"  # the order awaits approval
    OPEN = "open"  # a work item is open for whoever carries it out
    DONE = "done"
    CANCELLED = "cancelled"


LINE_STATUS_LABELS = {LineStatus.PENDING: N_("Väntar"), LineStatus.OPEN: N_("Att utföra"),
                      LineStatus.DONE: N_("Utförd"), LineStatus.CANCELLED: N_("Återkallad")}


class Phase(StrEnum):
    """When an introduction task is due, counted from the start date."""

    BEFORE = "before"  # before the first day
    FIRST_DAY = "first_day"
    FIRST_WEEK = "first_week"
    FIRST_MONTH = "first_month"


PHASE_LABELS = {Phase.BEFORE: N_("Före första dagen"), Phase.FIRST_DAY: N_("Första dagen"),
                Phase.FIRST_WEEK: N_("Första veckan"), Phase.FIRST_MONTH: N_("Första månaden")}


class ReviewStatus(StrEnum):
    """A periodic access review (behörighetsuppföljning) of one unit."""

    OPEN = "open"
    DONE = "done"


REVIEW_STATUS_LABELS = {ReviewStatus.OPEN: N_("Pågår"), ReviewStatus.DONE: N_("Klar")}


class Decision(StrEnum):
    """The manager's attestation of one person's access to one system."""

    KEEP = "keep"
    CHANGE = "change"
    REMOVE = "remove"


DECISION_LABELS = {Decision.KEEP: N_("Behåll"), Decision.CHANGE: N_("Ändra"),
                   Decision.REMOVE: N_("Ta bort")}
