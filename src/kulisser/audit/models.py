"""The access log (append-only), its reviews and emergency accesses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from kulisser.db import Base, BigId, UTCDateTime, utcnow


class AuditEvent(Base):
    """One access to patient data, allowed or denied. Never updated, never deleted."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_patient_at", "patient_id", "at"),
        Index("ix_audit_event_user_at", "user_id", "at"),
        # The log review filters a unit's rows by time (counts, chart, samples).
        Index("ix_audit_event_unit_at", "unit_id", "at"),
        # The risk signals' refusal and emergency rules read only these rare rows of a day.
        Index("ix_audit_event_flagged_at", "at", postgresql_where=text("outcome <> 'allowed'"),
              sqlite_where=text("outcome <> 'allowed'")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("care_unit.id"))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"))
    action: Mapped[str] = mapped_column(String(20))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(20))  # allowed, emergency, denied
    reason: Mapped[str | None] = mapped_column(Text)
    emergency_access_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("emergency_access.id")
    )
    # The caller's address (web.deps.client_ip: X-Forwarded-For only from trusted proxies).
    ip: Mapped[str | None] = mapped_column(String(64))
    # How the actor logged in: "password", "token", or "oidc" with the provider's acr and amr
    # (staff.oidc.login_method); None for system acts and rows from before migration 0023.
    login_method: Mapped[str | None] = mapped_column(String(200))


class AuditReview(Base):
    """A manager's documented review of one audit row (kept apart: the row never changes)."""

    __tablename__ = "audit_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_event_id: Mapped[int] = mapped_column(BigId, ForeignKey("audit_event.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")
    sample_id: Mapped[int | None] = mapped_column(ForeignKey("audit_sample.id"))


class AuditSample(Base):
    """A random spot-check sample drawn from the log, kept as documentation of the review."""

    __tablename__ = "audit_sample"

    id: Mapped[int] = mapped_column(primary_key=True)
    drawn_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), index=True)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    criteria: Mapped[str] = mapped_column(Text, default="")
    event_ids: Mapped[str] = mapped_column(Text)  # comma-separated audit_event ids


class EmergencyAccess(Base):
    """Nödåtkomst: access without a care relation, with a reason, for a limited time."""

    __tablename__ = "emergency_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    review_comment: Mapped[str | None] = mapped_column(Text)


class AuditSignal(Base):
    """A risk signal over the access log (issue 13 item 6): one per rule, unit, user and window.

    Found by the set-based rules of audit/signals.py; the unique constraint makes a second run
    over the same window find nothing new. Its review (reviewer, verdict, comment) is kept here.
    """

    __tablename__ = "audit_signal"
    __table_args__ = (
        # One signal per rule, unit, user and window: a second run inserts nothing new.
        UniqueConstraint("rule", "unit_id", "user_id", "window_start",
                         name="uq_audit_signal_rule_unit_id_user_id_window_start"),
        Index("ix_audit_signal_unit_open", "unit_id", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    rows: Mapped[int] = mapped_column(Integer)  # audit rows that made it fire
    patients: Mapped[int] = mapped_column(Integer)  # distinct patients among them
    threshold: Mapped[int | None] = mapped_column(Integer)  # the rule's limit, where it has one
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    verdict: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)


class AuditWatch(Base):
    """A patient on a unit's watch list: every access to them becomes a signal while listed."""

    __tablename__ = "audit_watch"
    __table_args__ = (Index("ix_audit_watch_unit_patient", "unit_id", "patient_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    reason: Mapped[str] = mapped_column(Text)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    removed_reason: Mapped[str | None] = mapped_column(Text)


class AuditSignalSetting(Base):
    """A unit's opening hours and thresholds for the signals (defaults where it has no row)."""

    __tablename__ = "audit_signal_setting"

    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), primary_key=True)
    # Minutes after local midnight (Europe/Stockholm): integers keep the rules portable SQL.
    open_from: Mapped[int] = mapped_column(Integer)
    open_until: Mapped[int] = mapped_column(Integer)
    weekends_open: Mapped[bool] = mapped_column(Boolean, default=False)
    rate_patients: Mapped[int] = mapped_column(Integer)  # more than this many distinct patients
    rate_minutes: Mapped[int] = mapped_column(Integer)  # within this many minutes
    refusals: Mapped[int] = mapped_column(Integer)  # at least this many denied rows
    refusal_minutes: Mapped[int] = mapped_column(Integer)  # within this many minutes
