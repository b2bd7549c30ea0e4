"""Phone messages taken at the reception and phone desk."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kulisser.db import Base, UTCDateTime, utcnow


class PhoneMessage(Base):
    """Someone phoned and wants to be called back: who, which number, what about, by when."""

    __tablename__ = "phone_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"), index=True)
    caller_name: Mapped[str] = mapped_column(String(200))
    caller_relation: Mapped[str] = mapped_column(String(20))  # patient, relative, colleague, other
    phone: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    call_back_by: Mapped[datetime] = mapped_column(UTCDateTime)
    taken_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
