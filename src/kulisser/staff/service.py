"""Staff operations: users, units, login with throttling, sessions and API tokens.

The staff package's public face: other packages import the acting user (Actor), the roles and
the mapped classes from here (to read and join them; only this package writes them).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload

from kulisser.db import utcnow
from kulisser.i18n import _, ngettext
from kulisser.phone import phone_error
from kulisser.staff.absence import away_on as away_on
from kulisser.staff.absence import mark_absent as mark_absent
from kulisser.staff.absence import may_mark_absent as may_mark_absent
from kulisser.staff.absence import remove_absence as remove_absence
from kulisser.staff.absence import unit_absences as unit_absences
from kulisser.staff.absence_models import Absence as Absence
from kulisser.staff.actor import Actor as Actor
from kulisser.staff.assignment_access import AssignmentAccess as AssignmentAccess
from kulisser.staff.assignment_access import AssignmentEnded as AssignmentEnded
from kulisser.staff.assignment_access import LoginAssignment as LoginAssignment
from kulisser.staff.assignment_access import assignments_for_login as assignments_for_login
from kulisser.staff.assignment_access import local_today as local_today
from kulisser.staff.assignment_access import request_access as request_access
from kulisser.staff.assignment_access import sync_user as sync_user
from kulisser.staff.models import ROLE_LABELS as ROLE_LABELS
from kulisser.staff.models import ApiToken, LoginAttempt, UserSession
from kulisser.staff.models import CareUnit as CareUnit
from kulisser.staff.models import Role as Role
from kulisser.staff.models import UnitMembership as UnitMembership
from kulisser.staff.models import User as User
from kulisser.staff.register import add_assignment as add_assignment
from kulisser.staff.register import create_person as create_person
from kulisser.staff.register import end_assignment as end_assignment
from kulisser.staff.register import get_person as get_person
from kulisser.staff.register import may_edit as may_edit_person  # noqa: F401 (re-exported)
from kulisser.staff.register_models import PURPOSE_LABELS as PURPOSE_LABELS
from kulisser.staff.register_models import Purpose as Purpose
from kulisser.staff.register_models import StaffAssignment as StaffAssignment
from kulisser.staff.register_models import StaffPerson as StaffPerson

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this keeps the time of an unknown username like a known one.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
MIN_PASSWORD_LENGTH = 10


@dataclass(frozen=True)
class TokenListing:
    """One API token as `kulisser token list` shows it (never the token itself)."""

    id: int
    username: str
    unit_hsa_id: str
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class StaffError(ValueError):
    """A staff operation refused; .message is Swedish for the user."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class LoginThrottled(StaffError):
    """Too many failed logins recently."""


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def token_hash(token: str) -> str:
    """The stored form of a session or API token."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_rules(password: str) -> None:
    """Refuse passwords that are too short."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(_("Lösenordet måste ha minst {min_password_length} tecken.",
                           min_password_length=MIN_PASSWORD_LENGTH),
                         code="password_too_short")


def create_unit(session: Session, *, hsa_id: str, name: str, address: str = "",
                phone: str = "") -> CareUnit:
    """Create a care unit; its phone number, printed in letters, must be plausible."""
    bad_phone = phone_error(phone)
    if bad_phone:
        raise StaffError(bad_phone, code="bad_phone")
    unit = CareUnit(hsa_id=hsa_id.strip(), name=name.strip(), address=address,
                    phone=" ".join(phone.split()))
    session.add(unit)
    session.flush()
    return unit


def create_user(
    session: Session,
    *,
    username: str,
    full_name: str,
    role: Role | str,
    password: str,
    unit_ids: list[int],
    hsa_id: str | None = None,
) -> User:
    """Create a user with a hashed password and unit memberships."""
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("-", "").isalnum():
        raise StaffError(_("Användarnamnet får bara innehålla bokstäver, siffror, punkt och bindestreck."))
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise StaffError(_("Användarnamnet finns redan."), code="duplicate")
    if not unit_ids:
        raise StaffError(_("Användaren måste höra till minst en vårdenhet."))
    check_password_rules(password)
    user = User(username=username, full_name=full_name.strip(), role=Role(role).value,
                password_hash=hash_password(password), hsa_id=hsa_id)
    user.memberships = [UnitMembership(unit_id=u) for u in unit_ids]
    session.add(user)
    session.flush()
    return user


def _recent_failures(session: Session, *, since: datetime, **where: Any) -> int:
    conditions = [getattr(LoginAttempt, name) == value for name, value in where.items()]
    return session.scalar(
        select(func.count()).select_from(LoginAttempt).where(
            *conditions, LoginAttempt.at >= since, LoginAttempt.success.is_(False)
        )
    ) or 0


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    ip: str,
    max_failures: int,
    max_failures_per_ip: int,
    window_minutes: int,
    devices: Mapping[int, str] | None = None,
    now: datetime | None = None,
) -> User:
    """Check a login; throttle by address and by account; record the attempt either way.

    The account lock counts failures from unknown devices together, but a known device
    (`devices`: user id to device id, from the signed device cookie) only its own: an attacker
    elsewhere cannot lock the user out of her own browser, yet gets no more tries himself.
    """
    now = now or utcnow()
    username = username.strip().lower()
    since = now - timedelta(minutes=window_minutes)
    user = session.scalar(select(User).where(User.username == username))
    device = (devices or {}).get(user.id) if user is not None else None
    by_account = (
        _recent_failures(session, since=since, username=username, device=device)
        if device is not None else _recent_failures(session, since=since, username=username)
    )
    if (by_account >= max_failures
            or _recent_failures(session, since=since, ip=ip) >= max_failures_per_ip):
        raise LoginThrottled(
            ngettext("För många misslyckade inloggningar. Försök igen om {n} minut.",
                     "För många misslyckade inloggningar. Försök igen om {n} minuter.", window_minutes),
            code="throttled",
        )
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    ok = ok and user is not None and user.active
    session.add(LoginAttempt(username=username[:64], ip=ip[:64], at=now, success=ok,
                             device=device))
    if not ok or user is None:
        raise StaffError(_("Fel användarnamn eller lösenord."), code="bad_credentials")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def change_password(session: Session, *, user: User, current: str, new: str, repeat: str) -> None:
    """Change a password after checking the current one; ends sessions, revokes API tokens."""
    try:
        _hasher.verify(user.password_hash, current)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise StaffError(_("Nuvarande lösenord stämmer inte."), code="bad_credentials") from None
    if new != repeat:
        raise StaffError(_("De nya lösenorden är inte lika."), code="mismatch")
    check_password_rules(new)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    # A token is a password by another name: whoever might know the old one loses both.
    revoke_user_tokens(session, user_id=user.id, now=user.password_changed_at)


def start_session(session: Session, *, user: User, now: datetime | None = None,
                  unit_id: int | None = None, login_method: str = "password",
                  id_token: str | None = None) -> tuple[str, UserSession]:
    """Open a login session (in the given unit, else the user's first); return token and row."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    unit_ids = sorted(m.unit_id for m in user.memberships)
    if unit_id is not None and unit_id not in unit_ids:
        raise StaffError(_("Du hör inte till den vårdenheten."))
    row = UserSession(token_hash=token_hash(token), user_id=user.id,
                      unit_id=unit_ids[0] if unit_id is None else unit_id,
                      csrf_token=secrets.token_urlsafe(32), created_at=now, last_seen_at=now,
                      login_method=login_method[:200], id_token=id_token)
    session.add(row)
    return token, row


def load_session(
    session: Session, *, token: str, idle_minutes: int, max_hours: int, now: datetime | None = None
) -> tuple[UserSession, User] | None:
    """Find a live session by its cookie token; expired ones are removed."""
    now = now or utcnow()
    # One statement for the session, its user and the user's units (every page does this).
    found = session.execute(
        select(UserSession, User).join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == token_hash(token))
        .options(joinedload(User.memberships))).unique().first()
    if found is None:
        return None
    row, user = found
    if (now - row.last_seen_at > timedelta(minutes=idle_minutes)
            or now - row.created_at > timedelta(hours=max_hours)):
        session.delete(row)
        return None
    if not user.active:
        return None
    # Touch at most once a minute so that reads stay reads.
    if now - row.last_seen_at > timedelta(minutes=1):
        row.last_seen_at = now
    return row, user


def end_session(session: Session, *, token: str) -> None:
    """Log out: remove the session row."""
    session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))


def create_api_token(session: Session, *, user: User, unit_id: int | None = None,
                     label: str = "") -> str:
    """Create a bearer token for the API and return it (shown once)."""
    units = sorted(m.unit_id for m in user.memberships)
    if unit_id is None:
        unit_id = units[0]
    if unit_id not in units:
        raise StaffError(_("Användaren hör inte till den vårdenheten."))
    token = "kul_" + secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=token_hash(token), user_id=user.id, unit_id=unit_id, label=label))
    return token


def load_api_token(session: Session, *, token: str,
                   now: datetime | None = None) -> tuple[ApiToken, User] | None:
    """Find the user of a live (unrevoked) bearer token; note its use at most once a minute."""
    now = now or utcnow()
    # One statement for the token, its user and the user's units (every API call does this).
    found = session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None))
        .options(joinedload(User.memberships))).unique().first()
    if found is None:
        return None
    row, user = found
    if not user.active:
        return None
    # A write on every call would turn each API read into a write; a minute is precise enough.
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now
    return row, user


def revoke_api_token(session: Session, *, token_id: int, now: datetime | None = None) -> ApiToken:
    """Revoke one token by its id (kept, marked revoked); refuse an unknown or revoked one."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise StaffError(_("Det finns ingen API-nyckel med det id:t."), code="not_found")
    if row.revoked_at is not None:
        raise StaffError(_("API-nyckeln är redan återkallad."), code="already_revoked")
    row.revoked_at = now or utcnow()
    session.flush()
    return row


def revoke_user_tokens(session: Session, *, user_id: int, now: datetime | None = None) -> int:
    """Revoke every live token of a user; return how many."""
    rows = list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id,
                                                       ApiToken.revoked_at.is_(None))))
    for row in rows:
        row.revoked_at = now or utcnow()
    session.flush()
    return len(rows)


def list_api_tokens(session: Session, *, username: str | None = None) -> list[TokenListing]:
    """Every token (or a user's), oldest first, with its user, unit and use."""
    query = (select(ApiToken, User.username, CareUnit.hsa_id)
             .join(User, User.id == ApiToken.user_id)
             .join(CareUnit, CareUnit.id == ApiToken.unit_id)
             .order_by(ApiToken.id))
    if username is not None:
        query = query.where(User.username == username.strip().lower())
    return [TokenListing(id=row.id, username=name, unit_hsa_id=hsa, label=row.label,
                         created_at=row.created_at, last_used_at=row.last_used_at,
                         revoked_at=row.revoked_at)
            for row, name, hsa in session.execute(query).tuples()]


def make_actor(user: User, *, unit_id: int, ip: str = "", login_method: str = "password",
               access: AssignmentAccess | None = None) -> Actor:
    """Build the Actor of a request; `access` (from request_access) gives the role and units
    of the login's valid assignments instead of the user's own."""
    return Actor(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=access.role if access is not None else Role(user.role),
        unit_id=unit_id,
        unit_ids=(access.unit_ids if access is not None
                  else tuple(sorted(m.unit_id for m in user.memberships))),
        ip=ip,
        login_method=login_method,
    )


def switch_unit(session: Session, *, row: UserSession, user: User, unit_id: int) -> None:
    """Move a login session to another of the user's units."""
    if unit_id not in {m.unit_id for m in user.memberships}:
        raise StaffError(_("Du hör inte till den vårdenheten."))
    row.unit_id = unit_id


def unit_member_names(session: Session, *, unit_id: int) -> list[Any]:
    """Active users of a unit, by name, as light rows (id, full_name, role) for lists and menus."""
    # The worklist page shows every colleague in its owner filter on each load: columns only,
    # not 60 User objects with their password hashes through the ORM.
    return list(session.execute(
        select(User.id, User.full_name, User.role)
        .join(UnitMembership, UnitMembership.user_id == User.id)
        .where(UnitMembership.unit_id == unit_id, User.active.is_(True))
        .order_by(User.full_name)).all())


def unit_members(session: Session, *, unit_id: int) -> list[User]:
    """Active users of a unit, by name."""
    return list(
        session.scalars(
            select(User)
            .join(UnitMembership, UnitMembership.user_id == User.id)
            .where(UnitMembership.unit_id == unit_id, User.active.is_(True))
            .order_by(User.full_name)
        )
    )


def user_names(session: Session, ids: set[int]) -> dict[int, str]:
    """Map user ids to full names (for lists and histories)."""
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).tuples().all())


def unit_choices(session: Session, *, unit_ids: tuple[int, ...]) -> tuple[tuple[int, str], ...]:
    """(id, name) of the given units, by name, for the unit switcher."""
    rows = session.execute(select(CareUnit.id, CareUnit.name).where(CareUnit.id.in_(unit_ids))
                           .order_by(CareUnit.name)).tuples().all()
    return tuple((uid, name) for uid, name in rows)


def last_logins(session: Session, *, user_ids: set[int]) -> dict[int, datetime]:
    """Each user's latest login: a successful login attempt (password or OpenID) or a live
    session's last activity, whichever is later; users never seen are left out."""
    if not user_ids:
        return {}
    found: dict[int, datetime] = {}
    attempts = session.execute(
        select(User.id, func.max(LoginAttempt.at))
        .join(LoginAttempt, LoginAttempt.username == User.username)
        .where(User.id.in_(user_ids), LoginAttempt.success.is_(True)).group_by(User.id)).tuples()
    sessions = session.execute(
        select(UserSession.user_id, func.max(UserSession.last_seen_at))
        .where(UserSession.user_id.in_(user_ids)).group_by(UserSession.user_id)).tuples()
    for user_id, at in [*attempts, *sessions]:
        if at is not None and (user_id not in found or at > found[user_id]):
            found[user_id] = at
    return found
