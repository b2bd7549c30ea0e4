"""The unit's letters, filtered by status, date, kind and patient; each patient shown is logged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from kulisser import bounds
from kulisser.audit import service as audit
from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.letters.merge import TZ
from kulisser.letters.models import Letter, LetterEvent
from kulisser.letters.states import UNSENT, LetterKind, LetterStatus
from kulisser.patients.service import Patient
from kulisser.staff.service import Actor

STATUS_FILTERS = {"open": N_("Ej skickade (utkast och klara)"), "draft": N_("Utkast"),
                  "ready": N_("Klara att skicka"), "sent": N_("Skickade"), "returned": N_("I retur"),
                  "cancelled": N_("Makulerade"), "all": N_("Alla")}


@dataclass
class LetterFilter:
    """What the list shows."""

    status: str = "open"
    day: date | None = None  # the day the letter was written (Swedish time)
    kind: str = ""
    patient_id: int | None = None
    limit: int = 50
    offset: int = 0


def parse_day(value: str) -> date | None:
    """A YYYY-MM-DD date from a form or query; ValidationFailed (Swedish) if malformed."""
    value = value.strip()
    if not value:
        return None
    try:
        return bounds.parse_day(value)
    except ValueError:
        raise ValidationFailed({"datum": _("Ange datum som ÅÅÅÅ-MM-DD.")}) from None


def _filtered(stmt: Select[Any], actor: Actor, f: LetterFilter) -> Select[Any]:
    errors: dict[str, str] = {}
    if f.status not in STATUS_FILTERS:
        errors["status"] = _("Okänd status.")
    if f.kind and f.kind not in {k.value for k in LetterKind}:
        errors["kind"] = _("Okänd brevtyp.")
    if errors:
        raise ValidationFailed(errors)
    stmt = stmt.where(Letter.unit_id == actor.unit_id)
    if f.status == "open":
        stmt = stmt.where(Letter.status.in_([s.value for s in UNSENT]))
    elif f.status != "all":
        stmt = stmt.where(Letter.status == f.status)
    if f.kind:
        stmt = stmt.where(Letter.kind == f.kind)
    if f.patient_id is not None:
        stmt = stmt.where(Letter.patient_id == f.patient_id)
    if f.day is not None:
        start = datetime.combine(f.day, time(0), tzinfo=TZ)
        stmt = stmt.where(Letter.created_at >= start, Letter.created_at < start + timedelta(days=1))
    return stmt


def list_letters(session: Session, *, actor: Actor, f: LetterFilter) -> list[tuple[Letter, Patient]]:
    """The unit's letters with their patients, newest first; every patient shown is logged."""
    stmt = _filtered(select(Letter, Patient).join(Patient, Patient.id == Letter.patient_id), actor, f)
    rows = [(lt, p) for lt, p in session.execute(
        stmt.order_by(Letter.created_at.desc(), Letter.id.desc()).limit(f.limit).offset(f.offset))]
    audit.log_listing(session, actor=actor, patient_ids=[p.id for _l, p in rows], object_type="letter")
    return rows


def count_letters(session: Session, *, actor: Actor, f: LetterFilter) -> int:
    """How many letters the filter matches (no patient data)."""
    stmt = _filtered(select(func.count(Letter.id)), actor, f)
    return session.scalar(stmt) or 0


def status_counts(session: Session, *, actor: Actor) -> dict[str, int]:
    """The unit's letters per status (no patient data)."""
    rows = session.execute(select(Letter.status, func.count()).where(Letter.unit_id == actor.unit_id)
                           .group_by(Letter.status))
    counts = {s.value: 0 for s in LetterStatus}
    counts.update({status: n for status, n in rows})
    return counts


def history(session: Session, *, letter_id: int) -> list[LetterEvent]:
    """A letter's events, oldest first (the caller checked access)."""
    return list(session.scalars(select(LetterEvent).where(LetterEvent.letter_id == letter_id)
                                .order_by(LetterEvent.id)))
