"""Pydantic models of the stats API (``/api/v1/stats``): the same figures as the pages."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from kulisser.stats.service import Period
from kulisser.web.api import Timestamp


class FiguresOut(BaseModel):
    """One kind's, one unit's or a total's figures for the period (aggregates, no patient)."""

    incoming: int = Field(description="Items created in the period.")
    done: int = Field(description="Items completed in the period.")
    cancelled: int
    previous_incoming: int = Field(description="Created on the same days of the period before.")
    previous_done: int
    change_pct: float | None = Field(description="Incoming against the previous period, percent; "
                                                 "null when the previous period had none.")
    open_total: int = Field(description="Open at the end of the period's last day.")
    open_0_2: int = Field(description="Of those, 0–2 days old.")
    open_3_14: int
    open_over_14: int
    overdue: int
    turnaround_median_hours: int | None = Field(description="Created to completed, median; null "
                                                            "when nothing was completed.")
    turnaround_p90_hours: int | None
    oldest_open_created_at: Timestamp | None
    oldest_open_days: int | None = Field(description="Age of the oldest open item at the end "
                                                     "of the period, whole days.")


class KindFiguresOut(FiguresOut):
    """One kind of work's figures in a unit's overview."""

    kind: str
    label: str = Field(description="The kind's Swedish plural label.")


class BucketOut(BaseModel):
    """Incoming and done in one day (week and month periods) or week (quarter and year)."""

    start: date
    incoming: int
    done: int


class PeriodOut(BaseModel):
    """The period shown and the same stretch of the one before it."""

    period: Period
    start: date
    end: date
    previous_start: date
    previous_end: date
    updated_at: Timestamp | None = Field(description="When the aggregate was last refreshed.")


class OverviewOut(PeriodOut):
    """A unit's overview: the flow per day or week and the figures per kind and in total."""

    unit_id: int
    kind: str | None
    buckets: list[BucketOut]
    kinds: list[KindFiguresOut]
    total: FiguresOut


class UnitFiguresOut(FiguresOut):
    """One unit's row in the region's view."""

    unit_id: int
    name: str


class RegionOut(PeriodOut):
    """Every unit's figures side by side, in the order asked for, and the region's total."""

    kind: str | None
    sort: str = Field(description="The column sorted by; a leading '-' for largest first.")
    units: list[UnitFiguresOut]
    total: FiguresOut
