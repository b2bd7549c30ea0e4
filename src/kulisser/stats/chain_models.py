"""The daily aggregate of the dictation chain (``stats_chain_day``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kulisser.db import Base


class ChainDay(Base):
    """One unit's figures for one step of the dictation chain on one local (Stockholm) day."""

    __tablename__ = "stats_chain_day"
    __table_args__ = (UniqueConstraint("unit_id", "day", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    day: Mapped[date] = mapped_column(Date)
    # A dictation status the chain waits in (dictated, draft_ready, in_review, returned,
    # awaiting_signature), or an end (signed, unusable: entered only).
    step: Mapped[str] = mapped_column(String(24))
    # The day's flow: dictations that entered the step, and that left it, on the day.
    entered: Mapped[int] = mapped_column(Integer, default=0)
    left: Mapped[int] = mapped_column(Integer, default=0)
    # Time in the step of those that left it on the day: the sum, and a histogram
    # {upper bound in hours: count} (aggregate.bucket) that periods merge for median and p90.
    hours_sum: Mapped[float] = mapped_column(Float, default=0.0)
    hours_hist: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The state at the end of the day (for today: at the last refresh): dictations waiting in
    # the step by whole days since they were dictated, and those late against the targets.
    waiting: Mapped[int] = mapped_column(Integer, default=0)
    waiting_0_2: Mapped[int] = mapped_column(Integer, default=0)
    waiting_3_14: Mapped[int] = mapped_column(Integer, default=0)
    waiting_over_14: Mapped[int] = mapped_column(Integer, default=0)
    not_in_record_2: Mapped[int] = mapped_column(Integer, default=0)
    unsigned_14: Mapped[int] = mapped_column(Integer, default=0)
