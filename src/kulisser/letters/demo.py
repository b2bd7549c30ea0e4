"""Demo letters: result letters and referral replies in every state, one to a protected identity.

Calling letters come from booking: every demo booking makes its letter through the letters'
subscriber to AppointmentBooked.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from kulisser.letters import service
from kulisser.patients.service import Patient
from kulisser.staff import service as staff
from kulisser.staff.service import Role, User

RESULTS = [
    ("dina blodprover", "Dina blodprover var normala. Du behöver inte göra något mer."),
    ("ditt EKG", "Ditt EKG visade inget anmärkningsvärt."),
    ("dina leverprover", "Ett av proverna var något förhöjt. Vi vill ta om det om tre månader; "
                         "du får en kallelse."),
    ("lungröntgen", "Röntgenbilden av lungorna var normal."),
]


def seed(session: Session, *, rng: random.Random, now: datetime, unit_id: int, users: list[User],
         patients: list[Patient]) -> int:
    """Write about a dozen letters for the demo unit; return how many."""
    secretary = next(u for u in users if u.role == Role.SECRETARY.value)
    actor = staff.make_actor(secretary, unit_id=unit_id)
    protected = [p for p in patients if p.protected_identity]
    chosen = rng.sample([p for p in patients if not p.protected_identity], 10) + protected[:1]
    made = 0
    for n, patient in enumerate(chosen):
        exam, message = RESULTS[n % len(RESULTS)]
        when = now - timedelta(hours=rng.randint(1, 20))
        letter = service.create_letter(session, actor=actor, patient_id=patient.id, kind="result",
                                       fields={"undersokning": exam, "meddelande": message},
                                       ready=n % 4 != 3, now=when)
        if n % 5 == 4 and letter.status == "ready":
            service.act(session, actor=actor, letter_id=letter.id, op="sent", now=when)
        made += 1
    reply_to = chosen[0]
    service.create_letter(session, actor=actor, patient_id=reply_to.id, kind="referral_reply",
                          fields={"mottagare": "Vårdcentralen Kulisserstad",
                                  "mottagare_adress": "Box 12\n123 45 Kulisserstad",
                                  "remiss_datum": "2 november 2026",
                                  "meddelande": "Remissen är bedömd. Patienten kallas till nybesök "
                                                "inom sex veckor."},
                          ready=True, now=now - timedelta(hours=2))
    return made + 1
