"""The staffing figure's inputs: standard times per kind, staffed hours per month, their history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kulisser.db import Base, UTCDateTime, utcnow


class StandardTime(Base):
    """A unit's own standard time for one kind of work (no row: the default applies)."""

    __tablename__ = "stats_standard_time"
    __table_args__ = (UniqueConstraint("unit_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    kind: Mapped[str] = mapped_column(String(40))
    # Minutes per item; None: the unit has deliberately no standard time for the kind.
    minutes: Mapped[int | None] = mapped_column(Integer)


class StaffedMonth(Base):
    """The secretaries' hours a unit had for this work in one month (stored in minutes)."""

    __tablename__ = "stats_staffed_month"
    __table_args__ = (UniqueConstraint("unit_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    month: Mapped[date] = mapped_column(Date)  # the month's first day
    minutes: Mapped[int] = mapped_column(Integer)


class StaffingChange(Base):
    """One change of a standard time or of a month's staffed hours: who, when, from, to."""

    __tablename__ = "stats_staffing_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # "standard_time" (kind set) or "staffed" (month set).
    what: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str | None] = mapped_column(String(40))
    month: Mapped[date | None] = mapped_column(Date)
    # Minutes before and after; None: no standard time / no hours entered (or the default).
    before: Mapped[int | None] = mapped_column(Integer)
    after: Mapped[int | None] = mapped_column(Integer)
    # Whether before/after were the default rather than the unit's own value (standard times).
    before_default: Mapped[bool] = mapped_column(default=False)
    after_default: Mapped[bool] = mapped_column(default=False)
