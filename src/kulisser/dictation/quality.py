"""Quality figures of the dictation flow for the unit manager: aggregates, never a patient.

Per local (Europe/Stockholm) month, the last twelve including the current one:

- uploaded: dictations uploaded in the month (any status), and their audio minutes;
- turnaround: per priority, the median hours from upload to first signature of the
  dictations first signed in the month;
- backlog: the dictations open at the end of the month (for the current month: now), by
  age since upload;
- draft quality, of the dictations first signed in the month that have a recognizer draft:
  the draft's word error rate against the note as first signed (version 1; later
  corrections are the author's second thoughts, not the recognizer's errors), mean and
  median over the dictations, and marked-word recall: of the draft words the secretary
  changed (replaced or removed), the share the editor had marked for attention. Dictations
  without a draft (recognition failed) count in turnaround only; drafts made before words
  were marked (no "attention" key) count in the error rate only.

Counts, audio and backlog are aggregated in SQL; the turnaround medians come from one narrow
query. The error rate needs each draft and signed text, so per-dictation results are kept in
a process-wide cache: both texts are fixed once signed, and a page load only reads the texts
of dictations it has not seen yet.
"""

from __future__ import annotations

import functools
import statistics
import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from kulisser.db import utcnow
from kulisser.dictation.models import Dictation, NoteVersion
from kulisser.speech.wer import EditOp, align, normalize_text
from kulisser.worklist.service import PRIORITY_ORDER

TZ = ZoneInfo("Europe/Stockholm")
MONTHS = 12
PRIORITIES: tuple[str, ...] = tuple(p.value for p in sorted(PRIORITY_ORDER, key=PRIORITY_ORDER.__getitem__))
CACHE_MAX = 100_000  # per-dictation results; a few hundred bytes each
_LOAD_CHUNK = 500


@dataclass(frozen=True)
class Bucket:
    """An age range of the backlog: lower <= age < upper (no upper: and older)."""

    key: str
    label: str
    lower: timedelta
    upper: timedelta | None


BACKLOG_BUCKETS: tuple[Bucket, ...] = (
    Bucket("under_1d", "< 1 dygn", timedelta(0), timedelta(days=1)),
    Bucket("1_3d", "1–3 dygn", timedelta(days=1), timedelta(days=3)),
    Bucket("3_7d", "3–7 dygn", timedelta(days=3), timedelta(days=7)),
    Bucket("1_2w", "1–2 veckor", timedelta(days=7), timedelta(days=14)),
    Bucket("over_2w", "> 2 veckor", timedelta(days=14), None),
)


# -- pure pieces -----------------------------------------------------------------------------

def age_bucket(age: timedelta) -> str:
    """The key of the backlog bucket an open dictation of this age falls in."""
    for bucket in BACKLOG_BUCKETS:
        if bucket.upper is None or age < bucket.upper:
            return bucket.key
    raise AssertionError("the last bucket is open-ended")


def month_starts(now: datetime, months: int = MONTHS) -> list[date]:
    """The first days of the last `months` local months, oldest first, ending with now's."""
    local = now.astimezone(TZ)
    index = local.year * 12 + local.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]


def local_midnight(day: date) -> datetime:
    """Midnight at the start of a local day, in UTC."""
    return datetime.combine(day, time(0), TZ).astimezone(UTC)


def month_bounds(starts: Sequence[date]) -> list[datetime]:
    """The months' starts in UTC plus the end of the last one (len(starts) + 1 instants)."""
    last = starts[-1]
    after = date(last.year + last.month // 12, last.month % 12 + 1, 1)
    return [local_midnight(d) for d in [*starts, after]]


def median(values: Iterable[float]) -> float | None:
    """The median, or None for no values."""
    values = list(values)
    return statistics.median(values) if values else None


@dataclass(frozen=True)
class DraftQuality:
    """How a draft compares with the signed text (reference = signed, hypothesis = draft)."""

    substitutions: int
    deletions: int  # signed words the draft lacks
    insertions: int  # draft words the signed text lacks
    reference_words: int
    hypothesis_words: int
    changed: int  # draft words the secretary replaced or removed
    marked: int  # draft words marked for attention
    marked_changed: int  # of the changed words, those that were marked
    has_marks: bool  # whether the draft was marked at all (older drafts were not)

    @property
    def kept(self) -> int:
        """Draft words the signed text kept unchanged."""
        return self.hypothesis_words - self.changed

    @property
    def wer(self) -> float:
        """Errors per signed word (as kulisser.speech.wer.WerResult.wer)."""
        errors = self.substitutions + self.deletions + self.insertions
        if self.reference_words == 0:
            return 0.0 if self.hypothesis_words == 0 else 1.0
        return errors / self.reference_words


@functools.lru_cache(maxsize=65_536)
def _word_tokens(text: str) -> tuple[str, ...]:
    # Drafts repeat the same words over and over: normalizing each once saves most of the time.
    return tuple(normalize_text(text).split())


def draft_tokens(words: Sequence[dict[str, Any]] | None, text: str
                 ) -> tuple[list[str], list[bool] | None]:
    """The draft's normalized words and each one's attention mark (None: not marked at all).

    A recognized word may normalize to several ("140/90" -> "140", "90"), each with its mark.
    """
    if not words:
        return normalize_text(text).split(), None
    tokens: list[str] = []
    marks: list[bool] = []
    for word in words:
        for token in _word_tokens(str(word.get("text", ""))):
            tokens.append(token)
            marks.append(bool(word.get("attention")))
    return tokens, marks if any("attention" in word for word in words) else None


def changed_draft_words(ops: Iterable[EditOp]) -> list[int]:
    """Indices of the draft words the secretary changed, from align(signed, draft).

    With the signed text as reference, a draft word she replaced is a substitution and one
    she removed an insertion.
    """
    return [op.hyp for op in ops if op.op in ("substitute", "insert") and op.hyp is not None]


def draft_quality(*, draft_text: str, draft_words: Sequence[dict[str, Any]] | None,
                  signed_text: str) -> DraftQuality:
    """Compare a recognizer draft with the text that was signed."""
    hyp, marks = draft_tokens(draft_words, draft_text)
    ref = normalize_text(signed_text).split()
    ops = align(ref, hyp)
    counts = {"substitute": 0, "delete": 0, "insert": 0, "equal": 0}
    for op in ops:
        counts[op.op] += 1
    changed = changed_draft_words(ops)
    flags = marks or [False] * len(hyp)
    return DraftQuality(
        substitutions=counts["substitute"], deletions=counts["delete"],
        insertions=counts["insert"], reference_words=len(ref), hypothesis_words=len(hyp),
        changed=len(changed), marked=sum(flags), marked_changed=sum(flags[i] for i in changed),
        has_marks=marks is not None)


# -- the report ------------------------------------------------------------------------------

@dataclass
class MonthFigures:
    """One local month's figures."""

    start: date
    uploaded: int = 0
    audio_seconds: float = 0.0
    signed: int = 0  # first signed in the month
    turnaround_hours: dict[str, float | None] = field(default_factory=dict)  # median per priority
    turnaround_counts: dict[str, int] = field(default_factory=dict)
    backlog: dict[str, int] = field(default_factory=dict)  # at the end of the month, per bucket
    drafts: int = 0  # signed with a draft: the error rate's dictations
    wer_mean: float | None = None
    wer_median: float | None = None
    marked_drafts: int = 0  # of those, drafts with attention marks (the recall's dictations)
    changed_words: int = 0
    marked_changed_words: int = 0

    @property
    def audio_minutes(self) -> float:
        """The month's recordings in minutes."""
        return self.audio_seconds / 60

    @property
    def backlog_total(self) -> int:
        """Open dictations at the end of the month."""
        return sum(self.backlog.values())

    @property
    def recall(self) -> float | None:
        """Marked-word recall: marked changed words per changed word (None: none changed)."""
        return self.marked_changed_words / self.changed_words if self.changed_words else None


@dataclass
class QualityReport:
    """The last twelve months of one unit, oldest first."""

    unit_id: int
    now: datetime
    months: list[MonthFigures]

    @property
    def backlog_now(self) -> dict[str, int]:
        """Open dictations now, per age bucket."""
        return self.months[-1].backlog


def summarize_drafts(month: MonthFigures, results: Sequence[DraftQuality]) -> None:
    """Fill a month's draft figures from its dictations' results."""
    rates = [r.wer for r in results]
    marked = [r for r in results if r.has_marks]
    month.drafts = len(results)
    month.wer_mean = statistics.fmean(rates) if rates else None
    month.wer_median = median(rates)
    month.marked_drafts = len(marked)
    month.changed_words = sum(r.changed for r in marked)
    month.marked_changed_words = sum(r.marked_changed for r in marked)


def unit_report(session: Session, *, unit_id: int, now: datetime | None = None,
                months: int = MONTHS) -> QualityReport:
    """The quality figures of one unit's dictations (no access check: aggregates only)."""
    now = now or utcnow()
    starts = month_starts(now, months)
    bounds = month_bounds(starts)
    report = [MonthFigures(start=s) for s in starts]
    for i, n, seconds in _uploads(session, unit_id, bounds):
        report[i].uploaded, report[i].audio_seconds = n, float(seconds or 0)
    _turnaround(session, unit_id, bounds, report)
    _backlog(session, unit_id, bounds, now, report)
    per_month: list[list[DraftQuality]] = [[] for _ in starts]
    for i, result in _draft_results(session, unit_id, bounds):
        per_month[i].append(result)
    for month, results in zip(report, per_month, strict=True):
        summarize_drafts(month, results)
    return QualityReport(unit_id=unit_id, now=now, months=report)


def _month_of(column: Any, bounds: Sequence[datetime]) -> ColumnElement[int]:
    # Rows are filtered to the window first: the index of the month the instant falls in.
    return case(*[(column < b, i) for i, b in enumerate(bounds[1:-1])], else_=len(bounds) - 2)


def _index(bounds: Sequence[datetime], at: datetime) -> int:
    return bisect_right(bounds, at) - 1


def _uploads(session: Session, unit_id: int, bounds: Sequence[datetime]
             ) -> list[tuple[int, int, float | None]]:
    month = _month_of(Dictation.uploaded_at, bounds).label("month")
    stmt = (select(month, func.count(), func.sum(Dictation.audio_duration_s))
            .where(Dictation.unit_id == unit_id, Dictation.uploaded_at >= bounds[0],
                   Dictation.uploaded_at < bounds[-1])
            .group_by(month))
    return [(int(i), int(n), s) for i, n, s in session.execute(stmt).tuples()]


def _turnaround(session: Session, unit_id: int, bounds: Sequence[datetime],
                report: list[MonthFigures]) -> None:
    stmt = select(Dictation.priority, Dictation.uploaded_at, Dictation.signed_at).where(
        Dictation.unit_id == unit_id, Dictation.signed_at >= bounds[0],
        Dictation.signed_at < bounds[-1])
    hours: list[dict[str, list[float]]] = [{p: [] for p in PRIORITIES} for _ in report]
    for priority, uploaded_at, signed_at in session.execute(stmt).tuples():
        assert signed_at is not None
        i = _index(bounds, signed_at)
        hours[i].setdefault(priority, []).append((signed_at - uploaded_at).total_seconds() / 3600)
        report[i].signed += 1
    for month, per in zip(report, hours, strict=True):
        month.turnaround_hours = {p: median(v) for p, v in per.items()}
        month.turnaround_counts = {p: len(v) for p, v in per.items()}


def _backlog(session: Session, unit_id: int, bounds: Sequence[datetime], now: datetime,
             report: list[MonthFigures]) -> None:
    # One pass: for every month's end T and every age bucket, the dictations open at T
    # (uploaded before T, not closed by T) whose upload lies in the bucket's range before T.
    ends = [min(b, now) for b in bounds[1:]]
    up, closed = Dictation.uploaded_at, Dictation.closed_at
    columns = []
    for end in ends:
        still_open = and_(up < end, or_(closed.is_(None), closed >= end))
        for bucket in BACKLOG_BUCKETS:
            conditions = [still_open]
            if bucket.lower:
                conditions.append(up <= end - bucket.lower)
            if bucket.upper is not None:
                conditions.append(up > end - bucket.upper)
            columns.append(func.coalesce(func.sum(case((and_(*conditions), 1), else_=0)), 0))
    stmt = select(*columns).where(Dictation.unit_id == unit_id, up < ends[-1],
                                  or_(closed.is_(None), closed >= ends[0]))
    row = session.execute(stmt).one()
    width = len(BACKLOG_BUCKETS)
    for i, month in enumerate(report):
        month.backlog = {b.key: int(row[i * width + j]) for j, b in enumerate(BACKLOG_BUCKETS)}


_cache: OrderedDict[tuple[object, ...], DraftQuality] = OrderedDict()
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget the per-dictation results (tests)."""
    with _cache_lock:
        _cache.clear()


def _draft_results(session: Session, unit_id: int, bounds: Sequence[datetime]
                   ) -> list[tuple[int, DraftQuality]]:
    keys_stmt = select(Dictation.id, Dictation.drafted_at, Dictation.signed_at).where(
        Dictation.unit_id == unit_id, Dictation.signed_at >= bounds[0],
        Dictation.signed_at < bounds[-1], Dictation.draft_text.is_not(None))
    signed: dict[int, datetime] = {}
    drafted: dict[int, datetime | None] = {}
    for dictation_id, drafted_at, signed_at in session.execute(keys_stmt).tuples():
        assert signed_at is not None
        signed[dictation_id], drafted[dictation_id] = signed_at, drafted_at
    found = draft_results(session, {i: (drafted[i], signed[i]) for i in signed})
    return [(_index(bounds, signed[i]), result) for i, result in found.items()]


def draft_results(session: Session, keys: dict[int, tuple[datetime | None, datetime]]
                  ) -> dict[int, DraftQuality]:
    """Each signed dictation's draft compared with version 1, from the cache where it can be.

    keys: dictation id -> (drafted_at, signed_at), which with the database make the cache key.
    """
    # The database is part of the key: ids repeat across databases (tests, several sites).
    where = str(session.get_bind().engine.url)
    wanted = {(where, i, drafted_at, signed_at): i for i, (drafted_at, signed_at) in keys.items()}
    found: dict[int, DraftQuality] = {}
    with _cache_lock:
        for key, dictation_id in wanted.items():
            if key in _cache:
                _cache.move_to_end(key)
                found[dictation_id] = _cache[key]
    missing = {i: key for key, i in wanted.items() if i not in found}
    ids = sorted(missing)
    for start in range(0, len(ids), _LOAD_CHUNK):
        chunk = ids[start:start + _LOAD_CHUNK]
        stmt = (select(Dictation.id, Dictation.draft_text, Dictation.draft_words, NoteVersion.text)
                .join(NoteVersion, and_(NoteVersion.dictation_id == Dictation.id,
                                        NoteVersion.version == 1))
                .where(Dictation.id.in_(chunk), Dictation.draft_text.is_not(None)))
        for dictation_id, draft_text, draft_words, signed_text in session.execute(stmt).tuples():
            found[dictation_id] = draft_quality(
                draft_text=draft_text or "", draft_words=draft_words, signed_text=signed_text)
    with _cache_lock:
        for dictation_id, key in missing.items():
            if dictation_id in found:
                _cache[key] = found[dictation_id]
        while len(_cache) > CACHE_MAX:
            _cache.popitem(last=False)
    return found
