"""Demo: last month ready to report to the patient register.

Doctors' visits with signed notes, coded by a secretary the next working day (a suggestion
taken where it was the code she chose), two saved with codes the checks refuse, one not coded
at all, a phone call (not reported) and an inpatient stay discharged in the month. The
report of last month (/kodning/rapport) writes the coded ones and lists the three apart, and a
fourth: a coded visit of the clinic's one patient without residence codes.
The coded notes are also the unit's history that today's suggestions learn from.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser import workdays
from kulisser.coding import codes
from kulisser.coding import service as coding
from kulisser.coding.contact_codes import CodeEntry
from kulisser.coding.demo_notes import NoteWriter
from kulisser.coding.models import CareContact
from kulisser.coding.states import ContactKind
from kulisser.patients.service import Patient
from kulisser.staff import service as staff

# (note text, main diagnosis, secondary diagnoses, external causes), WHO ICD-10 codes.
CODED: list[tuple[str, str, list[str], list[str]]] = [
    ("Återbesök för hypertoni. Blodtryck 135/85. Bedömning: essentiell hypertoni, välbehandlad.",
     "I10", [], []),
    ("Nybesök. Hypertoni upptäckt på vårdcentralen, blodtryck 160/100. Bedömning: essentiell "
     "hypertoni. Insätts enalapril.", "I10", [], []),
    ("Astma sedan barndomen, ökade besvär i pollensäsong. Bedömning: astma. Inhalationssteroid "
     "höjs.", "J45.9", [], []),
    ("Återbesök astma. Spirometri normal efter behandling. Bedömning: astma, välkontrollerad.",
     "J45.9", [], []),
    ("Diabetes mellitus typ 2 och hypertoni. HbA1c 52. Bedömning: diabetes mellitus typ 2 utan "
     "komplikationer, hypertoni.", "E11.9", ["I10"], []),
    ("Återbesök diabetes mellitus typ 2. HbA1c 49. Bedömning: diabetes mellitus typ 2 utan "
     "komplikationer, välreglerad. Fortsatt metformin.", "E11.9", [], []),
    ("Feber och hosta sedan fyra dagar, krepitationer basalt vänster. CRP 150. Bedömning: "
     "pneumoni. Penicillin V i tio dagar.", "J18.9", [], []),
    ("Föll på isen på utsträckt hand. Röntgen: distal radiusfraktur höger. Gipsskena.",
     "S52.5", [], ["W19"]),
    ("Hjärtklappning. EKG visar förmaksflimmer. Bedömning: förmaksflimmer, antikoagulantia "
     "insätts.", "I48.9", [], []),
    ("Tilltagande andfåddhet och bensvullnad. Bedömning: hjärtsvikt. Furosemid insätts.",
     "I50.9", [], []),
    ("Sura uppstötningar sedan månader. Bedömning: gastroesofageal reflux. Protonpumpshämmare.",
     "K21.9", [], []),
    ("Sveda vid vattenkastning, nitrit positiv. Bedömning: urinvägsinfektion.", "N39.0", [], []),
]
# Saved with an error, so they wait in the queue and the report lists them apart: asthma as a
# category that has subcodes, and the same diagnosis twice.
WRONG: list[tuple[str, str, list[str]]] = [
    ("Astmabesvär vid förkylning. Bedömning: astma.", "J45", []),
    ("Kontroll av hypertoni. Bedömning: hypertoni.", "I10", ["I10"]),
]
UNCODED = "Uppföljning av förmaksflimmer. Bedömning: förmaksflimmer, oförändrat."


def last_month(today: date) -> tuple[date, date]:
    """The first and last day of the month before today's."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def _at(day: date, hour: float) -> datetime:
    return datetime.combine(day, time(int(hour), int(hour % 1 * 60)), tzinfo=workdays.TZ)


def seed_last_month(session: Session, *, rng: random.Random, now: datetime, unit_id: int,
                    writer: NoteWriter, patients: list[Patient]) -> int:
    """Last month's contacts, most coded; return how many were made."""
    first, last = last_month(workdays.local_today(now))
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    working = [d for d in days if workdays.is_working_day(d)] or days
    actor = staff.make_actor(writer.secretary, unit_id=unit_id)
    chosen = iter(rng.sample(patients, len(CODED) + len(WRONG) + 3))
    made = 0

    def note(text: str, patient: Patient | None = None) -> tuple[int, date]:
        nonlocal made
        made += 1
        day = rng.choice(working)
        drawn = next(chosen)  # drawn even when not used, so that the later draws stay as they were
        dictation_id = writer.sign(session, rng=rng, patient=patient or drawn, text=text,
                                   dictated_at=_at(day, rng.uniform(8, 11)),
                                   signed_at=_at(day, rng.uniform(14, 16)))
        found = session.scalar(select(CareContact).where(CareContact.note_id == dictation_id))
        assert found is not None, "the signed note made its contact"
        return found.id, day

    def code(contact_id: int, day: date, main: str, secondary: list[str],
             external: list[str]) -> None:
        contact = session.get(CareContact, contact_id)
        assert contact is not None
        suggested = {s.code for s in contact.suggestions}
        entries = [CodeEntry(role=role, code=c, from_suggestion=codes.normalize(c) in suggested)
                   for role, found in (("main", [main]), ("secondary", secondary),
                                       ("external", external)) for c in found]
        coding.set_codes(session, actor=actor, contact_id=contact_id, entries=entries,
                         finish=True, now=min(now, _at(workdays.add_working_days(day, 1), 9.5)))

    # The clinic's patient without residence codes has a coded visit: the report lists it apart.
    apart = next((p for p in patients if not p.municipality_code), None)
    for n, (text, main, secondary, external) in enumerate(CODED):
        code(*note(text, apart if n == 0 else None), main, secondary, external)
    for text, main, secondary in WRONG:
        code(*note(text), main, secondary, [])
    note(UNCODED)
    # A phone call (not reported) and a stay discharged in the month, registered by hand.
    when = _at(last, 12)
    coding.create_contact(session, actor=actor, patient_id=next(chosen).id,
                          kind=ContactKind.PHONE.value, contact_date=rng.choice(working), now=when)
    stay = coding.create_contact(
        session, actor=actor, patient_id=next(chosen).id, kind=ContactKind.INPATIENT.value,
        admitted_on=max(first, last - timedelta(days=12)),
        discharged_on=max(first, last - timedelta(days=8)), now=when)
    coding.set_codes(session, actor=actor, contact_id=stay.id,
                     entries=[CodeEntry(role="main", code="J18.9")], finish=True, now=when)
    session.flush()
    return made + 2
