"""The referral state machines, incoming and outgoing. Pure logic (no database).

Incoming (remissinkorg), every step an event, so the whole path can be followed:

    registered -> received (receipt confirmed) -> under_assessment
        -> accepted | rejected | forwarded -> replied   (the decision's reply to the sender)
        -> waiting_for_info -> under_assessment          (the sender is asked; the answer arrives)

A decision and its reply are two events in one transaction: the status passes through the
decision (accepted, rejected, forwarded) and ends at replied, while `Referral.outcome` keeps
the decision. Cancelled is for a referral registered by mistake (no reply is made).

Outgoing: draft -> sent -> replied; a draft or a sent referral may be cancelled.
"""

from __future__ import annotations

from enum import StrEnum

from kulisser.i18n import N_, _
from kulisser.worklist.service import TransitionError


class ReferralStatus(StrEnum):
    """Where an incoming referral is on its way from registration to the reply."""

    REGISTERED = "registered"
    RECEIVED = "received"
    UNDER_ASSESSMENT = "under_assessment"
    WAITING_FOR_INFO = "waiting_for_info"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    FORWARDED = "forwarded"
    REPLIED = "replied"
    CANCELLED = "cancelled"


class Action(StrEnum):
    """What can happen to an incoming referral."""

    CONFIRM = "confirm"  # receipt confirmed to the sender
    START = "start"  # the clinician begins the assessment
    ACCEPT = "accept"
    REJECT = "reject"
    FORWARD = "forward"
    ASK = "ask"  # ask the sender for more information
    ANSWER = "answer"  # the sender's answer arrived
    REPLY = "reply"  # the decision's reply is made
    CANCEL = "cancel"


S = ReferralStatus
OPEN_STATUSES = (S.REGISTERED, S.RECEIVED, S.UNDER_ASSESSMENT, S.WAITING_FOR_INFO)
DECISIONS = (Action.ACCEPT, Action.REJECT, Action.FORWARD)

TRANSITIONS: dict[Action, dict[ReferralStatus, ReferralStatus]] = {
    Action.CONFIRM: {S.REGISTERED: S.RECEIVED},
    Action.START: {S.REGISTERED: S.UNDER_ASSESSMENT, S.RECEIVED: S.UNDER_ASSESSMENT},
    Action.ACCEPT: {S.UNDER_ASSESSMENT: S.ACCEPTED},
    Action.REJECT: {S.UNDER_ASSESSMENT: S.REJECTED},
    Action.FORWARD: {S.UNDER_ASSESSMENT: S.FORWARDED},
    Action.ASK: {S.UNDER_ASSESSMENT: S.WAITING_FOR_INFO},
    Action.ANSWER: {S.WAITING_FOR_INFO: S.UNDER_ASSESSMENT},
    Action.REPLY: {S.ACCEPTED: S.REPLIED, S.REJECTED: S.REPLIED, S.FORWARDED: S.REPLIED},
    Action.CANCEL: {status: S.CANCELLED for status in OPEN_STATUSES},
}
NEEDS_REASON = {Action.REJECT, Action.FORWARD, Action.ASK, Action.ANSWER, Action.CANCEL}

STATUS_LABELS = {
    S.REGISTERED: N_("Registrerad"),
    S.RECEIVED: N_("Mottagen (kvitterad)"),
    S.UNDER_ASSESSMENT: N_("Under bedömning"),
    S.WAITING_FOR_INFO: N_("Väntar på komplettering"),
    S.ACCEPTED: N_("Antagen"),
    S.REJECTED: N_("Avvisad"),
    S.FORWARDED: N_("Vidarebefordrad"),
    S.REPLIED: N_("Besvarad"),
    S.CANCELLED: N_("Makulerad"),
}
ACTION_LABELS = {
    Action.CONFIRM: N_("Kvittera mottagandet"),
    Action.START: N_("Påbörja bedömning"),
    Action.ACCEPT: N_("Anta"),
    Action.REJECT: N_("Avvisa"),
    Action.FORWARD: N_("Vidarebefordra"),
    Action.ASK: N_("Begär komplettering"),
    Action.ANSWER: N_("Registrera komplettering"),
    Action.REPLY: N_("Svara remittenten"),
    Action.CANCEL: N_("Makulera"),
}
_VERBS = {
    Action.CONFIRM: N_("kvittera"), Action.START: N_("påbörja bedömningen av"),
    Action.ACCEPT: N_("anta"), Action.REJECT: N_("avvisa"), Action.FORWARD: N_("vidarebefordra"),
    Action.ASK: N_("begära komplettering av"), Action.ANSWER: N_("registrera komplettering till"),
    Action.REPLY: N_("besvara"), Action.CANCEL: N_("makulera"),
}


def check_transition(status: ReferralStatus | str, action: Action | str, *,
                     reason: str = "") -> ReferralStatus:
    """The status an action leads to, or TransitionError (Swedish) when it is not allowed."""
    act = Action(action)
    current = S(status)
    target = TRANSITIONS[act].get(current)
    if target is None:
        raise TransitionError(_("Det går inte att {verbs} en remiss med status ”{status_labels}”.",
                                verbs=_(_VERBS[act]), status_labels=_(STATUS_LABELS[current])))
    if act in NEEDS_REASON and not reason.strip():
        raise TransitionError(_("Ange en motivering."), code="reason_required")
    return target


def allowed_actions(status: ReferralStatus | str) -> list[Action]:
    """The actions the status allows, in menu order."""
    current = S(status)
    return [act for act, moves in TRANSITIONS.items() if current in moves]


def is_open(status: ReferralStatus | str) -> bool:
    """Whether the referral still waits for an assessment or a decision."""
    return S(status) in OPEN_STATUSES


class OutgoingStatus(StrEnum):
    """Where an outgoing referral is: written, sent, answered."""

    DRAFT = "draft"
    SENT = "sent"
    REPLIED = "replied"
    CANCELLED = "cancelled"


class OutAction(StrEnum):
    """What can happen to an outgoing referral."""

    EDIT = "edit"
    SEND = "send"
    REPLY = "reply"  # the receiver's reply was registered
    CANCEL = "cancel"


O = OutgoingStatus  # noqa: E741 - the enum's short name, as S above
OUT_TRANSITIONS: dict[OutAction, dict[OutgoingStatus, OutgoingStatus]] = {
    OutAction.EDIT: {O.DRAFT: O.DRAFT},
    OutAction.SEND: {O.DRAFT: O.SENT},
    OutAction.REPLY: {O.SENT: O.REPLIED},
    OutAction.CANCEL: {O.DRAFT: O.CANCELLED, O.SENT: O.CANCELLED},
}
OUT_STATUS_LABELS = {
    O.DRAFT: N_("Utkast"),
    O.SENT: N_("Skickad, väntar på svar"),
    O.REPLIED: N_("Besvarad"),
    O.CANCELLED: N_("Makulerad"),
}
_OUT_VERBS = {OutAction.EDIT: N_("ändra"), OutAction.SEND: N_("skicka"),
              OutAction.REPLY: N_("registrera svar på"), OutAction.CANCEL: N_("makulera")}


def check_out_transition(status: OutgoingStatus | str, action: OutAction | str, *,
                         reason: str = "") -> OutgoingStatus:
    """The status an outgoing action leads to, or TransitionError (Swedish)."""
    act = OutAction(action)
    current = O(status)
    target = OUT_TRANSITIONS[act].get(current)
    if target is None:
        raise TransitionError(_("Det går inte att {out_verbs} en utgående remiss med status "
                                "”{out_status_labels}”.", out_verbs=_(_OUT_VERBS[act]),
                                out_status_labels=_(OUT_STATUS_LABELS[current])))
    if act is OutAction.CANCEL and not reason.strip():
        raise TransitionError(_("Ange en motivering."), code="reason_required")
    return target


def out_allowed_actions(status: OutgoingStatus | str) -> list[OutAction]:
    """The outgoing actions the status allows."""
    current = O(status)
    return [act for act, moves in OUT_TRANSITIONS.items() if current in moves]

# The history's event types in Swedish, as the pages and the API name them.
EVENT_LABELS = {
    "registered": N_("Registrerad"), "confirm": N_("Mottagandet kvitterat"),
    "start": N_("Bedömning påbörjad"),
    "accept": N_("Antagen"), "reject": N_("Avvisad"), "forward": N_("Vidarebefordrad"),
    "ask": N_("Komplettering begärd"), "answer": N_("Komplettering inkommen"),
    "reply": N_("Besked skickat till remittenten"), "cancel": N_("Makulerad"),
    "waitlisted": N_("Uppsatt på väntelistan"), "handed_over": N_("Bedömningen överlämnad"),
    "created": N_("Skriven"), "edit": N_("Texten ändrad"), "send": N_("Remissen skickad"),
    "delivered": N_("Levererad till mottagaren"), "chase_created": N_("Bevakning skapad (inget svar)"),
}
