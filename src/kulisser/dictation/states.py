"""The dictation state machine and its mapping to HL7 document completion.

Pure logic (no database), so every legal and illegal transition can be unit tested.

    dictated -> draft_ready -> in_review -> awaiting_signature -> signed (-> signed, version n+1)

- the recognizer's draft moves dictated to draft_ready; the first saved text moves dictated
  or draft_ready to in_review (the secretary may write from the audio without a draft);
- return: to the author with a question (returned); the answer brings it back to in_review;
- cancel: from any open status; mark_unusable: the audio cannot be used (before signature).

Unusable audio is a terminal status of its own, not "returned": a returned dictation goes on
with the same recording once the author answers, while an unusable recording can never become
a note. The author gets a work item to dictate again, and the new dictation may name the
unusable one it replaces (see service.upload_dictation).
"""

from __future__ import annotations

from enum import StrEnum

from kulisser.i18n import N_, _
from kulisser.worklist.service import TransitionError


class DictationStatus(StrEnum):
    """Where a dictation is on its way from recording to signed note."""

    DICTATED = "dictated"
    DRAFT_READY = "draft_ready"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    AWAITING_SIGNATURE = "awaiting_signature"
    SIGNED = "signed"
    CANCELLED = "cancelled"
    UNUSABLE = "unusable"


class Action(StrEnum):
    """What can happen to a dictation."""

    DRAFT = "draft"  # the recognizer's draft arrived (the transcription job)
    SAVE_TEXT = "save_text"  # the working text was (auto)saved
    SEND_FOR_SIGNATURE = "send_for_signature"
    RETURN = "return"  # back to the author with a question
    ANSWER = "answer"  # the author answered the question
    MARK_UNUSABLE = "mark_unusable"
    SIGN = "sign"
    CORRECT = "correct"  # a signed note gets a new version
    CANCEL = "cancel"


S = DictationStatus
_OPEN = (S.DICTATED, S.DRAFT_READY, S.IN_REVIEW, S.RETURNED, S.AWAITING_SIGNATURE)

# action -> {from status: to status}; a status not listed does not allow the action.
TRANSITIONS: dict[Action, dict[DictationStatus, DictationStatus]] = {
    Action.DRAFT: {S.DICTATED: S.DRAFT_READY},
    Action.SAVE_TEXT: {
        S.DICTATED: S.IN_REVIEW,
        S.DRAFT_READY: S.IN_REVIEW,
        S.IN_REVIEW: S.IN_REVIEW,
        # While the author is asked, the secretary may go on with the parts that are clear.
        S.RETURNED: S.RETURNED,
        # The author reads and edits before signing (and the secretary may still fix a typo).
        S.AWAITING_SIGNATURE: S.AWAITING_SIGNATURE,
    },
    Action.SEND_FOR_SIGNATURE: {S.IN_REVIEW: S.AWAITING_SIGNATURE},
    Action.RETURN: {S.DICTATED: S.RETURNED, S.DRAFT_READY: S.RETURNED, S.IN_REVIEW: S.RETURNED},
    Action.ANSWER: {S.RETURNED: S.IN_REVIEW},
    Action.MARK_UNUSABLE: {
        S.DICTATED: S.UNUSABLE,
        S.DRAFT_READY: S.UNUSABLE,
        S.IN_REVIEW: S.UNUSABLE,
        S.RETURNED: S.UNUSABLE,
    },
    Action.SIGN: {S.AWAITING_SIGNATURE: S.SIGNED},
    Action.CORRECT: {S.SIGNED: S.SIGNED},
    Action.CANCEL: {status: S.CANCELLED for status in _OPEN},
}
# Actions that must carry a reason (a question, an answer, why).
NEEDS_REASON: frozenset[Action] = frozenset(
    {Action.RETURN, Action.ANSWER, Action.MARK_UNUSABLE, Action.CORRECT, Action.CANCEL}
)

OPEN_STATUSES: tuple[DictationStatus, ...] = _OPEN
CLOSED_STATUSES: tuple[DictationStatus, ...] = (S.SIGNED, S.CANCELLED, S.UNUSABLE)
# Where the working text may be saved (and where the editor is open).
EDITABLE_STATUSES: tuple[DictationStatus, ...] = tuple(TRANSITIONS[Action.SAVE_TEXT])

STATUS_LABELS: dict[DictationStatus, str] = {
    S.DICTATED: N_("Dikterad"),
    S.DRAFT_READY: N_("Utkast klart"),
    S.IN_REVIEW: N_("Granskas"),
    S.RETURNED: N_("Fråga till diktatören"),
    S.AWAITING_SIGNATURE: N_("Väntar på signering"),
    S.SIGNED: N_("Signerad"),
    S.CANCELLED: N_("Makulerad"),
    S.UNUSABLE: N_("Ljudet går inte att använda"),
}
ACTION_LABELS: dict[Action, str] = {
    Action.DRAFT: N_("Utkast från taligenkänning"),
    Action.SAVE_TEXT: N_("Spara text"),
    Action.SEND_FOR_SIGNATURE: N_("Skicka för signering"),
    Action.RETURN: N_("Skicka fråga till diktatören"),
    Action.ANSWER: N_("Svara på frågan"),
    Action.MARK_UNUSABLE: N_("Markera ljudet som oanvändbart"),
    Action.SIGN: N_("Signera"),
    Action.CORRECT: N_("Rätta signerad anteckning"),
    Action.CANCEL: N_("Makulera"),
}
# The action as a Swedish infinitive, for "Det går inte att ... ett diktat med status ...".
_VERBS: dict[Action, str] = {
    Action.DRAFT: N_("lägga in ett utkast i"),
    Action.SAVE_TEXT: N_("ändra texten i"),
    Action.SEND_FOR_SIGNATURE: N_("skicka för signering"),
    Action.RETURN: N_("skicka en fråga om"),
    Action.ANSWER: N_("svara på en fråga om"),
    Action.MARK_UNUSABLE: N_("markera ljudet som oanvändbart i"),
    Action.SIGN: N_("signera"),
    Action.CORRECT: N_("rätta"),
    Action.CANCEL: N_("makulera"),
}

# HL7 v2 table 0271 (document completion status), which the FHIR export uses as the
# DocumentReference's completion extension; the issue names dictated, in progress /
# incomplete, authenticated and legally authenticated.
HL7_COMPLETION_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0271"
HL7_COMPLETION: dict[DictationStatus, tuple[str, str]] = {
    S.DICTATED: ("DI", "Dictated"),
    S.DRAFT_READY: ("IP", "In Progress"),
    S.IN_REVIEW: ("IP", "In Progress"),
    S.RETURNED: ("IN", "Incomplete"),
    # The secretary has verified the text against the audio: authenticated, not yet signed
    # by the one legally responsible for it.
    S.AWAITING_SIGNATURE: ("AU", "Authenticated"),
    S.SIGNED: ("LA", "Legally authenticated"),
    S.CANCELLED: ("CA", "Canceled"),
    S.UNUSABLE: ("CA", "Canceled"),
}
# FHIR DocumentReference.docStatus (composition-status); a corrected note is "amended".
FHIR_DOC_STATUS: dict[DictationStatus, str] = {
    S.DICTATED: "preliminary",
    S.DRAFT_READY: "preliminary",
    S.IN_REVIEW: "preliminary",
    S.RETURNED: "preliminary",
    S.AWAITING_SIGNATURE: "preliminary",
    S.SIGNED: "final",
    S.CANCELLED: "entered-in-error",
    S.UNUSABLE: "entered-in-error",
}


def check_transition(status: DictationStatus | str, action: Action | str, *,
                     reason: str = "") -> DictationStatus:
    """Return the status an action leads to, or raise TransitionError (Swedish message)."""
    act = Action(action)
    current = DictationStatus(status)
    target = TRANSITIONS[act].get(current)
    if target is None:
        raise TransitionError(
            _("Det går inte att {verbs} ett diktat med status ”{status_labels}”.", verbs=_(_VERBS[act]),
              status_labels=_(STATUS_LABELS[current]))
        )
    if act in NEEDS_REASON and not reason.strip():
        raise TransitionError(_(_REASON_MESSAGES.get(act, N_("Ange en orsak."))), code="reason_required")
    return target


_REASON_MESSAGES = {
    Action.RETURN: N_("Skriv frågan till diktatören."),
    Action.ANSWER: N_("Skriv ett svar på frågan."),
    Action.MARK_UNUSABLE: N_("Ange varför ljudet inte går att använda."),
    Action.CORRECT: N_("Ange varför anteckningen rättas."),
    Action.CANCEL: N_("Ange varför diktatet makuleras."),
}


def allowed_actions(status: DictationStatus | str) -> list[Action]:
    """The actions a status allows, in menu order (roles are checked by the service)."""
    current = DictationStatus(status)
    return [act for act, moves in TRANSITIONS.items() if current in moves]


def is_open(status: DictationStatus | str) -> bool:
    """Whether the dictation still needs work (not signed, cancelled or unusable)."""
    return DictationStatus(status) in OPEN_STATUSES


def is_editable(status: DictationStatus | str) -> bool:
    """Whether the working text may be saved in this status."""
    return DictationStatus(status) in EDITABLE_STATUSES

# The history's event types in Swedish, as the pages show them.
EVENT_LABELS: dict[str, str] = {
    "uploaded": N_("Inspelningen laddades upp"),
    "draft_ready": N_("Utkast från taligenkänningen"),
    "draft_stored": N_("Utkast från taligenkänningen (sparat för statistiken)"),
    "transcription_requested": N_("Taligenkänning begärd igen"),
    "review_started": N_("Granskningen påbörjades"),
    "started_empty": N_("Sekreteraren började från tom text i stället för utkastet"),
    "draft_restored": N_("Utkastets text togs tillbaka"),
    "sent_for_signature": N_("Skickades för signering"),
    "returned": N_("Fråga till diktatören"),
    "answered": N_("Diktatören svarade"),
    "marked_unusable": N_("Ljudet markerades som oanvändbart"),
    "signed": N_("Signerad"),
    "corrected": N_("Rättad (ny version)"),
    "cancelled": N_("Makulerad"),
    "details_changed": N_("Uppgifterna ändrades"),
    "replaced": N_("Ersatt av en ny inspelning"),
}


def status_label(status: str) -> str:
    """A dictation status in Swedish."""
    try:
        return _(STATUS_LABELS[DictationStatus(status)])
    except ValueError:
        return status
