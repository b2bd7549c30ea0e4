"""Waiting-list operations (the public entry point of the package).

Other packages use this module only: `add_entry` (referrals call it when a referral is
accepted, with clock_start = the day the referral was ISSUED) and `end_wait` (booking calls it
when a visit is booked). It also holds the access check that every read or write of an entry
goes through (`check`, `get_entry`, `for_change`) and re-exports the lists (list_entries,
patient_entries; queries.py) and the limits (limits.py). Every function that
touches an entry checks access and writes its audit row, takes keyword arguments and never
commits; status changes are WaitlistEntry methods that record events, and the entry's work
item follows (items.py). The guarantee arithmetic itself is pure: guarantee.py; so are the
checks of what a user typed: validation.py.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.patients.service import Patient
from kulisser.staff.service import Actor
from kulisser.waitlist import guarantee as g
from kulisser.waitlist import items, limits, validation
from kulisser.waitlist import jobs as _jobs  # noqa: F401 - registers the periodic job
from kulisser.waitlist.aggregates import Compliance as Compliance
from kulisser.waitlist.aggregates import Outlook as Outlook
from kulisser.waitlist.aggregates import compliance as compliance
from kulisser.waitlist.aggregates import outlook as outlook
from kulisser.waitlist.limits import limit_for, limit_table, set_limit, set_setting, setting
from kulisser.waitlist.models import ExcludedPeriod, Offer, WaitlistEntry, local_today
from kulisser.waitlist.queries import EntryRow, WaitlistFilter, list_entries, patient_entries
from kulisser.waitlist.states import EntryStatus
from kulisser.worklist.service import TransitionError

__all__ = [
    "EntryRow", "WaitlistFilter", "add_entry", "add_excluded_period", "end_entry",
    "end_excluded_period", "end_wait", "entry_id_for_source", "get_entry", "limit_for", "limit_table",
    "list_entries",
    "patient_entries", "record_offer", "remove_entry", "remove_excluded_period", "reopen_entry",
    "respond_offer", "set_limit", "set_setting", "setting", "wait_kinds",
]
OBJECT_TYPE = "waitlist_entry"


def check(session: Session, *, actor: Actor, entry: WaitlistEntry, action: str, now: datetime,
          object_type: str = OBJECT_TYPE) -> None:
    """The access check and audit row for one read or write of an entry."""
    # Another unit's entry is refused (403, a denied row) even where that unit has a care
    # relation of its own with the patient: a unit's waiting list is its own.
    audit.check(session, actor=actor, record=entry, object_type=object_type, action=action,
                current_unit=True, reason=_("Väntelistan hör till en annan vårdenhet."), now=now)


def load(session: Session, entry_id: int, *, lock: bool = False) -> WaitlistEntry:
    """Load an entry without any access check (callers check); lock: SELECT ... FOR UPDATE."""
    entry = session.get(WaitlistEntry, entry_id, with_for_update={"of": WaitlistEntry} if lock
                        else None, populate_existing=lock)
    if entry is None:
        raise NotFound(_("Posten på väntelistan finns inte."))
    return entry


def get_entry(session: Session, *, actor: Actor, entry_id: int, action: str = "read",
              now: datetime | None = None) -> WaitlistEntry:
    """Load an entry after the access check (which writes the audit row)."""
    entry = load(session, entry_id)
    check(session, actor=actor, entry=entry, action=action, now=now or utcnow())
    return entry


def for_change(session: Session, *, actor: Actor, entry_id: int, now: datetime) -> WaitlistEntry:
    """Load an entry for a change: row-locked, access-checked, logged as an update."""
    entry = load(session, entry_id, lock=True)
    check(session, actor=actor, entry=entry, action="update", now=now)
    return entry


def wait_kinds() -> dict[str, str]:
    """The kinds of wait, code to Swedish label (booking's visit types name the one they end)."""
    return {kind.value: str(label) for kind, label in g.WAIT_KIND_LABELS.items()}


def _sync(session: Session, actor: Actor, entry: WaitlistEntry, now: datetime) -> None:
    session.flush()
    items.sync(session, actor=actor, entry=entry, now=now, today=local_today(now),
               at_risk_days=limits.setting(session, unit_id=entry.unit_id).at_risk_days)
    session.flush()


def _require_waiting(entry: WaitlistEntry) -> None:
    if entry.status != EntryStatus.WAITING:
        raise TransitionError(_("Patienten väntar inte längre (status ”{status_label}”).",
                                status_label=entry.status_label))


def add_entry(session: Session, *, actor: Actor, patient_id: int, wait_kind: str, clock_start: date,
              source_type: str | None = None, source_id: int | None = None,
              priority: str = "normal", note: str = "", medical_target_date: date | None = None,
              now: datetime | None = None) -> WaitlistEntry:
    """Put a patient on the actor's unit's waiting list; its work item goes to the unit's queue.

    clock_start: for an accepted referral the day it was ISSUED by the sender; for a patient
    who sought contact without a referral, that day; for treatment, the decision to treat.
    Follow-ups need a medical_target_date. With source_type and source_id, an active entry of
    the unit from the same source is returned as it is (calling twice adds one entry).
    """
    now = now or utcnow()
    today = local_today(now)
    note = validation.check_new_entry(
        wait_kind=wait_kind, clock_start=clock_start, priority=priority, note=note,
        medical_target_date=medical_target_date, source_type=source_type, today=today)
    if session.get(Patient, patient_id) is None:
        raise NotFound(_("Patienten finns inte."))
    if source_type is not None and source_id is not None:
        existing = session.scalar(select(WaitlistEntry).where(
            WaitlistEntry.unit_id == actor.unit_id, WaitlistEntry.source_type == source_type,
            WaitlistEntry.source_id == source_id, WaitlistEntry.status != EntryStatus.REMOVED.value))
        if existing is not None and existing.patient_id == patient_id:
            audit.check_access(session, actor=actor, patient_id=patient_id, action="read",
                               object_type="waitlist_entry", object_id=existing.id, now=now)
            return existing
    entry = WaitlistEntry(
        unit_id=actor.unit_id, patient_id=patient_id, wait_kind=wait_kind, clock_start=clock_start,
        limit_days=limit_for(session, unit_id=actor.unit_id, wait_kind=wait_kind),
        source_type=source_type, source_id=source_id, priority=priority, note=note,
        medical_target_date=medical_target_date, created_at=now, created_by_id=actor.user_id,
        updated_at=now)
    session.add(entry)
    entry.record("created", actor_id=actor.user_id, now=now, to_status=entry.status,
                 clock_start=clock_start.isoformat(), limit_days=entry.limit_days,
                 source_type=source_type, source_id=source_id,
                 medical_target_date=medical_target_date.isoformat() if medical_target_date
                 else None)
    session.flush()
    audit.check_access(session, actor=actor, patient_id=patient_id, action="create",
                       object_type="waitlist_entry", object_id=entry.id, now=now)
    _sync(session, actor, entry, now)
    return entry


def record_offer(session: Session, *, actor: Actor, entry_id: int, offered_on: date,
                 visit_date: date, informed: bool, response: str = "pending",
                 responded_on: date | None = None, note: str = "",
                 now: datetime | None = None) -> Offer:
    """Record a time offered to the patient; an accepted one books the visit.

    A declined offer lets patient-chosen waiting be recorded only when the patient had been
    told about the guarantee and the visit lay within it (guarantee.qualify_offers).
    """
    now = now or utcnow()
    today = local_today(now)
    entry = for_change(session, actor=actor, entry_id=entry_id, now=now)
    _require_waiting(entry)
    responded_on, note = validation.check_offer(
        clock_start=entry.clock_start, offered_on=offered_on, visit_date=visit_date,
        response=response, responded_on=responded_on, note=note, today=today)
    offer = Offer(offered_on=offered_on, visit_date=visit_date, informed=bool(informed),
                  response=response, responded_on=responded_on, note=note, recorded_at=now,
                  recorded_by_id=actor.user_id)
    entry.offers.append(offer)
    session.flush()
    entry.record("offer_recorded", actor_id=actor.user_id, now=now, offer_id=offer.id,
                 offered_on=offered_on.isoformat(), visit_date=visit_date.isoformat(),
                 response=response, informed=bool(informed))
    if response == g.OfferResponse.ACCEPTED:
        _book(session, entry, actor=actor, visit_date=visit_date, now=now)
    _sync(session, actor, entry, now)
    return offer


def respond_offer(session: Session, *, actor: Actor, entry_id: int, offer_id: int, response: str,
                  responded_on: date | None = None, now: datetime | None = None) -> Offer:
    """Record the patient's answer to an offer still waiting for one."""
    now = now or utcnow()
    entry = for_change(session, actor=actor, entry_id=entry_id, now=now)
    offer = next((o for o in entry.offers if o.id == offer_id), None)
    if offer is None:
        raise NotFound(_("Erbjudandet finns inte."))
    if offer.response != g.OfferResponse.PENDING:
        raise TransitionError(_("Erbjudandet är redan besvarat."))
    _require_waiting(entry)
    responded_on = responded_on or local_today(now)
    errors: dict[str, str] = {}
    if response not in (g.OfferResponse.ACCEPTED, g.OfferResponse.DECLINED):
        errors["response"] = _("Välj accepterat eller avböjt.")
    if responded_on < offer.offered_on or responded_on > local_today(now):
        errors["responded_on"] = _("Svarsdagen ska ligga mellan erbjudandet och i dag.")
    if errors:
        raise ValidationFailed(errors)
    offer.response, offer.responded_on = response, responded_on
    entry.record("offer_answered", actor_id=actor.user_id, now=now, offer_id=offer.id,
                 response=response, responded_on=responded_on.isoformat())
    if response == g.OfferResponse.ACCEPTED:
        _book(session, entry, actor=actor, visit_date=offer.visit_date, now=now)
    _sync(session, actor, entry, now)
    return offer


def add_excluded_period(session: Session, *, actor: Actor, entry_id: int, reason: str, start: date,
                        end: date | None = None, offer_id: int | None = None, note: str = "",
                        now: datetime | None = None) -> ExcludedPeriod:
    """Record days that are not counted: medically caused, or patient-chosen waiting.

    A patient-chosen period must rest on a qualifying declined offer (offer_id, or else the
    latest qualifying decline on or before start); without one it is refused with the reason.
    end None: until further notice (the clock stands still until the period is ended).
    """
    now = now or utcnow()
    today = local_today(now)
    entry = for_change(session, actor=actor, entry_id=entry_id, now=now)
    _require_waiting(entry)
    errors: dict[str, str] = {}
    if reason not in {r.value for r in g.Reason}:
        errors["reason"] = _("Välj medicinskt orsakad eller patientvald väntan.")
    elif not g.is_guarantee_kind(entry.wait_kind):
        errors["reason"] = (_("Återbesök omfattas inte av vårdgarantin, så ingen väntan räknas bort; "
                              "ändra det medicinska måldatumet i stället."))
    if start < entry.clock_start:
        errors["start"] = _("Perioden kan inte börja före väntetidens start ({clock_start}).",
                            clock_start=entry.clock_start)
    elif start > today + timedelta(days=365):
        errors["start"] = _("Perioden kan börja högst ett år fram i tiden.")
    if end is not None and end < start:
        errors["end"] = _("Slutdatumet kan inte ligga före startdatumet.")
    note = validation.check_text(note, "note", validation.NOTE_MAX, errors)
    if reason == g.Reason.MEDICAL and not note and "reason" not in errors:
        errors["note"] = _("Ange den medicinska orsaken.")
    if reason == g.Reason.PATIENT and not errors:
        others = entry.period_facts()
        key, problem = g.backing_offer(
            wait_kind=entry.wait_kind, clock_start=entry.clock_start, limit_days=entry.limit_days,
            offers=entry.offer_facts(), periods=others, start=start, offer_key=offer_id)
        if key is None:
            errors["offer_id"] = problem
        offer_id = key
    if errors:
        raise ValidationFailed(errors)
    period = ExcludedPeriod(reason=reason, start_date=start, end_date=end, note=note,
                            offer_id=offer_id if reason == g.Reason.PATIENT else None,
                            recorded_at=now, recorded_by_id=actor.user_id)
    entry.periods.append(period)
    session.flush()
    entry.record("period_added", actor_id=actor.user_id, now=now, period_id=period.id,
                 period_reason=reason, start=start.isoformat(), end=end.isoformat() if end else None,
                 offer_id=period.offer_id)
    _sync(session, actor, entry, now)
    return period


def _period(entry: WaitlistEntry, period_id: int) -> ExcludedPeriod:
    period = next((p for p in entry.periods if p.id == period_id and p.removed_at is None), None)
    if period is None:
        raise NotFound(_("Perioden finns inte."))
    return period


def end_excluded_period(session: Session, *, actor: Actor, entry_id: int, period_id: int, end: date,
                        now: datetime | None = None) -> ExcludedPeriod:
    """Set the last day of a period (the patient is available again, or can be given care)."""
    now = now or utcnow()
    entry = for_change(session, actor=actor, entry_id=entry_id, now=now)
    _require_waiting(entry)
    period = _period(entry, period_id)
    if end < period.start_date:
        raise ValidationFailed({"end": _("Slutdatumet kan inte ligga före startdatumet.")})
    before = period.end_date
    period.end_date = end
    entry.record("period_ended", actor_id=actor.user_id, now=now, period_id=period.id,
                 end=end.isoformat(), previous_end=before.isoformat() if before else None)
    _sync(session, actor, entry, now)
    return period


def remove_excluded_period(session: Session, *, actor: Actor, entry_id: int, period_id: int,
                           reason: str, now: datetime | None = None) -> ExcludedPeriod:
    """Withdraw a period recorded by mistake (it stays in the history, no longer counted)."""
    now = now or utcnow()
    entry = for_change(session, actor=actor, entry_id=entry_id, now=now)
    _require_waiting(entry)
    period = _period(entry, period_id)
    if not reason.strip():
        raise ValidationFailed({"reason": _("Ange varför perioden tas bort.")})
    period.removed_at, period.removed_reason = now, reason.strip()[:500]
    entry.record("period_removed", actor_id=actor.user_id, now=now, period_id=period.id,
                 reason=reason.strip()[:500])
    _sync(session, actor, entry, now)
    return period


def _close_open_periods(entry: WaitlistEntry, *, last_day: date, actor: Actor, now: datetime) -> None:
    """Open periods end the day before the patient took a time (they were available then)."""
    for period in entry.periods:
        if period.removed_at is None and period.end_date is None:
            if period.start_date <= last_day:
                period.end_date = last_day
            else:
                period.removed_at, period.removed_reason = now, _("Avslutad innan den började")
            entry.record("period_ended", actor_id=actor.user_id, now=now, period_id=period.id,
                         end=last_day.isoformat())


def _book(session: Session, entry: WaitlistEntry, *, actor: Actor, visit_date: date,
          now: datetime) -> None:
    _close_open_periods(entry, last_day=min(local_today(now), visit_date) - timedelta(days=1),
                        actor=actor, now=now)
    entry.book(actor_id=actor.user_id, visit_date=visit_date, now=now)


def entry_id_for_source(session: Session, *, unit_id: int, source_type: str, source_id: int) -> int | None:
    """The id of the unit's entry made from a record (a referral), if any (an id only: no log)."""
    return session.scalar(select(WaitlistEntry.id).where(
        WaitlistEntry.unit_id == unit_id, WaitlistEntry.source_type == source_type,
        WaitlistEntry.source_id == source_id, WaitlistEntry.status != EntryStatus.REMOVED.value)
        .order_by(WaitlistEntry.id.desc()).limit(1))


def end_entry(session: Session, *, actor: Actor, entry_id: int, status: str, visit_date: date,
              now: datetime | None = None, still_waiting: bool = False) -> WaitlistEntry:
    """End the wait: "booked" (a visit is booked for visit_date; again to rebook) or "done".

    still_waiting: refuse an entry that no longer waits (a new booking from it, checked under
    the row lock, so that two bookings from one entry at once cannot both end it).
    """
    now = now or utcnow()
    entry = for_change(session, actor=actor, entry_id=entry_id, now=now)
    if still_waiting and entry.status != EntryStatus.WAITING:
        raise ValidationFailed({"waitlist_entry_id": _("Patienten bokades nyss från den här posten "
                                                          "av någon annan.")})
    if status not in (EntryStatus.BOOKED, EntryStatus.DONE):
        raise ValidationFailed({"status": _("Välj bokad eller genomförd.")})
    if not entry.is_active:
        raise TransitionError(_("Väntan är redan avslutad (status ”{status_label}”).",
                                status_label=entry.status_label))
    if visit_date < entry.clock_start:
        raise ValidationFailed({"visit_date": _("Besöksdagen kan inte ligga före väntetidens start.")})
    if status == EntryStatus.DONE and visit_date > local_today(now):
        raise ValidationFailed({"visit_date": _("Ett genomfört besök kan inte ligga i framtiden.")})
    if status == EntryStatus.BOOKED:
        if entry.status != EntryStatus.BOOKED or entry.end_date != visit_date:
            _book(session, entry, actor=actor, visit_date=visit_date, now=now)
    else:
        _close_open_periods(entry, last_day=visit_date - timedelta(days=1), actor=actor, now=now)
        entry.mark_done(actor_id=actor.user_id, visit_date=visit_date, now=now)
    _sync(session, actor, entry, now)
    return entry


def end_wait(session: Session, *, actor: Actor, entry_id: int, visit_date: date,
             now: datetime | None = None, still_waiting: bool = False) -> WaitlistEntry:
    """A visit was booked for visit_date: the guarantee clock stops there (booking's events)."""
    return end_entry(session, actor=actor, entry_id=entry_id, status=EntryStatus.BOOKED.value,
                     visit_date=visit_date, now=now, still_waiting=still_waiting)


def reopen_entry(session: Session, *, actor: Actor, entry_id: int, reason: str,
                 now: datetime | None = None) -> WaitlistEntry:
    """The booked visit fell through: the patient waits again, from the same clock start."""
    now = now or utcnow()
    entry = for_change(session, actor=actor, entry_id=entry_id, now=now)
    if entry.status != EntryStatus.BOOKED:
        raise TransitionError(_("Bara en bokad väntan kan öppnas igen."))
    if not reason.strip():
        raise ValidationFailed({"reason": _("Ange varför besöket inte blir av.")})
    entry.reopen(actor_id=actor.user_id, reason=reason.strip()[:500], now=now)
    _sync(session, actor, entry, now)
    return entry


def remove_entry(session: Session, *, actor: Actor, entry_id: int, reason: str,
                 now: datetime | None = None) -> WaitlistEntry:
    """Take a patient off the list without a visit (care elsewhere, no longer needed ...)."""
    now = now or utcnow()
    entry = for_change(session, actor=actor, entry_id=entry_id, now=now)
    if not entry.is_active:
        raise TransitionError(_("Väntan är redan avslutad (status ”{status_label}”).",
                                status_label=entry.status_label))
    if not reason.strip():
        raise ValidationFailed({"reason": _("Ange varför patienten tas bort från väntelistan.")})
    today = local_today(now)
    _close_open_periods(entry, last_day=today - timedelta(days=1), actor=actor, now=now)
    entry.remove(actor_id=actor.user_id, reason=reason.strip()[:500],
                 end_date=max(today, entry.clock_start), now=now)
    _sync(session, actor, entry, now)
    return entry
