"""One action for an absent secretary's open items: offer them to the unit's queue or hand
them to one colleague, through the worklist's own operations (issue 15 item 3).

Each item moves by the worklist's rules, so its history records who moved it, from whom, to
whom and why, and nothing is copied: a begun item (accepted, in progress, on hold) is handed
over (``handover``); a new item, which the worklist does not hand over, is assigned to the
colleague (``assign``) or, for the queue, given up to it as a domain gives up its record's new
item (``set_owner``, recorded as a hand-over with the reason). An item whose kind keeps the
hand-over for its record's own page is left with her and reported with the kind's reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.db import utcnow
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.i18n import _
from kulisser.staff import service as staff
from kulisser.staff.service import Actor
from kulisser.stats.aggregate import local_day
from kulisser.worklist import service as worklist

OPEN = [s.value for s in (worklist.Status.REQUESTED, worklist.Status.ACCEPTED,
                          worklist.Status.IN_PROGRESS, worklist.Status.ON_HOLD)]


@dataclass
class Outcome:
    """What the action did: the items moved, and those left with her and why (Swedish)."""

    moved: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def is_marked_away(session: Session, *, unit_id: int, user_id: int, today: date) -> bool:
    """Whether the member has an absence today or later (her items may be moved before she goes)."""
    return any(a.user_id == user_id for a in staff.unit_absences(session, unit_id=unit_id,
                                                                 from_day=today))


def hand_over_absent(session: Session, *, actor: Actor, user_id: int, to_user_id: int | None,
                     now: datetime | None = None) -> Outcome:
    """Move every open item of an absent (or soon absent) member of the actor's unit to the
    unit's queue (to_user_id None) or to one colleague; by her manager, or by herself."""
    now = now or utcnow()
    today = local_day(now)
    if not (actor.is_manager or actor.user_id == user_id):
        raise Forbidden(_("Bara enhetschefen eller den frånvarande själv kan lämna över ärendena."))
    if not is_marked_away(session, unit_id=actor.unit_id, user_id=user_id, today=today):
        raise ValidationFailed({"user_id": _("Personen är inte markerad som frånvarande.")})
    if to_user_id is not None:
        members = {m.id for m in staff.unit_member_names(session, unit_id=actor.unit_id)}
        if to_user_id == user_id or to_user_id not in members:
            raise ValidationFailed({"to_user_id": _("Välj en kollega på enheten.")})
        if staff.away_on(session, user_ids={to_user_id}, day=today):
            raise ValidationFailed({"to_user_id": _("Kollegan är också frånvarande i dag.")})
    reason = _("Lämnat över under frånvaro.")
    outcome = Outcome()
    items = session.scalars(select(worklist.WorkItem.id).where(
        worklist.WorkItem.unit_id == actor.unit_id, worklist.WorkItem.owner_id == user_id,
        worklist.WorkItem.status.in_(OPEN)).order_by(worklist.WorkItem.due_at,
                                                     worklist.WorkItem.id)).all()
    for item_id in items:
        item = worklist.get_item(session, actor=actor, item_id=item_id, action="update", now=now)
        refusal = worklist.owned_refusal(item, worklist.Operation.HANDOVER)
        if refusal is not None:
            outcome.skipped.append((item.id, refusal.message))
            continue
        if item.status != worklist.Status.REQUESTED.value:
            worklist.perform(session, actor=actor, item_id=item.id, reason=reason,
                             operation=worklist.Operation.HANDOVER, to_user_id=to_user_id, now=now)
        elif to_user_id is not None:
            worklist.perform(session, actor=actor, item_id=item.id, reason=reason,
                             operation=worklist.Operation.ASSIGN, to_user_id=to_user_id, now=now)
        else:
            worklist.set_owner(session, item=item, actor_id=actor.user_id, to_user_id=None,
                               reason=reason, now=now)
        outcome.moved.append(item.id)
    session.flush()
    return outcome
