"""A record request's way from receipt to delivery. Pure logic (no database).

    received -> compiling -> in_review -> decided -> delivered
                    ^            |
                    +------------+  (returned: the decider sends it back for more work)

A full refusal ends at decided and is closed when the decision letter has gone out
(``closed``); a request may be withdrawn by the requester at any open step (``withdrawn``).
The same path serves both kinds: a record copy and a log extract (loggutdrag).
"""

from __future__ import annotations

from enum import StrEnum

from kulisser.i18n import N_, _
from kulisser.worklist.service import TransitionError


class RequestKind(StrEnum):
    """What is asked for."""

    COPY = "copy"
    LOG_EXTRACT = "log_extract"


class RequestStatus(StrEnum):
    """Where a request is."""

    RECEIVED = "received"
    COMPILING = "compiling"
    IN_REVIEW = "in_review"
    DECIDED = "decided"
    DELIVERED = "delivered"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    """What can happen to a request."""

    COMPILE = "compile"  # the secretary starts picking documents
    SUBMIT = "submit"  # the preparation goes to the decider
    RETURN = "return"  # the decider sends it back
    DECIDE = "decide"
    DELIVER = "deliver"
    CLOSE = "close"  # a full refusal whose decision has been sent
    WITHDRAW = "withdraw"


class Channel(StrEnum):
    """How the request came in (no form is required by law)."""

    PHONE = "phone"
    LETTER = "letter"
    EMAIL = "email"
    ESERVICE = "eservice"
    IN_PERSON = "in_person"


class RequesterKind(StrEnum):
    """Who asks: the patient, someone for the patient, or a third party with consent."""

    PATIENT = "patient"
    GUARDIAN = "guardian"
    REPRESENTATIVE = "representative"
    INSURER = "insurer"
    AUTHORITY = "authority"
    CARE_PROVIDER = "care_provider"
    COURT = "court"


THIRD_PARTIES = (RequesterKind.INSURER, RequesterKind.AUTHORITY, RequesterKind.CARE_PROVIDER,
                 RequesterKind.COURT)


class Scope(StrEnum):
    """What part of the record is asked for."""

    WHOLE = "whole"
    PERIOD = "period"
    KINDS = "kinds"
    DOCUMENTS = "documents"


class Delivery(StrEnum):
    """How the copy should reach the requester."""

    POST = "post"
    COLLECT = "collect"  # collected in person, with an ID check recorded
    MAILBOX = "mailbox"  # digital mailbox


class Verdict(StrEnum):
    """The decider's review of one document."""

    RELEASE = "release"
    RELEASE_MASKED = "release_masked"
    WITHHOLD = "withhold"


class LegalGround(StrEnum):
    """The ground for masking or withholding."""

    OSL_25_1 = "osl_25_1"
    OSL_25_6 = "osl_25_6"
    OSL_12_3 = "osl_12_3"
    OTHER = "other"


class Outcome(StrEnum):
    """The decision on the whole request."""

    FULL = "full"
    PARTIAL = "partial"
    REFUSED = "refused"


S = RequestStatus
OPEN_STATUSES = (S.RECEIVED, S.COMPILING, S.IN_REVIEW, S.DECIDED)
TRANSITIONS: dict[Action, dict[RequestStatus, RequestStatus]] = {
    Action.COMPILE: {S.RECEIVED: S.COMPILING},
    Action.SUBMIT: {S.COMPILING: S.IN_REVIEW},
    Action.RETURN: {S.IN_REVIEW: S.COMPILING},
    Action.DECIDE: {S.IN_REVIEW: S.DECIDED},
    Action.DELIVER: {S.DECIDED: S.DELIVERED},
    Action.CLOSE: {S.DECIDED: S.CLOSED},
    Action.WITHDRAW: {s: S.WITHDRAWN for s in OPEN_STATUSES},
}

STATUS_LABELS: dict[str, str] = {
    S.RECEIVED: N_("Mottagen"),
    S.COMPILING: N_("Sammanställs"),
    S.IN_REVIEW: N_("Sekretessprövning"),
    S.DECIDED: N_("Beslutad"),
    S.DELIVERED: N_("Utlämnad"),
    S.CLOSED: N_("Avslutad"),
    S.WITHDRAWN: N_("Återkallad"),
}
KIND_LABELS: dict[str, str] = {RequestKind.COPY: N_("Journalkopia"),
                               RequestKind.LOG_EXTRACT: N_("Loggutdrag")}
CHANNEL_LABELS: dict[str, str] = {
    Channel.PHONE: N_("Telefon"), Channel.LETTER: N_("Brev"), Channel.EMAIL: N_("E-post"),
    Channel.ESERVICE: N_("E-tjänst"), Channel.IN_PERSON: N_("Besök")}
REQUESTER_LABELS: dict[str, str] = {
    RequesterKind.PATIENT: N_("Patienten"), RequesterKind.GUARDIAN: N_("Vårdnadshavare"),
    RequesterKind.REPRESENTATIVE: N_("Ombud med fullmakt"),
    RequesterKind.INSURER: N_("Försäkringsbolag"), RequesterKind.AUTHORITY: N_("Myndighet"),
    RequesterKind.CARE_PROVIDER: N_("Annan vårdgivare"),
    RequesterKind.COURT: N_("Domstol eller polis")}
SCOPE_LABELS: dict[str, str] = {
    Scope.WHOLE: N_("Hela journalen"), Scope.PERIOD: N_("En period"),
    Scope.KINDS: N_("Vissa slags handlingar"), Scope.DOCUMENTS: N_("Namngivna handlingar")}
DELIVERY_LABELS: dict[str, str] = {
    Delivery.POST: N_("Post"), Delivery.COLLECT: N_("Hämtas personligen"),
    Delivery.MAILBOX: N_("Digital brevlåda")}
VERDICT_LABELS: dict[str, str] = {
    Verdict.RELEASE: N_("Lämnas ut"), Verdict.RELEASE_MASKED: N_("Lämnas ut med maskering"),
    Verdict.WITHHOLD: N_("Lämnas inte ut")}
GROUND_LABELS: dict[str, str] = {
    LegalGround.OSL_25_1: N_("OSL 25 kap. 1 §"), LegalGround.OSL_25_6: N_("OSL 25 kap. 6 §"),
    LegalGround.OSL_12_3: N_("OSL 12 kap. 3 § (vårdnadshavare)"), LegalGround.OTHER: N_("Annan")}
OUTCOME_LABELS: dict[str, str] = {
    Outcome.FULL: N_("Lämnas ut"), Outcome.PARTIAL: N_("Lämnas ut delvis"),
    Outcome.REFUSED: N_("Avslag")}


def next_status(status: str, action: Action) -> RequestStatus:
    """The status after ``action``, or TransitionError naming the step in Swedish."""
    target = TRANSITIONS[action].get(RequestStatus(status))
    if target is None:
        raise TransitionError(_("Begäran är {status} och kan inte ändras så.").format(
            status=_(STATUS_LABELS[status]).lower()))
    return target
