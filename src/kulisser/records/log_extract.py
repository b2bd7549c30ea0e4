"""The log extract (loggutdrag, PDL 8 kap. 1 §): who accessed the patient's data in Kulisser
over the request's period, from the access log (audit.service), every unit, oldest first."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.records.models import RecordRequest
from kulisser.staff.service import Actor

TZ = ZoneInfo("Europe/Stockholm")


def _start_of(day: date | None) -> datetime | None:
    return datetime.combine(day, time(0), tzinfo=TZ) if day else None


def access_lines(session: Session, *, actor: Actor, request: RecordRequest,
                 now: datetime) -> list[audit.AccessLine]:
    """The accesses to the request's patient over its period (whole Swedish days, inclusive;
    open at either end when not given). The caller has checked the request; the read of the
    log is logged."""
    until = _start_of(request.period_to + timedelta(days=1)) if request.period_to else None
    lines = audit.patient_access_log(session, actor=actor, patient_id=request.patient_id,
                                     since=_start_of(request.period_from), until=until, now=now)
    # The extract is made now: the reads of this very compilation are not part of the period asked.
    return [line for line in lines if line.at < now] if until is None else lines
