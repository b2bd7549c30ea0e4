"""The demo's year of history has the shape it promises: a weekly rhythm, a summer dip and an
autumn peak, a spring backlog with more done late, everything closed before the demo's moment,
and no dictation kinds (the dictation demo makes those)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime

from kulisser.stats import demo_history
from kulisser.stats.aggregate import local_day

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def _year() -> list[demo_history.worklist.ClosedItem]:
    hours = {(kind, p): {"acute": 2, "high": 24, "normal": 72, "low": 240}[p]
             for kind in demo_history.PER_DAY for p, _w in demo_history.PRIORITIES}
    return demo_history.items(now=NOW, unit_id=1, due_hours=hours, user_ids=[1, 2, 3],
                              secretary_ids=[1, 2], patient_ids=list(range(10, 60)),
                              rng=random.Random(7))


def test_a_year_with_a_shape() -> None:
    items = _year()
    assert 10_000 < len(items) < 16_000
    assert all(i.created_at < i.closed_at < NOW for i in items)
    assert all(i.kind not in {"dictation", "signature", "dictation-question", "dictation-redo"}
               for i in items)
    assert (NOW - min(i.created_at for i in items)).days >= 364
    weekday = Counter(local_day(i.created_at).weekday() for i in items)
    assert weekday[0] > weekday[2] > weekday[4] > 10 * weekday[5]
    month = Counter(local_day(i.created_at).month for i in items)
    assert month[7] < 0.7 * month[10] and month[10] > month[1]

    def late_share(m: int) -> float:
        done = [i for i in items if local_day(i.closed_at).month == m and not i.cancelled]
        return sum(i.closed_at > i.due_at for i in done) / len(done)

    assert late_share(5) > late_share(1) + 0.15  # the spring backlog
    assert late_share(10) < late_share(5)  # cleared by the autumn
    assert 0.01 < sum(i.cancelled for i in items) / len(items) < 0.06
    moved = [i for i in items if i.due_changes]
    assert moved and all(c.due_before < i.due_at for i in moved for c in i.due_changes)
