"""Demo: the day's visits in the appointment book, where coding starts (issue 14's done-when).

The day is today when the doctors' morning has begun (at least three of their visits have
started), else the last working day before it (a demo started early, at a weekend or on a
holiday), planned for that one day as the book's history. Its started visits are booked a
week ahead, as a secretary would have, and most are marked done ("Besöket genomfört") by the
secretary after the visit: booking's AppointmentFulfilled makes each one's care contact and
coding item, and the doctor's note, signed after the visit, brings its suggestions. The last two
started visits are left for the demo user to mark done in the day view (Tidbok → the doctor →
the day). The notes that find no visit (a short morning) are signed as before, and each makes
its own contact (demo_notes.seed_today).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kulisser import workdays
from kulisser.booking import service as booking
from kulisser.coding.demo_notes import TODAY, NoteWriter, seed_today
from kulisser.patients.service import Patient
from kulisser.staff import service as staff
from kulisser.worklist.service import TransitionError

# The doctor's morning planned on a past day (the booking demo plans from today on).
MORNING = (time(8, 0), time(12, 0))
STARTED_BEFORE = timedelta(minutes=15)  # a visit begun this long ago can be marked done


@dataclass(frozen=True)
class DayOfVisits:
    """What the demo made of the day: its date, the visits done and those left to mark done."""

    day: date
    done: list[int]
    open: list[int]


def _started(session: Session, *, actor: staff.Actor, day: date, now: datetime,
             resources: list[int]) -> list[Any]:
    """The doctors' free slots of the day that began at least STARTED_BEFORE ago, by time."""
    midnight = datetime.combine(day, time(0), tzinfo=workdays.TZ)
    found = [s for rid in resources for s in booking.find_free_slots(
        session, actor=actor, resource_id=rid, start=day, end=day, limit=100, now=midnight)]
    return sorted((s for s in found if s.start_at <= now - STARTED_BEFORE),
                  key=lambda s: (s.start_at, s.resource_id))


def _plan_past_day(session: Session, *, actor: staff.Actor, day: date, resources: list[int],
                   now: datetime) -> None:
    """One morning for each doctor on a past day, as the book's history."""
    visit_type = next((v for v in booking.visit_types(session, unit_id=actor.unit_id)
                       if v.code == "nybesok"), None)
    if visit_type is None:
        return
    for rid in resources:
        booking.add_template(session, actor=actor, resource_id=rid, visit_type_id=visit_type.id,
                             weekdays=str(day.isoweekday()), start_time=MORNING[0],
                             end_time=MORNING[1], valid_from=day, valid_to=day)
    booking.generate_slots(session, actor=actor, start=day, end=day, now=now)


def seed_day(session: Session, *, rng: random.Random, now: datetime, unit_id: int,
             writer: NoteWriter, patients: list[Patient]) -> DayOfVisits | None:
    """The day's visits: most marked done with their signed notes, a few left to mark done;
    the notes without a visit signed as before. None where the unit books no doctors."""
    actor = staff.make_actor(writer.secretary, unit_id=unit_id)
    doctor_of = {r.id: r.user_id for r in booking.list_resources(session, actor=actor)
                 if r.kind == "clinician"}
    doctors = list(doctor_of)
    if not doctors:
        seed_today(session, rng=rng, now=now, writer=writer, patients=patients)
        return None
    day = workdays.local_today(now)
    started = _started(session, actor=actor, day=day, now=now, resources=doctors)
    if len(started) < 3:
        day -= timedelta(days=1)
        while not workdays.is_working_day(day):
            day -= timedelta(days=1)
        _plan_past_day(session, actor=actor, day=day, resources=doctors, now=now)
        started = _started(session, actor=actor, day=day, now=now, resources=doctors)
    left = 2
    with_notes = min(len(TODAY), len(started) - left)
    booked_at = datetime.combine(day - timedelta(days=7), time(10), tzinfo=workdays.TZ)
    chosen = iter(rng.sample(patients, len(patients)))
    visits: list[tuple[Any, Patient]] = []
    for slot in started[:with_notes + left]:
        for patient in chosen:
            try:
                appt = booking.book(session, actor=actor, slot_id=slot.id, patient_id=patient.id,
                                    now=booked_at)
            except TransitionError:  # the patient has a visit then already: the next one
                continue
            visits.append((appt, patient))
            break
    done: list[int] = []
    for (appt, patient), text in zip(visits[:with_notes], TODAY, strict=False):
        fulfilled_at = min(now, appt.end_at)
        booking.fulfil(session, actor=actor, appointment_id=appt.id, now=fulfilled_at)
        dictated_at = min(now, fulfilled_at + timedelta(minutes=rng.uniform(2, 10)))
        signed_at = min(now, dictated_at + timedelta(minutes=rng.uniform(20, 60)))
        writer.sign(session, rng=rng, patient=patient, text=text, dictated_at=dictated_at,
                    signed_at=signed_at, author_id=doctor_of.get(appt.resource_id))
        done.append(appt.id)
    # The notes no visit was found for make their own contacts, as a note signed elsewhere does.
    rest = TODAY[len(done):]
    if rest:
        seed_today(session, rng=rng, now=now, writer=writer, patients=patients, texts=rest)
    return DayOfVisits(day=day, done=done, open=[a.id for a, _p in visits[len(done):]])
