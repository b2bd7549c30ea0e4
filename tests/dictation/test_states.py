"""The dictation state machine: every status x action, reasons, HL7 completion (pure logic)."""

from __future__ import annotations

import itertools

import pytest

from kulisser.dictation.states import (
    EDITABLE_STATUSES,
    FHIR_DOC_STATUS,
    HL7_COMPLETION,
    STATUS_LABELS,
    Action,
    DictationStatus,
    allowed_actions,
    check_transition,
    is_editable,
    is_open,
)
from kulisser.worklist.states import TransitionError

S, A = DictationStatus, Action
# Written out by hand (not derived from the module's table): the legal moves and where they lead.
LEGAL: dict[tuple[DictationStatus, Action], DictationStatus] = {
    (S.DICTATED, A.DRAFT): S.DRAFT_READY,
    (S.DICTATED, A.SAVE_TEXT): S.IN_REVIEW,
    (S.DRAFT_READY, A.SAVE_TEXT): S.IN_REVIEW,
    (S.IN_REVIEW, A.SAVE_TEXT): S.IN_REVIEW,
    (S.RETURNED, A.SAVE_TEXT): S.RETURNED,
    (S.AWAITING_SIGNATURE, A.SAVE_TEXT): S.AWAITING_SIGNATURE,
    (S.IN_REVIEW, A.SEND_FOR_SIGNATURE): S.AWAITING_SIGNATURE,
    (S.DICTATED, A.RETURN): S.RETURNED,
    (S.DRAFT_READY, A.RETURN): S.RETURNED,
    (S.IN_REVIEW, A.RETURN): S.RETURNED,
    (S.RETURNED, A.ANSWER): S.IN_REVIEW,
    (S.DICTATED, A.MARK_UNUSABLE): S.UNUSABLE,
    (S.DRAFT_READY, A.MARK_UNUSABLE): S.UNUSABLE,
    (S.IN_REVIEW, A.MARK_UNUSABLE): S.UNUSABLE,
    (S.RETURNED, A.MARK_UNUSABLE): S.UNUSABLE,
    (S.AWAITING_SIGNATURE, A.SIGN): S.SIGNED,
    (S.SIGNED, A.CORRECT): S.SIGNED,
    (S.DICTATED, A.CANCEL): S.CANCELLED,
    (S.DRAFT_READY, A.CANCEL): S.CANCELLED,
    (S.IN_REVIEW, A.CANCEL): S.CANCELLED,
    (S.RETURNED, A.CANCEL): S.CANCELLED,
    (S.AWAITING_SIGNATURE, A.CANCEL): S.CANCELLED,
}
ALL = list(itertools.product(DictationStatus, Action))


@pytest.mark.parametrize(("status", "action"), ALL, ids=[f"{s.value}-{a.value}" for s, a in ALL])
def test_every_status_and_action(status: DictationStatus, action: Action) -> None:
    if (status, action) in LEGAL:
        assert check_transition(status, action, reason="Ett skäl") is LEGAL[(status, action)]
        assert action in allowed_actions(status)
    else:
        with pytest.raises(TransitionError) as caught:
            check_transition(status, action, reason="Ett skäl")
        # The refusal names the status in Swedish, for the user.
        assert STATUS_LABELS[status] in caught.value.message
        assert caught.value.code == "illegal_transition"
        assert action not in allowed_actions(status)


@pytest.mark.parametrize(("status", "action"), [
    (S.IN_REVIEW, A.RETURN), (S.RETURNED, A.ANSWER), (S.DRAFT_READY, A.MARK_UNUSABLE),
    (S.SIGNED, A.CORRECT), (S.DICTATED, A.CANCEL)])
@pytest.mark.parametrize("reason", ["", "   \n"])
def test_actions_that_need_a_reason_refuse_a_blank_one(status: DictationStatus, action: Action,
                                                       reason: str) -> None:
    with pytest.raises(TransitionError) as caught:
        check_transition(status, action, reason=reason)
    assert caught.value.code == "reason_required" and caught.value.message


@pytest.mark.parametrize(("status", "action"), [
    (S.DICTATED, A.DRAFT), (S.DRAFT_READY, A.SAVE_TEXT), (S.IN_REVIEW, A.SEND_FOR_SIGNATURE),
    (S.AWAITING_SIGNATURE, A.SIGN)])
def test_actions_without_a_reason_need_none(status: DictationStatus, action: Action) -> None:
    assert check_transition(status, action) is LEGAL[(status, action)]


def test_closed_statuses_allow_nothing_but_correcting_a_signed_note() -> None:
    assert allowed_actions(S.SIGNED) == [A.CORRECT]
    assert allowed_actions(S.CANCELLED) == []
    assert allowed_actions(S.UNUSABLE) == []
    assert [s for s in DictationStatus if not is_open(s)] == [S.SIGNED, S.CANCELLED, S.UNUSABLE]


def test_text_is_editable_until_signed() -> None:
    assert set(EDITABLE_STATUSES) == {S.DICTATED, S.DRAFT_READY, S.IN_REVIEW, S.RETURNED,
                                      S.AWAITING_SIGNATURE}
    assert not is_editable(S.SIGNED) and not is_editable(S.CANCELLED)


def test_hl7_document_completion_of_every_status() -> None:
    assert set(HL7_COMPLETION) == set(DictationStatus) == set(FHIR_DOC_STATUS)
    codes = {status: code for status, (code, _display) in HL7_COMPLETION.items()}
    assert codes[S.DICTATED] == "DI"
    assert codes[S.DRAFT_READY] == codes[S.IN_REVIEW] == "IP"
    assert codes[S.RETURNED] == "IN"
    assert codes[S.AWAITING_SIGNATURE] == "AU"
    assert codes[S.SIGNED] == "LA"
    assert codes[S.CANCELLED] == codes[S.UNUSABLE] == "CA"
    assert FHIR_DOC_STATUS[S.SIGNED] == "final"
    assert {FHIR_DOC_STATUS[s] for s in (S.DICTATED, S.IN_REVIEW, S.AWAITING_SIGNATURE)} == {"preliminary"}


def test_unknown_values_are_refused() -> None:
    with pytest.raises(ValueError):
        check_transition("typed", A.SIGN)
    with pytest.raises(ValueError):
        check_transition(S.DICTATED, "publish")
