"""Active review time: the secretary's activity in the review editor, and starting empty.

The editor reports activity moments (each autosave, and a heartbeat at most every 30 s while
she types or the audio plays); nothing of what she types is sent or kept. The active time of
a review is the sum of the gaps between consecutive moments, where a gap over two minutes is
a break and not counted: a review in two sittings on two days counts both sittings and not
the night between. The moments of one dictation are stored as rows of ReviewActivity.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.dictation.models import REVIEW_EMPTY, REVIEW_FROM_DRAFT, Dictation, ReviewActivity

MAX_GAP = timedelta(minutes=2)  # a longer pause is a break, not work
# The server keeps at most one moment per dictation in this interval: the autosave fires
# every few seconds while typing, and a moment more often adds nothing to the sum's precision.
MIN_SPACING = timedelta(seconds=15)
KINDS = ("save", "key", "play", "empty", "restore")


def active_seconds(moments: Iterable[datetime], *, max_gap: timedelta = MAX_GAP) -> float:
    """The active time of one review: the sum of gaps between moments, gaps over max_gap not counted."""
    ordered = sorted(moments)
    total = timedelta(0)
    for before, after in pairwise(ordered):
        gap = after - before
        if gap <= max_gap:
            total += gap
    return total.total_seconds()


def record(session: Session, *, dictation: Dictation, user_id: int, kind: str, now: datetime) -> bool:
    """Keep one activity moment (unless one was kept moments ago); whether a row was added."""
    if kind not in KINDS:
        raise ValueError(kind)
    last = session.scalar(select(ReviewActivity.at)
                          .where(ReviewActivity.dictation_id == dictation.id)
                          .order_by(ReviewActivity.at.desc()).limit(1))
    # "empty" and "restore" mark a change of way and are always kept.
    if kind in ("save", "key", "play") and last is not None and abs(now - last) < MIN_SPACING:
        return False
    session.add(ReviewActivity(dictation_id=dictation.id, user_id=user_id, at=now, kind=kind))
    return True


def start_empty(dictation: Dictation, *, actor_id: int, now: datetime) -> None:
    """Discard the working text for the note's bare headings: the review is typed without a draft."""
    headings = dictation.note_type.template_text if dictation.note_type else ""
    dictation.save_text(actor_id=actor_id, text=headings, now=now)
    dictation.review_mode = REVIEW_EMPTY
    dictation.record("started_empty", actor_id=actor_id, now=now)


def restore_draft(dictation: Dictation, *, actor_id: int, now: datetime) -> None:
    """The secretary took the draft back after starting empty: the review counts as from the draft."""
    if dictation.review_mode == REVIEW_EMPTY and dictation.draft_text is not None:
        dictation.review_mode = REVIEW_FROM_DRAFT
        dictation.record("draft_restored", actor_id=actor_id, now=now)


def active_seconds_of(session: Session, dictation_ids: Sequence[int]) -> dict[int, float]:
    """The active review time of each dictation (0 for one without activity), in one query per 500."""
    moments: dict[int, list[datetime]] = defaultdict(list)
    for start in range(0, len(dictation_ids), 500):
        chunk = list(dictation_ids[start:start + 500])
        stmt = select(ReviewActivity.dictation_id, ReviewActivity.at).where(
            ReviewActivity.dictation_id.in_(chunk))
        for dictation_id, at in session.execute(stmt).tuples():
            moments[dictation_id].append(at)
    return {i: active_seconds(moments.get(i, [])) for i in dictation_ids}
