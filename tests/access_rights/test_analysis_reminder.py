"""The reminder of analyses due: one item per unit for its manager while a profile's analysis
is missing, past or due within 30 days; none while every analysis is current; safe to rerun."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.access_rights import analysis_items
from kulisser.worklist.models import WorkItem
from tests import factories
from tests.access_rights import profiles_fixtures as pf

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
DAY = timedelta(days=1)


def _items(db: Session, unit_id: int) -> list[WorkItem]:
    return list(db.scalars(select(WorkItem).where(
        WorkItem.kind == "access-analyses", WorkItem.unit_id == unit_id).order_by(WorkItem.id)))


def test_a_unit_gets_one_reminder_while_an_analysis_is_due(
        db: Session, world: factories.World) -> None:
    current = pf.profile(db, world, name="Sekreterare")
    pf.analysis(db, current.id, made_on=TODAY - 10 * DAY, next_review=TODAY + 200 * DAY)
    analysis_items.sync_items(db, now=NOW)
    assert _items(db, world.unit_id) == []  # every analysis current and not due soon

    soon = pf.profile(db, world, name="Läkare")
    pf.analysis(db, soon.id, made_on=TODAY - 300 * DAY, next_review=TODAY + 20 * DAY)
    missing = pf.profile(db, world, name="Undersköterska")  # no analysis at all
    analysis_items.sync_items(db, now=NOW)
    assert analysis_items.sync_items(db, now=NOW) == 0  # the second run finds nothing to do
    (item,) = _items(db, world.unit_id)
    assert (item.status, item.owner_id, item.ref_id) == ("requested", world.manager_id,
                                                         world.unit_id)
    assert item.description.startswith("2 rollprofiler behöver en ny behovs- och riskanalys")
    assert _items(db, world.other_unit_id) == []

    # A new analysis for each due profile: the reminder is completed, once.
    for profile in (soon, missing):
        pf.analysis(db, profile.id, made_on=TODAY, next_review=TODAY + 365 * DAY)
    assert analysis_items.sync_items(db, now=NOW) >= 1
    assert [i.status for i in _items(db, world.unit_id)] == ["completed"]
    assert analysis_items.sync_items(db, now=NOW) == 0

    # Past its review date a year later: a new reminder.
    analysis_items.sync_items(db, now=NOW + 400 * DAY)
    assert [i.status for i in _items(db, world.unit_id)] == ["completed", "requested"]
