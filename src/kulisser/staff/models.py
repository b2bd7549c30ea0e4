"""Care units, users, memberships, sessions and login attempts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kulisser.db import Base, BigId, UTCDateTime, utcnow
from kulisser.i18n import N_, _


class Role(StrEnum):
    """What a user does; decides which pages and actions they get."""

    SECRETARY = "secretary"
    CLINICIAN = "clinician"
    MANAGER = "manager"
    ADMIN = "admin"
    # Sees every unit's aggregates (the region's view) and nothing else: no patient data.
    REGION_ADMIN = "region_admin"


ROLE_LABELS = {
    Role.SECRETARY: N_("Medicinsk sekreterare"),
    Role.CLINICIAN: N_("Läkare/vårdpersonal"),
    Role.MANAGER: N_("Enhetschef"),
    Role.ADMIN: N_("Administratör"),
    Role.REGION_ADMIN: N_("Regionadministratör"),
}


class CareUnit(Base):
    """A care unit (vårdenhet) identified by its HSA-id."""

    __tablename__ = "care_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    hsa_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")


class User(Base):
    """A member of staff who logs in."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    hsa_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[UnitMembership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def role_label(self) -> str:
        """The role in Swedish."""
        return _(ROLE_LABELS.get(Role(self.role), self.role))

    @property
    def name_and_role(self) -> str:
        """The name with the role beside it, for pick lists: "Anna Lind (Enhetschef)"."""
        return _("{name} ({role})", name=self.full_name, role=self.role_label)


class UnitMembership(Base):
    """A user works at a care unit."""

    __tablename__ = "unit_membership"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), primary_key=True)

    user: Mapped[User] = relationship(back_populates="memberships")
    unit: Mapped[CareUnit] = relationship()


class UserSession(Base):
    """A server-side login session; the cookie carries only a random token."""

    __tablename__ = "user_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "password", or "oidc" with the provider's acr and amr (staff.oidc.login_method).
    login_method: Mapped[str] = mapped_column(String(200), default="password",
                                              server_default="password")
    # The provider's ID token of an OpenID login: the id_token_hint of RP-initiated logout.
    id_token: Mapped[str | None] = mapped_column(Text)


class ApiToken(Base):
    """A bearer token for the JSON API; only its hash is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Written at most once a minute per token, so that API reads stay reads.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by `kulisser token revoke` or a password change; the row stays for the listing.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginAttempt(Base):
    """One login try, kept to throttle guessing."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    success: Mapped[bool] = mapped_column(Boolean)
    # The device id of a valid device cookie sent with the attempt (staff.devices), else None.
    device: Mapped[str | None] = mapped_column(String(32))


__all__ = [
    "ApiToken",
    "CareUnit",
    "LoginAttempt",
    "Role",
    "UniqueConstraint",
    "UnitMembership",
    "User",
    "UserSession",
]

# The staff register's and the absences' tables register with Base.metadata through here too.
from kulisser.staff import absence_models as absence_models  # noqa: E402
from kulisser.staff import register_models as register_models  # noqa: E402
