"""Patients and their care relations with units."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from kulisser.db import Base, UTCDateTime, utcnow
from kulisser.names import search_key


class Patient(Base):
    """A patient with a typed identifier (personnummer, samordningsnummer or reservnummer)."""

    __tablename__ = "patient"
    __table_args__ = (UniqueConstraint("id_kind", "id_value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    id_kind: Mapped[str] = mapped_column(String(20))
    id_value: Mapped[str] = mapped_column(String(20), index=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    # "family given", lower case without accents (names.search_key), for name search with a
    # plain index on SQLite and PostgreSQL alike.
    search_name: Mapped[str] = mapped_column(String(210), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    # Residence as the patient register codes it (patients.residence): county (länskod, 2
    # digits) and municipality (kommunkod, 4 digits, starting with the county's); "" unknown.
    county_code: Mapped[str] = mapped_column(String(2), default="", server_default=text("''"))
    municipality_code: Mapped[str] = mapped_column(String(4), default="",
                                                   server_default=text("''"))
    phone: Mapped[str] = mapped_column(String(40), default="")
    # Skyddad identitet: the address never appears on a page, in an export or in print.
    protected_identity: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def full_name(self) -> str:
        """Given and family name."""
        return f"{self.given_name} {self.family_name}"

    @property
    def display_id(self) -> str:
        """The identifier as people write it (YYYYMMDD-NNNC for personnummer)."""
        if self.id_kind in ("personnummer", "samordningsnummer") and len(self.id_value) == 12:
            return f"{self.id_value[:8]}-{self.id_value[8:]}"
        return self.id_value

    def set_name(self, *, given_name: str, family_name: str) -> None:
        """Set the name and the search key together."""
        self.given_name = given_name
        self.family_name = family_name
        self.search_name = search_key(f"{family_name} {given_name}")


class CareRelation(Base):
    """A unit takes part in a patient's care: the ground for reading their data (PDL)."""

    __tablename__ = "care_relation"
    __table_args__ = (UniqueConstraint("unit_id", "patient_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
