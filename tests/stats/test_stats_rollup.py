"""The monthly roll-up (``stats_work_month``): the split of a period into whole months and loose
days; every month row equal to the sum of its days after any sequence of refreshes, rebuilds and
entered-in-error redos; and the overview's, the region's and staffing's figures through the
roll-up equal to those summed from the days alone (hand-checked for a quarter with its previous
period and a week across a new year)."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from kulisser.db import Database, utcnow
from kulisser.stats import aggregate, region, service, staffing
from kulisser.stats.models import Watermark, WorkDay, WorkMonth
from kulisser.stats.rollup import FLOW, Split, month_end, roll_up, split
from kulisser.stats.service import Period
from kulisser.worklist import service as worklist
from tests import factories
from tests.stats import moves

BACKLOG = ("open_total", "open_0_2", "open_3_14", "open_over_14", "overdue", "oldest_created_at")


def test_split_into_whole_months_and_loose_days() -> None:
    # A quarter to 5 December: October and November whole, 1-5 December from the days.
    assert split(date(2026, 10, 1), date(2026, 12, 5)) == Split(
        (date(2026, 10, 1), date(2026, 11, 1)), ((date(2026, 12, 1), date(2026, 12, 5)),))
    # Its previous period (the same 66 days), 1 July - 4 September.
    assert split(date(2026, 7, 1), date(2026, 9, 4)) == Split(
        (date(2026, 7, 1), date(2026, 8, 1)), ((date(2026, 9, 1), date(2026, 9, 4)),))
    # Starting mid-month and crossing a new year: loose days at both ends.
    assert split(date(2025, 11, 20), date(2026, 2, 3)) == Split(
        (date(2025, 12, 1), date(2026, 1, 1)),
        ((date(2025, 11, 20), date(2025, 11, 30)), (date(2026, 2, 1), date(2026, 2, 3))))
    # A week across the new year holds no whole month.
    assert split(date(2025, 12, 29), date(2026, 1, 4)) == Split(
        None, ((date(2025, 12, 29), date(2026, 1, 4)),))
    # Whole months only (a leap February among them); one whole month; nothing.
    assert split(date(2024, 1, 1), date(2024, 12, 31)) == Split(
        (date(2024, 1, 1), date(2024, 12, 1)), ())
    assert split(date(2024, 2, 1), date(2024, 2, 29)) == Split((date(2024, 2, 1),) * 2, ())
    assert split(date(2024, 2, 1), date(2024, 2, 28)) == Split(
        None, ((date(2024, 2, 1), date(2024, 2, 28)),))
    assert split(date(2024, 3, 2), date(2024, 3, 1)) == Split(None, ())


def test_split_covers_every_day_once() -> None:
    rng = random.Random(7)
    for _n in range(500):
        first = date(2020, 1, 1) + timedelta(days=rng.randint(0, 2000))
        last = first + timedelta(days=rng.randint(0, 800))
        part = split(first, last)
        covered: list[date] = []
        if part.months:
            m = part.months[0]
            while m <= part.months[1]:
                covered += list(aggregate.days(m, month_end(m)))
                m = staffing.add_months(m, 1)
        for a, b in part.days:
            covered += list(aggregate.days(a, b))
        assert sorted(covered) == list(aggregate.days(first, last))
        assert len(part.days) <= 2


# --- Month rows equal their days, through the real aggregate --------------------------------

def _expected_months(s: Session, unit_id: int) -> dict[tuple[date, str], tuple[Any, ...]]:
    sums: dict[tuple[date, str], list[Any]] = {}
    hists: dict[tuple[date, str], dict[int, int]] = defaultdict(dict)
    for r in s.scalars(select(WorkDay).where(WorkDay.unit_id == unit_id)):
        key = (r.day.replace(day=1), r.kind)
        row = sums.setdefault(key, [0] * len(FLOW))
        for i, c in enumerate(FLOW):
            row[i] += getattr(r, c)
        for bound, count in r.turnaround_hist.items():
            hists[key][int(bound)] = hists[key].get(int(bound), 0) + count
    return {k: (*(round(v, 6) for v in row), hists[k]) for k, row in sums.items()}


def _month_rows(s: Session, unit_id: int) -> dict[tuple[date, str], tuple[Any, ...]]:
    return {(r.month, r.kind): (*(round(getattr(r, c), 6) for c in FLOW),
                                {int(k): v for k, v in r.turnaround_hist.items()})
            for r in s.scalars(select(WorkMonth).where(WorkMonth.unit_id == unit_id))}


def _set_watermark(s: Session, until: datetime) -> None:
    s.execute(delete(Watermark).where(Watermark.name == aggregate.JOB))
    s.add(Watermark(name=aggregate.JOB, until=until))
    s.flush()


def test_month_rows_equal_their_days_after_refreshes_rebuilds_and_redos(
        database: Database, world: factories.World) -> None:
    """Items over three months, moved on, closed and entered in error (old ones too, which
    redoes days from their creation); after each step the job, or a rebuild of a random range:
    every month row is its days' sum, and there is a month row exactly where there are days."""
    rng = random.Random(21)
    base = utcnow().replace(microsecond=0) - timedelta(days=95)
    uid, other = world.secretary_id, world.secretary2_id
    with database.session() as s:
        _set_watermark(s, base)
    ids: list[int] = []
    kinds = ("task", "callback")
    for step in range(19):
        clock = base + timedelta(days=5 * step)
        with database.session() as s:
            actor = factories.actor(s, uid)
            for _n in range(rng.randint(1, 6)):
                clock += timedelta(hours=rng.randint(1, 20))
                ids.append(worklist.create_item(
                    s, actor=actor, kind=rng.choice(kinds), title="Ring tillbaka", now=clock,
                    due_at=clock + timedelta(hours=rng.randint(-10, 300))).id)
            items = list(s.scalars(select(worklist.WorkItem).where(worklist.WorkItem.id.in_(ids))))
            for item in rng.sample(items, k=min(len(items), 4)):
                clock += timedelta(hours=rng.randint(1, 30))
                move = rng.choice(["complete", "complete", "cancel", "handover", "due", "error"])
                moves.move(item, move, uid=uid, other=other, clock=clock, rng=rng)
        with database.session() as s:
            if rng.random() < 0.7:
                aggregate.refresh(s, now=clock)
            else:  # a rebuild of a random stretch, as `kulisser stats rebuild` does
                first = aggregate.local_day(base + timedelta(days=rng.randint(0, 5 * step + 4)))
                last = first + timedelta(days=rng.randint(0, 40))
                aggregate.rebuild(s, first=first, last=last, now=clock, unit_ids=[world.unit_id])
        with database.session() as s:
            expected = _expected_months(s, world.unit_id)
            assert _month_rows(s, world.unit_id) == expected, f"step {step}"
    assert len({m for m, _k in expected}) >= 3  # the history spans at least three months


def test_roll_up_is_idempotent_and_forgets_emptied_months(database: Database) -> None:
    with database.session() as s:
        unit = factories.make_unit(s).id
        _day_rows(s, unit, random.Random(3), date(2046, 1, 10), date(2046, 3, 20))
        assert roll_up(s, unit_id=unit, first=date(2046, 1, 10), last=date(2046, 3, 20)) > 0
        once = _month_rows(s, unit)
        roll_up(s, unit_id=unit, first=date(2046, 2, 5), last=date(2046, 3, 1))
        assert _month_rows(s, unit) == once == _expected_months(s, unit)
        s.execute(delete(WorkDay).where(WorkDay.unit_id == unit, WorkDay.day >= date(2046, 2, 1)))
        roll_up(s, unit_id=unit, first=date(2046, 2, 1), last=date(2046, 3, 31))
        assert {m for m, _k in _month_rows(s, unit)} == {date(2046, 1, 1)}


# --- The readers through the roll-up equal the days alone ----------------------------------

def _day_rows(s: Session, unit_id: int, rng: random.Random, first: date, last: date) -> None:
    """Random daily rows (some days missing, as days without work are) for three kinds."""
    values = []
    for d in aggregate.days(first, last):
        for kind in ("task", "callback", "letter"):
            if rng.random() < 0.3:
                continue
            count = rng.randint(0, 6)
            hist: dict[str, int] = {}
            for _n in range(count):
                key = str(rng.choice((1, 5, 24, 48, 72, 240)))
                hist[key] = hist.get(key, 0) + 1
            open_total = rng.randint(0, 30)
            values.append({
                "unit_id": unit_id, "day": d, "kind": kind, "incoming": rng.randint(0, 9),
                "done": count, "cancelled": rng.randint(0, 2), "done_in_time": rng.randint(0, count),
                "turnaround_hours_sum": float(sum(int(k) * v for k, v in hist.items())),
                "turnaround_count": count, "turnaround_hist": hist, "open_total": open_total,
                "open_0_2": open_total // 2, "open_3_14": open_total // 4,
                "open_over_14": open_total - open_total // 2 - open_total // 4,
                "overdue": rng.randint(0, open_total),
                "oldest_created_at": datetime(2045, 1, 1, tzinfo=UTC) + timedelta(
                    hours=rng.randint(0, 20000))})
    s.execute(insert(WorkDay), values)


def _by_days(s: Session, unit_id: int, period: Period, until: date,
             kind: str | None = None) -> dict[str, tuple[Any, ...]]:
    """The overview's figures per kind and for all kinds, summed from the days alone."""
    start, end, p0, p1 = service.period_bounds(period, until)
    stmt = select(WorkDay).where(WorkDay.unit_id == unit_id)
    if kind:
        stmt = stmt.where(WorkDay.kind == kind)
    out: dict[str, list[Any]] = {}
    for r in s.scalars(stmt):
        f = out.setdefault(r.kind, [0, 0, 0, 0, 0.0, {}, 0, 0, 0, (0,) * 5, None])
        if start <= r.day <= end:
            f[0] += r.incoming
            f[1] += r.done
            f[2] += r.cancelled
            f[3] += r.done_in_time
            f[4] += r.turnaround_hours_sum
            f[5] = aggregate.merge([{str(k): v for k, v in f[5].items()}, r.turnaround_hist])
        if p0 <= r.day <= p1:
            f[6] += r.incoming
            f[7] += r.done
            f[8] += r.done_in_time
        if r.day == end:
            f[9] = tuple(getattr(r, c) for c in BACKLOG[:5])
            f[10] = r.oldest_created_at
    return {k: (*f[:4], round(f[4], 6), f[5], *f[6:]) for k, f in out.items() if any(
        f[i] for i in (0, 1, 2, 6, 7)) or f[9] != (0,) * 5 or f[5]}


def _figures(f: service.KindFigures) -> tuple[Any, ...]:
    return (f.incoming, f.done, f.cancelled, f.done_in_time, round(f.turnaround_sum, 6), f.hist,
            f.previous_incoming, f.previous_done, f.previous_done_in_time,
            (f.open_total, f.open_0_2, f.open_3_14, f.open_over_14, f.overdue), f.oldest_created_at)


def _untils(rng: random.Random) -> list[date]:
    ends = [month_end(date(2046, m, 1)) for m in range(1, 13)]
    return sorted({*ends, date(2046, 12, 5), date(2047, 1, 3), date(2046, 1, 1),
                   *(date(2045, 12, 1) + timedelta(days=rng.randint(0, 440)) for _n in range(12))})


@pytest.fixture()
def random_unit(database: Database) -> int:
    """A unit with random daily rows from 1 December 2045 to 15 February 2047, rolled up."""
    with database.session() as s:
        unit = factories.make_unit(s).id
        _day_rows(s, unit, random.Random(15), date(2045, 12, 1), date(2047, 2, 15))
        roll_up(s, unit_id=unit, first=date(2045, 12, 1), last=date(2047, 2, 15))
    return unit


def test_overview_through_the_roll_up_equals_the_days(database: Database, random_unit: int) -> None:
    with database.session() as s:
        for until in _untils(random.Random(1)):
            for period in Period:
                expected = _by_days(s, random_unit, period, until)
                ov = service.overview(s, unit_id=random_unit, period=period, until=until)
                days = list(s.scalars(select(WorkDay).where(
                    WorkDay.unit_id == random_unit, WorkDay.day.between(ov.start, ov.end))))
                assert ov.buckets == service.flow(days, start=ov.start, end=ov.end, weekly=period in (
                    Period.QUARTER, Period.YEAR)), (period, until)
                got = {f.kind: _figures(f) for f in ov.kinds}
                assert got == {k: v for k, v in expected.items() if k in got}, (period, until)
                assert set(expected) <= set(got)
                total = _figures(ov.total)
                assert total[:3] == tuple(sum(v[i] for v in expected.values()) for i in range(3))
                one = service.overview(s, unit_id=random_unit, period=period, until=until,
                                       kind="callback")
                assert [_figures(f) for f in one.kinds] == [
                    v for k, v in expected.items() if k == "callback"], (period, until)


def test_region_through_the_roll_up_equals_the_days(database: Database, random_unit: int) -> None:
    with database.session() as s:
        for until in _untils(random.Random(2)):
            for period in Period:
                for kind in (None, "letter"):
                    expected = _by_days(s, random_unit, period, until, kind)
                    rg = region.region(s, period=period, until=until, kind=kind)
                    row = next(u for u in rg.units if u.unit_id == random_unit).figures
                    assert (row.incoming, row.done, row.cancelled, round(row.turnaround_sum, 6),
                            row.hist, row.previous_incoming, row.previous_done) == (
                        sum(v[0] for v in expected.values()), sum(v[1] for v in expected.values()),
                        sum(v[2] for v in expected.values()),
                        round(sum(v[4] for v in expected.values()), 6),
                        aggregate.merge({str(b): n for b, n in v[5].items()}
                                        for v in expected.values()),
                        sum(v[6] for v in expected.values()),
                        sum(v[7] for v in expected.values())), (period, until, kind)
                    assert (row.open_total, row.overdue) == (
                        sum(v[9][0] for v in expected.values()),
                        sum(v[9][4] for v in expected.values()))


def test_staffing_through_the_roll_up_equals_the_days(database: Database, random_unit: int) -> None:
    with database.session() as s:
        for first, last in ((date(2045, 12, 1), date(2046, 11, 30)),
                            (date(2046, 3, 1), date(2047, 2, 10))):
            months = staffing.staffing_months(s, unit_id=random_unit, first=first, last=last)
            for m in months:
                days = s.execute(select(WorkDay.kind, WorkDay.incoming).where(
                    WorkDay.unit_id == random_unit, WorkDay.day >= m.month, WorkDay.day <= m.end))
                expected: dict[str, int] = defaultdict(int)
                for kind, n in days:
                    expected[kind] += n
                assert {k.kind: k.incoming for k in m.kinds} == {
                    k: n for k, n in expected.items() if n}, m.month


HAND = "rollup-hand"  # a kind of its own, so that the region's list of kinds shows it or not


def test_hand_checked_quarter_and_week_across_a_new_year(database: Database) -> None:
    """Incoming = the day of the month, every day: figures by hand. The whole months' days are
    deleted after the roll-up, so the figures can only come from the month rows."""
    with database.session() as s:
        unit = factories.make_unit(s).id
        s.execute(insert(WorkDay), [
            {"unit_id": unit, "day": d, "kind": HAND, "incoming": d.day, "done": 1,
             "cancelled": 0, "done_in_time": 1, "turnaround_hours_sum": 5.0,
             "turnaround_count": 1, "turnaround_hist": {"5": 1}, "open_total": d.month,
             "open_0_2": 0, "open_3_14": 0, "open_over_14": 0, "overdue": 0}
            for d in aggregate.days(date(2046, 6, 1), date(2047, 1, 10))])
        roll_up(s, unit_id=unit, first=date(2046, 6, 1), last=date(2047, 1, 10))
        for a, b in ((date(2046, 7, 1), date(2046, 8, 31)), (date(2046, 10, 1), date(2046, 11, 30))):
            s.execute(delete(WorkDay).where(WorkDay.unit_id == unit, WorkDay.day.between(a, b)))
        # Quarter to 5 December: October 496 + November 465 + 1-5 December 15.
        # Previous, the same 66 days from 1 July (period_bounds): to 4 September, so July 496 +
        # August 496 + 1-4 September 10.
        ov = service.overview(s, unit_id=unit, period=Period.QUARTER, until=date(2046, 12, 5))
        assert (ov.total.incoming, ov.total.previous_incoming) == (976, 1002)
        assert (ov.total.done, ov.total.previous_done, ov.total.open_total) == (66, 66, 12)
        assert ov.total.hist == {5: 66} and ov.total.median_hours == 5
        # Week from Monday 31 December to Thursday 3 January: 31 + 1 + 2 + 3 = 37;
        # the previous week's same days, 24-27 December: 102.
        ov = service.overview(s, unit_id=unit, period=Period.WEEK, until=date(2047, 1, 3))
        assert (ov.start, ov.previous_start) == (date(2046, 12, 31), date(2046, 12, 24))
        assert (ov.total.incoming, ov.total.previous_incoming, ov.total.open_total) == (37, 102, 1)
        # The region's row of the unit says the same for the quarter.
        rg = region.region(s, period=Period.QUARTER, until=date(2046, 12, 5))
        row = next(u for u in rg.units if u.unit_id == unit).figures
        assert (row.incoming, row.previous_incoming, row.done, row.open_total) == (976, 1002, 66, 12)
        # The region's kinds in October and November (days gone): from the month rows.
        assert HAND in {code for code, _label in region.kinds(
            s, first=date(2046, 10, 1), last=date(2046, 11, 30))}
        # A year to 30 November reads month rows only, and the backlog of its last day (gone).
        ov = service.overview(s, unit_id=unit, period=Period.YEAR, until=date(2046, 11, 30))
        assert ov.total.incoming == sum(d.day for d in aggregate.days(date(2046, 6, 1),
                                                                       date(2046, 11, 30)))
        assert ov.total.open_total == 0
