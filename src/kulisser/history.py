"""The columns every history table shares: when, who, what, from which status to which, why.

Work items, dictations, referrals, waits and letters each keep their own history table (so
each can be read, indexed and kept with its record); their rows have the same shape, given
here once. The lengths of the type and status columns are each table's own (as migrated).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, String, Text, insert
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from kulisser.db import BigId, UTCDateTime, utcnow


class HistoryRow:
    """A mixin for one step in a record's history (the record's own id column is the table's)."""

    TYPE_LENGTH: ClassVar[int] = 30
    STATUS_LENGTH: ClassVar[int] = 24

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    @declared_attr
    def actor_id(cls) -> Mapped[int | None]:
        """Who took the step (None: the system, e.g. the recognizer or a job)."""
        return mapped_column(ForeignKey("app_user.id"))

    @declared_attr
    def type(cls) -> Mapped[str]:
        """What happened (created, claimed, status_changed ...)."""
        return mapped_column(String(cls.TYPE_LENGTH))

    @declared_attr
    def from_status(cls) -> Mapped[str | None]:
        """The record's status before the step."""
        return mapped_column(String(cls.STATUS_LENGTH))

    @declared_attr
    def to_status(cls) -> Mapped[str | None]:
        """The record's status after the step."""
        return mapped_column(String(cls.STATUS_LENGTH))


def history_values(type_: str, *, actor_id: int | None, now: datetime, **data: Any) -> dict[str, Any]:
    """A history row's values: statuses and reason from data, the rest of it (not None) as data."""
    return {"type": type_, "actor_id": actor_id, "at": now, "from_status": data.pop("from_status", None),
            "to_status": data.pop("to_status", None), "reason": data.pop("reason", None),
            "data": {k: v for k, v in data.items() if v is not None}}


_INSERTS: dict[Any, Any] = {}  # an INSERT per history table, built once


def insert_history(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert a new record's first history rows in one statement, without ORM objects.

    For a record flushed in this transaction whose history has not been loaded: reading its
    relationship later finds the rows. Its creation costs one INSERT and no unit of work.
    """
    stmt = _INSERTS.get(table)
    if stmt is None:
        stmt = _INSERTS[table] = insert(table)
    # One row as a plain execute: the driver's batch path costs more than it saves for one.
    session.connection().execute(stmt, rows[0] if len(rows) == 1 else rows)
