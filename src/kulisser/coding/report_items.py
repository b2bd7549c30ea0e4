"""The reminder before each monthly delivery to the patient register: `coding-report`, one
item per unit and month, opened REMIND_WORKING_DAYS working days before the deadline while the
month's reportable contacts are uncoded or were held back for errors by its latest export;
completed when none remain. A unit's month has at most one item, ever: running the job again,
or after the item was completed by hand, opens nothing new (ref_id: the month as YYYYMM)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser import workdays
from kulisser.coding import register_report as report
from kulisser.coding.models import CareContact
from kulisser.coding.report_models import RegisterExport
from kulisser.coding.states import ContactStatus
from kulisser.db import utcnow
from kulisser.i18n import N_, _, ngettext
from kulisser.worklist import service as worklist
from kulisser.worklist.service import GENERIC_OPERATIONS, KindSpec, Priority, WorkItem, register

REF_TYPE = "coding_report"  # ref_id: the month, YYYYMM; the item's unit says whose
worklist.register_record_page(REF_TYPE, label=N_("Rapport till patientregistret"),
                              path="/kodning/rapport?manad={id}")

REMINDER = register(KindSpec(
    code="coding-report", label=N_("Rapportera till patientregistret"),
    label_plural=N_("Rapporter till patientregistret"),
    default_hours={Priority.ACUTE: 24, Priority.HIGH: 72, Priority.NORMAL: 120, Priority.LOW: 168},
    ref_type=REF_TYPE, operations=GENERIC_OPERATIONS,
    record_hint=N_("Öppna rapporten: koda det som saknas, rätta felen och exportera månaden.")))


def remind_from(month: date) -> date:
    """The first day the month's reminder may open: REMIND_WORKING_DAYS working days before
    the deadline."""
    day = report.deadline(month)
    for _n in range(report.REMIND_WORKING_DAYS):
        day -= timedelta(days=1)
        while not workdays.is_working_day(day):
            day -= timedelta(days=1)
    return day


def remaining(session: Session, *, unit_id: int, month: date) -> int:
    """The month's reportable contacts uncoded, plus those its latest export held back coded."""
    uncoded = session.scalar(select(func.count()).select_from(CareContact).where(
        CareContact.unit_id == unit_id, report.in_month(month),
        CareContact.status == ContactStatus.UNCODED.value)) or 0
    latest = session.scalars(select(RegisterExport).where(
        RegisterExport.unit_id == unit_id, RegisterExport.month == month)
        .order_by(RegisterExport.version.desc()).limit(1)).first()
    held_coded = 0
    if latest is not None:
        held = [h["contact_id"] for h in latest.errors]
        held_coded = session.scalar(select(func.count()).select_from(CareContact).where(
            CareContact.id.in_(held), CareContact.status == ContactStatus.CODED.value)) or 0
    return int(uncoded) + int(held_coded)


def sync(session: Session, *, now: datetime | None = None) -> int:
    """Open the reminders due and complete those with nothing left; returns how many changed."""
    now = now or utcnow()
    today = workdays.local_today(now)
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)  # the month before
    ref = month.year * 100 + month.month
    changed = 0
    open_items = [i for i in session.scalars(select(WorkItem).where(
        WorkItem.kind == REMINDER.code, WorkItem.ref_type == REF_TYPE)) if worklist.is_open(i.status)]
    for item in open_items:
        if item.unit_id is None or item.ref_id is None:
            continue
        item_month = date(item.ref_id // 100, item.ref_id % 100, 1)
        if remaining(session, unit_id=item.unit_id, month=item_month) == 0:
            worklist.close_items(session, items=[item], actor_id=None, now=now,
                                 reason=_("Allt för månaden är kodat och utan fel."))
            changed += 1
    if not remind_from(month) <= today <= report.deadline(month):
        return changed
    units = set(session.scalars(select(CareContact.unit_id).where(
        report.in_month(month), CareContact.status == ContactStatus.UNCODED.value).distinct()))
    units |= set(session.scalars(select(RegisterExport.unit_id).where(
        RegisterExport.month == month, RegisterExport.listed > 0).distinct()))
    done = set(session.scalars(select(WorkItem.unit_id).where(
        WorkItem.kind == REMINDER.code, WorkItem.ref_type == REF_TYPE, WorkItem.ref_id == ref)))
    due = datetime.combine(report.deadline(month), time(16, 0), tzinfo=workdays.TZ)
    for unit_id in sorted(units - done):
        n = remaining(session, unit_id=unit_id, month=month)
        if n == 0:
            continue
        worklist.open_item(
            session, actor=None, unit_id=unit_id, kind=REMINDER.code, ref_type=REF_TYPE,
            ref_id=ref, priority=Priority.HIGH.value, due_at=due,
            title=_("Rapportera {month} till patientregistret senast {day}",
                    month=f"{month:%Y-%m}", day=report.deadline(month).isoformat()),
            description=ngettext("{n} vårdkontakt är okodad eller har fel.",
                                 "{n} vårdkontakter är okodade eller har fel.", n),
            system_reason=_("Påminnelse före leverans till patientregistret"), now=now)
        changed += 1
    return changed
