"""The demo unit's catalogue: the default systems and one of its own, four role profiles with
their needs-and-risk analyses. The secretary's, the physician's and the nurse's profiles can
be ordered (the nurse's analysis is due for review within 30 days, so its page warns); the
assistant nurse's analysis is past its review, so that profile cannot be ordered and is on
the manager's list of analyses to follow up.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.access_rights import catalogue, catalogue_systems
from kulisser.access_rights import service as access
from kulisser.access_rights.models import RoleProfile
from kulisser.i18n import N_
from kulisser.staff import service as staff

# The demo's names and texts are marked like any Swedish text (written as data, in Swedish).
SECRETARY_PROFILE = N_("Medicinsk sekreterare, medicinmottagningen")
PHYSICIAN_PROFILE = N_("Läkare, medicinmottagningen")
NURSE_PROFILE = N_("Sjuksköterska, medicinmottagningen")
ASSISTANT_PROFILE = N_("Undersköterska, medicinmottagningen")

# (name, role in Kulisser, {system code: access profile}, analysis made and due, days from today)
PROFILES: tuple[tuple[str, str, dict[str, str], int, int], ...] = (
    (SECRETARY_PROFILE, "secretary",
     {"hsa": "", "siths": "", "kulisser": N_("Sekreterare"), "record": N_("Medicinsk sekreterare"),
      "speech": N_("Utskrift"), "phone": N_("Anknytning"), "printer": "", "portal": ""}, -200, 165),
    (PHYSICIAN_PROFILE, "clinician",
     {"hsa": "", "siths": "", "kulisser": N_("Kliniker"), "record": N_("Läkare"), "speech": N_("Diktat"),
      "phone": N_("Mobil"), "portal": ""}, -120, 245),
    (NURSE_PROFILE, "clinician",
     {"hsa": "", "siths": "", "kulisser": N_("Kliniker"), "record": N_("Sjuksköterska"),
      "phone": N_("Mobil"), "printer": ""}, -345, 20),
    (ASSISTANT_PROFILE, "",
     {"hsa": "", "siths": "", "record": N_("Undersköterska"), "phone": ""}, -400, -35),
)
ANALYSIS_TEXT = N_(
    "Behov: {name} behöver läsa och skriva i journalen för enhetens patienter, ta emot och "
    "ringa samtal och skriva ut.\n"
    "Risker: åtkomst till patienter utan vårdrelation; åtkomst som ligger kvar efter avslutad "
    "anställning.\n"
    "Åtgärder: behörighet enbart på enheten, loggen följs upp varje månad, behörigheten följs "
    "upp var sjätte månad och tas bort vid avslut."
)


def _demo_unit(session: Session) -> int | None:
    # Imported here: kulisser.demo imports every package's seeding, and this is one of them.
    from kulisser.demo import UNIT_HSA

    return session.scalar(select(staff.CareUnit.id).where(staff.CareUnit.hsa_id == UNIT_HSA))


def seed(session: Session, *, now: datetime, unit_id: int | None = None) -> dict[str, int]:
    """Seed the demo unit's catalogue once; return {profile name: id}."""
    unit_id = unit_id or _demo_unit(session)
    if unit_id is None:
        return {}
    existing = {p.name: p.id for p in session.scalars(
        select(RoleProfile).where(RoleProfile.unit_id == unit_id))}
    if existing:
        return existing
    manager_user = next(u for u in staff.unit_members(session, unit_id=unit_id)
                        if u.role == staff.Role.MANAGER)
    manager = staff.make_actor(manager_user, unit_id=unit_id)
    today = staff.local_today(now)
    systems = {s.code: s.id for s in access.ensure_systems(session, unit_id=unit_id)}
    catalogue_systems.add_system(session, actor=manager, unit_id=unit_id, name=N_("Röntgen (RIS)"),
                         carried_by=N_("Röntgenavdelningen"), task_label=N_("Behörighet i RIS"))
    made: dict[str, int] = {}
    for name, role, wanted, made_days, due_days in PROFILES:
        profile = catalogue.create_profile(
            session, actor=manager, unit_id=unit_id, name=name, kulisser_role=role,
            systems={systems[code]: text for code, text in wanted.items()}, now=now)
        catalogue.add_analysis(session, actor=manager, profile_id=profile.id,
                               made_on=_day(today, made_days), author=manager_user.full_name,
                               next_review=_day(today, due_days),
                               text=ANALYSIS_TEXT.format(name=name.split(",")[0]), now=now)
        made[name] = profile.id
    return made


def _day(today: date, days: int) -> date:
    return today + timedelta(days=days)
