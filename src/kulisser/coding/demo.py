"""Demo care contacts, made through the same service calls a secretary makes.

- Last month, ready to report (demo_report.py): visits with signed notes, most coded, two with
  errors, one not coded.
- The day's visits in the appointment book (demo_visits.py): most marked done, so that their
  contacts come from booking's AppointmentFulfilled, with signed notes and their suggestions,
  waiting in the unit's coding queue; two left for the demo user to mark done.
- This month's earlier doctors' visits registered by hand (the appointment book's history
  begins with the day's visits): most coded, some waiting, one saved with a code the checks
  refuse (a category that has subcodes) so the page shows the error, a phone call that needs
  no coding and an inpatient stay.

The codes are from the WHO ICD-10 tree, which serves when no ICD-10-SE table is imported.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from kulisser import workdays
from kulisser.coding import service as coding
from kulisser.coding.contact_codes import CodeEntry
from kulisser.coding.demo_notes import TODAY, NoteWriter, audio_store
from kulisser.coding.demo_report import seed_last_month
from kulisser.coding.demo_visits import seed_day
from kulisser.coding.states import ContactKind
from kulisser.patients.service import Patient
from kulisser.staff import service as staff
from kulisser.staff.service import Role, User

# Main diagnosis and secondary ones of a day at a medical clinic (WHO ICD-10 codes).
CODED: list[tuple[str, list[str]]] = [
    ("I10", ["E11.9"]), ("J45.9", []), ("E11.9", ["I10", "E78.0"]), ("I48.9", []),
    ("K21.9", []), ("J44.1", ["J45.9"]), ("N39.0", []), ("I50.9", ["I10"]),
]
WRONG_MAIN = "J45"  # asthma as a category: it has subcodes, so the check says "non_terminal"


def seed(session: Session, *, rng: random.Random, now: datetime, unit_id: int, users: list[User],
         patients: list[Patient], uncoded: int = 5) -> int:
    """Seed last month's, this month's and today's contacts; return how many were made."""
    with audio_store() as store:
        writer = NoteWriter(store=store, unit_id=unit_id, users=users)
        made = seed_last_month(session, rng=rng, now=now, unit_id=unit_id, writer=writer,
                               patients=patients)
        # Each of the day's notes makes or joins one contact; a visit left open has none yet.
        seed_day(session, rng=rng, now=now, unit_id=unit_id, writer=writer, patients=patients)
        made += len(TODAY)
    return made + _seed_by_hand(session, rng=rng, now=now, unit_id=unit_id, users=users,
                                patients=patients, uncoded=uncoded)


def _seed_by_hand(session: Session, *, rng: random.Random, now: datetime, unit_id: int,
                  users: list[User], patients: list[Patient], uncoded: int) -> int:
    """This month's earlier contacts, registered by hand (last month is kept as seeded)."""
    secretary = next(u for u in users if u.role == Role.SECRETARY)
    clinicians = [u for u in users if u.role == Role.CLINICIAN]
    actor = staff.make_actor(secretary, unit_id=unit_id)
    today = workdays.local_today(now)
    days = [d for d in (today - timedelta(days=n) for n in range(2, 15))
            if workdays.is_working_day(d) and d.month == today.month] or [today]
    made = 0

    def contact(kind: str = ContactKind.DOCTOR_VISIT.value, **dates: object) -> int:
        nonlocal made
        made += 1
        day = rng.choice(days)
        found = coding.create_contact(
            session, actor=actor, patient_id=rng.choice(patients).id, kind=kind,
            contact_date=dates.get("contact_date", day),  # type: ignore[arg-type]
            admitted_on=dates.get("admitted_on"),  # type: ignore[arg-type]
            discharged_on=dates.get("discharged_on"),  # type: ignore[arg-type]
            clinician_id=rng.choice(clinicians).id if clinicians else None, now=now)
        return found.id

    for main, secondary in CODED:
        entries = [CodeEntry(role="main", code=main),
                   *[CodeEntry(role="secondary", code=c) for c in secondary]]
        coding.set_codes(session, actor=actor, contact_id=contact(), entries=entries, finish=True,
                         now=now)
    for _n in range(uncoded):
        contact()
    # Saved with a wrong main diagnosis: the contact stays in the queue with its error shown.
    coding.set_codes(session, actor=actor, contact_id=contact(),
                     entries=[CodeEntry(role="main", code=WRONG_MAIN)], finish=True, now=now)
    contact(ContactKind.PHONE.value)
    admitted = days[-1]
    contact(ContactKind.INPATIENT.value, contact_date=None, admitted_on=admitted,
            discharged_on=min(today, admitted + timedelta(days=3)))
    session.flush()
    return made
