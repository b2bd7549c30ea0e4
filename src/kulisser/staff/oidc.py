"""OpenID Connect login: the provider's claims mapped to a person and a care unit.

One function, `resolve_login`, decides who a login is and in which units they may work; the
staff register (issue 13 item 1) replaces its body next, keeping its signature. The protocol
itself (discovery, PKCE, token exchange, ID-token check) is in `oidc_client.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulisser.db import utcnow
from kulisser.i18n import N_
from kulisser.staff.models import CareUnit, LoginAttempt, UnitMembership, User

# Why a login was refused; shown on the refusal page (translated there).
UNKNOWN_PERSON = N_("Du finns inte som användare i Kulisser. Kontakta din enhetschef.")
NO_ASSIGNMENT = N_("Ditt medarbetaruppdrag ger ingen behörighet till någon vårdenhet i Kulisser. "
                   "Kontakta din enhetschef.")


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

    @property
    def refused(self) -> bool:
        """Whether the login must be refused."""
        return self.user is None or not self.units


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


def resolve_login(session: Session, *, claims: Mapping[str, object],
                  names: ClaimNames) -> LoginResolution:
    """Map a login's claims to an active user and the care units they may work in now.

    This session's mapping: the person claim is `User.hsa_id`; the assignment claim names
    units by `CareUnit.hsa_id`, kept only where the user is a member. Without an assignment
    claim every unit the user is a member of is a candidate. Several candidates: the user
    chooses after login.
    """
    read = read_claims(claims, names)
    user = None
    if read.person_hsa_id:
        user = session.scalar(select(User).where(User.hsa_id == read.person_hsa_id,
                                                 User.active.is_(True))
                              .options(selectinload(User.memberships)))
    if user is None:
        return LoginResolution(claims=read, user=None, units=(), refusal=UNKNOWN_PERSON)
    query = (select(CareUnit).join(UnitMembership, UnitMembership.unit_id == CareUnit.id)
             .where(UnitMembership.user_id == user.id).order_by(CareUnit.name))
    if read.assignment_hsa_ids:
        query = query.where(CareUnit.hsa_id.in_(read.assignment_hsa_ids))
    units = tuple(session.scalars(query))
    return LoginResolution(claims=read, user=user, units=units,
                           refusal="" if units else NO_ASSIGNMENT)


def record_attempt(session: Session, *, resolution: LoginResolution, ip: str,
                   now: datetime | None = None) -> None:
    """Keep the login attempt like a password login's: refused ones are what a review reads."""
    user = resolution.user
    name = user.username if user is not None else "hsa:" + (resolution.claims.person_hsa_id or "?")
    session.add(LoginAttempt(username=name[:64], ip=ip[:64], at=now or utcnow(),
                             success=not resolution.refused, device=None))
