"""Coding completeness for the unit's overview (kulisser.stats): counts only, no patient.

Re-exported by ``service``; the month's reportable contacts are those of the patient-register
report (``register_report.in_month``), so the overview and the report agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from kulisser.coding.models import CareContact
from kulisser.coding.register_report import deadline, in_month
from kulisser.coding.states import ContactStatus


@dataclass(frozen=True)
class MonthCompleteness:
    """A month's reportable contacts at a unit, how many are coded, and the report's due day."""

    month: date
    reportable: int
    coded: int
    report_due: date

    @property
    def share(self) -> float | None:
        """Per cent coded (None when the month has nothing to report)."""
        return None if not self.reportable else 100 * self.coded / self.reportable


def month_completeness(session: Session, *, unit_id: int, month: date) -> MonthCompleteness:
    """The unit's reportable contacts of the month (first day given) and how many are coded."""
    month = month.replace(day=1)
    coded = func.sum(case((CareContact.status == ContactStatus.CODED.value, 1), else_=0))
    total, done = session.execute(
        select(func.count(), coded).where(CareContact.unit_id == unit_id, in_month(month))).one()
    return MonthCompleteness(month=month, reportable=int(total), coded=int(done or 0),
                             report_due=deadline(month))
