"""One random move on a work item, for the aggregates' property tests (random histories)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from kulisser.worklist import service as worklist


def move(item: worklist.WorkItem, name: str, *, uid: int, other: int, clock: datetime,
         rng: random.Random) -> None:
    """Complete, cancel, hand over, hold or resume, move the due time, or enter in error; a
    move its status does not allow leaves the item as it was."""
    try:
        if name == "complete":
            item.complete(actor_id=uid, now=clock)
        elif name == "cancel":
            item.cancel(actor_id=uid, reason="Behövs inte", now=clock)
        elif name == "handover":
            item.hand_over(actor_id=uid, to_user_id=other, reason="Semester", now=clock)
        elif name == "hold":
            if item.status == "on-hold":
                item.resume(actor_id=uid, now=clock)
            else:
                item.hold(actor_id=uid, reason="Väntar", now=clock)
        elif name == "due":
            item.change_due(actor_id=uid, due_at=clock + timedelta(hours=rng.randint(-30, 30)),
                            reason="Ny tid", now=clock)
        else:
            item.mark_entered_in_error(actor_id=uid, reason="Fel", now=clock)
    except worklist.TransitionError:
        pass  # not allowed from its status: the item stays as it was
