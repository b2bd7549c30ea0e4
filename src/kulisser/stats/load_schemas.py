"""Pydantic models of the team's load and the staffing figure in the stats API (``load_api``)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from kulisser.stats.service import Period


class KindLoadOut(BaseModel):
    """One kind of work's open, overdue and handed-over items of a person, the queue or a total."""

    kind: str
    label: str = Field(description="The kind's Swedish plural label.")
    open: int = Field(description="Open now.")
    overdue: int = Field(description="Open now and past their due time.")
    handed_in: int = Field(description="Handed over to this person in the period.")
    handed_out: int = Field(description="Handed over from this person in the period.")


class LoadOut(BaseModel):
    """Open and overdue items now and hand-overs in the period, in total and per kind."""

    open: int
    overdue: int
    handed_in: int
    handed_out: int
    kinds: list[KindLoadOut] = Field(description="Every kind shown on the team page, by label.")


class AbsenceOut(BaseModel):
    """The absence that covers today."""

    first_day: date
    last_day: date


class PersonLoadOut(LoadOut):
    """One secretary's row: her load, and her absence if she is away today."""

    user_id: int
    name: str
    away: AbsenceOut | None


class TeamOut(BaseModel):
    """The unit's team for a period; people by name, never ranked.

    A manager gets every secretary's row; a secretary gets her own row only, and the totals.
    """

    period: Period
    start: date
    end: date
    unit_id: int
    people: list[PersonLoadOut] = Field(description="The rows the caller may see, by name.")
    queue: LoadOut = Field(description="The unit's queue: items without an owner.")
    team: LoadOut = Field(description="The secretaries' loads together.")
    total: LoadOut = Field(description="The secretaries and the queue.")
    absent_today: int = Field(description="Secretaries away today.")
    left_with_absent: int = Field(description="Open items owned by a secretary away today.")


class KindNeedOut(BaseModel):
    """One kind's incoming items in a month and the hours they need."""

    kind: str
    label: str
    incoming: int
    standard_minutes: int | None = Field(description="The standard time used; null: none, so "
                                                     "the kind is not counted in the need.")
    hours: float | None


class StaffingMonthOut(BaseModel):
    """One month of the staffing figure."""

    month: date = Field(description="The month's first day.")
    end: date = Field(description="The last day counted (before the month's last: in progress).")
    in_progress: bool
    needed_hours: float = Field(description="Incoming items times their standard times.")
    staffed_hours: float | None = Field(description="The whole month's staffed hours as "
                                                    "entered; null when not entered.")
    staffed_counted_hours: float | None = Field(description="Staffed hours for the days "
                                                            "counted (pro rata in progress).")
    gap_hours: float | None = Field(description="Needed less staffed; positive: a shortfall.")
    gap_fte: float | None = Field(description="The gap in full-time equivalents.")
    open_end: int = Field(description="Open items at the end of the last day counted.")
    open_change: int | None = Field(description="Against the end of the month before; null "
                                                "when the unit has no figures before.")
    backlog_hours: float = Field(description="The open items at the end times their standard "
                                             "times.")
    kinds: list[KindNeedOut]


class StandardTimeOut(BaseModel):
    """A kind's standard time as the unit uses it, and whether it is the stated default."""

    kind: str
    label: str
    minutes: int | None = Field(description="The minutes used; null: no standard time.")
    is_default: bool = Field(description="True when the unit has not set its own value.")
    default_minutes: int | None
    default_reason: str = Field(description="Where the default comes from (Swedish).")


class StaffingOut(BaseModel):
    """The staffing figure per month: hours needed, staffed, the gap and the backlog trend."""

    unit_id: int
    start: date = Field(description="The first month's first day.")
    end: date = Field(description="The last day counted.")
    hours_per_fte: float = Field(description="Hours a month of one full-time equivalent.")
    months: list[StaffingMonthOut]
    standard_times: list[StandardTimeOut]
