"""The catalogue's demo seeding: orderable profiles, one due for review, one that is not."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from kulisser.access_rights import catalogue, demo_catalogue
from kulisser.staff.service import local_today
from tests import factories


def test_the_demo_catalogue_has_orderable_profiles_one_due_soon_and_one_past_review(
        db: Session, world: factories.World) -> None:
    now = datetime(2026, 12, 5, 9, tzinfo=UTC)
    made = demo_catalogue.seed(db, now=now, unit_id=world.unit_id)
    today = local_today(now)
    assert catalogue.profile_orderable(db, profile_id=made[demo_catalogue.SECRETARY_PROFILE],
                                       on=today) is None
    assert catalogue.profile_orderable(db, profile_id=made[demo_catalogue.NURSE_PROFILE],
                                       on=today) is None
    assert "skulle ha följts upp" in (catalogue.profile_orderable(
        db, profile_id=made[demo_catalogue.ASSISTANT_PROFILE], on=today) or "")
    due = catalogue.due_for_review(db, actor=factories.actor(db, world.manager_id),
                                   unit_id=world.unit_id, on=today)
    assert {r.profile.name: r.state for r in due} == {
        demo_catalogue.ASSISTANT_PROFILE: "expired", demo_catalogue.NURSE_PROFILE: "due_soon"}
    assert demo_catalogue.seed(db, now=now, unit_id=world.unit_id) == made  # once only
