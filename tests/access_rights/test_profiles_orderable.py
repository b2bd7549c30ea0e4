"""The proof of issue 13 item 2: a profile without a current analysis cannot be ordered.

Current means made_on <= the day <= next_review; `profile_orderable` says why not in Swedish.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from kulisser.access_rights import catalogue
from tests import factories
from tests.access_rights import profiles_fixtures as pf

TODAY = date(2026, 12, 5)
DAY = timedelta(days=1)


def test_a_profile_without_any_analysis_cannot_be_ordered(db: Session, world: factories.World) -> None:
    p = pf.profile(db, world, name="Sjuksköterska, avdelning 12")
    reason = catalogue.profile_orderable(db, profile_id=p.id, on=TODAY)
    assert reason == ("Rollprofilen ”Sjuksköterska, avdelning 12” saknar behovs- och "
                      "riskanalys och kan inte beställas.")


def test_an_expired_analysis_does_not_let_the_profile_be_ordered(
        db: Session, world: factories.World) -> None:
    p = pf.profile(db, world)
    pf.analysis(db, p.id, made_on=TODAY - 400 * DAY, next_review=TODAY - DAY)
    reason = catalogue.profile_orderable(db, profile_id=p.id, on=TODAY)
    assert reason is not None
    assert "skulle ha följts upp senast 2026-12-04" in reason
    assert catalogue.current_analysis(db, profile_id=p.id, on=TODAY) is None


def test_a_future_dated_analysis_does_not_let_the_profile_be_ordered_yet(
        db: Session, world: factories.World) -> None:
    p = pf.profile(db, world)
    pf.analysis(db, p.id, made_on=TODAY + DAY, next_review=TODAY + 365 * DAY)
    reason = catalogue.profile_orderable(db, profile_id=p.id, on=TODAY)
    assert reason is not None and "gäller först från 2026-12-06" in reason
    # From its first day it is current.
    assert catalogue.profile_orderable(db, profile_id=p.id, on=TODAY + DAY) is None


@pytest.mark.parametrize(("made", "review"), [
    (TODAY - 100 * DAY, TODAY + 100 * DAY),
    (TODAY, TODAY + 365 * DAY),  # made today: current from today
    (TODAY - 365 * DAY, TODAY),  # due today: current through today
], ids=["inside", "made-today", "review-today"])
def test_a_current_analysis_lets_the_profile_be_ordered(
        db: Session, world: factories.World, made: date, review: date) -> None:
    p = pf.profile(db, world)
    row = pf.analysis(db, p.id, made_on=made, next_review=review)
    assert catalogue.profile_orderable(db, profile_id=p.id, on=TODAY) is None
    found = catalogue.current_analysis(db, profile_id=p.id, on=TODAY)
    assert found is not None and found.id == row.id


def test_the_newest_current_analysis_counts_and_an_old_expired_one_does_not_block(
        db: Session, world: factories.World) -> None:
    p = pf.profile(db, world)
    pf.analysis(db, p.id, made_on=TODAY - 800 * DAY, next_review=TODAY - 400 * DAY)
    older = pf.analysis(db, p.id, made_on=TODAY - 300 * DAY, next_review=TODAY + 60 * DAY)
    newer = pf.analysis(db, p.id, made_on=TODAY - 10 * DAY, next_review=TODAY + 355 * DAY)
    assert catalogue.profile_orderable(db, profile_id=p.id, on=TODAY) is None
    found = catalogue.current_analysis(db, profile_id=p.id, on=TODAY)
    assert found is not None and found.id == newer.id != older.id


def test_an_inactive_profile_or_one_without_systems_or_of_another_unit_is_not_orderable(
        db: Session, world: factories.World) -> None:
    manager = factories.actor(db, world.manager_id)
    empty = pf.profile(db, world, systems=0)
    pf.analysis(db, empty.id, made_on=TODAY - DAY, next_review=TODAY + 300 * DAY)
    assert "har inga system" in (catalogue.profile_orderable(db, profile_id=empty.id, on=TODAY) or "")
    p = pf.profile(db, world)
    pf.analysis(db, p.id, made_on=TODAY - DAY, next_review=TODAY + 300 * DAY)
    assert catalogue.profile_orderable(db, profile_id=p.id, on=TODAY, unit_id=world.unit_id) is None
    assert catalogue.profile_orderable(db, profile_id=p.id, on=TODAY,
                                       unit_id=world.other_unit_id) == "Rollprofilen finns inte."
    catalogue.update_profile(db, actor=manager, profile_id=p.id, name=p.name, active=False)
    assert "är inaktiverad" in (catalogue.profile_orderable(db, profile_id=p.id, on=TODAY) or "")
    assert catalogue.profile_orderable(db, profile_id=2**31 - 1, on=TODAY) == "Rollprofilen finns inte."


def test_the_standing_warns_within_30_days_of_the_review(db: Session, world: factories.World) -> None:
    p = pf.profile(db, world)
    pf.analysis(db, p.id, made_on=TODAY - 300 * DAY, next_review=TODAY + 30 * DAY)
    loaded = catalogue.get_profile(db, actor=factories.actor(db, world.manager_id), profile_id=p.id)
    assert catalogue.standing(loaded, on=TODAY).state == catalogue.State.DUE_SOON
    assert catalogue.standing(loaded, on=TODAY - DAY).state == catalogue.State.CURRENT
    assert catalogue.standing(loaded, on=TODAY + 31 * DAY).state == catalogue.State.EXPIRED
