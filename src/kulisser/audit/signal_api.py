"""The risk signals in the JSON API, for managers: list, review, the unit's watch list."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from kulisser.audit import items, signals
from kulisser.audit import service as audit
from kulisser.bounds import Id
from kulisser.i18n import _
from kulisser.web.deps import ManagerCtx

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
Rule = Literal["same_name", "protected", "watched", "after_hours", "many_patients", "emergency",
               "refusals"]


class SignalOut(BaseModel):
    """One risk signal: the rule, who, the window, the figures, why in Swedish, the review."""

    id: int
    rule: str
    rule_label: str
    unit_id: int
    user_id: int
    user_name: str
    window_start: datetime
    window_end: datetime
    rows: int
    patients: int
    threshold: int | None
    why: str
    found_at: datetime
    reviewed_at: datetime | None
    reviewer_name: str | None
    verdict: str | None
    verdict_label: str | None
    comment: str | None

    @classmethod
    def from_row(cls, r: signals.SignalRow) -> SignalOut:
        """The JSON shape of a listed signal."""
        s = r.signal
        return cls(id=s.id, rule=s.rule, rule_label=r.rule_label, unit_id=s.unit_id,
                   user_id=s.user_id, user_name=r.user_name, window_start=s.window_start,
                   window_end=s.window_end, rows=s.rows, patients=s.patients,
                   threshold=s.threshold, why=r.why, found_at=s.found_at,
                   reviewed_at=s.reviewed_at, reviewer_name=r.reviewer_name or None,
                   verdict=s.verdict, verdict_label=r.verdict_label or None, comment=s.comment)


class SignalReviewIn(BaseModel):
    """A manager's review of a signal."""

    verdict: Literal["justified", "unjustified"]
    comment: str = Field(min_length=1, max_length=2000)


class WatchIn(BaseModel):
    """A patient to put on the unit's watch list, with the reason."""

    patient_id: Id
    reason: str = Field(min_length=1, max_length=signals.WATCH_REASON_MAX)


class WatchOut(BaseModel):
    """A patient on the unit's watch list."""

    id: int
    patient_id: int
    reason: str
    added_at: datetime


@router.get("/signals", response_model=list[SignalOut])
def list_signals(*, reviewed: Annotated[bool | None, Query(
                     description="false (default): awaiting review; true: reviewed")] = False,
                 rule: Rule | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 200,
                 ctx: ManagerCtx) -> list[SignalOut]:
    """Risk signals of the caller's units, newest window first."""
    rows = signals.list_signals(ctx.db, actor=ctx.actor, reviewed=reviewed, rule=rule or "",
                                limit=limit)
    audit.log_review_read(ctx.db, actor=ctx.actor, what=_("Loggsignaler"), rows=len(rows))
    return [SignalOut.from_row(r) for r in rows]


@router.post("/signals/{signal_id}/review", response_model=SignalOut)
def review_signal(signal_id: Id, body: SignalReviewIn, ctx: ManagerCtx) -> SignalOut:
    """Record the review of a signal (verdict and comment); a second review is a 422."""
    s = signals.review_signal(ctx.db, actor=ctx.actor, signal_id=signal_id,
                              verdict=body.verdict, comment=body.comment)
    items.sync_items(ctx.db, unit_ids=[s.unit_id], actor_id=ctx.actor.user_id)
    [row] = [r for r in signals.list_signals(ctx.db, actor=ctx.actor, reviewed=True,
                                             rule=s.rule, limit=5000) if r.signal.id == s.id]
    return SignalOut.from_row(row)


@router.get("/watch-list", response_model=list[WatchOut])
def watch_list(ctx: ManagerCtx) -> list[WatchOut]:
    """The patients on the watch list of the caller's units."""
    rows = signals.watch_list(ctx.db, actor=ctx.actor)
    audit.log_review_read(ctx.db, actor=ctx.actor, what=_("Bevakningslista"), rows=len(rows))
    return [WatchOut(id=r.watch.id, patient_id=r.patient.id, reason=r.watch.reason,
                     added_at=r.watch.added_at) for r in rows]


@router.post("/watch-list", response_model=WatchOut, status_code=201)
def add_watch(body: WatchIn, ctx: ManagerCtx) -> WatchOut:
    """Put a patient of the caller's unit on its watch list."""
    w = signals.add_watch(ctx.db, actor=ctx.actor, patient_id=body.patient_id, reason=body.reason)
    return WatchOut(id=w.id, patient_id=w.patient_id, reason=w.reason, added_at=w.added_at)


@router.delete("/watch-list/{watch_id}", status_code=204)
def remove_watch(watch_id: Id, ctx: ManagerCtx) -> None:
    """Take a patient off the watch list (kept as history)."""
    signals.remove_watch(ctx.db, actor=ctx.actor, watch_id=watch_id)
