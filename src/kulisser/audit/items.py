"""The work item the risk signals make: `audit-signals`, one per unit while the unit has signals
awaiting review, owned by the unit's manager; completed when the last one is reviewed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.audit.models import AuditSignal
from kulisser.db import utcnow
from kulisser.i18n import N_, _, ngettext
from kulisser.staff.service import Role, unit_members
from kulisser.worklist import service as worklist
from kulisser.worklist.service import GENERIC_OPERATIONS, KindSpec, Priority, register

REF_SIGNALS = "audit_signals"  # ref_id: the unit's id
worklist.register_record_page(REF_SIGNALS, label=N_("Loggsignalerna"), path="/logg/signaler")

SIGNALS = register(KindSpec(
    code="audit-signals", label=N_("Granska loggsignaler"),
    label_plural=N_("Loggsignaler att granska"),
    default_hours={Priority.ACUTE: 4, Priority.HIGH: 24, Priority.NORMAL: 72, Priority.LOW: 168},
    ref_type=REF_SIGNALS, operations=GENERIC_OPERATIONS,
    record_hint=N_("Öppna loggsignalerna och granska dem.")))


def _manager(session: Session, unit_id: int) -> int | None:
    managers = [u for u in unit_members(session, unit_id=unit_id) if u.role == Role.MANAGER.value]
    return min(managers, key=lambda u: u.full_name).id if managers else None


def sync_items(session: Session, *, unit_ids: list[int] | None = None,
               now: datetime | None = None, actor_id: int | None = None) -> int:
    """Open the unit's item where signals await review and none is open; complete it where none
    await. Safe to run any number of times; returns how many items it opened or completed."""
    now = now or utcnow()
    waiting_stmt = select(AuditSignal.unit_id).where(AuditSignal.reviewed_at.is_(None)).distinct()
    if unit_ids is not None:
        waiting_stmt = waiting_stmt.where(AuditSignal.unit_id.in_(unit_ids))
    waiting = set(session.scalars(waiting_stmt))
    changed = 0
    for unit_id in sorted(waiting | set(unit_ids or [])):
        items = worklist.open_items(session, ref_type=REF_SIGNALS, ref_id=unit_id,
                                    kind=SIGNALS.code)
        if unit_id in waiting and not items:
            n = len(list(session.scalars(select(AuditSignal.id).where(
                AuditSignal.unit_id == unit_id, AuditSignal.reviewed_at.is_(None)))))
            worklist.open_item(
                session, actor=None, unit_id=unit_id, kind=SIGNALS.code, ref_type=REF_SIGNALS,
                ref_id=unit_id, title=_("Granska loggsignaler"),
                description=ngettext("{n} signal väntar på granskning.",
                                     "{n} signaler väntar på granskning.", n),
                owner_id=_manager(session, unit_id), priority=Priority.HIGH.value,
                system_reason=_("Nya loggsignaler"), now=now)
            changed += 1
        elif unit_id not in waiting and items:
            worklist.close_items(session, items=items, actor_id=actor_id, now=now,
                                 reason=_("Alla loggsignaler är granskade"))
            changed += len(items)
    return changed
