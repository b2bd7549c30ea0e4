"""OpenID Connect login: the provider's claims mapped to a person and an assignment in the
staff register (issue 13 item 7 on item 1's register).

One function, `resolve_login`, decides who a login is and in which units they may work: the
person claim names a `StaffPerson` (by HSA-id) with a linked, active login; the assignment claim
names that person's assignments (medarbetaruppdrag) by their own HSA-id, and only those valid
today (Swedish calendar) count. The chosen assignment decides the unit; the role in it follows
the register at every request (`assignment_access.request_access`). A login that exists only as
`User.hsa_id` without a register entry is refused: the register is the one source of who works
where. The protocol itself (discovery, PKCE, token exchange, ID-token check) is in
`oidc_client.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.db import utcnow
from kulisser.i18n import N_, _
from kulisser.staff.assignment_access import (
    LoginAssignment,
    assignments_for_login,
    local_today,
    sync_user,
)
from kulisser.staff.models import CareUnit, LoginAttempt, User
from kulisser.staff.register_models import StaffAssignment, StaffPerson

# Why a login was refused; shown on the refusal page (translated there, with `refusal_args`).
UNKNOWN_PERSON = N_("Du finns inte som användare i Kulisser. Kontakta din enhetschef.")
NOT_IN_REGISTER = N_("Du finns inte i Kulissers personalregister. Be din enhetschef att lägga in "
                     "dig i personalregistret med ditt medarbetaruppdrag.")
NO_LOGIN = N_("Du finns i personalregistret men har ingen aktiv inloggning i Kulisser. "
              "Kontakta din enhetschef.")
NO_ASSIGNMENT = N_("Ditt medarbetaruppdrag ger ingen behörighet till någon vårdenhet i Kulisser. "
                   "Kontakta din enhetschef.")
ASSIGNMENT_ENDED = N_("Medarbetaruppdraget {commission} gäller inte längre (sista dag {day}). "
                      "Kontakta din enhetschef.")
ASSIGNMENT_NOT_STARTED = N_("Medarbetaruppdraget {commission} gäller först från {day}. "
                            "Kontakta din enhetschef.")
ASSIGNMENT_NOT_YOURS = N_("Medarbetaruppdraget {commission} hör inte till dig i "
                          "personalregistret. Kontakta din enhetschef.")


@dataclass(frozen=True)
class ClaimNames:
    """Which claims carry the person, the assignment and the care provider (settings)."""

    person: str = "employeeHsaId"
    assignment: str = "commissionHsaId"
    provider: str = "healthCareProviderHsaId"


@dataclass(frozen=True)
class LoginClaims:
    """What a login's claims say, read without the database."""

    person_hsa_id: str
    assignment_hsa_ids: tuple[str, ...]
    provider_hsa_id: str
    login_method: str


@dataclass(frozen=True)
class LoginResolution:
    """Who a login is and the units they may choose; `user` None or no units: refused."""

    claims: LoginClaims
    user: User | None
    units: tuple[CareUnit, ...]
    refusal: str = ""  # a message id (N_) when refused
    refusal_args: Mapping[str, str] = field(default_factory=dict)
    # The register's assignments valid today that the login may work under (by unit name).
    assignments: tuple[LoginAssignment, ...] = ()

    @property
    def refused(self) -> bool:
        """Whether the login must be refused."""
        return self.user is None or not self.units or bool(self.refusal)

    @property
    def message(self) -> str:
        """The refusal in Swedish, with its figures."""
        return _(self.refusal, **self.refusal_args) if self.refusal else ""


def _strings(value: object) -> tuple[str, ...]:
    """A claim that is one string, a list of strings, or a space- or comma-separated string."""
    if isinstance(value, str):
        parts: list[object] = list(value.replace(",", " ").split())
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        return ()
    seen: dict[str, None] = {}
    for part in parts:
        if isinstance(part, str) and part.strip():
            seen.setdefault(part.strip(), None)
    return tuple(seen)


def login_method(claims: Mapping[str, object]) -> str:
    """The login method as recorded: "oidc", with the provider's acr and amr (SITHS) if sent."""
    words = ["oidc"]
    acr = claims.get("acr")
    if isinstance(acr, str) and acr.strip():
        words.append("acr=" + acr.strip())
    amr = _strings(claims.get("amr"))
    if amr:
        words.append("amr=" + ",".join(amr))
    return " ".join(words)[:200]


def read_claims(claims: Mapping[str, object], names: ClaimNames) -> LoginClaims:
    """Read the person, assignments and care provider from the claims (no database)."""
    person = claims.get(names.person)
    provider = claims.get(names.provider)
    return LoginClaims(
        person_hsa_id=person.strip() if isinstance(person, str) else "",
        assignment_hsa_ids=_strings(claims.get(names.assignment)),
        provider_hsa_id=provider.strip() if isinstance(provider, str) else "",
        login_method=login_method(claims))


def _refuse(read: LoginClaims, message: str, user: User | None = None,
            **args: str) -> LoginResolution:
    return LoginResolution(claims=read, user=user, units=(), refusal=message, refusal_args=args)


def _named_but_not_valid(session: Session, *, read: LoginClaims, person: StaffPerson,
                         user: User, now: datetime) -> LoginResolution:
    """The refusal when the claim names assignments and none is the person's valid one."""
    named = {a.commission_hsa_id: a for a in session.scalars(
        select(StaffAssignment).where(StaffAssignment.commission_hsa_id.in_(
            [h.upper() for h in read.assignment_hsa_ids])))}
    today = local_today(now)
    for hsa in read.assignment_hsa_ids:
        line = named.get(hsa.upper())
        if line is None or line.person_id != person.id:
            continue
        if line.valid_to is not None and line.valid_to < today:
            return _refuse(read, ASSIGNMENT_ENDED, user, commission=line.commission_hsa_id,
                           day=line.valid_to.isoformat())
        if line.valid_from > today:
            return _refuse(read, ASSIGNMENT_NOT_STARTED, user, commission=line.commission_hsa_id,
                           day=line.valid_from.isoformat())
    return _refuse(read, NO_ASSIGNMENT, user)


def resolve_login(session: Session, *, claims: Mapping[str, object],
                  names: ClaimNames) -> LoginResolution:
    """Map a login's claims to a register person's active login and the units of the
    assignments valid today that the claim names (all valid ones when it names none).

    Refused: an HSA-id not in the register (a `User.hsa_id` alone no longer lets anyone in),
    a person without an active linked login, a named assignment of someone else (the provider
    and the register disagree: the whole login), or no named assignment valid today (the
    message says which one ended). Several candidate units: the user chooses after login.
    """
    read = read_claims(claims, names)
    now = utcnow()
    person = (session.scalar(select(StaffPerson).where(
        StaffPerson.hsa_id == read.person_hsa_id.upper())) if read.person_hsa_id else None)
    if person is None:
        # A login known only by its own HSA-id (the old mapping): refused, with what to do.
        old = (session.scalar(select(User).where(User.hsa_id == read.person_hsa_id,
                                                 User.active.is_(True)))
               if read.person_hsa_id else None)
        return _refuse(read, NOT_IN_REGISTER, old) if old else _refuse(read, UNKNOWN_PERSON)
    user = session.get(User, person.user_id) if person.user_id is not None else None
    if user is None or not user.active:
        return _refuse(read, NO_LOGIN, user)
    wanted = {h.upper() for h in read.assignment_hsa_ids}
    if wanted:
        theirs = session.scalar(select(StaffAssignment.commission_hsa_id).where(
            StaffAssignment.commission_hsa_id.in_(wanted), StaffAssignment.person_id != person.id)
            .order_by(StaffAssignment.commission_hsa_id).limit(1))
        if theirs is not None:
            return _refuse(read, ASSIGNMENT_NOT_YOURS, user, commission=theirs)
    valid = assignments_for_login(session, person_hsa_id=person.hsa_id, at=now)
    chosen = tuple(a for a in valid if not wanted or a.commission_hsa_id in wanted)
    if not chosen:
        if wanted:
            return _named_but_not_valid(session, read=read, person=person, user=user, now=now)
        return _refuse(read, NO_ASSIGNMENT, user)
    # Memberships follow the valid assignments; bring them in line now, not at the next job.
    sync_user(session, user_id=user.id, now=now)
    unit_ids = list(dict.fromkeys(a.unit_id for a in chosen))
    by_id = {u.id: u for u in session.scalars(select(CareUnit).where(CareUnit.id.in_(unit_ids)))}
    return LoginResolution(claims=read, user=user, units=tuple(by_id[i] for i in unit_ids),
                           assignments=chosen)


def record_attempt(session: Session, *, resolution: LoginResolution, ip: str,
                   now: datetime | None = None) -> None:
    """Keep the login attempt like a password login's: refused ones are what a review reads."""
    user = resolution.user
    name = user.username if user is not None else "hsa:" + (resolution.claims.person_hsa_id or "?")
    session.add(LoginAttempt(username=name[:64], ip=ip[:64], at=now or utcnow(),
                             success=not resolution.refused, device=None))
