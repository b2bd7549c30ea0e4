"""Access rights' demo data, part by part in the order each builds on the one before: the
catalogue and its profiles, orders (one awaiting approval, a leaver), a newcomer
mid-introduction, an overdue access review."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kulisser.access_rights import demo_catalogue, demo_intro, demo_orders, demo_reviews


def seed(session: Session, *, rng: random.Random, now: datetime, unit_id: int,
         users: list[Any], **_ignored: object) -> None:
    """Seed every part's demo data at the demo unit."""
    demo_catalogue.seed(session, now=now, unit_id=unit_id)
    demo_orders.seed(session, now=now, unit_id=unit_id)
    demo_intro.seed(session, now=now, unit_id=unit_id)
    demo_reviews.seed(session, now=now, unit_id=unit_id, users=users)
