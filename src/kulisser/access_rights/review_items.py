"""The work item of a periodic access review: `access-review`, one per open review, owned by
the unit's manager, completed when the review's last line is attested."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.access_rights.models import AccessReview
from kulisser.i18n import N_, _, ngettext
from kulisser.staff.service import Role, unit_members
from kulisser.worklist import service as worklist
from kulisser.worklist.service import GENERIC_OPERATIONS, KindSpec, Priority, register

REF_REVIEW = "access_review"  # ref_id: the review's id
worklist.register_record_page(REF_REVIEW, label=N_("Behörighetsuppföljningen"),
                              path="/behorigheter/uppfoljning/{id}")


def _load(session: Session, ids: list[int]) -> dict[int, Any]:
    return {r.id: r for r in session.scalars(select(AccessReview).where(AccessReview.id.in_(ids)))}


REVIEW = register(KindSpec(
    code="access-review", label=N_("Behörighetsuppföljning"),
    label_plural=N_("Behörighetsuppföljningar"),
    default_hours={Priority.ACUTE: 24, Priority.HIGH: 72, Priority.NORMAL: 720,
                   Priority.LOW: 720},
    ref_type=REF_REVIEW, load_refs=_load, operations=GENERIC_OPERATIONS,
    record_hint=N_("Öppna uppföljningen och attestera varje behörighet.")))


def _manager(session: Session, unit_id: int) -> int | None:
    managers = [u for u in unit_members(session, unit_id=unit_id) if u.role == Role.MANAGER.value]
    return managers[0].id if managers else None  # unit_members is by name


def open_review_item(session: Session, *, review: AccessReview, due_at: datetime, people: int,
                     now: datetime) -> None:
    """The manager's item for a started review, due with it."""
    worklist.open_item(
        session, actor=None, unit_id=review.unit_id, kind=REVIEW.code, ref_type=REF_REVIEW,
        ref_id=review.id, title=_("Behörighetsuppföljning"),
        description=ngettext("{n} persons behörigheter ska attesteras.",
                             "{n} personers behörigheter ska attesteras.", people),
        owner_id=_manager(session, review.unit_id), due_at=due_at,
        system_reason=_("Dags för behörighetsuppföljning"), now=now)


def escalate_item(session: Session, *, review: AccessReview, now: datetime) -> None:
    """Raise the overdue review's item to high priority, noted in its title and history."""
    for item in worklist.open_items(session, ref_type=REF_REVIEW, ref_id=review.id,
                                    kind=REVIEW.code):
        worklist.update_details(session, item=item, actor_id=None, now=now,
                                priority=Priority.HIGH.value,
                                title=_("Försenad: Behörighetsuppföljning"))


def close_review_items(session: Session, *, review: AccessReview, actor_id: int,
                       now: datetime) -> None:
    """Complete the review's item when its last line is attested."""
    items = worklist.open_items(session, ref_type=REF_REVIEW, ref_id=review.id, kind=REVIEW.code)
    worklist.close_items(session, items=items, actor_id=actor_id, now=now,
                         reason=_("Alla behörigheter är attesterade"))
