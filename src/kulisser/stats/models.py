"""The daily aggregate of the work items per unit and kind, and the refresh job's watermark."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from kulisser.db import Base, UTCDateTime


class WorkDay(Base):
    """One unit's figures for one kind of work on one local (Stockholm) day."""

    __tablename__ = "stats_work_day"
    __table_args__ = (UniqueConstraint("unit_id", "day", "kind"),
                      # The region's view reads one period of every unit (migration 0035).
                      Index("ix_stats_work_day_day", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(40))
    # The day's flow: items created, completed and cancelled on the day.
    incoming: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[int] = mapped_column(Integer, default=0)
    # Of those done, the ones closed at or before the due time they had when they were closed.
    done_in_time: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # Turnaround (created to completed) of the items completed on the day: the sum for means,
    # and a histogram {upper bound in hours: count} that periods merge for median and p90.
    turnaround_hours_sum: Mapped[float] = mapped_column(Float, default=0.0)
    turnaround_count: Mapped[int] = mapped_column(Integer, default=0)
    turnaround_hist: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The state at the end of the day (for today: at the last refresh).
    open_total: Mapped[int] = mapped_column(Integer, default=0)
    open_0_2: Mapped[int] = mapped_column(Integer, default=0)
    open_3_14: Mapped[int] = mapped_column(Integer, default=0)
    open_over_14: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)
    oldest_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Watermark(Base):
    """Up to when a refresh job has read the sources (one row per job name)."""

    __tablename__ = "stats_watermark"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime)


# The other parts' tables live in their own modules (the chain's, the staffing figure's, the
# monthly report's and the monthly roll-up's); importing them here registers them wherever
# this package's models are loaded (app, Alembic, tests).
from kulisser.stats import report_models as report_models  # noqa: E402
from kulisser.stats import staffing_models as staffing_models  # noqa: E402
from kulisser.stats.chain_models import ChainDay as ChainDay  # noqa: E402
from kulisser.stats.month_models import WorkMonth as WorkMonth  # noqa: E402
from kulisser.stats.person_models import PersonDay as PersonDay  # noqa: E402
