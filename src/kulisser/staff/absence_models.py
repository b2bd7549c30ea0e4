"""Absences: a login marked away from work for a stretch of days (issue 15 item 3).

Kept in the staff package beside the units, memberships and assignments because being away is
a fact about a person's presence at work, like an assignment's dates, and not about any one
work item: the worklist reads it (to show an owner as away) and so does the team overview,
and neither owns it. No reason is stored: why someone is away is nobody's business here.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from kulisser.db import Base, UTCDateTime, utcnow


class Absence(Base):
    """A login away from `first_day` to `last_day` (Swedish dates, both included)."""

    __tablename__ = "staff_absence"
    __table_args__ = (
        CheckConstraint("first_day <= last_day", name="days_in_order"),
        Index("ix_staff_absence_user_days", "user_id", "last_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
