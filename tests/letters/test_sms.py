"""SMS reminders: timing by the days-before setting on a clock the test controls, once only,
never to opted-out patients, never for cancelled visits, never at night."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from kulisser.config import Settings
from kulisser.jobs import runner
from kulisser.jobs.context import JobContext
from kulisser.letters import jobs, sms
from kulisser.letters.merge import TZ
from kulisser.letters.service import Visit
from tests import factories
from tests.letters.conftest import UNIT_PHONE, Clinic

IDS = iter(range(7_000_000, 8_000_000))


@dataclass
class FakeSms:
    """Captures what would be sent; fails for the numbers in `fail`."""

    sent: list[dict[str, str]] = field(default_factory=list)
    fail: set[str] = field(default_factory=set)

    def send(self, *, to: str, text: str, reference: str) -> None:
        if to in self.fail:
            raise ConnectionError("gateway down")
        self.sent.append({"to": to, "text": text, "reference": reference})


def local(day: str, clock: str) -> datetime:
    return datetime.combine(datetime.fromisoformat(day).date(), time.fromisoformat(clock), tzinfo=TZ)


@dataclass
class Run:
    """Reminder runs over a fixed list of visits."""

    db: Session
    visits: list[Visit]
    fake: FakeSms = field(default_factory=FakeSms)

    def at(self, when: datetime, days_before: int = 2) -> list[int]:
        before = len(self.fake.sent)
        sms.send_due_reminders(self.db, now=when, days_before=days_before, sender=self.fake,
                               visits=lambda _s, start, end: [v for v in self.visits
                                                              if start <= v.start < end])
        return [int(m["reference"].split("-")[1]) for m in self.fake.sent[before:]]


def visit(clinic: Clinic, patient_id: int, start: datetime, **kw: object) -> Visit:
    return Visit(appointment_id=next(IDS), patient_id=patient_id, unit_id=clinic.world.unit_id,
                 start=start, **kw)  # type: ignore[arg-type]


THURSDAY = local("2031-03-06", "10:00")


def test_sent_on_the_day_the_setting_says_from_nine_and_only_once(db: Session, clinic: Clinic) -> None:
    v = visit(clinic, clinic.world.patient_ids[0], THURSDAY)
    run = Run(db, [v])
    assert run.at(local("2031-03-03", "12:00")) == []  # Monday: three days before
    assert run.at(local("2031-03-04", "08:59")) == []  # Tuesday before nine
    assert run.at(local("2031-03-04", "09:00")) == [v.appointment_id]
    assert run.at(local("2031-03-04", "09:15")) == []  # the next run: already sent
    assert run.at(local("2031-03-05", "09:00")) == []


def test_the_days_before_setting_moves_the_day(db: Session, clinic: Clinic) -> None:
    v = visit(clinic, clinic.world.patient_ids[0], THURSDAY)
    run = Run(db, [v])
    assert run.at(local("2031-03-04", "10:00"), days_before=1) == []
    assert run.at(local("2031-03-05", "09:00"), days_before=1) == [v.appointment_id]
    same_day = visit(clinic, clinic.world.patient_ids[1], THURSDAY)
    assert Run(db, [same_day]).at(local("2031-03-06", "09:00"), days_before=0) == [same_day.appointment_id]


def test_opted_out_patients_and_cancelled_visits_get_none(db: Session, clinic: Clinic) -> None:
    w = clinic.world
    actor = factories.actor(db, w.secretary_id)
    sms.set_opt_out(db, actor=actor, patient_id=w.patient_ids[0], opted_out=True)
    assert sms.is_opted_out(db, patient_id=w.patient_ids[0])
    declined = visit(clinic, w.patient_ids[0], THURSDAY)
    cancelled = visit(clinic, w.patient_ids[1], THURSDAY, cancelled=True)
    wanted = visit(clinic, w.patient_ids[2], THURSDAY)
    run = Run(db, [declined, cancelled, wanted])
    assert run.at(local("2031-03-04", "10:00")) == [wanted.appointment_id]
    # Opting in again: the next run sends the reminder that is still due.
    sms.set_opt_out(db, actor=actor, patient_id=w.patient_ids[0], opted_out=False)
    assert run.at(local("2031-03-04", "10:15")) == [declined.appointment_id]


def test_no_sms_at_night_and_none_for_a_visit_that_has_begun(db: Session, clinic: Clinic) -> None:
    w = clinic.world
    tomorrow = visit(clinic, w.patient_ids[0], local("2031-03-05", "08:30"))
    run = Run(db, [tomorrow])
    assert run.at(local("2031-03-04", "21:30")) == []  # booked late in the evening: wait
    assert run.at(local("2031-03-05", "07:59")) == []
    assert run.at(local("2031-03-05", "08:00")) == [tomorrow.appointment_id]
    past = visit(clinic, w.patient_ids[1], local("2031-03-05", "09:00"))
    assert Run(db, [past]).at(local("2031-03-05", "10:00")) == []


def test_a_rebooked_time_is_reminded_again_and_a_failure_is_retried(db: Session, clinic: Clinic) -> None:
    w = clinic.world
    first = visit(clinic, w.patient_ids[0], THURSDAY)
    run = Run(db, [first])
    assert run.at(local("2031-03-04", "10:00")) == [first.appointment_id]
    moved = replace(first, start=THURSDAY + timedelta(hours=3))
    run.visits = [moved]
    assert run.at(local("2031-03-04", "10:15")) == [first.appointment_id]
    other = visit(clinic, w.patient_ids[1], THURSDAY)
    run.visits = [other]
    run.fake.fail = {"070-123 45 67"}  # every factory patient has this number
    assert run.at(local("2031-03-04", "10:30")) == []
    run.fake.fail = set()
    assert run.at(local("2031-03-04", "10:45")) == [other.appointment_id]


def test_the_text_names_the_unit_and_time_but_not_the_patient(db: Session, clinic: Clinic) -> None:
    w = clinic.world
    patient = factories.make_patient(db, w.unit_id, given="Märta", family="Öhman")
    v = visit(clinic, patient.id, THURSDAY)
    run = Run(db, [v])
    run.at(local("2031-03-04", "10:00"))
    (message,) = run.fake.sent
    assert message["to"] == patient.phone
    assert message["text"].startswith(f"Påminnelse: du har en tid hos {clinic.unit_name} torsdag "
                                      "6 mars 2031 kl. 10:00.")
    assert UNIT_PHONE in message["text"]
    assert "Märta" not in message["text"] and patient.id_value[2:8] not in message["text"]
    no_phone = factories.make_patient(db, w.unit_id)
    no_phone.phone = ""
    assert Run(db, [visit(clinic, no_phone.id, THURSDAY)]).at(local("2031-03-04", "10:00")) == []


def test_the_logging_sender_never_logs_an_identity_number(tmp_path: Path) -> None:
    sender = sms.default_sender(tmp_path)
    sender.send(to="070-1", text="Hej 19121212-1212 och 201212121212, tid kl. 10:00", reference="r1")
    line = json.loads((tmp_path / "sms.log").read_text().splitlines()[0])
    assert line["reference"] == "r1" and "1212-1212" not in line["text"]
    assert "201212121212" not in line["text"] and "kl. 10:00" in line["text"]


def test_the_periodic_job_is_registered_and_uses_the_configured_sender(db: Session) -> None:
    from kulisser.booking import jobs as booking_jobs

    assert jobs.SMS_REMINDERS == booking_jobs.SMS_REMINDERS in runner.registered()
    assert runner._PERIODIC[jobs.SMS_REMINDERS] <= 3600
    fake = FakeSms()
    jobs.configure(sms_sender=fake)
    try:
        assert jobs.sms_sender(Settings(mode="test")) is fake
        # Turned off in the settings the worker started with: does nothing, raises nothing.
        booking_jobs.send_sms_reminders(JobContext(db, Settings(mode="test", sms_reminders=False)))
        assert fake.sent == []
    finally:
        jobs.configure()


def test_booked_visits_from_booking_are_reminded_and_cancelled_ones_not(db: Session, clinic: Clinic) -> None:
    from kulisser.booking import jobs as booking_jobs
    from kulisser.booking import service as booking
    from tests.letters.test_booking_letters import _free_slot_ids

    w = clinic.world
    secretary = factories.actor(db, w.secretary_id)
    kept_slot, dropped_slot = _free_slot_ids(db, secretary, w.clinician_id, 2)
    kept = booking.book(db, actor=secretary, slot_id=kept_slot, patient_id=w.patient_ids[0])
    dropped = booking.book(db, actor=secretary, slot_id=dropped_slot, patient_id=w.patient_ids[1])
    booking.cancel(db, actor=secretary, appointment_id=dropped.id, by="patient", reason="Förhindrad")
    due = datetime.combine(kept.start_at.astimezone(TZ).date() - timedelta(days=2), time(10, 0), tzinfo=TZ)
    fake = FakeSms()
    sms.send_due_reminders(db, now=due, days_before=2, sender=fake, visits=booking_jobs.booked_visits)
    refs = {m["reference"].split("-")[1] for m in fake.sent}
    assert str(kept.id) in refs and str(dropped.id) not in refs
    assert [r.appointment_id for r in sms.reminders_for(db, patient_id=w.patient_ids[0])] == [kept.id]
