"""The patient-register export runs: each run of a unit's month kept with its file."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kulisser.db import Base, UTCDateTime, utcnow


class RegisterExport(Base):
    """One export of a unit's month to the patient register: who, when, the file, its sha256,
    the counts and the contacts listed apart with their errors. Running a month again adds
    the next version; the newest is the one to deliver, the older stay downloadable."""

    __tablename__ = "coding_register_export"
    __table_args__ = (UniqueConstraint("unit_id", "month", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month reported
    version: Mapped[int] = mapped_column(Integer)
    layout_version: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    reported: Mapped[int] = mapped_column(Integer)  # contacts in the file
    listed: Mapped[int] = mapped_column(Integer)  # contacts held back for their errors
    # [{"contact_id", "contact_date", "kind", "clinician_id", "errors": [{code, rule, message}]}]
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    @property
    def patient_id(self) -> int | None:
        """None: a run holds many patients' data (the access check logs it as the run)."""
        return None

    @property
    def file_name(self) -> str:
        """A download name without patient data."""
        return f"patientregistret-{self.month:%Y-%m}-enhet{self.unit_id}-v{self.version}.txt"
