"""The monthly roll-up of the daily aggregate (``stats_work_month``) that long periods read."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kulisser.db import Base


class WorkMonth(Base):
    """One unit's flow for one kind of work in one month: the sums of its ``stats_work_day`` rows.

    Only the flow is rolled up; the backlog is a state at the end of a day, so a period's
    backlog keeps reading its last day's daily row. Kept exact by ``rollup.roll_up``.
    """

    __tablename__ = "stats_work_month"
    __table_args__ = (UniqueConstraint("unit_id", "month", "kind"),
                      # The region's view reads a range of months of every unit.
                      Index("ix_stats_work_month_month", "month"))

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    month: Mapped[date] = mapped_column(Date)  # the month's first day
    kind: Mapped[str] = mapped_column(String(40))
    incoming: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[int] = mapped_column(Integer, default=0)
    done_in_time: Mapped[int] = mapped_column(Integer, default=0)
    turnaround_hours_sum: Mapped[float] = mapped_column(Float, default=0.0)
    turnaround_count: Mapped[int] = mapped_column(Integer, default=0)
    turnaround_hist: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
