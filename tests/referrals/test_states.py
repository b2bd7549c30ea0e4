"""The referral state machines: every legal path, and illegal steps refused in Swedish."""

from __future__ import annotations

import pytest

from kulisser.referrals.states import (
    Action,
    OutAction,
    OutgoingStatus,
    ReferralStatus,
    allowed_actions,
    check_out_transition,
    check_transition,
    is_open,
)
from kulisser.worklist.states import TransitionError

S = ReferralStatus


@pytest.mark.parametrize(("path", "end"), [
    ([Action.CONFIRM, Action.START, Action.ACCEPT, Action.REPLY], S.REPLIED),
    ([Action.CONFIRM, Action.START, Action.REJECT, Action.REPLY], S.REPLIED),
    ([Action.START, Action.FORWARD, Action.REPLY], S.REPLIED),
    ([Action.CONFIRM, Action.START, Action.ASK, Action.ANSWER, Action.ASK, Action.ANSWER,
      Action.ACCEPT], S.ACCEPTED),
    ([Action.CONFIRM, Action.CANCEL], S.CANCELLED),
    ([Action.START, Action.ASK, Action.CANCEL], S.CANCELLED),
])
def test_legal_paths(path: list[Action], end: ReferralStatus) -> None:
    status = S.REGISTERED
    for action in path:
        status = check_transition(status, action, reason="motivering")
    assert status is end


@pytest.mark.parametrize(("status", "action"), [
    (S.REGISTERED, Action.ACCEPT),  # a decision needs the assessment to have begun
    (S.RECEIVED, Action.CONFIRM),  # receipt is confirmed once
    (S.WAITING_FOR_INFO, Action.ACCEPT),  # waits for the answer first
    (S.UNDER_ASSESSMENT, Action.ANSWER),  # nothing was asked
    (S.REPLIED, Action.ACCEPT),
    (S.REPLIED, Action.CANCEL),
    (S.CANCELLED, Action.START),
    (S.UNDER_ASSESSMENT, Action.REPLY),  # no decision to reply with
])
def test_illegal_steps_are_refused(status: ReferralStatus, action: Action) -> None:
    with pytest.raises(TransitionError) as caught:
        check_transition(status, action, reason="x")
    assert caught.value.message.startswith("Det går inte att")


@pytest.mark.parametrize("action", [Action.REJECT, Action.FORWARD, Action.ASK, Action.CANCEL])
def test_reasons_are_required(action: Action) -> None:
    with pytest.raises(TransitionError) as caught:
        check_transition(S.UNDER_ASSESSMENT, action, reason="  ")
    assert caught.value.code == "reason_required"


def test_open_and_menu() -> None:
    assert is_open(S.WAITING_FOR_INFO) and not is_open(S.REPLIED) and not is_open(S.ACCEPTED)
    assert allowed_actions(S.UNDER_ASSESSMENT) == [Action.ACCEPT, Action.REJECT, Action.FORWARD,
                                                   Action.ASK, Action.CANCEL]
    assert allowed_actions(S.REPLIED) == []


def test_outgoing_machine() -> None:
    assert check_out_transition(OutgoingStatus.DRAFT, OutAction.SEND) is OutgoingStatus.SENT
    assert check_out_transition(OutgoingStatus.SENT, OutAction.REPLY) is OutgoingStatus.REPLIED
    for status, action in [(OutgoingStatus.SENT, OutAction.EDIT), (OutgoingStatus.DRAFT,
                           OutAction.REPLY), (OutgoingStatus.REPLIED, OutAction.CANCEL),
                           (OutgoingStatus.CANCELLED, OutAction.SEND)]:
        with pytest.raises(TransitionError):
            check_out_transition(status, action, reason="x")
    with pytest.raises(TransitionError):
        check_out_transition(OutgoingStatus.SENT, OutAction.CANCEL, reason="")
