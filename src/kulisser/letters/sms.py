"""SMS reminders before a visit: the sending adapter, the patient's opt-out, and the sending run.

A reminder goes out a configurable number of days before the visit (from 09:00 Swedish time
that day; a visit booked later than that is reminded at once), at most once per appointment
and visit time, never to a patient who opted out, never at night, and never for a cancelled
visit. The text names the unit and the time only: no name, no identity number.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.i18n import _
from kulisser.letters.merge import TZ, clock, swedish_date
from kulisser.letters.models import SmsOptOut, SmsReminder
from kulisser.letters.service import Visit
from kulisser.patients.service import Patient
from kulisser.staff.service import Actor, CareUnit

log = logging.getLogger("kulisser.letters.sms")
SEND_FROM = time(9, 0)  # the day's reminders start at nine
QUIET_BEFORE, QUIET_FROM = time(8, 0), time(20, 0)  # no SMS at night
_ID_NUMBER = re.compile(r"\b(\d{6}|\d{8})[-+]?\d{4}\b")

VisitSource = Callable[[Session, datetime, datetime], list[Visit]]


class SmsSender(Protocol):
    """Sends one text message."""

    def send(self, *, to: str, text: str, reference: str) -> None:
        """Send the text to the number; raise if it could not be handed over."""
        ...


def scrub(text: str) -> str:
    """The text with anything shaped like an identity number blanked (for logs)."""
    return _ID_NUMBER.sub("[id-nummer]", text)


@dataclass
class LoggingSmsSender:
    """The default: appends one JSON line per message to a log file instead of sending."""

    path: Path

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def send(self, *, to: str, text: str, reference: str) -> None:
        """Log the message (identity numbers never reach the log, even by mistake)."""
        line = json.dumps({"at": utcnow().isoformat(), "to": to, "reference": reference,
                           "text": scrub(text)}, ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")


def default_sender(outbox: Path) -> LoggingSmsSender:
    """The logging sender writing <outbox>/sms.log."""
    return LoggingSmsSender(Path(outbox) / "sms.log")


# -- opting out --------------------------------------------------------------------------------

def is_opted_out(session: Session, *, patient_id: int) -> bool:
    """Whether the patient declined SMS reminders (the caller checked access)."""
    return session.get(SmsOptOut, patient_id) is not None


def set_opt_out(session: Session, *, actor: Actor, patient_id: int, opted_out: bool,
                now: datetime | None = None) -> bool:
    """Record that the patient does (or again does not) decline SMS reminders."""
    now = now or utcnow()
    if session.get(Patient, patient_id) is None:
        from kulisser.errors import NotFound

        raise NotFound(_("Patienten finns inte."))
    audit.check_access(session, actor=actor, patient_id=patient_id, action="update",
                       object_type="sms_opt_out", object_id=patient_id, now=now)
    row = session.get(SmsOptOut, patient_id)
    if opted_out and row is None:
        session.add(SmsOptOut(patient_id=patient_id, opted_out_at=now, by_user_id=actor.user_id))
    elif not opted_out and row is not None:
        session.delete(row)
    session.flush()
    return opted_out


# -- sending -----------------------------------------------------------------------------------

def reminder_text(visit: Visit, unit: CareUnit) -> str:
    """The reminder in Swedish: unit, day and time, and how to cancel; nothing that identifies."""
    text = (_("Påminnelse: du har en tid hos {name} {swedish_date} kl. {clock}.", name=unit.name,
              swedish_date=swedish_date(visit.start, weekday=True), clock=clock(visit.start)))
    if unit.phone:
        text += _(" Kan du inte komma? Ring {phone}.", phone=unit.phone)
    return text + _(" Svara inte på detta sms.")


def due_at(visit: Visit, *, days_before: int) -> datetime:
    """When a visit's reminder is due: days_before days ahead of the visit's day, at nine."""
    day = visit.start.astimezone(TZ).date() - timedelta(days=days_before)
    return datetime.combine(day, SEND_FROM, tzinfo=TZ)


def send_due_reminders(session: Session, *, now: datetime, days_before: int, sender: SmsSender,
                       visits: VisitSource) -> list[SmsReminder]:
    """Send every reminder that is due now and not sent before; return the ones sent.

    Safe to run again and again: a visit's reminder is recorded when sent and never repeated.
    A message that fails is logged and left for the next run.
    """
    local = now.astimezone(TZ)
    if not QUIET_BEFORE <= local.time() < QUIET_FROM:
        return []
    horizon = datetime.combine(local.date() + timedelta(days=days_before + 1), time(0), tzinfo=TZ)
    candidates = [v for v in visits(session, now, horizon)
                  if not v.cancelled and v.start > now and due_at(v, days_before=days_before) <= now]
    if not candidates:
        return []
    done = {(r.appointment_id, r.visit_start) for r in session.scalars(select(SmsReminder).where(
        SmsReminder.appointment_id.in_([v.appointment_id for v in candidates])))}
    pids = {v.patient_id for v in candidates}
    opted_out = set(session.scalars(select(SmsOptOut.patient_id).where(SmsOptOut.patient_id.in_(pids))))
    patients = {p.id: p for p in session.scalars(select(Patient).where(Patient.id.in_(pids)))}
    sent: list[SmsReminder] = []
    for visit in candidates:
        patient = patients.get(visit.patient_id)
        if ((visit.appointment_id, visit.start) in done or visit.patient_id in opted_out
                or patient is None or not patient.phone.strip()):
            continue
        unit = session.get(CareUnit, visit.unit_id)
        if unit is None:
            continue
        reference = f"visit-{visit.appointment_id}-{int(visit.start.timestamp())}"
        try:
            sender.send(to=patient.phone.strip(), text=reminder_text(visit, unit), reference=reference)
        except Exception as exc:  # one failing number must not stop the others; retried next run
            log.warning("sms reminder %s failed: %s", reference, type(exc).__name__)
            continue
        row = SmsReminder(appointment_id=visit.appointment_id, visit_start=visit.start,
                          patient_id=visit.patient_id, unit_id=visit.unit_id, sent_at=now,
                          reference=reference)
        session.add(row)
        sent.append(row)
        done.add((visit.appointment_id, visit.start))
    session.flush()
    return sent


def reminders_for(session: Session, *, patient_id: int) -> list[SmsReminder]:
    """The reminders sent to a patient, newest first (the caller checked access)."""
    return list(session.scalars(select(SmsReminder).where(SmsReminder.patient_id == patient_id)
                                .order_by(SmsReminder.sent_at.desc())))
