"""Synthetic demo data: one clinic, seven staff, 200 patients, 500 work items. No real people."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.db import utcnow
from kulisser.identity import generate_personnummer
from kulisser.packages import INSTALLED, demo_seeders, setup
from kulisser.patients import service as patient_service
from kulisser.reception import service as reception
from kulisser.staff import demo as staff_demo
from kulisser.staff import service as staff
from kulisser.staff.service import Actor, CareUnit, Role, User
from kulisser.worklist import service as worklist
from kulisser.worklist.service import Priority

DEMO_PASSWORD = "demo-losenord"  # noqa: S105 - demo mode only
UNIT_HSA = "SE2321000016-DEMO1"
OTHER_UNIT_HSA = "SE2321000016-DEMO2"
STAFF = [
    ("sekreterare", "Anna Lind", Role.SECRETARY),
    ("sekreterare2", "Maja Ek", Role.SECRETARY),
    ("sekreterare3", "Sara Holm", Role.SECRETARY),
    ("lakare", "Karl Berg", Role.CLINICIAN),
    ("lakare2", "Lena Sund", Role.CLINICIAN),
    ("chef", "Eva Nord", Role.MANAGER),
]
# A second manager, so that a manager's own access order can be approved by another (four
# eyes). Added after the other demo data, so that their random draws stay as they were.
SECOND_MANAGER = ("chef2", "Olof Strand", Role.MANAGER)
# The region administrator compares the units (issue 15): a login at the clinic, whose role
# opens no patient, worklist or unit page there, only every unit's figures. Added last too.
REGION_ADMIN = ("region", "Rebecka Lund", Role.REGION_ADMIN)
GIVEN = ["Astrid", "Bo", "Cecilia", "David", "Elin", "Fredrik", "Greta", "Hugo", "Ingrid", "Johan",
         "Karin", "Lars", "Märta", "Nils", "Olivia", "Per", "Rut", "Sven", "Tova", "Ulf", "Vera",
         "Åke", "Ebba", "Gösta", "Linnéa", "Oskar", "Siv", "Tage", "Yvonne", "Ölle"]
FAMILY = ["Andersson", "Bergström", "Carlsson", "Dahl", "Ekström", "Forsberg", "Gustafsson",
          "Hedlund", "Isaksson", "Johansson", "Karlsson", "Lundqvist", "Mattsson", "Nyström",
          "Olofsson", "Pettersson", "Sjöberg", "Törnqvist", "Wallin", "Åberg", "Öberg", "Hägg"]
STREETS = ["Storgatan", "Kyrkvägen", "Björkvägen", "Skolgatan", "Ängsvägen", "Åvägen"]
# Residence codes (county 03, Uppsala län, and its municipalities; a few from elsewhere). Drawn
# from a generator of their own, so that every other draw of the seed stays as it was.
HOME_MUNICIPALITIES = ["0380", "0380", "0380", "0381", "0360", "0382", "0331", "0305", "0330",
                       "0319"]
AWAY_MUNICIPALITIES = ["0180", "1480", "1280", "2480", "0580"]
NO_RESIDENCE = 7  # this patient of the clinic has no codes: the register report lists it apart
TASKS = ["Skicka journalkopia till patienten", "Beställ tolk till besöket", "Uppdatera kontaktuppgifter",
         "Påminn läkaren om osignerade anteckningar", "Boka om besök efter läkarens sjukdom",
         "Kontrollera intyg inför utskrivning", "Skanna inkomna papper till journalen",
         "Ta fram underlag till vårdplanering"]
MESSAGES = ["Undrar över provsvar från förra veckan.", "Vill boka om sin tid.",
            "Har frågor om sin medicin, ber läkaren ringa.", "Anhörig vill ha besked om remissen.",
            "Kollega på vårdcentralen vill diskutera patienten.", "Har inte fått kallelse."]


@dataclass
class DemoResult:
    """What the seed made, for the startup banner."""

    created: bool
    logins: list[tuple[str, str, str]]


def _actor(user: User, unit_id: int) -> Actor:
    return staff.make_actor(user, unit_id=unit_id)


def seed(session: Session, *, rng: random.Random | None = None, now: datetime | None = None,
         patients: int = 200, items: int = 500, packages: Sequence[str] = INSTALLED) -> DemoResult:
    """Create the demo clinic once; running it again changes nothing."""
    rng = rng or random.Random(20261123)
    now = now or utcnow()
    installed = setup(packages)  # every kind and job the seeding makes is registered
    logins = [(u, DEMO_PASSWORD, Role(r).value) for u, _n, r in (*STAFF, SECOND_MANAGER,
                                                                   REGION_ADMIN)]
    if session.scalar(select(CareUnit).where(CareUnit.hsa_id == UNIT_HSA)) is not None:
        return DemoResult(created=False, logins=logins)
    unit = staff.create_unit(session, hsa_id=UNIT_HSA, name="Medicinmottagningen, Kulissernas sjukhus",
                             address="Sjukhusvägen 1, 123 45 Kulisserstad", phone="010-123 45 00")
    other = staff.create_unit(session, hsa_id=OTHER_UNIT_HSA, name="Ortopedmottagningen, Kulissernas sjukhus")
    users = [staff.create_user(session, username=u, full_name=n, role=r, password=DEMO_PASSWORD,
                               unit_ids=[unit.id]) for u, n, r in STAFF]
    secretaries = [u for u in users if u.role == Role.SECRETARY]
    seen: set[str] = set()
    rows: list[dict[str, object]] = []
    place = random.Random(20261205)
    while len(rows) < patients + 10:
        ident = generate_personnummer(rng, samordningsnummer=rng.random() < 0.03)
        if ident.value in seen:
            continue
        seen.add(ident.value)
        # In the order the values were always drawn, so that the same seed gives the same clinic.
        row: dict[str, object] = dict(
            id_kind=ident.kind.value, id_value=ident.value,
            phone=f"07{rng.randint(0, 9)}-{rng.randint(100, 999)} {rng.randint(10, 99)} "
                  f"{rng.randint(10, 99)}",
            address=f"{rng.choice(STREETS)} {rng.randint(1, 60)}",
            postal_code=f"{rng.randint(100, 989)} {rng.randint(10, 99)}", city="Kulisserstad",
            protected_identity=rng.random() < 0.02)
        row["given_name"] = rng.choice(GIVEN)
        row["family_name"] = rng.choice(FAMILY)
        municipality = place.choice(AWAY_MUNICIPALITIES if place.random() < 0.08
                                    else HOME_MUNICIPALITIES)
        if len(rows) != NO_RESIDENCE:
            row.update(county_code=municipality[:2], municipality_code=municipality)
        rows.append(row)
    people = patient_service.add_demo_patients(session, rows=rows)
    ours, theirs = people[:patients], people[patients:]
    patient_service.add_demo_relations(session, unit_id=unit.id, patient_ids=[p.id for p in ours])
    # Patients only the other unit cares for: opening them needs emergency access.
    patient_service.add_demo_relations(session, unit_id=other.id, patient_ids=[p.id for p in theirs])
    session.flush()
    for n in range(items):
        creator = rng.choice(users)
        actor = _actor(creator, unit.id)
        # Most work is recent; a tail of older items makes some overdue.
        created = now - timedelta(hours=min(rng.expovariate(1 / 30), 24 * 21))
        priority = rng.choices(list(Priority), weights=[3, 15, 60, 22])[0].value
        patient = rng.choice(ours)
        if n % 2 == 0:
            _msg, item = reception.take_message(session, actor=actor, now=created, data=reception.MessageData(
                caller_name=patient.full_name if rng.random() < 0.7 else "Anhörig till " + patient.given_name,
                caller_relation=rng.choice(["patient", "patient", "relative", "colleague"]),
                phone=patient.phone, message=rng.choice(MESSAGES), priority=priority,
                patient_id=patient.id))
        else:
            item = worklist.create_item(session, actor=actor, kind="task", title=rng.choice(TASKS),
                                        priority=priority, now=created,
                                        patient_id=patient.id if rng.random() < 0.85 else None)
        roll = rng.random()
        if roll < 0.35:
            continue  # stays in the unit's queue
        owner = rng.choice(secretaries)
        # Every step lies between the item's creation and now.
        t = created + (now - created) * rng.uniform(0.05, 0.5)
        item.claim(actor_id=owner.id, now=t)
        if roll < 0.55:
            continue
        if roll < 0.62:
            item.hold(actor_id=owner.id, reason="Väntar på svar från läkaren", now=t)
        elif roll < 0.68:
            item.start(actor_id=owner.id, now=t)
            item.comment(actor_id=owner.id, text_="Har sökt patienten en gång.", now=t)
        elif roll < 0.97:
            item.complete(actor_id=owner.id, now=t + (now - t) * rng.uniform(0.1, 0.9))
        else:
            item.cancel(actor_id=owner.id, reason="Dubbelregistrerat", now=t)
    session.flush()
    # Each installed package seeds its own records in the clinic (kulisser.packages, in order):
    # spoken dictations, lab results, waits, referrals, letters, three weeks of schedules.
    for seed_package in demo_seeders(installed):
        seed_package(session, rng=rng, now=now, unit_id=unit.id, users=users, patients=ours)
    username, full_name, role = SECOND_MANAGER
    second = staff.create_user(session, username=username, full_name=full_name, role=role,
                               password=DEMO_PASSWORD, unit_ids=[unit.id])
    if "kulisser.staff" in packages:
        staff_demo.add_logins(session, now=now, unit_id=unit.id, users=[second],
                              first=len(users) + 1)
    username, full_name, role = REGION_ADMIN
    staff.create_user(session, username=username, full_name=full_name, role=role,
                      password=DEMO_PASSWORD, unit_ids=[unit.id])
    return DemoResult(created=True, logins=logins)
