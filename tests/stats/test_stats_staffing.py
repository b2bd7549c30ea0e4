"""The staffing figure on a hand-made month: hours needed, the gap in hours and FTE, a kind
without a standard time, a month in progress, the backlog trend, validation and who may edit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.errors import Forbidden, ValidationFailed
from kulisser.stats import staffing
from kulisser.stats.staffing_models import StaffedMonth, StaffingChange, StandardTime
from tests import factories
from tests.stats.staffing_helpers import MONTH, MONTH_END, seed_march


def _setup(db: Session, world: factories.World) -> None:
    seed_march(db, world.unit_id)
    manager = factories.actor(db, world.manager_id)
    staffing.set_standard_times(db, actor=manager, values={"callback": 6, "letter": 15})
    staffing.set_staffed(db, actor=manager, values={MONTH: 52 * 60})


def test_the_gap_of_a_hand_made_month(db: Session, world: factories.World) -> None:
    _setup(db, world)
    [march] = staffing.staffing_months(db, unit_id=world.unit_id, first=MONTH, last=MONTH_END)
    # 400 call-backs x 6 min = 2400 min, 120 letters x 15 min = 1800 min: 4200 min = 70 h.
    assert march.needed_hours == pytest.approx(70.0)
    assert march.staffed_hours == pytest.approx(52.0) and not march.in_progress
    # 70 h needed - 52 h staffed = 18 h short; 18 / 165 = 0.109... FTE.
    assert march.gap_hours == pytest.approx(18.0)
    assert march.gap_fte == pytest.approx(18 / 165)
    assert round(march.gap_fte or 0, 2) == 0.11
    # 30 call-backs and 10 letters open on 31 March, 25 on 28 February: +15;
    # their work: 30 x 6 + 10 x 15 = 330 min = 5.5 h.
    assert (march.open_end, march.open_change) == (40, 15)
    assert march.backlog_hours == pytest.approx(5.5)


def test_a_kind_without_a_standard_time_is_listed_not_counted(db: Session,
                                                               world: factories.World) -> None:
    _setup(db, world)
    [march] = staffing.staffing_months(db, unit_id=world.unit_id, first=MONTH, last=MONTH_END)
    # "task" has no default: its 7 items are named as not counted, and the need stays 70 h.
    assert [(k.kind, k.incoming, k.hours) for k in march.uncounted] == [("task", 7, None)]
    # Taking the call-backs' standard time away ("none", not zero) moves them there too.
    manager = factories.actor(db, world.manager_id)
    staffing.set_standard_times(db, actor=manager, values={"callback": None})
    [march] = staffing.staffing_months(db, unit_id=world.unit_id, first=MONTH, last=MONTH_END)
    assert {k.kind for k in march.uncounted} == {"callback", "task"}
    assert march.needed_hours == pytest.approx(30.0)  # the letters only: 120 x 15 min
    rows = {r.kind: r for r in staffing.standard_times(db, unit_id=world.unit_id)}
    assert rows["callback"].minutes is None and rows["callback"].own and rows["callback"].default == 6
    assert rows["task"].minutes is None and not rows["task"].own and rows["task"].why


def test_a_month_in_progress_is_compared_pro_rata(db: Session, world: factories.World) -> None:
    _setup(db, world)
    manager = factories.actor(db, world.manager_id)
    staffing.set_staffed(db, actor=manager, values={date(2026, 4, 1): 165 * 60})
    months = staffing.staffing_months(db, unit_id=world.unit_id, first=MONTH, last=date(2026, 4, 10))
    april = months[-1]
    assert [m.month for m in months] == [MONTH, date(2026, 4, 1)]
    # 10 of April's 30 days: 165 h x 1/3 = 55 h staffed so far; 50 call-backs x 6 min = 5 h.
    assert april.in_progress and april.staffed_counted == pytest.approx(55.0)
    assert april.gap_hours == pytest.approx(-50.0)
    assert april.gap_fte == pytest.approx(-50 / 55)  # 55 h is one FTE for a third of a month
    # No row on 10 April: nothing open then.
    assert (april.open_end, april.open_change) == (0, -40)


def test_months_without_figures_or_staffing(db: Session, world: factories.World) -> None:
    months = staffing.staffing_months(db, unit_id=world.unit_id, first=date(2025, 4, 1),
                                      last=MONTH_END)
    assert len(months) == 12
    assert all(m.needed_hours == 0 and m.gap_hours is None and m.gap_fte is None for m in months)
    assert months[0].open_change is None  # the unit has no figures before its first month


def test_changes_are_validated_all_or_nothing_and_kept(db: Session, world: factories.World) -> None:
    manager = factories.actor(db, world.manager_id)
    with pytest.raises(ValidationFailed) as bad:
        staffing.set_standard_times(db, actor=manager, values={"letter": 9, "callback": 481})
    assert set(bad.value.errors) == {"callback"}
    with pytest.raises(ValidationFailed):
        staffing.set_standard_times(db, actor=manager, values={"no-such-kind": 5})
    with pytest.raises(ValidationFailed):
        staffing.set_staffed(db, actor=manager, values={MONTH: 60, date(2026, 4, 2): 60})
    with pytest.raises(ValidationFailed):
        staffing.set_staffed(db, actor=manager, values={MONTH: -1})
    with pytest.raises(ValidationFailed):
        staffing.set_staffed(db, actor=manager,
                             values={MONTH: (staffing.MAX_STAFFED_HOURS + 1) * 60})
    unit = world.unit_id
    assert db.scalars(select(StandardTime).where(StandardTime.unit_id == unit)).all() == []
    assert db.scalars(select(StaffedMonth).where(StaffedMonth.unit_id == unit)).all() == []
    assert db.scalars(select(StaffingChange).where(StaffingChange.unit_id == unit)).all() == []
    # A change is kept with who and from what to what; the same value again is no change.
    assert staffing.set_standard_times(db, actor=manager, values={"letter": 9, "callback": 6}) == 1
    assert staffing.set_standard_times(db, actor=manager, values={"letter": 5}) == 1  # the default
    [back, first] = staffing.changes(db, unit_id=unit)
    assert (first.kind, first.before, first.after, first.before_default, first.after_default) == (
        "letter", 5, 9, True, False)
    assert (back.before, back.after, back.after_default, back.actor_id) == (9, 5, True, world.manager_id)
    # Back at the default: the unit keeps no row of its own.
    assert db.scalars(select(StandardTime).where(StandardTime.unit_id == unit)).all() == []


def test_only_managers_change_the_inputs(db: Session, world: factories.World) -> None:
    secretary = factories.actor(db, world.secretary_id)
    with pytest.raises(Forbidden):
        staffing.set_standard_times(db, actor=secretary, values={"callback": 8})
    with pytest.raises(Forbidden):
        staffing.set_staffed(db, actor=secretary, values={MONTH: 60})


def test_the_demo_staffing_falls_behind_in_spring(db: Session, world: factories.World) -> None:
    from datetime import UTC, datetime

    from kulisser.staff.models import User
    from kulisser.stats import staffing_demo

    seed_march(db, world.unit_id)
    manager = db.get(User, world.manager_id)
    staffing_demo.seed(db, now=datetime(2026, 6, 15, 9, tzinfo=UTC), unit_id=world.unit_id,
                       users=[db.get(User, world.secretary_id), manager])
    months = staffing.staffing_months(db, unit_id=world.unit_id, first=date(2025, 7, 1),
                                      last=date(2026, 6, 15))
    assert all(m.staffed_hours for m in months)
    march = months[8]
    # 400 x 6 min + 120 x 5 min (defaults) + 7 tasks x 10 min (the demo's own) = 51 1/6 h;
    # staffed 85 % of that, rounded: 43 h.
    assert march.month == MONTH and march.needed_hours == pytest.approx(51 + 1 / 6)
    assert march.staffed_hours == 43.0 and (march.gap_hours or 0) > 0
    assert (months[3].gap_hours or 0) < 0  # October: staffed, nothing needed
    assert sorted(c.kind for c in staffing.changes(db, unit_id=world.unit_id) if c.kind) == [
        "dictation", "task"]


def test_many_units_at_once_equal_one_by_one(db: Session, world: factories.World) -> None:
    _setup(db, world)
    other = factories.make_unit(db).id
    seed_march(db, other)  # the same rows, but the other unit keeps the default standard times
    both = staffing.staffing_months_of_units(db, unit_ids=[world.unit_id, other],
                                             first=date(2026, 1, 1), last=date(2026, 4, 10))
    for unit in (world.unit_id, other):
        alone = staffing.staffing_months(db, unit_id=unit, first=date(2026, 1, 1),
                                         last=date(2026, 4, 10))
        assert both[unit] == alone
    # Call-backs at 6 minutes either way; letters at 15 here and at the default 5 there.
    assert [m.needed_hours for m in both[world.unit_id]] == pytest.approx([0, 0, 70.0, 5.0])
    assert [m.needed_hours for m in both[other]] == pytest.approx([0, 0, 50.0, 5.0])
    assert both[other][2].staffed_hours is None


def test_a_region_of_more_units_than_one_statement_can_probe(db: Session,
                                                              world: factories.World) -> None:
    """The region's report asks for every unit with figures at once: more than a select list
    holds (PostgreSQL 1,664 entries, SQLite 2,000) must still answer, and the same."""
    _setup(db, world)
    absent = list(range(10**9, 10**9 + 2100))  # ids with no rows: every figure empty
    both = staffing.staffing_months_of_units(db, unit_ids=[*absent, world.unit_id],
                                             first=date(2026, 1, 1), last=date(2026, 4, 10))
    alone = staffing.staffing_months(db, unit_id=world.unit_id, first=date(2026, 1, 1),
                                     last=date(2026, 4, 10))
    assert both[world.unit_id] == alone
    assert len(both) == len(absent) + 1
    assert all(m.needed_hours == 0 and m.open_end == 0 for u in absent for m in both[u])
    assert all(both[u][0].open_change is None for u in absent)  # no figures before: no change
