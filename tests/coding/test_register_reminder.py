"""The reminder before the monthly delivery: one item per unit and month, opened some working
days before the deadline while contacts are uncoded, never twice, completed when none remain."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser import workdays
from kulisser.coding import register_report as report
from kulisser.coding import report_items
from kulisser.coding import service as coding
from kulisser.coding.contact_codes import CodeEntry
from kulisser.db import utcnow
from kulisser.worklist.models import WorkItem
from tests import factories


def _items(db: Session, unit_id: int) -> list[WorkItem]:
    return list(db.scalars(select(WorkItem).where(WorkItem.kind == "coding-report",
                                                  WorkItem.unit_id == unit_id)))


def _at(day: object) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=workdays.TZ).astimezone(UTC)  # type: ignore[call-overload]


def test_one_reminder_per_unit_and_month_until_all_is_coded(db: Session,
                                                            world: factories.World) -> None:
    actor = factories.actor(db, world.secretary_id)
    month = (workdays.local_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    contact = coding.create_contact(db, actor=actor, patient_id=world.patient_ids[0],
                                    kind="doctor_visit", contact_date=month + timedelta(days=1))
    first = report_items.remind_from(month)
    assert workdays.working_days_between(first, report.deadline(month)) == report.REMIND_WORKING_DAYS
    report_items.sync(db, now=_at(first - timedelta(days=1)))
    assert _items(db, world.unit_id) == []  # too early
    report_items.sync(db, now=_at(first))
    [item] = _items(db, world.unit_id)
    assert (item.ref_id, item.status, item.priority) == (month.year * 100 + month.month,
                                                         "requested", "high")
    assert "1 vårdkontakt" in item.description
    report_items.sync(db, now=_at(first + timedelta(days=1)))
    assert len(_items(db, world.unit_id)) == 1  # safe to run twice
    coding.set_codes(db, actor=actor, contact_id=contact.id, finish=True, now=utcnow(),
                     entries=[CodeEntry(role="main", code="I10")])
    report_items.sync(db, now=_at(first + timedelta(days=1)))
    [item] = _items(db, world.unit_id)
    assert item.status == "completed"
    report_items.sync(db, now=_at(first + timedelta(days=2)))
    assert len(_items(db, world.unit_id)) == 1  # never a second one for the month
