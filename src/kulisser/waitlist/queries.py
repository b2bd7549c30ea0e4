"""The waiting list as the unit sees it: entries with their computed figures, by urgency.

Figures are computed, never stored (guarantee.py), so the list loads a unit's entries with
their offers and periods (one query each) and sorts in Python: breached first (longest past
the date first), then the fewest days left; waiting before booked; follow-ups are ordered by
their medical target date the same way. Every patient shown is logged (audit.log_listing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulisser.audit import service as audit
from kulisser.bounds import parse_int
from kulisser.db import utcnow
from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.patients.service import Patient
from kulisser.staff.service import Actor
from kulisser.waitlist import guarantee as g
from kulisser.waitlist import limits
from kulisser.waitlist.models import WaitlistEntry, local_today
from kulisser.waitlist.states import ACTIVE_STATUSES, EntryStatus

STATUS_FILTERS = {
    "active": N_("Väntar eller bokad"),
    "waiting": N_("Väntar"),
    "booked": N_("Bokad"),
    "closed": N_("Avslutade"),
    "all": N_("Alla"),
}
_STATUSES = {
    "active": ACTIVE_STATUSES,
    "waiting": (EntryStatus.WAITING.value,),
    "booked": (EntryStatus.BOOKED.value,),
    "closed": (EntryStatus.DONE.value, EntryStatus.REMOVED.value),
    "all": tuple(s.value for s in EntryStatus),
}
MAX_RISK_DAYS = 365


@dataclass
class WaitlistFilter:
    """What the list shows: a kind of wait, a status group, and "due within N days"."""

    kind: str = ""
    status: str = "active"
    risk_days: str = ""  # as typed; "" shows every entry

    def risk(self) -> int | None:
        """The risk window in days, or None for no filter; ValidationFailed when bad."""
        text = self.risk_days.strip()
        if not text:
            return None
        days = parse_int(text, maximum=MAX_RISK_DAYS)
        if days is None:
            raise ValidationFailed({"risk_days": _("Ange ett antal dagar mellan 0 och {max_risk_days}.",
                                                   max_risk_days=MAX_RISK_DAYS)})
        return days

    def validate(self) -> None:
        """Raise ValidationFailed (Swedish) for values the list does not know."""
        errors: dict[str, str] = {}
        if self.kind and self.kind not in {k.value for k in g.WaitKind}:
            errors["kind"] = _("Okänd typ av väntan.")
        if self.status not in STATUS_FILTERS:
            errors["status"] = _("Okänt urval.")
        try:
            self.risk()
        except ValidationFailed as exc:
            errors.update(exc.errors)
        if errors:
            raise ValidationFailed(errors)

    def as_params(self) -> dict[str, str]:
        """The filter as query parameters (empty ones left out)."""
        return {k: v for k, v in (("kind", self.kind), ("status", self.status),
                                  ("risk_days", self.risk_days.strip())) if v}


@dataclass
class EntryRow:
    """One entry with its patient and its figures as of today."""

    entry: WaitlistEntry
    patient: Patient
    figures: g.Figures


def urgency_key(row: EntryRow) -> tuple[int, int, int, date, int]:
    """Breached first, then waiting before booked, then the fewest days left."""
    f = row.figures
    far = 10**6
    return (0 if f.breached else 1, 0 if row.entry.status == EntryStatus.WAITING else 1,
            f.days_left if f.days_left is not None else far,
            f.due_date or date.max, row.entry.id)


def _rows(session: Session, entries: list[WaitlistEntry], *, today: date,
          at_risk_days: int) -> list[EntryRow]:
    pids = {e.patient_id for e in entries}
    patients = ({p.id: p for p in session.scalars(select(Patient).where(Patient.id.in_(pids)))}
                if pids else {})
    return [EntryRow(e, patients[e.patient_id], e.figures(today, at_risk_days=at_risk_days))
            for e in entries]


def _entries(session: Session, *, unit_id: int, f: WaitlistFilter,
             patient_id: int | None = None) -> list[WaitlistEntry]:
    stmt = (select(WaitlistEntry).where(WaitlistEntry.unit_id == unit_id,
                                        WaitlistEntry.status.in_(_STATUSES[f.status]))
            .options(selectinload(WaitlistEntry.offers), selectinload(WaitlistEntry.periods)))
    if f.kind:
        stmt = stmt.where(WaitlistEntry.wait_kind == f.kind)
    if patient_id is not None:
        stmt = stmt.where(WaitlistEntry.patient_id == patient_id)
    return list(session.scalars(stmt))


def list_entries(session: Session, *, actor: Actor, f: WaitlistFilter, now: datetime | None = None,
                 limit: int | None = None, object_type: str | None = "waitlist") -> list[EntryRow]:
    """The unit's entries matching the filter, by urgency, each patient shown logged.

    object_type None: nothing is shown to anyone (only counted), so nothing is logged.
    """
    f.validate()
    now = now or utcnow()
    at_risk = limits.setting(session, unit_id=actor.unit_id).at_risk_days
    rows = _rows(session, _entries(session, unit_id=actor.unit_id, f=f), today=local_today(now),
                 at_risk_days=at_risk)
    window = f.risk()
    if window is not None:
        # "Due within N days" includes what is already past its date: that is the most urgent.
        rows = [r for r in rows if r.figures.days_left is not None and r.figures.days_left <= window]
    rows.sort(key=urgency_key)
    if limit is not None:
        rows = rows[:limit]
    if object_type is not None:
        audit.log_listing(session, actor=actor, patient_ids=[r.patient.id for r in rows],
                          object_type=object_type, now=now)
    return rows


def patient_entries(session: Session, *, actor: Actor, patient_id: int,
                    now: datetime | None = None) -> list[EntryRow]:
    """The patient's waits at the actor's unit, active ones first (access checked and logged)."""
    now = now or utcnow()
    audit.check_access(session, actor=actor, patient_id=patient_id, action="read",
                       object_type="waitlist", object_id=patient_id, now=now)
    at_risk = limits.setting(session, unit_id=actor.unit_id).at_risk_days
    rows = _rows(session, _entries(session, unit_id=actor.unit_id, f=WaitlistFilter(status="all"),
                                   patient_id=patient_id),
                 today=local_today(now), at_risk_days=at_risk)
    rows.sort(key=lambda r: (not r.entry.is_active, *urgency_key(r)))
    return rows


@dataclass
class Summary:
    """Counts for the list's heading."""

    total: int
    breached: int
    at_risk: int
    paused: int


def summarize(rows: list[EntryRow]) -> Summary:
    """How many entries are shown, breached, at risk and paused."""
    return Summary(total=len(rows), breached=sum(r.figures.breached for r in rows),
                   at_risk=sum(r.figures.at_risk for r in rows),
                   paused=sum(r.figures.paused for r in rows))


@dataclass
class KindFigures:
    """Waiting-time figures of one kind of wait, summed over entries (no patient in them)."""

    wait_kind: str
    label: str
    entries: int
    waiting: int
    within: int  # guarantee kinds: counted days within the limit
    median_counted: float
    days_medical: int
    days_patient: int
    with_medical: int
    with_patient: int

    @property
    def share_within(self) -> float | None:
        """Per cent within the guarantee (None for follow-ups and for no entries)."""
        if not self.entries or not g.is_guarantee_kind(self.wait_kind):
            return None
        return round(100 * self.within / self.entries, 1)


def by_kind(rows: list[EntryRow]) -> list[KindFigures]:
    """Figures per kind of wait, as the national waiting-time register reports them."""
    out = []
    for kind in g.WaitKind:
        mine = [r for r in rows if r.entry.wait_kind == kind.value]
        figs = [r.figures for r in mine]
        out.append(KindFigures(
            wait_kind=kind.value, label=_(g.WAIT_KIND_LABELS[kind]), entries=len(mine),
            waiting=sum(r.entry.status == EntryStatus.WAITING for r in mine),
            within=sum(not f.breached for f in figs),
            median_counted=median([f.days_counted for f in figs]) if figs else 0,
            days_medical=sum(f.days_medical for f in figs),
            days_patient=sum(f.days_patient for f in figs),
            with_medical=sum(f.days_medical > 0 for f in figs),
            with_patient=sum(f.days_patient > 0 for f in figs)))
    return out
