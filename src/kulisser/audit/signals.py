"""The manager's side of the risk signals: the open list, the review, the watch list and the
unit's signal settings (issue 13 item 6). The rules themselves are in signal_rules.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased

from kulisser.audit.models import AuditSignal, AuditSignalSetting, AuditWatch
from kulisser.audit.service import (
    REVIEW_COMMENT_MAX,
    check_access,
    has_care_relation,
    refuse,
    require_unit,
)
from kulisser.audit.signal_rules import DEFAULTS, RULES, TZ, Thresholds
from kulisser.db import utcnow
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import N_, _, ngettext
from kulisser.patients.service import Patient
from kulisser.staff.service import Actor, User

VERDICTS: dict[str, str] = {"justified": N_("Befogad åtkomst"),
                            "unjustified": N_("Ej befogad – åtgärdas")}
WATCH_REASON_MAX = 500


@dataclass
class SignalRow:
    """A signal as the manager's list shows it."""

    signal: AuditSignal
    user_name: str
    reviewer_name: str

    @property
    def rule_label(self) -> str:
        """The rule in Swedish."""
        return _(RULES[self.signal.rule])

    @property
    def why(self) -> str:
        """Why the signal fired, in Swedish, with its figures."""
        return why(self.signal)

    @property
    def day(self) -> str:
        """The local day of the signal's window (ISO), for the link to the log."""
        return _day(self.signal.window_start)

    @property
    def verdict_label(self) -> str:
        """The review's verdict in Swedish ("" before the review)."""
        return _(VERDICTS[self.signal.verdict]) if self.signal.verdict else ""


def _clock(moment: datetime) -> str:
    return moment.astimezone(TZ).strftime("%H:%M")


def _day(moment: datetime) -> str:
    return moment.astimezone(TZ).date().isoformat()


def why(s: AuditSignal) -> str:
    """Why a signal fired, in Swedish, with the figures that made it fire."""
    rows = ngettext("{n} loggrad", "{n} loggrader", s.rows)
    patients = ngettext("{n} patient", "{n} patienter", s.patients)
    day = _day(s.window_start)
    if s.rule == "same_name":
        return _("Läste {patients} med samma efternamn som sitt eget den {day} ({rows}).",
                 patients=patients, day=day, rows=rows)
    if s.rule == "protected":
        return _("Åtkomst till {patients} med skyddad identitet den {day} ({rows}).",
                 patients=patients, day=day, rows=rows)
    if s.rule == "watched":
        return _("Åtkomst till {patients} på enhetens bevakningslista den {day} ({rows}).",
                 patients=patients, day=day, rows=rows)
    if s.rule == "after_hours":
        return _("Åtkomst till {patients} utanför enhetens öppettid den {day} ({rows}).",
                 patients=patients, day=day, rows=rows)
    if s.rule == "many_patients":
        return _("{patients} på {day} {start}–{end}, fler än gränsen {limit}.",
                 patients=patients, day=day, start=_clock(s.window_start),
                 end=_clock(s.window_end), limit=s.threshold)
    if s.rule == "emergency":
        return _("Nödåtkomst till {patients} den {day} ({rows}).",
                 patients=patients, day=day, rows=rows)
    return _("{rows} nekade på {day} {start}–{end}, gränsen är {limit}.",
             rows=rows, day=day, start=_clock(s.window_start), end=_clock(s.window_end),
             limit=s.threshold)


def list_signals(session: Session, *, actor: Actor, reviewed: bool | None = False,
                 rule: str = "", limit: int = 200) -> list[SignalRow]:
    """Signals of the actor's units, newest window first; open ones by default."""
    reviewer = aliased(User)
    stmt = (select(AuditSignal, User.full_name, reviewer.full_name)
            .join(User, User.id == AuditSignal.user_id)
            .outerjoin(reviewer, reviewer.id == AuditSignal.reviewer_id)
            .where(AuditSignal.unit_id.in_(actor.unit_ids)))
    if reviewed is True:
        stmt = stmt.where(AuditSignal.reviewed_at.is_not(None))
    elif reviewed is False:
        stmt = stmt.where(AuditSignal.reviewed_at.is_(None))
    if rule:
        stmt = stmt.where(AuditSignal.rule == rule)
    found = session.execute(stmt.order_by(AuditSignal.window_start.desc(), AuditSignal.id.desc())
                            .limit(max(1, min(limit, 5000)))).tuples().all()
    return [SignalRow(signal=s, user_name=name, reviewer_name=rname or "")
            for s, name, rname in found]


def open_count(session: Session, *, actor: Actor) -> int:
    """Signals in the actor's units awaiting review."""
    return session.scalar(select(func.count()).select_from(AuditSignal).where(
        AuditSignal.unit_id.in_(actor.unit_ids), AuditSignal.reviewed_at.is_(None))) or 0


def review_signal(session: Session, *, actor: Actor, signal_id: int, verdict: str, comment: str,
                  now: datetime | None = None) -> AuditSignal:
    """Record the manager's review of a signal of their units: verdict and comment, once."""
    signal = session.get(AuditSignal, signal_id)
    if signal is None:
        raise NotFound(_("Signalen finns inte."))
    require_unit(actor=actor, object_type="audit_signal", object_id=signal_id,
                 unit_id=signal.unit_id, action="update", hidden=_("Signalen finns inte."), now=now)
    errors: dict[str, str] = {}
    if verdict not in VERDICTS:
        errors["verdict"] = _("Välj en bedömning.")
    text = comment.strip()
    if not text:
        errors["comment"] = _("Skriv vad granskningen visade.")
    elif len(text) > REVIEW_COMMENT_MAX:
        errors["comment"] = _("Högst {n} tecken.", n=REVIEW_COMMENT_MAX)
    if errors:
        raise ValidationFailed(errors)
    # A conditional update: two managers reviewing at once cannot overwrite each other.
    done = session.execute(
        update(AuditSignal).where(AuditSignal.id == signal_id, AuditSignal.reviewed_at.is_(None))
        .values(reviewed_at=now or utcnow(), reviewer_id=actor.user_id, verdict=verdict,
                comment=text).execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise ValidationFailed({"comment": _("Signalen är redan granskad.")})
    session.refresh(signal)
    return signal


@dataclass
class WatchRow:
    """A patient on the unit's watch list."""

    watch: AuditWatch
    patient: Patient


def watch_list(session: Session, *, actor: Actor) -> list[WatchRow]:
    """The patients on the watch lists of the actor's units (those not removed)."""
    found = session.execute(
        select(AuditWatch, Patient).join(Patient, Patient.id == AuditWatch.patient_id)
        .where(AuditWatch.unit_id.in_(actor.unit_ids), AuditWatch.removed_at.is_(None))
        .order_by(AuditWatch.added_at.desc())).tuples().all()
    return [WatchRow(watch=w, patient=p) for w, p in found]


def add_watch(session: Session, *, actor: Actor, patient_id: int, reason: str,
              now: datetime | None = None) -> AuditWatch:
    """Put a patient on the actor's unit's watch list, with a reason."""
    text = reason.strip()
    if not text:
        raise ValidationFailed({"reason": _("Skriv varför patienten bevakas.")})
    if len(text) > WATCH_REASON_MAX:
        raise ValidationFailed({"reason": _("Högst {n} tecken.", n=WATCH_REASON_MAX)})
    unknown = _("Patienten finns inte.")
    if session.get(Patient, patient_id) is None:
        raise ValidationFailed({"patient_id": unknown})
    if not has_care_relation(session, unit_id=actor.unit_id, patient_id=patient_id):
        # Another unit's patient is answered as an unknown one (the answer must not tell which
        # numbers are on file); the attempt is kept as a denied row.
        refuse(session, actor=actor, patient_id=patient_id, action="update",
               object_type="audit_watch", object_id=None, reason=unknown, now=now)
        raise ValidationFailed({"patient_id": unknown})
    # Naming a patient is an access to their data: the one access check, with its audit row.
    check_access(session, actor=actor, patient_id=patient_id, action="update",
                 object_type="audit_watch", now=now)
    listed = session.scalar(select(AuditWatch).where(
        AuditWatch.unit_id == actor.unit_id, AuditWatch.patient_id == patient_id,
        AuditWatch.removed_at.is_(None)))
    if listed is not None:
        raise ValidationFailed({"patient_id": _("Patienten är redan bevakad.")})
    watch = AuditWatch(unit_id=actor.unit_id, patient_id=patient_id, reason=text,
                       added_by_id=actor.user_id, added_at=now or utcnow())
    session.add(watch)
    session.flush()
    return watch


def remove_watch(session: Session, *, actor: Actor, watch_id: int, reason: str = "",
                 now: datetime | None = None) -> AuditWatch:
    """Take a patient off the watch list (the row stays as history)."""
    watch = session.get(AuditWatch, watch_id)
    if watch is None or watch.removed_at is not None:
        raise NotFound(_("Bevakningen finns inte."))
    require_unit(actor=actor, object_type="audit_watch", object_id=watch_id,
                 unit_id=watch.unit_id, action="update", hidden=_("Bevakningen finns inte."),
                 now=now)
    watch.removed_at, watch.removed_by_id = now or utcnow(), actor.user_id
    watch.removed_reason = reason.strip()[:WATCH_REASON_MAX] or None
    session.flush()
    return watch


def thresholds(session: Session, *, unit_id: int) -> Thresholds:
    """The unit's opening hours and limits (the defaults where it has set none)."""
    row = session.get(AuditSignalSetting, unit_id)
    if row is None:
        return DEFAULTS
    return Thresholds(open_from=row.open_from, open_until=row.open_until,
                      weekends_open=row.weekends_open, rate_patients=row.rate_patients,
                      rate_minutes=row.rate_minutes, refusals=row.refusals,
                      refusal_minutes=row.refusal_minutes)


def set_thresholds(session: Session, *, actor: Actor, values: Thresholds) -> Thresholds:
    """Store the actor's unit's opening hours and limits after checking them."""
    errors: dict[str, str] = {}
    if not 0 <= values.open_from < values.open_until <= 24 * 60:
        errors["open_until"] = _("Öppettiden måste sluta efter att den börjar.")
    for name, low, high in (("rate_patients", 1, 100_000), ("rate_minutes", 1, 24 * 60),
                            ("refusals", 1, 10_000), ("refusal_minutes", 1, 24 * 60)):
        if not low <= getattr(values, name) <= high:
            errors[name] = _("Ett heltal från {low} till {high}.", low=low, high=high)
    if errors:
        raise ValidationFailed(errors)
    row = session.get(AuditSignalSetting, actor.unit_id) or AuditSignalSetting(
        unit_id=actor.unit_id)
    for name in ("open_from", "open_until", "weekends_open", "rate_patients", "rate_minutes",
                 "refusals", "refusal_minutes"):
        setattr(row, name, getattr(values, name))
    session.add(row)
    session.flush()
    return values


def days_to_run(now: datetime) -> list[date]:
    """The days the periodic job (re)runs: yesterday, for rows written late, and today."""
    today = now.astimezone(TZ).date()
    return [date.fromordinal(today.toordinal() - 1), today]
