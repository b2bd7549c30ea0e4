"""Unit tests for the work item state machine and WorkItem's domain methods (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kulisser.worklist.models import WorkItem
from kulisser.worklist.states import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Operation,
    Status,
    TransitionError,
    allowed_operations,
    check_transition,
    is_open,
)

R, A, IP, OH = Status.REQUESTED, Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD
C, X, E = Status.COMPLETED, Status.CANCELLED, Status.ENTERED_IN_ERROR

# Written out by hand from the FHIR Task semantics in the brief (not derived from RULES):
# operation -> {status it may start from: status it leads to (None: kept or restored)}.
EXPECTED: dict[Operation, dict[Status, Status | None]] = {
    Operation.CLAIM: {R: A, A: A, OH: A},
    Operation.ASSIGN: {R: None},
    Operation.HANDOVER: {A: R, IP: R, OH: R},
    Operation.START: {R: IP, A: IP},
    Operation.HOLD: {R: OH, A: OH, IP: OH},
    Operation.RESUME: {OH: None},
    Operation.COMPLETE: {R: C, A: C, IP: C},
    Operation.CANCEL: {R: X, A: X, IP: X, OH: X},
    Operation.ENTERED_IN_ERROR: {R: E, A: E, IP: E, OH: E, C: E},
}
NEEDS_REASON = {Operation.HANDOVER, Operation.HOLD, Operation.CANCEL, Operation.ENTERED_IN_ERROR}
ALL_PAIRS = [(op, st) for op in Operation for st in Status]
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
ME, YOU, THEM = 11, 12, 13


def test_the_table_covers_every_operation_and_status() -> None:
    assert set(EXPECTED) == set(Operation)
    assert len(ALL_PAIRS) == len(Operation) * len(Status) == 63


@pytest.mark.parametrize(("op", "status"), ALL_PAIRS, ids=[f"{o.value}-{s.value}" for o, s in ALL_PAIRS])
def test_check_transition_allows_exactly_the_table(op: Operation, status: Status) -> None:
    reason = "en orsak"
    if status in EXPECTED[op]:
        rule = check_transition(status, op, reason=reason)
        assert rule.to == EXPECTED[op][status]
        assert rule.needs_reason == (op in NEEDS_REASON)
        # Plain strings work as well as the enums (forms and the database give strings).
        assert check_transition(status.value, op.value, reason=reason) == rule
    else:
        with pytest.raises(TransitionError) as err:
            check_transition(status, op, reason=reason)
        assert err.value.code == "illegal_transition"
        assert err.value.message.startswith("Det går inte att ")
        assert "ärende" in err.value.message
        assert str(err.value) == err.value.message


@pytest.mark.parametrize("op", sorted(NEEDS_REASON))
@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_reason_required_operations_refuse_a_blank_reason(op: Operation, blank: str) -> None:
    for status in EXPECTED[op]:
        with pytest.raises(TransitionError) as err:
            check_transition(status, op, reason=blank)
        assert err.value.code == "reason_required"
        assert err.value.message == "Ange en orsak."


@pytest.mark.parametrize("op", [o for o in Operation if o not in NEEDS_REASON])
def test_other_operations_need_no_reason(op: Operation) -> None:
    for status in EXPECTED[op]:
        check_transition(status, op)


@pytest.mark.parametrize("op", list(Operation))
def test_messages_are_swedish_sentences(op: Operation) -> None:
    # The illegal-transition message names the operation as a Swedish verb phrase.
    closed = next(s for s in CLOSED_STATUSES if s not in EXPECTED[op])
    with pytest.raises(TransitionError) as err:
        check_transition(closed, op)
    msg = err.value.message
    assert msg.endswith("”.") and "med status ”" in msg
    assert "ta ärendet ett" not in msg and "felregistrerad ett" not in msg


def test_nothing_leaves_cancelled_or_entered_in_error() -> None:
    assert allowed_operations(X) == []
    assert allowed_operations(E) == []
    assert allowed_operations(C) == [Operation.ENTERED_IN_ERROR]
    assert allowed_operations(R) == [op for op in Operation if R in EXPECTED[op]]


def test_open_and_closed() -> None:
    assert [s for s in Status if is_open(s)] == [R, A, IP, OH] == list(OPEN_STATUSES)
    assert [s for s in Status if not is_open(s)] == [C, X, E] == list(CLOSED_STATUSES)


def test_unknown_status_or_operation_is_refused() -> None:
    with pytest.raises(ValueError):
        check_transition("done", Operation.CLAIM)
    with pytest.raises(ValueError):
        check_transition(R, "approve")


# -- WorkItem's domain methods, in memory ----------------------------------------------


def item(status: Status = R, owner_id: int | None = None) -> WorkItem:
    """A work item that never touches a database."""
    return WorkItem(kind="task", title="Ring patienten", unit_id=1, priority="normal",
                    due_at=T0 + timedelta(days=1), status=status.value, owner_id=owner_id)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_new_item_is_requested_without_owner() -> None:
    w = WorkItem(kind="task", title="t", unit_id=1, priority="normal", due_at=T0)
    assert w.status == "requested"
    assert w.owner_id is None and w.closed_at is None and w.events == []


def test_claim_makes_the_claimer_owner_and_records_the_event() -> None:
    w = item()
    w.claim(actor_id=ME, now=at(1))
    assert (w.status, w.owner_id, w.updated_at) == ("accepted", ME, at(1))
    [ev] = w.events
    assert (ev.type, ev.from_status, ev.to_status, ev.actor_id, ev.at) == (
        "claimed", "requested", "accepted", ME, at(1))
    assert ev.data == {"to_owner": ME}  # no previous owner: None values are left out


def test_claim_takes_an_item_from_a_colleague() -> None:
    w = item(A, owner_id=YOU)
    w.claim(actor_id=ME, now=at(1))
    assert w.owner_id == ME and w.status == "accepted"
    assert w.events[-1].data == {"from_owner": YOU, "to_owner": ME}


def test_assign_sets_owner_and_keeps_status() -> None:
    w = item()
    w.assign(actor_id=ME, to_user_id=YOU, now=at(1))
    assert (w.status, w.owner_id) == ("requested", YOU)
    [ev] = w.events
    assert (ev.type, ev.actor_id, ev.from_status, ev.to_status) == ("assigned", ME, None, None)
    assert ev.data == {"to_owner": YOU}
    with pytest.raises(TransitionError):
        item(A, owner_id=ME).assign(actor_id=ME, to_user_id=YOU, now=at(1))


@pytest.mark.parametrize("start", [A, IP, OH])
def test_hand_over_moves_owner_and_status_back_to_requested(start: Status) -> None:
    w = item(start, owner_id=ME)
    w.status_before_hold = A.value if start is OH else None
    w.hand_over(actor_id=ME, to_user_id=YOU, reason="  Semester  ", now=at(2))
    assert (w.status, w.owner_id, w.status_before_hold) == ("requested", YOU, None)
    ev = w.events[-1]
    assert (ev.type, ev.from_status, ev.to_status, ev.actor_id, ev.reason) == (
        "handed_over", start.value, "requested", ME, "Semester")
    assert ev.data == {"from_owner": ME, "to_owner": YOU}


def test_hand_over_to_the_queue_leaves_it_unowned() -> None:
    w = item(IP, owner_id=ME)
    w.hand_over(actor_id=ME, to_user_id=None, reason="Sjuk", now=at(2))
    assert w.owner_id is None and w.status == "requested"
    assert w.events[-1].data == {"from_owner": ME}


def test_hand_over_needs_a_reason_and_changes_nothing_without() -> None:
    w = item(IP, owner_id=ME)
    with pytest.raises(TransitionError):
        w.hand_over(actor_id=ME, to_user_id=YOU, reason=" ", now=at(2))
    assert (w.status, w.owner_id, w.events) == ("in-progress", ME, [])


def test_start_takes_an_unowned_item() -> None:
    w = item()
    w.start(actor_id=ME, now=at(1))
    assert (w.status, w.owner_id) == ("in-progress", ME)
    ev = w.events[-1]
    assert (ev.from_status, ev.to_status, ev.actor_id) == ("requested", "in-progress", ME)
    w2 = item(A, owner_id=YOU)
    w2.start(actor_id=ME, now=at(1))
    assert w2.owner_id == YOU  # starting someone's item does not take it


@pytest.mark.parametrize("before", [R, A, IP])
def test_resume_returns_to_the_status_before_hold(before: Status) -> None:
    w = item(before, owner_id=ME)
    w.hold(actor_id=ME, reason=" Väntar på läkaren ", now=at(1))
    assert w.status == "on-hold"
    hold = w.events[-1]
    assert (hold.from_status, hold.to_status, hold.reason) == (
        before.value, "on-hold", "Väntar på läkaren")
    w.resume(actor_id=YOU, now=at(2))
    assert w.status == before.value and w.status_before_hold is None
    resumed = w.events[-1]
    assert (resumed.from_status, resumed.to_status, resumed.actor_id, resumed.at) == (
        "on-hold", before.value, YOU, at(2))
    assert w.closed_at is None


def test_claim_from_on_hold_forgets_the_status_before_hold() -> None:
    w = item(IP, owner_id=YOU)
    w.hold(actor_id=YOU, reason="Väntar", now=at(1))
    w.claim(actor_id=ME, now=at(2))
    assert (w.status, w.owner_id, w.status_before_hold) == ("accepted", ME, None)


def test_complete_on_an_unowned_item_makes_the_completer_owner() -> None:
    w = item()
    w.complete(actor_id=ME, now=at(5))
    assert (w.status, w.owner_id, w.closed_at) == ("completed", ME, at(5))
    ev = w.events[-1]
    assert (ev.from_status, ev.to_status, ev.actor_id, ev.reason) == (
        "requested", "completed", ME, None)


def test_complete_keeps_an_existing_owner() -> None:
    w = item(IP, owner_id=YOU)
    w.complete(actor_id=ME, now=at(5), reason="Klart via telefon")
    assert w.owner_id == YOU and w.events[-1].reason == "Klart via telefon"


@pytest.mark.parametrize("start", [R, A, IP, OH])
def test_cancel_closes_with_a_reason(start: Status) -> None:
    w = item(start, owner_id=ME)
    w.cancel(actor_id=THEM, reason="Dubblett", now=at(3))
    assert (w.status, w.closed_at) == ("cancelled", at(3))
    ev = w.events[-1]
    assert (ev.from_status, ev.to_status, ev.actor_id, ev.reason) == (
        start.value, "cancelled", THEM, "Dubblett")
    with pytest.raises(TransitionError):
        w.resume(actor_id=ME, now=at(4))
    with pytest.raises(TransitionError):
        w.mark_entered_in_error(actor_id=ME, reason="Fel", now=at(4))


def test_entered_in_error_from_completed_keeps_a_closed_time() -> None:
    w = item(A, owner_id=ME)
    w.complete(actor_id=ME, now=at(3))
    w.mark_entered_in_error(actor_id=ME, reason="Fel patient", now=at(9))
    assert (w.status, w.closed_at) == ("entered-in-error", at(9))
    assert [(e.from_status, e.to_status) for e in w.events] == [
        ("accepted", "completed"), ("completed", "entered-in-error")]
    for op in (w.claim, w.start):
        with pytest.raises(TransitionError):
            op(actor_id=ME, now=at(10))


def test_illegal_method_calls_change_nothing() -> None:
    w = item(C, owner_id=ME)
    w.closed_at = at(0)
    for call in (lambda: w.claim(actor_id=YOU, now=at(1)),
                 lambda: w.start(actor_id=YOU, now=at(1)),
                 lambda: w.hold(actor_id=YOU, reason="x", now=at(1)),
                 lambda: w.complete(actor_id=YOU, now=at(1)),
                 lambda: w.cancel(actor_id=YOU, reason="x", now=at(1)),
                 lambda: w.hand_over(actor_id=YOU, to_user_id=THEM, reason="x", now=at(1))):
        with pytest.raises(TransitionError):
            call()
    assert (w.status, w.owner_id, w.closed_at, w.events) == ("completed", ME, at(0), [])


def test_comment_and_due_change_are_history_only() -> None:
    w = item(A, owner_id=ME)
    w.comment(actor_id=ME, text_="  Sökt patienten  ", now=at(1))
    w.change_due(actor_id=ME, due_at=T0 + timedelta(days=3), reason="Patienten bortrest", now=at(2))
    assert w.status == "accepted" and w.due_at == T0 + timedelta(days=3)
    c, d = w.events
    assert (c.type, c.reason, c.from_status) == ("commented", "Sökt patienten", None)
    assert d.type == "due_changed" and d.reason == "Patienten bortrest"
    assert d.data == {"due_before": (T0 + timedelta(days=1)).isoformat(),
                      "due_after": (T0 + timedelta(days=3)).isoformat()}


def test_a_whole_life_in_order() -> None:
    w = item()
    w.claim(actor_id=ME, now=at(1))
    w.start(actor_id=ME, now=at(2))
    w.hold(actor_id=ME, reason="Väntar", now=at(3))
    w.hand_over(actor_id=ME, to_user_id=YOU, reason="Ledig", now=at(4))
    w.start(actor_id=YOU, now=at(5))
    w.complete(actor_id=YOU, now=at(6))
    assert [(e.type, e.from_status, e.to_status, e.actor_id) for e in w.events] == [
        ("claimed", "requested", "accepted", ME),
        ("status_changed", "accepted", "in-progress", ME),
        ("status_changed", "in-progress", "on-hold", ME),
        ("handed_over", "on-hold", "requested", ME),
        ("status_changed", "requested", "in-progress", YOU),
        ("status_changed", "in-progress", "completed", YOU),
    ]
    assert [e.at for e in w.events] == [at(i) for i in range(1, 7)]
    assert (w.owner_id, w.closed_at, w.updated_at) == (YOU, at(6), at(6))
