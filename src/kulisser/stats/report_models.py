"""The monthly report to leadership: each report made (kept), the manager's text, each send.

A report's scope is one care unit or the region (every unit); ``scope_key`` names it in one
column ("unit:12" or "region") so that a unique constraint holds for the region too (a NULL
unit would not be unique on PostgreSQL).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kulisser.db import Base, UTCDateTime, utcnow


class MonthlyReport(Base):
    """One made report: a month and scope, its version, the PDF's hash (the file is kept by
    that hash under <data_dir>/stats_reports/), the manager's text as printed, who made it
    (None: the monthly job) and when. A new version for the same month is a new row."""

    __tablename__ = "stats_report"
    __table_args__ = (UniqueConstraint("scope_key", "month", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_key: Mapped[str] = mapped_column(String(24))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("care_unit.id"))  # None: the region
    month: Mapped[date] = mapped_column(Date)  # the first day of the month reported
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # Set only on the monthly job's report ("<scope_key>/<YYYY-MM>"): unique, so the job makes
    # one report per scope and month however often it runs (on-demand versions leave it NULL).
    job_key: Mapped[str | None] = mapped_column(String(40), unique=True)

    @property
    def file_name(self) -> str:
        """The download name: month, scope and version."""
        scope = "region" if self.unit_id is None else f"enhet{self.unit_id}"
        return f"sekreterarnas-arbete-{self.month:%Y-%m}-{scope}-v{self.version}.pdf"


class ReportText(Base):
    """The manager's text for a scope and month, written before the report is made; each made
    report keeps a copy of it as printed (MonthlyReport.text)."""

    __tablename__ = "stats_report_text"
    __table_args__ = (UniqueConstraint("scope_key", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_key: Mapped[str] = mapped_column(String(24))
    month: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class ReportSend(Base):
    """A report handed to one recipient through the mailbox adapter: once per report and
    recipient (the unique constraint), with the adapter's reference."""

    __tablename__ = "stats_report_send"
    __table_args__ = (UniqueConstraint("report_id", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("stats_report.id"))
    recipient: Mapped[str] = mapped_column(String(200))  # "user:<username>" or a configured address
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    reference: Mapped[str] = mapped_column(String(200))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))  # None: the job
