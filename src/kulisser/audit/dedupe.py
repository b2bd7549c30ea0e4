"""Folding identical audit rows within one transaction (issue 10): the log keeps every distinct
access, and a request that reaches the same access through three helpers writes one row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

# Rows written in the session's current transaction, by what makes them the same access:
# one request that reads a patient through three helpers, or lists a patient twice, writes
# one row, not three (issue 10). Only allowed and emergency rows are folded; a denial ends
# the request anyway. The set is forgotten when the transaction, or a savepoint, ends: a
# savepoint rolled back takes its rows with it, so after one the next access is written again.
_WRITTEN = "kulisser.audit.written"
_KEY = ("user_id", "username", "patient_id", "action", "object_type", "object_id", "outcome",
        "emergency_access_id")


def first_time(session: Session, row: dict[str, object]) -> bool:
    """Whether an identical row is not yet in the transaction (and remember it now)."""
    written: set[tuple[object, ...]] = session.info.setdefault(_WRITTEN, set())
    key = tuple(map(row.get, _KEY))  # no generator: every audit row of a booking asks this
    if key in written:
        return False
    written.add(key)
    return True


@event.listens_for(Session, "after_transaction_end")
def _forget_written(session: Session, transaction: Any) -> None:
    if transaction.parent is None or transaction.nested:
        session.info.pop(_WRITTEN, None)
