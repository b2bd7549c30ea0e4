"""Access rights' tables.

- The **catalogue** of a unit: the systems its staff need (`access_system`), role profiles
  (`role_profile`) naming an access profile in each system (`role_profile_system`), each
  profile with its documented needs-and-risk analyses (`risk_analysis`, newest current).
- **Orders** (`access_order`) for a newcomer, a change or a leaver, one line per system
  (`access_order_line`, each carried out through its own work item), with a history.
- What a person **has** in each system (`person_system_access`): written when a line is
  carried out, read by a leaver's order and by the periodic review.
- **Introductions** of newcomers: the profile's checklist template (`intro_template_task`),
  started from the start date as tasks (`introduction`, `introduction_task`).
- **Reviews** of a unit's access (`access_review`, one line per person and system) and the
  unit's review policy (`access_policy`).

People are the staff register's (`staff_person`); users and units the kernel's.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kulisser.db import Base, UTCDateTime, utcnow
from kulisser.history import HistoryRow


class AccessSystem(Base):
    """A system the unit's staff need access to (Kulisser, the record system, phones ...)."""

    __tablename__ = "access_system"
    __table_args__ = (UniqueConstraint("unit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # A stable word for systems Kulisser knows (kulisser, hsa, siths, record, speech, phone,
    # printer, portal) or "" for one the unit added; a leaver's order cancels the "siths" card.
    code: Mapped[str] = mapped_column(String(30), default="")
    # Who carries out a task in this system (shown on the work item): "the secretary", "IT".
    carried_by: Mapped[str] = mapped_column(String(120), default="")
    # The task's title for granting, e.g. "Lägg upp i HSA"; empty: "Behörighet i {system}".
    task_label: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class RoleProfile(Base):
    """A role profile of a unit ("Sjuksköterska, avdelning 12"): which systems, which access."""

    __tablename__ = "role_profile"
    __table_args__ = (UniqueConstraint("unit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # The role in Kulisser an assignment by this profile gets (kulisser.staff Role value).
    kulisser_role: Mapped[str] = mapped_column(String(20), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    systems: Mapped[list[RoleProfileSystem]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="RoleProfileSystem.id")
    analyses: Mapped[list[RiskAnalysis]] = relationship(
        back_populates="profile", order_by="RiskAnalysis.made_on")


class RoleProfileSystem(Base):
    """One system of a role profile and the access profile to have in it."""

    __tablename__ = "role_profile_system"
    __table_args__ = (UniqueConstraint("profile_id", "system_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("role_profile.id"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("access_system.id"))
    access_profile: Mapped[str] = mapped_column(String(200), default="")

    profile: Mapped[RoleProfile] = relationship(back_populates="systems")
    system: Mapped[AccessSystem] = relationship()


class RiskAnalysis(Base):
    """A documented needs-and-risk analysis (behovs- och riskanalys) of a role profile.

    Current while made_on <= today <= next_review; a profile without a current one cannot be
    ordered. The text, an attached file (kept by content hash like other files), or both.
    """

    __tablename__ = "risk_analysis"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("role_profile.id"), index=True)
    made_on: Mapped[date] = mapped_column(Date)
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    next_review: Mapped[date] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    profile: Mapped[RoleProfile] = relationship(back_populates="analyses")


class AccessOrder(Base):
    """An access order (behörighetsbeställning) for one person at one unit."""

    __tablename__ = "access_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("staff_person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # states.OrderKind
    status: Mapped[str] = mapped_column(String(24), index=True)  # states.OrderStatus
    # Ordered by profile (its systems become the lines) or by system (profile None).
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("role_profile.id"))
    # The analysis the order relied on (current when ordered), kept for the follow-up.
    analysis_id: Mapped[int | None] = mapped_column(ForeignKey("risk_analysis.id"))
    # A newcomer's or a change's first day; a leaver's last working day.
    effective_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)  # when every line must be carried out
    note: Mapped[str] = mapped_column(Text, default="")
    ordered_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    ordered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The review line whose "change" or "remove" made this order, if any.
    review_id: Mapped[int | None] = mapped_column(ForeignKey("access_review.id"))

    lines: Mapped[list[AccessOrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="AccessOrderLine.id")
    events: Mapped[list[AccessOrderEvent]] = relationship(
        back_populates="order", order_by="AccessOrderEvent.id")


class AccessOrderLine(Base):
    """One system's task in an order; carried out through its own work item, with a note."""

    __tablename__ = "access_order_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("access_order.id"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("access_system.id"))
    action: Mapped[str] = mapped_column(String(10))  # states.LineAction
    access_profile: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200))  # the work item's title
    status: Mapped[str] = mapped_column(String(12))  # states.LineStatus
    done_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_note: Mapped[str] = mapped_column(Text, default="")

    order: Mapped[AccessOrder] = relationship(back_populates="lines")
    system: Mapped[AccessSystem] = relationship()


class AccessOrderEvent(HistoryRow, Base):
    """One step in an order's history (ordered, approved, rejected, line done, done ...)."""

    __tablename__ = "access_order_event"

    order_id: Mapped[int] = mapped_column(ForeignKey("access_order.id"), index=True)
    order: Mapped[AccessOrder] = relationship(back_populates="events")


class AccessCatalogueEvent(HistoryRow, Base):
    """One change of a unit's catalogue: a system or profile added, renamed, (de)activated,
    a profile's systems changed, an analysis documented (shown on the profile's page)."""

    __tablename__ = "access_catalogue_event"

    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), index=True)
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("role_profile.id"), index=True)
    system_id: Mapped[int | None] = mapped_column(ForeignKey("access_system.id"), index=True)


class PersonSystemAccess(Base):
    """What a person has in one system of a unit, as carried out (ended_on set: removed)."""

    __tablename__ = "person_system_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("staff_person.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("access_system.id"))
    access_profile: Mapped[str] = mapped_column(String(200), default="")
    since: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    # The order line that granted (or last changed) it; None for access recorded by hand.
    line_id: Mapped[int | None] = mapped_column(ForeignKey("access_order_line.id"))

    system: Mapped[AccessSystem] = relationship()


class IntroTemplateTask(Base):
    """One task of a role profile's introduction checklist."""

    __tablename__ = "intro_template_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("role_profile.id"), index=True)
    phase: Mapped[str] = mapped_column(String(12))  # states.Phase
    title: Mapped[str] = mapped_column(String(200))
    # Who does it: "manager", "secretary", "mentor" (the introduction's mentor), "newcomer".
    owner: Mapped[str] = mapped_column(String(20), default="secretary")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Introduction(Base):
    """A newcomer's introduction at a unit, started from the start date by a profile's template."""

    __tablename__ = "introduction"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("staff_person.id"), index=True)
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("role_profile.id"))
    start_on: Mapped[date] = mapped_column(Date)
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    started_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tasks: Mapped[list[IntroductionTask]] = relationship(
        back_populates="introduction", cascade="all, delete-orphan",
        order_by="(IntroductionTask.due_on, IntroductionTask.id)")


class IntroductionTask(Base):
    """One task of a newcomer's introduction; a work item while undone."""

    __tablename__ = "introduction_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    introduction_id: Mapped[int] = mapped_column(ForeignKey("introduction.id"), index=True)
    phase: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    due_on: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    introduction: Mapped[Introduction] = relationship(back_populates="tasks")


class AccessPolicy(Base):
    """A unit's follow-up rules: review every N months; accounts unused N days listed."""

    __tablename__ = "access_policy"

    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), primary_key=True)
    review_months: Mapped[int] = mapped_column(Integer, default=6)
    inactive_days: Mapped[int] = mapped_column(Integer, default=90)


class AccessReview(Base):
    """A periodic access review (behörighetsuppföljning) of one unit."""

    __tablename__ = "access_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)  # states.ReviewStatus
    due_on: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")

    lines: Mapped[list[AccessReviewLine]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="AccessReviewLine.id")


class AccessReviewLine(Base):
    """One person's access to one system, attested in a review: keep, change or remove."""

    __tablename__ = "access_review_line"
    __table_args__ = (UniqueConstraint("review_id", "person_id", "system_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("access_review.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("staff_person.id"))
    system_id: Mapped[int] = mapped_column(ForeignKey("access_system.id"))
    access_profile: Mapped[str] = mapped_column(String(200), default="")
    decision: Mapped[str | None] = mapped_column(String(10))  # states.Decision
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("access_order.id"))

    review: Mapped[AccessReview] = relationship(back_populates="lines")
