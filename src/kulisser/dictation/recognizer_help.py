"""Does speech recognition help? Review time with and without the recognizer's draft.

Per care unit and local (Europe/Stockholm) month, of the dictations first signed in the
month that have review activity: the active review minutes per audio minute (review_time)
of those reviewed from the draft and of those typed without one (median and count of each);
and, of those reviewed from the draft, the share of the draft's words the signed text kept
and the draft's word error rate against it (quality.draft_quality, version 1 as in the
quality figures). Aggregates only: no patient and no text leaves this module.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.dictation import quality
from kulisser.dictation.models import REVIEW_EMPTY, REVIEW_FROM_DRAFT, Dictation
from kulisser.dictation.review_time import active_seconds_of


@dataclass(frozen=True)
class RecognizerHelp:
    """One unit's month: review effort from the draft and without it, and the draft's quality."""

    month: date  # the first day of the local month
    draft_count: int  # reviewed from the draft (with activity)
    draft_minutes_per_audio_minute: float | None  # median
    empty_count: int  # typed without a draft (with activity)
    empty_minutes_per_audio_minute: float | None  # median
    draft_words: int  # words of the drafts reviewed from
    kept_words: int  # of those, kept in the signed text
    wer_median: float | None  # the drafts' word error rate against the signed text

    @property
    def kept_share(self) -> float | None:
        """Draft words kept in the signed text per draft word (None: no draft words)."""
        return self.kept_words / self.draft_words if self.draft_words else None


def month_start(value: date | datetime) -> date:
    """The first day of the local month a date (or an instant) falls in."""
    day = value.astimezone(quality.TZ).date() if isinstance(value, datetime) else value
    return day.replace(day=1)


def recognizer_help(session: Session, *, unit_id: int, month: date) -> RecognizerHelp:
    """The figure of one unit and local month (any day of it); no access check: aggregates only."""
    start = month_start(month)
    low, high = quality.month_bounds([start])
    stmt = (select(Dictation.id, Dictation.review_mode, Dictation.audio_duration_s,
                   Dictation.drafted_at, Dictation.signed_at, Dictation.draft_text.is_not(None))
            .where(Dictation.unit_id == unit_id, Dictation.signed_at >= low,
                   Dictation.signed_at < high,
                   Dictation.review_mode.in_((REVIEW_FROM_DRAFT, REVIEW_EMPTY))))
    rows = list(session.execute(stmt).tuples())
    seconds = active_seconds_of(session, [r[0] for r in rows])
    ratios: dict[str, list[float]] = {REVIEW_FROM_DRAFT: [], REVIEW_EMPTY: []}
    drafts: dict[int, tuple[datetime | None, datetime]] = {}
    for dictation_id, mode, audio_s, drafted_at, signed_at, has_draft in rows:
        active = seconds.get(dictation_id, 0.0)
        if active <= 0 or audio_s <= 0:
            continue  # no recorded activity (reviewed before it was recorded): not comparable
        assert mode is not None and signed_at is not None
        ratios[mode].append(active / audio_s)  # minutes per minute: the units cancel
        if mode == REVIEW_FROM_DRAFT and has_draft:
            drafts[dictation_id] = (drafted_at, signed_at)
    # The quality module's comparison and cache (the page's draft figures warmed it).
    results = list(quality.draft_results(session, drafts).values())
    rates = [r.wer for r in results]
    draft_words = sum(r.hypothesis_words for r in results)
    kept_words = sum(r.kept for r in results)
    return RecognizerHelp(
        month=start,
        draft_count=len(ratios[REVIEW_FROM_DRAFT]),
        draft_minutes_per_audio_minute=quality.median(ratios[REVIEW_FROM_DRAFT]),
        empty_count=len(ratios[REVIEW_EMPTY]),
        empty_minutes_per_audio_minute=quality.median(ratios[REVIEW_EMPTY]),
        draft_words=draft_words, kept_words=kept_words,
        wer_median=statistics.median(rates) if rates else None)


def last_months(session: Session, *, unit_id: int, now: datetime,
                months: int = quality.MONTHS) -> list[RecognizerHelp]:
    """The figure for the last months, oldest first (the quality page's twelve)."""
    return [recognizer_help(session, unit_id=unit_id, month=start)
            for start in quality.month_starts(now, months)]
