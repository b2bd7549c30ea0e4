"""Letter kinds, statuses and the transitions between them (pure logic, no database)."""

from __future__ import annotations

from enum import StrEnum

from kulisser.i18n import N_, _
from kulisser.worklist.service import TransitionError


class LetterKind(StrEnum):
    """What a letter is about; each kind has its own default text and merge fields."""

    CALLING = "calling"  # kallelse
    REBOOKING = "rebooking"
    CANCELLATION = "cancellation"
    RESULT = "result"
    REFERRAL_REPLY = "referral_reply"
    # Record copies (records/): the written decision on a release, and the copy's cover letter.
    RECORD_DECISION = "record_decision"
    RECORD_COPY = "record_copy"


class LetterStatus(StrEnum):
    """Where a letter is: written, ready to go out, sent, back as undeliverable, or void."""

    DRAFT = "draft"
    READY = "ready"
    SENT = "sent"
    RETURNED = "returned"
    # A letter that must not go out any more (its visit was rebooked or cancelled first).
    CANCELLED = "cancelled"


class Route(StrEnum):
    """How a letter reaches its recipient."""

    POST = "post"
    # Skyddad identitet: the envelope goes to Skatteverket, which forwards it; no address.
    FORWARDING = "forwarding"
    MAILBOX = "mailbox"  # digital mailbox (e.g. Kivra, Min myndighetspost)


class LetterOp(StrEnum):
    """What a user can do to a letter."""

    READY = "ready"
    DRAFT = "draft"
    SENT = "sent"
    RETURNED = "returned"
    CANCEL = "cancel"


KIND_LABELS = {
    LetterKind.CALLING: N_("Kallelse"),
    LetterKind.REBOOKING: N_("Ombokning"),
    LetterKind.CANCELLATION: N_("Avbokning"),
    LetterKind.RESULT: N_("Provsvar"),
    LetterKind.REFERRAL_REPLY: N_("Remissvar"),
    LetterKind.RECORD_DECISION: N_("Beslut om journalkopia"),
    LetterKind.RECORD_COPY: N_("Följebrev till journalkopia"),
}
STATUS_LABELS = {
    LetterStatus.DRAFT: N_("Utkast"),
    LetterStatus.READY: N_("Klart att skicka"),
    LetterStatus.SENT: N_("Skickat"),
    LetterStatus.RETURNED: N_("I retur"),
    LetterStatus.CANCELLED: N_("Makulerat"),
}
ROUTE_LABELS = {
    Route.POST: N_("Post"),
    Route.FORWARDING: N_("Skyddad identitet – via Skatteverket"),
    Route.MAILBOX: N_("Digital brevlåda"),
}
OP_LABELS = {
    LetterOp.READY: N_("Klarmarkera"),
    LetterOp.DRAFT: N_("Ändra (tillbaka till utkast)"),
    LetterOp.SENT: N_("Markera som skickat"),
    LetterOp.RETURNED: N_("Markera som retur"),
    LetterOp.CANCEL: N_("Makulera"),
}
# The letters that booking makes; the others are written by hand (results, referral replies).
BOOKING_KINDS = (LetterKind.CALLING, LetterKind.REBOOKING, LetterKind.CANCELLATION)
MANUAL_KINDS = (LetterKind.RESULT, LetterKind.REFERRAL_REPLY)
UNSENT = (LetterStatus.DRAFT, LetterStatus.READY)
# The letters records/ makes; with a `mottagare_adress` field they go to the requester.
RECORD_KINDS = (LetterKind.RECORD_DECISION, LetterKind.RECORD_COPY)

_RULES: dict[LetterOp, tuple[tuple[LetterStatus, ...], LetterStatus, bool]] = {
    # operation: (allowed from, to, needs a reason)
    LetterOp.READY: ((LetterStatus.DRAFT,), LetterStatus.READY, False),
    LetterOp.DRAFT: ((LetterStatus.READY,), LetterStatus.DRAFT, False),
    LetterOp.SENT: ((LetterStatus.READY,), LetterStatus.SENT, False),
    LetterOp.RETURNED: ((LetterStatus.SENT,), LetterStatus.RETURNED, True),
    LetterOp.CANCEL: (UNSENT, LetterStatus.CANCELLED, True),
}
_VERBS = {LetterOp.READY: N_("klarmarkera"), LetterOp.DRAFT: N_("ändra"), LetterOp.SENT: N_("skicka"),
          LetterOp.RETURNED: N_("markera som retur"), LetterOp.CANCEL: N_("makulera")}


def check(status: LetterStatus | str, op: LetterOp | str, *, reason: str = "") -> LetterStatus:
    """The status an operation leads to, or TransitionError with a Swedish message."""
    try:
        operation = LetterOp(op)
    except ValueError:
        raise TransitionError(_("Okänd åtgärd."), code="unknown_operation") from None
    current = LetterStatus(status)
    allowed, to, needs_reason = _RULES[operation]
    if current not in allowed:
        raise TransitionError(_("Det går inte att {verbs} ett brev med status ”{status_labels}”.",
                                verbs=_(_VERBS[operation]), status_labels=_(STATUS_LABELS[current])))
    if needs_reason and not reason.strip():
        raise TransitionError(_("Ange en orsak."), code="reason_required")
    return to


def allowed_ops(status: LetterStatus | str) -> list[LetterOp]:
    """The operations a status allows, in menu order."""
    current = LetterStatus(status)
    return [op for op, (allowed, _to, _r) in _RULES.items() if current in allowed]
