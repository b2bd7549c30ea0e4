"""Shortcuts for the waiting-list tests: a fixed clock, entries, audit and item look-ups."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser.audit.models import AuditEvent
from kulisser.patients.models import Patient
from kulisser.waitlist import items
from kulisser.waitlist import service as waitlist
from kulisser.waitlist.models import WaitlistEntry, local_today
from kulisser.worklist.models import WorkItem
from tests import factories

# 10:00 UTC on 1 June 2026 is noon in Sweden: the guarantee's "today" is 2026-06-01.
NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
TODAY = date(2026, 6, 1)
D = date.fromisoformat


def add(session: Session, world: factories.World, *, patient_id: int | None = None,
        user_id: int | None = None, now: datetime = NOW, **kw: object) -> WaitlistEntry:
    """An entry by the world's secretary (first visit from 2026-04-01 unless told otherwise)."""
    actor = factories.actor(session, user_id or world.secretary_id)
    kw.setdefault("wait_kind", "first_visit")
    kw.setdefault("clock_start", D("2026-04-01"))
    return waitlist.add_entry(session, actor=actor, patient_id=patient_id or world.patient_ids[0],
                              now=now, **kw)  # type: ignore[arg-type]


def work_items(session: Session, entry_id: int) -> list[WorkItem]:
    """Every work item of the entry, oldest first."""
    return list(session.scalars(select(WorkItem).where(
        WorkItem.ref_type == items.REF_TYPE, WorkItem.ref_id == entry_id).order_by(WorkItem.id)))


def audit_rows(session: Session, *, patient_id: int, user_id: int | None = None,
               action: str | None = None, outcome: str | None = None,
               object_type: str | None = None) -> int:
    """How many audit rows match."""
    stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.patient_id == patient_id)
    for column, value in ((AuditEvent.user_id, user_id), (AuditEvent.action, action),
                          (AuditEvent.outcome, outcome), (AuditEvent.object_type, object_type)):
        if value is not None:
            stmt = stmt.where(column == value)
    return session.scalar(stmt) or 0


# -- for tests/web/test_route_coverage.py: entries about its Env's patient (real time) --------

def env_entry(env: Any, status: str = "waiting") -> int:
    """A first-visit entry about the Env's patient (booked when asked); its id."""
    with env.database.session() as s:
        actor = factories.actor(s, env.world.secretary_id)
        today = local_today()
        entry = waitlist.add_entry(s, actor=actor, patient_id=env.patient_id,
                                   wait_kind="first_visit", clock_start=today - timedelta(days=30))
        if status == "booked":
            waitlist.end_wait(s, actor=actor, entry_id=entry.id, visit_date=today + timedelta(days=7))
        return entry.id


def env_offer(env: Any) -> tuple[int, int]:
    """An entry with a pending offer: (entry id, offer id)."""
    entry_id = env_entry(env)
    with env.database.session() as s:
        actor = factories.actor(s, env.world.secretary_id)
        today = local_today()
        offer = waitlist.record_offer(s, actor=actor, entry_id=entry_id, offered_on=today,
                                      visit_date=today + timedelta(days=10), informed=True)
        return entry_id, offer.id


def env_period(env: Any) -> tuple[int, int]:
    """An entry with an open medical period: (entry id, period id)."""
    entry_id = env_entry(env)
    with env.database.session() as s:
        actor = factories.actor(s, env.world.secretary_id)
        period = waitlist.add_excluded_period(s, actor=actor, entry_id=entry_id, reason="medical",
                                              start=local_today() - timedelta(days=5),
                                              note="Infektion")
        return entry_id, period.id


def env_identifier(env: Any) -> str:
    """The Env's patient's identity number as typed in a form."""
    with env.database.session() as s:
        patient = s.get(Patient, env.patient_id)
        assert patient is not None
        return patient.display_id
