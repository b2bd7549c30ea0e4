"""The work item state machine: FHIR Task statuses and the operations that move them.

Pure logic (no database), so every legal and illegal transition can be unit tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kulisser.i18n import N_, _


class Status(StrEnum):
    """FHIR Task statuses used for work items."""

    REQUESTED = "requested"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in-progress"
    ON_HOLD = "on-hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    ENTERED_IN_ERROR = "entered-in-error"


class Priority(StrEnum):
    """Work item priorities, most urgent first."""

    ACUTE = "acute"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class Operation(StrEnum):
    """What a user can do to a work item."""

    CLAIM = "claim"
    ASSIGN = "assign"
    HANDOVER = "handover"
    START = "start"
    HOLD = "hold"
    RESUME = "resume"
    COMPLETE = "complete"
    CANCEL = "cancel"
    ENTERED_IN_ERROR = "error"


OPEN_STATUSES: tuple[Status, ...] = (
    Status.REQUESTED,
    Status.ACCEPTED,
    Status.IN_PROGRESS,
    Status.ON_HOLD,
)
CLOSED_STATUSES: tuple[Status, ...] = (
    Status.COMPLETED,
    Status.CANCELLED,
    Status.ENTERED_IN_ERROR,
)
PRIORITY_ORDER = {Priority.ACUTE: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}

STATUS_LABELS = {
    Status.REQUESTED: N_("Ny"),
    Status.ACCEPTED: N_("Mottagen"),
    Status.IN_PROGRESS: N_("Pågår"),
    Status.ON_HOLD: N_("Vilande"),
    Status.COMPLETED: N_("Klar"),
    Status.CANCELLED: N_("Makulerad"),
    Status.ENTERED_IN_ERROR: N_("Felregistrerad"),
}
PRIORITY_LABELS = {
    Priority.ACUTE: N_("Akut"),
    Priority.HIGH: N_("Hög"),
    Priority.NORMAL: N_("Normal"),
    Priority.LOW: N_("Låg"),
}
OPERATION_LABELS = {
    Operation.CLAIM: N_("Ta ärendet"),
    Operation.ASSIGN: N_("Tilldela"),
    Operation.HANDOVER: N_("Lämna över"),
    Operation.START: N_("Påbörja"),
    Operation.HOLD: N_("Vila"),
    Operation.RESUME: N_("Återuppta"),
    Operation.COMPLETE: N_("Klarmarkera"),
    Operation.CANCEL: N_("Makulera"),
    Operation.ENTERED_IN_ERROR: N_("Felregistrerad"),
}
# The operation as a Swedish infinitive, for "Det går inte att ... ett ärende" (the button
# labels above are not verbs that fit that sentence: "Ta ärendet", "Felregistrerad").
_OPERATION_VERBS = {
    Operation.CLAIM: N_("ta"),
    Operation.ASSIGN: N_("tilldela"),
    Operation.HANDOVER: N_("lämna över"),
    Operation.START: N_("påbörja"),
    Operation.HOLD: N_("pausa"),
    Operation.RESUME: N_("återuppta"),
    Operation.COMPLETE: N_("klarmarkera"),
    Operation.CANCEL: N_("makulera"),
    Operation.ENTERED_IN_ERROR: N_("felregistrera"),
}


@dataclass(frozen=True)
class Rule:
    """Which statuses an operation accepts, what it leads to, and whether it needs a reason."""

    allowed_from: tuple[Status, ...]
    to: Status | None  # None: the status is kept (or restored, for resume)
    needs_reason: bool = False
    needs_target: bool = False


RULES: dict[Operation, Rule] = {
    Operation.CLAIM: Rule((Status.REQUESTED, Status.ACCEPTED, Status.ON_HOLD), Status.ACCEPTED),
    Operation.ASSIGN: Rule((Status.REQUESTED,), None, needs_target=True),
    Operation.HANDOVER: Rule(
        (Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD),
        Status.REQUESTED,
        needs_reason=True,
        needs_target=True,
    ),
    Operation.START: Rule((Status.REQUESTED, Status.ACCEPTED), Status.IN_PROGRESS),
    Operation.HOLD: Rule(
        (Status.REQUESTED, Status.ACCEPTED, Status.IN_PROGRESS), Status.ON_HOLD, needs_reason=True
    ),
    Operation.RESUME: Rule((Status.ON_HOLD,), None),
    Operation.COMPLETE: Rule(
        (Status.REQUESTED, Status.ACCEPTED, Status.IN_PROGRESS), Status.COMPLETED
    ),
    Operation.CANCEL: Rule(OPEN_STATUSES, Status.CANCELLED, needs_reason=True),
    Operation.ENTERED_IN_ERROR: Rule(
        (*OPEN_STATUSES, Status.COMPLETED), Status.ENTERED_IN_ERROR, needs_reason=True
    ),
}


class TransitionError(ValueError):
    """An operation that the item's status does not allow; .message is Swedish."""

    # More for the API's JSON answer (a link, say); None for most.
    extra: dict[str, str] | None = None

    def __init__(self, message: str, *, code: str = "illegal_transition") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def form_error(self) -> tuple[dict[str, str], int]:
        """The error for a page's form, and its HTTP status."""
        # A missing reason is the form's fault (422, on the reason field); a move that the
        # status does not allow is a conflict with the record as it is now (409).
        field = "reason" if self.code == "reason_required" else "action"
        return {field: self.message}, 409 if self.code in CONFLICT_CODES else 422


class OwnedByRecord(TransitionError):
    """An operation that only the record owning the item may carry out; .link is its page."""

    def __init__(self, message: str, *, link: str | None) -> None:
        super().__init__(message, code="owned_by_record")
        self.link = link
        self.extra = {"record_url": link} if link else None


# Codes that mean "not with the record as it is now" (409), not bad input (422).
CONFLICT_CODES = ("illegal_transition", "owned_by_record")


def operation_verb(operation: Operation) -> str:
    """The operation as a Swedish infinitive ("klarmarkera")."""
    return _(_OPERATION_VERBS[operation])


def check_transition(status: Status | str, operation: Operation | str, *, reason: str = "") -> Rule:
    """Return the rule for an operation, or raise TransitionError with a Swedish message."""
    op = Operation(operation)
    current = Status(status)
    rule = RULES[op]
    if current not in rule.allowed_from:
        raise TransitionError(
            _("Det går inte att {operation_verbs} ett ärende med status ”{status_labels}”.",
              operation_verbs=_(_OPERATION_VERBS[op]), status_labels=_(STATUS_LABELS[current]))
        )
    if rule.needs_reason and not reason.strip():
        raise TransitionError(_("Ange en orsak."), code="reason_required")
    return rule


def allowed_operations(status: Status | str) -> list[Operation]:
    """The operations the status allows, in menu order."""
    current = Status(status)
    return [op for op, rule in RULES.items() if current in rule.allowed_from]


def is_open(status: Status | str) -> bool:
    """Whether the item still needs work."""
    return Status(status) in OPEN_STATUSES
