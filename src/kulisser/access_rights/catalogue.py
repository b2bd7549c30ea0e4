"""A unit's catalogue (issue 13 item 2): its role profiles (which systems, which access profile
in each) and each profile's documented needs-and-risk analyses (behovs- och riskanalys); the
systems themselves are in `catalogue_systems.py`. A profile without a current analysis cannot
be ordered (`profile_orderable`, which the orders use).

Every member of the unit reads the catalogue (secretaries order from it); managers of the
unit and administrators change it. Another unit's profile or system is refused as not found,
with a denied audit row, like any unit-scoped record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulisser.access_rights import service as access
from kulisser.access_rights.analysis_files import AnalysisStore, StagedFile
from kulisser.access_rights.catalogue_history import CatalogueEvent, record, systems_snapshot
from kulisser.access_rights.models import RiskAnalysis, RoleProfile, RoleProfileSystem
from kulisser.audit import service as audit
from kulisser.bounds import in_range
from kulisser.db import utcnow
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import N_, _
from kulisser.staff.service import Actor, Role
from kulisser.workdays import parse_day

NO_PROFILE = N_("Rollprofilen finns inte.")
NO_ANALYSIS = N_("Analysen finns inte.")
NO_FILE = N_("Analysen har ingen bifogad fil.")
# The profile page warns this many days before an analysis is due for review.
REVIEW_WARNING_DAYS = 30
TEXT_MAX = 50_000


class State:
    """Where a profile's needs-and-risk analysis stands on a day."""

    CURRENT = "current"
    DUE_SOON = "due_soon"  # current, but due for review within REVIEW_WARNING_DAYS
    EXPIRED = "expired"  # the newest one begun is past its review date
    FUTURE = "future"  # only analyses that apply from a later day
    MISSING = "missing"


STATE_LABELS = {State.CURRENT: N_("Aktuell"), State.DUE_SOON: N_("Ska följas upp snart"),
                State.EXPIRED: N_("Uppföljningen har passerat"),
                State.FUTURE: N_("Gäller först senare"), State.MISSING: N_("Analys saknas")}


@dataclass(frozen=True)
class Standing:
    """A profile's analysis on a day: its state, the current one, the newest, the review date."""

    profile: RoleProfile
    state: str
    current: RiskAnalysis | None
    newest: RiskAnalysis | None

    @property
    def next_review(self) -> date | None:
        """The current analysis' review date, else the newest one's."""
        analysis = self.current or self.newest
        return analysis.next_review if analysis else None

    @property
    def orderable(self) -> bool:
        """Whether the analysis lets the profile be ordered today."""
        return self.current is not None


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def own_unit(actor: Actor, *, unit_id: int, object_type: str, object_id: int, hidden: str,
             action: str) -> None:
    """Pass for the unit's own people and administrators; else not found, with a denied row."""
    # Administrators see every unit; anyone else another unit's record as not found (logged).
    if actor.role != Role.ADMIN:
        audit.require_unit(actor=actor, object_type=object_type, object_id=object_id,
                           unit_id=unit_id, hidden=_(hidden), action=action)


# -- profiles -------------------------------------------------------------------------------

def _loaded() -> tuple[Any, ...]:
    return (selectinload(RoleProfile.systems).selectinload(RoleProfileSystem.system),
            selectinload(RoleProfile.analyses))


def profiles(session: Session, *, actor: Actor, unit_id: int) -> list[RoleProfile]:
    """The unit's role profiles by name (active first), with systems and analyses."""
    access.require_member(actor, unit_id)
    return list(session.scalars(select(RoleProfile).where(RoleProfile.unit_id == unit_id)
                                .options(*_loaded())
                                .order_by(RoleProfile.active.desc(), RoleProfile.name)))


def get_profile(session: Session, *, actor: Actor, profile_id: int,
                action: str = "read") -> RoleProfile:
    """One profile with systems and analyses; another unit's is not found (logged)."""
    profile = session.scalar(select(RoleProfile).where(RoleProfile.id == profile_id)
                             .options(*_loaded()))
    if profile is None:
        raise NotFound(NO_PROFILE)
    own_unit(actor, unit_id=profile.unit_id, object_type="role_profile", object_id=profile.id,
             hidden=NO_PROFILE, action=action)
    return profile


def _profile_values(session: Session, *, unit_id: int, name: str, kulisser_role: str,
                    description: str, profile_id: int | None) -> dict[str, str]:
    values = {"name": _clean(name), "kulisser_role": (kulisser_role or "").strip(),
              "description": (description or "").strip().replace("\r\n", "\n")}
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = _("Ange profilens namn.")
    elif len(values["name"]) > 120:
        errors["name"] = _("Namnet är för långt (högst 120 tecken).")
    elif session.scalar(select(RoleProfile.id).where(
            RoleProfile.unit_id == unit_id, RoleProfile.id != (profile_id or 0),
            RoleProfile.name == values["name"])):
        errors["name"] = _("Enheten har redan en rollprofil med det namnet.")
    if values["kulisser_role"] and values["kulisser_role"] not in {r.value for r in Role}:
        errors["kulisser_role"] = _("Välj en roll i Kulisser i listan.")
    if len(values["description"]) > 4000:
        errors["description"] = _("Beskrivningen är för lång (högst 4 000 tecken).")
    if errors:
        raise ValidationFailed(errors)
    return values


def create_profile(session: Session, *, actor: Actor, unit_id: int, name: str,
                   kulisser_role: str = "", description: str = "",
                   systems: dict[int, str] | None = None,
                   now: datetime | None = None) -> RoleProfile:
    """A new role profile of the unit (managers), optionally with its systems."""
    access.require_manager(actor, unit_id)
    values = _profile_values(session, unit_id=unit_id, name=name, kulisser_role=kulisser_role,
                             description=description, profile_id=None)
    profile = RoleProfile(unit_id=unit_id, active=True, created_at=now or utcnow(), **values)
    session.add(profile)
    session.flush()
    record(session, unit_id=unit_id, profile_id=profile.id, actor_id=actor.user_id,
           type_=CatalogueEvent.PROFILE_CREATED, now=now, name=profile.name)
    if systems:
        set_profile_systems(session, actor=actor, profile_id=profile.id, systems=systems)
    return profile


def update_profile(session: Session, *, actor: Actor, profile_id: int, name: str,
                   kulisser_role: str = "", description: str = "",
                   active: bool = True) -> RoleProfile:
    """Change a profile's name, role in Kulisser, description, or (de)activate it (managers)."""
    profile = get_profile(session, actor=actor, profile_id=profile_id, action="update")
    access.require_manager(actor, profile.unit_id)
    values = _profile_values(session, unit_id=profile.unit_id, name=name,
                             kulisser_role=kulisser_role, description=description,
                             profile_id=profile.id)
    _record_profile_changes(session, actor=actor, profile=profile, values=values, active=active)
    for key, value in values.items():
        setattr(profile, key, value)
    profile.active = active
    session.flush()
    return profile


def _record_profile_changes(session: Session, *, actor: Actor, profile: RoleProfile,
                            values: dict[str, str], active: bool) -> None:
    def add(type_: str, **data: Any) -> None:
        record(session, unit_id=profile.unit_id, profile_id=profile.id, actor_id=actor.user_id,
               type_=type_, **data)

    if values["name"] != profile.name:
        add(CatalogueEvent.PROFILE_RENAMED, before=profile.name, after=values["name"])
    if (values["kulisser_role"], values["description"]) != (profile.kulisser_role,
                                                            profile.description):
        add(CatalogueEvent.PROFILE_CHANGED, name=values["name"])
    if active != profile.active:
        add(CatalogueEvent.PROFILE_ACTIVATED if active else CatalogueEvent.PROFILE_DEACTIVATED,
            name=values["name"])


def set_profile_systems(session: Session, *, actor: Actor, profile_id: int,
                        systems: dict[int, str]) -> RoleProfile:
    """The profile's systems and the access profile in each ({system id: access profile})."""
    profile = get_profile(session, actor=actor, profile_id=profile_id, action="update")
    access.require_manager(actor, profile.unit_id)
    catalogue = {s.id: s for s in access.ensure_systems(session, unit_id=profile.unit_id)}
    had = {line.system_id: line for line in profile.systems}
    errors: dict[str, str] = {}
    for system_id, access_profile in systems.items():
        system = catalogue.get(system_id)
        if system is None:
            errors["systems"] = _("Välj system ur enhetens katalog.")
        elif not system.active and system_id not in had:
            errors[f"system_{system_id}"] = _("Systemet ”{name}” är inaktiverat.", name=system.name)
        elif len(_clean(access_profile)) > 200:
            errors[f"system_{system_id}"] = _("Behörighetsprofilen är för lång (högst 200 tecken).")
    if errors:
        raise ValidationFailed(errors)
    before = systems_snapshot(list(profile.systems))
    for system_id, line in had.items():
        if system_id not in systems:
            profile.systems.remove(line)
    for system_id in sorted(systems, key=lambda i: (catalogue[i].position, i)):
        if system_id in had:
            had[system_id].access_profile = _clean(systems[system_id])
        else:
            profile.systems.append(RoleProfileSystem(system_id=system_id,
                                                     access_profile=_clean(systems[system_id])))
    session.flush()
    session.refresh(profile, ["systems"])
    after = systems_snapshot(list(profile.systems))
    if after != before:
        record(session, unit_id=profile.unit_id, profile_id=profile.id, actor_id=actor.user_id,
               type_=CatalogueEvent.PROFILE_SYSTEMS, before=before, after=after)
    return profile


# -- needs-and-risk analyses ----------------------------------------------------------------

def analysis_errors(*, made_on: str | date | None, author: str,
                    next_review: str | date | None, text: str, has_file: bool) -> dict[str, str]:
    """The Swedish message per field of an analysis form; empty when the fields are right."""
    return _checked(made_on=made_on, author=author, next_review=next_review, text=text,
                    has_file=has_file)[0]


def _checked(*, made_on: str | date | None, author: str, next_review: str | date | None,
             text: str, has_file: bool) -> tuple[dict[str, str], date | None, date | None, str, str]:
    errors: dict[str, str] = {}
    made = parse_day(made_on, "made_on", errors)
    review = parse_day(next_review, "next_review", errors)
    author, text = _clean(author), (text or "").strip().replace("\r\n", "\n")
    if made is None and "made_on" not in errors:
        errors["made_on"] = _("Ange analysens datum.")
    elif made is not None and not in_range(made):
        errors["made_on"] = _("Ange ett rimligt datum.")
    if review is None and "next_review" not in errors:
        errors["next_review"] = _("Ange när analysen ska följas upp.")
    elif review is not None and not in_range(review):
        errors["next_review"] = _("Ange ett rimligt datum.")
    elif made is not None and review is not None and review <= made:
        errors["next_review"] = _("Uppföljningen ska ligga efter analysens datum.")
    if not author:
        errors["author"] = _("Ange vem som gjorde analysen.")
    elif len(author) > 200:
        errors["author"] = _("Namnet är för långt (högst 200 tecken).")
    if not text and not has_file:
        errors["text"] = _("Skriv analysen eller bifoga den som fil.")
    elif len(text) > TEXT_MAX:
        errors["text"] = _("Texten är för lång (högst 50 000 tecken); bifoga den som fil.")
    return errors, made, review, author, text


def add_analysis(session: Session, *, actor: Actor, profile_id: int,
                 made_on: str | date | None, author: str, next_review: str | date | None,
                 text: str = "", file: StagedFile | None = None,
                 now: datetime | None = None) -> RiskAnalysis:
    """Document a needs-and-risk analysis of a profile (managers): text, a file, or both."""
    profile = get_profile(session, actor=actor, profile_id=profile_id, action="update")
    access.require_manager(actor, profile.unit_id)
    errors, made, review, author, text = _checked(made_on=made_on, author=author,
                                                  next_review=next_review, text=text,
                                                  has_file=file is not None)
    if errors:
        raise ValidationFailed(errors)
    assert made is not None and review is not None
    if file is not None:
        file.place()
    analysis = RiskAnalysis(profile_id=profile.id, made_on=made, author=author, text=text,
                            next_review=review, file_name=file.filename if file else None,
                            file_sha256=file.sha256 if file else None,
                            created_by=actor.user_id, created_at=now or utcnow())
    profile.analyses.append(analysis)
    session.flush()
    record(session, unit_id=profile.unit_id, profile_id=profile.id, actor_id=actor.user_id,
           type_=CatalogueEvent.ANALYSIS_ADDED, now=now, made_on=made.isoformat(),
           next_review=review.isoformat(), author=author)
    return analysis


def current_analysis(session: Session, *, profile_id: int, on: date) -> RiskAnalysis | None:
    """The profile's current analysis on a day (made_on <= on <= next_review; the newest)."""
    return session.scalar(select(RiskAnalysis).where(
        RiskAnalysis.profile_id == profile_id, RiskAnalysis.made_on <= on,
        RiskAnalysis.next_review >= on).order_by(RiskAnalysis.made_on.desc(),
                                                 RiskAnalysis.id.desc()).limit(1))


def standing(profile: RoleProfile, *, on: date) -> Standing:
    """Where the profile's analyses stand on a day (no query beyond its loaded analyses)."""
    newest_first = sorted(profile.analyses, key=lambda a: (a.made_on, a.id), reverse=True)
    begun = [a for a in newest_first if a.made_on <= on]
    current = next((a for a in begun if a.next_review >= on), None)
    newest = newest_first[0] if newest_first else None
    if current is not None:
        soon = current.next_review <= on + timedelta(days=REVIEW_WARNING_DAYS)
        return Standing(profile, State.DUE_SOON if soon else State.CURRENT, current, newest)
    if begun:
        return Standing(profile, State.EXPIRED, None, begun[0])
    return Standing(profile, State.FUTURE if newest else State.MISSING, None, newest)


def profile_orderable(session: Session, *, profile_id: int, on: date,
                      unit_id: int | None = None) -> str | None:
    """None when the profile may be ordered on the day; otherwise the Swedish reason why not."""
    profile = session.scalar(select(RoleProfile).where(RoleProfile.id == profile_id)
                             .options(*_loaded()))
    if profile is None or (unit_id is not None and profile.unit_id != unit_id):
        return _(NO_PROFILE)
    return orderable_reason(profile, on=on)


def orderable_reason(profile: RoleProfile, *, on: date) -> str | None:
    """`profile_orderable` for a profile already loaded with its systems and analyses."""
    name = profile.name
    if not profile.active:
        return _("Rollprofilen ”{name}” är inaktiverad och kan inte beställas.", name=name)
    found = standing(profile, on=on)
    if found.state == State.MISSING:
        return _("Rollprofilen ”{name}” saknar behovs- och riskanalys och kan inte beställas.",
                 name=name)
    if found.state == State.EXPIRED:
        return _("Behovs- och riskanalysen för ”{name}” skulle ha följts upp senast {day}; en ny "
                 "analys behövs innan profilen kan beställas.", name=name,
                 day=found.next_review.isoformat() if found.next_review else "")
    if found.state == State.FUTURE:
        return _("Behovs- och riskanalysen för ”{name}” gäller först från {day}; profilen kan "
                 "inte beställas före dess.", name=name,
                 day=found.newest.made_on.isoformat() if found.newest else "")
    if not profile.systems:
        return _("Rollprofilen ”{name}” har inga system att beställa.", name=name)
    return None


def due_for_review(session: Session, *, actor: Actor, unit_id: int, on: date) -> list[Standing]:
    """The unit's active profiles whose analysis is missing, past its review or due within
    REVIEW_WARNING_DAYS, the most urgent first (managers)."""
    access.require_manager(actor, unit_id)
    found = [standing(p, on=on) for p in profiles(session, actor=actor, unit_id=unit_id)
             if p.active]
    due = [s for s in found if s.state != State.CURRENT]
    return sorted(due, key=lambda s: (s.next_review or date.min, s.profile.name))


def analysis_file(session: Session, *, actor: Actor, store: AnalysisStore, profile_id: int,
                  analysis_id: int) -> tuple[RiskAnalysis, str]:
    """An analysis' attached file for a member of the unit: (the analysis, the file's path)."""
    profile = get_profile(session, actor=actor, profile_id=profile_id)
    access.require_member(actor, profile.unit_id)
    analysis = next((a for a in profile.analyses if a.id == analysis_id), None)
    if analysis is None:
        raise NotFound(NO_ANALYSIS)
    if not analysis.file_sha256:
        raise NotFound(NO_FILE)
    path = store.path_for(analysis.file_sha256)
    if not path.is_file():
        raise NotFound(N_("Filen finns inte längre i lagringen; kontakta förvaltningen."))
    return analysis, str(path)
