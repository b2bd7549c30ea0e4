"""Demo schedules: the two demo clinicians and a spirometry room, three weeks of slots, bookings.

Everything goes through the service as a secretary would enter it, so slots, appointments,
their history, the waiting list's end dates, the calling letters and the audit rows are the
real ones. Some waiting-list patients are booked; most of the list is left for the demo user
to book from (Tidbok → Sök ledig tid → Väntelistan).
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlalchemy.orm import Session

from kulisser.booking import service as booking
from kulisser.booking.calendar import local, today_local
from kulisser.patients.service import Patient
from kulisser.staff import service as staff
from kulisser.staff.service import Role, User
from kulisser.waitlist import service as waitlist
from kulisser.worklist.service import TransitionError

# (code, name, minutes, the kind of wait it ends)
VISIT_TYPES = [("nybesok", "Nybesök", 30, "first_visit"), ("aterbesok", "Återbesök", 20, "follow_up"),
               ("spirometri", "Spirometri", 30, None)]
# (username or room name, weekdays, start, end, visit type code)
SESSIONS = [
    ("lakare", "12345", time(8, 0), time(12, 0), "nybesok"),
    ("lakare", "13", time(13, 0), time(16, 0), "aterbesok"),
    ("lakare2", "234", time(8, 30), time(11, 30), "nybesok"),
    ("lakare2", "12345", time(13, 0), time(15, 0), "aterbesok"),
    ("Spirometrirummet", "12345", time(9, 0), time(11, 0), "spirometri"),
]
# (internal note, message to the patient): what staff must know is never printed to the patient.
NOTES = [("", ""), ("", ""), ("", "Ta med aktuell läkemedelslista."), ("", "Kom fastande från midnatt."),
         ("Behöver tolk (arabiska). Tolk bokad via tolkförmedlingen.",
          "En tolk som talar arabiska är med vid besöket."),
         ("Önskar sen tid om möjligt.", ""), ("Rullstolsburen, behöver stort rum.", "")]


def seed(session: Session, *, rng: random.Random, now: datetime, unit_id: int, users: list[User],
         patients: list[Patient], weeks: int = 3, bookings: int = 40, from_waitlist: int = 4) -> int:
    """Plan the demo unit's schedules for `weeks` from today and book visits; return how many."""
    secretary = next(u for u in users if u.role == Role.SECRETARY)
    actor = staff.make_actor(secretary, unit_id=unit_id)
    by_name = {u.username: u for u in users}
    visit = {code: booking.create_visit_type(session, actor=actor, code=code, name=name, minutes=minutes,
                                             wait_kind=kind)
             for code, name, minutes, kind in VISIT_TYPES}
    today = today_local(now)
    resources = {}
    for who in dict.fromkeys(name for name, *_ in SESSIONS):
        user = by_name.get(who)
        resources[who] = (booking.create_resource(session, actor=actor, kind="clinician", user_id=user.id)
                          if user is not None else
                          booking.create_resource(session, actor=actor, kind="room", name=who))
    for who, days, start, end, code in SESSIONS:
        booking.add_template(session, actor=actor, resource_id=resources[who].id,
                             visit_type_id=visit[code].id, weekdays=days, start_time=start, end_time=end,
                             valid_from=today)
    # Lena Sund's workplace meeting next week and a day of Karl Berg's leave in the third week.
    meeting = today + timedelta(days=7 + (3 - today.weekday()) % 7)  # a Thursday
    booking.add_exception(session, actor=actor, resource_id=resources["lakare2"].id, kind="meeting",
                          start_date=meeting, end_date=meeting, start_time=time(9, 0), end_time=time(10, 0),
                          reason="Arbetsplatsträff", now=now)
    leave = today + timedelta(days=14 + (4 - today.weekday()) % 7)  # a Friday
    booking.add_exception(session, actor=actor, resource_id=resources["lakare"].id, kind="leave",
                          start_date=leave, end_date=leave, reason="Kompledigt", now=now)
    booking.generate_slots(session, actor=actor, start=today, end=today + timedelta(days=7 * weeks - 1),
                           now=now)
    free = booking.find_free_slots(session, actor=actor, start=today, end=today + timedelta(days=7 * weeks),
                                   limit=2000, now=now + timedelta(hours=1))
    rng.shuffle(free)
    made = 0
    # First visits and treatments, most urgent first (nothing is shown, so nothing is logged).
    waiting = waitlist.list_entries(session, actor=actor, f=waitlist.WaitlistFilter(status="waiting"),
                                    limit=None, object_type=None, now=now)
    rows = [r for r in waiting if r.entry.wait_kind != "follow_up"]
    for row in rows:
        if made == from_waitlist:
            break
        # Booked within the guarantee, as a secretary would: a visit after the guarantee date
        # keeps the wait's item open (someone must still act), which is not what the demo shows.
        due = row.figures.due_date
        slot = next((x for x in free if due is None or local(x.start_at).date() <= due), None)
        if slot is None:
            continue
        free.remove(slot)
        booking.book(session, actor=actor, slot_id=slot.id, waitlist_entry_id=row.entry.id,
                     internal_note="Bokad från väntelistan.", now=now)
        made += 1
    on_list = {r.entry.patient_id for r in rows}
    others = [p for p in patients if p.id not in on_list]
    booked = []
    for patient in rng.sample(others, min(bookings, len(others))):
        slot = free.pop()
        internal, message = rng.choice(NOTES)
        try:
            booked.append(booking.book(session, actor=actor, slot_id=slot.id, patient_id=patient.id,
                                       internal_note=internal, patient_message=message, now=now))
        except TransitionError:  # the patient already has a visit then: skip
            continue
        made += 1
    # A lived-in book: one visit moved at the patient's request, one cancelled by the patient.
    if len(booked) >= 2 and free:
        booking.rebook(session, actor=actor, appointment_id=booked[0].id, slot_id=free.pop().id,
                       reason="Patienten bad om en annan dag.", now=now)
        booking.cancel(session, actor=actor, appointment_id=booked[1].id, by="patient",
                       reason="Förhindrad, hör av sig igen.", now=now)
    return made
