"""The staff register: people (staff_person), their assignments and each person's history.

A person of the register is a row of its own, linked to at most one login (app_user): many
people in the register (a locum, a colleague in another system) never log in to Kulisser, and
the login table, read on every request, stays narrow. The link is how the assignments decide
a login's units and role (kulisser.staff.register).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kulisser.db import Base, UTCDateTime, utcnow
from kulisser.history import HistoryRow
from kulisser.i18n import N_


class Purpose(StrEnum):
    """What an assignment (medarbetaruppdrag) is for."""

    CARE = "care"
    ADMINISTRATIVE = "administrative"


PURPOSE_LABELS = {
    Purpose.CARE: N_("Vård och behandling"),
    Purpose.ADMINISTRATIVE: N_("Administration"),
}


class StaffPerson(Base):
    """A person in the staff register: name, HSA-id, profession and work contact details."""

    __tablename__ = "staff_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    hsa_id: Mapped[str] = mapped_column(String(64), unique=True)
    profession: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    # The person's login, if they have one; None for people who never log in.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignments: Mapped[list[StaffAssignment]] = relationship(
        back_populates="person", order_by="StaffAssignment.valid_from")
    events: Mapped[list[StaffPersonEvent]] = relationship(
        back_populates="person", order_by="StaffPersonEvent.id")


class StaffAssignment(Base):
    """A medarbetaruppdrag: the person works at a unit for a purpose, in a role, from-to."""

    __tablename__ = "staff_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("staff_person.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), index=True)
    # The assignment's own HSA-id, which the region's identity provider names at login.
    commission_hsa_id: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(20))
    valid_from: Mapped[date] = mapped_column(Date)
    # The last day (inclusive, Swedish calendar); None: until further notice.
    valid_to: Mapped[date | None] = mapped_column(Date)

    person: Mapped[StaffPerson] = relationship(back_populates="assignments")

    def valid_on(self, day: date) -> bool:
        """Whether the assignment is in force on a (Swedish) day."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class StaffPersonEvent(HistoryRow, Base):
    """One change in a person's register entry or assignments."""

    __tablename__ = "staff_person_event"

    person_id: Mapped[int] = mapped_column(ForeignKey("staff_person.id"), index=True)
    person: Mapped[StaffPerson] = relationship(back_populates="events")
