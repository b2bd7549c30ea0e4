"""Demo waiting list: about 30 waits with offers and excluded periods, some at risk, a few breached.

Everything goes through the service, as a secretary would enter it, so the figures, the work
items and the audit rows are the real ones. Clock starts are spread over the last months.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from kulisser.patients.service import Patient
from kulisser.staff import service as staff
from kulisser.staff.service import Role, User
from kulisser.waitlist import service as waitlist
from kulisser.waitlist.models import local_today

NOTES = ["Remiss från vårdcentralen: ont i knät sedan i våras.",
         "Önskar tid på förmiddagen.", "Behöver tolk (arabiska).", "",
         "Frågeställning: förmaksflimmer.", "Tål inte kontrastmedel."]


def seed(session: Session, *, rng: random.Random, now: datetime, unit_id: int, users: list[User],
         patients: list[Patient], count: int = 30) -> int:
    """Put `count` of the patients on the unit's waiting list; return how many entries were made."""
    secretary = next(u for u in users if u.role == Role.SECRETARY)
    actor = staff.make_actor(secretary, unit_id=unit_id)
    today = local_today(now)
    made = 0
    for n, patient in enumerate(rng.sample(patients, min(count, len(patients)))):
        # A mix: mostly first visits, some treatments, a few follow-ups; some long waits.
        breached, at_risk = n % 10 == 0, n % 5 == 2
        kind = ("follow_up" if n % 7 == 3 and not breached
                else "treatment" if n % 4 == 1 else "first_visit")
        waited = (rng.choice([95, 100, 110]) if breached else rng.randint(78, 86) if at_risk
                  else rng.randint(2, 60))
        start = today - timedelta(days=waited)
        target = today + timedelta(days=rng.randint(-5, 40)) if kind == "follow_up" else None
        entry = waitlist.add_entry(
            session, actor=actor, patient_id=patient.id, wait_kind=kind, clock_start=start,
            priority=rng.choices(["high", "normal", "low"], weights=[2, 7, 1])[0],
            note=rng.choice(NOTES), medical_target_date=target, now=now)
        made += 1
        if kind == "follow_up" or waited < 20 or breached or at_risk:
            continue
        offered = start + timedelta(days=rng.randint(5, min(waited - 5, 40)))
        roll = rng.random()
        if roll < 0.35:
            # Declined within the guarantee after being told of it: patient-chosen waiting.
            waitlist.record_offer(session, actor=actor, entry_id=entry.id, offered_on=offered,
                                  visit_date=offered + timedelta(days=7), informed=True,
                                  response="declined", note="Bortrest, hör av sig själv.", now=now)
            back = offered + timedelta(days=rng.randint(7, 21))
            waitlist.add_excluded_period(session, actor=actor, entry_id=entry.id, reason="patient",
                                         start=offered, end=back if back < today else None, now=now)
        elif roll < 0.5:
            # Declined without having been told of the guarantee: it cannot count.
            waitlist.record_offer(session, actor=actor, entry_id=entry.id, offered_on=offered,
                                  visit_date=offered + timedelta(days=10), informed=False,
                                  response="declined", now=now)
        elif roll < 0.7:
            waitlist.add_excluded_period(
                session, actor=actor, entry_id=entry.id, reason="medical", start=offered,
                end=offered + timedelta(days=rng.randint(5, 14)),
                note=rng.choice(["Behandlas för lunginflammation.", "Opererad i handen, kan inte "
                                 "undersökas förrän såret läkt."]), now=now)
        elif roll < 0.85:
            waitlist.end_wait(session, actor=actor, entry_id=entry.id,
                              visit_date=today + timedelta(days=rng.randint(3, 20)), now=now)
        elif roll < 0.92:
            waitlist.end_entry(session, actor=actor, entry_id=entry.id, status="done",
                               visit_date=today - timedelta(days=rng.randint(0, 3)), now=now)
        else:
            waitlist.record_offer(session, actor=actor, entry_id=entry.id, offered_on=today,
                                  visit_date=today + timedelta(days=rng.randint(5, 15)),
                                  informed=True, note="Kallelse skickad.", now=now)
    return made
