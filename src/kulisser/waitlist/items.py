"""The `waitlist` work item: one per waiting patient, due when the entry enters the risk window.

The item sits in the unit's queue while the patient waits. It falls due `at_risk_days` before
the guarantee date (or before a follow-up's medical target date), so the secretaries see who
is close to breach, and it moves whenever an offer or an excluded period moves that date.
Booking the visit completes it (unless the visit lies after the guarantee date: then the
item stays open, since someone must act); a finished visit completes it, removal cancels it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulisser.i18n import N_, _
from kulisser.patients.service import Patient
from kulisser.staff.service import Actor
from kulisser.waitlist import guarantee as g
from kulisser.waitlist.models import TZ, WaitlistEntry, local_today
from kulisser.waitlist.states import EntryStatus
from kulisser.worklist import service as worklist
from kulisser.worklist.service import (
    GENERIC_OPERATIONS,
    Finding,
    KindSpec,
    Priority,
    WorkItem,
    compare,
    register,
)

REF_TYPE = "waitlist_entry"
worklist.register_record_page(REF_TYPE, label=N_("Väntan på väntelistan"), path="/vantelista/{id}")
DUE_HOUR = time(8, 0)  # due in the morning of the day, Swedish time


def load_entries(session: Session, ids: list[int]) -> dict[int, WaitlistEntry]:
    """Entries by id with their offers and periods, in one query each (no access check)."""
    return {e.id: e for e in session.scalars(
        select(WaitlistEntry).where(WaitlistEntry.id.in_(ids))
        .options(selectinload(WaitlistEntry.offers), selectinload(WaitlistEntry.periods)))}


def _allows_item(entry: WaitlistEntry) -> bool:
    # Booked in time, the wait is over; booked after the guarantee date, someone must act.
    if entry.status == EntryStatus.WAITING:
        return True
    return entry.status == EntryStatus.BOOKED and entry.figures(local_today()).breached


def _check(session: Session) -> list[Finding]:
    """A waiting patient has an open item; a wait that is over (booked in time, done, removed)
    has none."""
    return compare(session, kind=WAITLIST.code, ref_type=REF_TYPE, model=WaitlistEntry,
                   needs=WaitlistEntry.status == EntryStatus.WAITING.value, allows=_allows_item,
                   label=_("Väntan på väntelistan"))


WAITLIST = register(KindSpec(
    code="waitlist", label=N_("Väntelista"), label_plural=N_("Väntelista"),
    # Not used for the due time (it follows the guarantee date); kept for the rule table.
    default_hours={Priority.ACUTE: 24, Priority.HIGH: 24 * 7, Priority.NORMAL: 24 * 30,
                   Priority.LOW: 24 * 60},
    ref_type=REF_TYPE, detail_template="waitlist/_item_detail.html", load_refs=load_entries,
    operations=GENERIC_OPERATIONS,
    record_hint=N_("Öppna väntan för att boka besöket eller ta bort patienten från väntelistan."),
    check=_check))


def due_at(figures: g.Figures, *, at_risk_days: int) -> datetime | None:
    """When the item falls due: the start of the risk window, in the morning (Swedish time)."""
    due = figures.due_date
    if due is None:
        return None
    return datetime.combine(due - timedelta(days=at_risk_days), DUE_HOUR, TZ)


def title(entry: WaitlistEntry, patient: Patient | None) -> str:
    """The item's title: what the patient waits for, and who."""
    who = patient.full_name if patient is not None else "patient"
    return _("Väntar på {kind_label}: {who}", kind_label=entry.kind_label.lower(), who=who)[:200]


def open_items(session: Session, *, entry_id: int) -> list[WorkItem]:
    """The entry's open waiting-list items (not another kind's item about the entry)."""
    return worklist.open_items(session, ref_type=REF_TYPE, ref_id=entry_id, kind=WAITLIST.code)


def _needs_item(entry: WaitlistEntry, figures: g.Figures) -> bool:
    if entry.status == EntryStatus.WAITING:
        return True
    # Booked after the guarantee date (or the target date): someone must still act.
    return entry.status == EntryStatus.BOOKED and figures.breached


def move_due(session: Session, *, item: WorkItem, when: datetime, actor_id: int | None,
             now: datetime, system_reason: str = "") -> bool:
    """Move an item's due time when it changed; return whether it did."""
    return worklist.move_item(session, item=item, actor_id=actor_id, now=now, due_at=when,
                              reason=_("Garantidatumet eller måldatumet har ändrats"),
                              system_reason=system_reason)


def sync(session: Session, *, actor: Actor, entry: WaitlistEntry, at_risk_days: int,
         now: datetime, today: date) -> WorkItem | None:
    """Bring the entry's work item in line with the entry: create, move, complete or cancel."""
    figures = entry.figures(today, at_risk_days=at_risk_days)
    items = open_items(session, entry_id=entry.id)
    if not _needs_item(entry, figures):
        if entry.status == EntryStatus.REMOVED:
            worklist.close_items(
                session, items=items, actor_id=actor.user_id, now=now, cancel=True,
                reason=_("Borttagen från väntelistan: {reason}",
                         reason=entry.removed_reason or '').strip())
        else:
            worklist.close_items(session, items=items, actor_id=actor.user_id, now=now,
                                 reason=f"{entry.status_label}: {entry.end_date}")
        return None
    when = due_at(figures, at_risk_days=at_risk_days)
    if items:
        for item in items:
            if when is not None:
                move_due(session, item=item, when=when, actor_id=actor.user_id, now=now)
            worklist.update_details(session, item=item, actor_id=actor.user_id, now=now,
                                    priority=entry.priority)
        return items[0]
    patient = session.get(Patient, entry.patient_id)
    return worklist.open_item(
        session, actor=actor, kind=WAITLIST.code, title=title(entry, patient),
        priority=entry.priority, patient_id=entry.patient_id, due_at=when,
        description=entry.note, ref_type=REF_TYPE, ref_id=entry.id, now=now)
