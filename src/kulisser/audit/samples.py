"""Random spot-check samples of the access log: drawing them and reading them back."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from kulisser.audit.labels import action_label, outcome_label
from kulisser.audit.models import AuditEvent, AuditReview, AuditSample
from kulisser.audit.queries import (
    AuditFilter,
    LogRow,
    conditions,
    log_rows,
    patient_label,
    row_select,
)
from kulisser.audit.service import require_unit, sample_event_ids
from kulisser.errors import NotFound
from kulisser.i18n import _
from kulisser.staff.service import Actor, CareUnit, User

SAMPLE_DEFAULT = 20
SAMPLE_MAX = 200


def describe(session: Session, *, actor: Actor, f: AuditFilter, drawn: int, matched: int) -> str:
    """The filter in words, stored with a sample as documentation of how it was drawn."""
    units = session.scalars(select(CareUnit.name).where(CareUnit.id.in_(actor.unit_ids))
                            .order_by(CareUnit.name)).all()
    parts = [_("Enhet: {units}", units=", ".join(units))]
    if f.user_id is not None:
        name = session.scalar(select(User.full_name).where(User.id == f.user_id))
        parts.append(_("Användare: {name}", name=name or f.user_id))
    if f.patient_id is not None:
        parts.append(_("Patient: {pid}", pid=patient_label(session, f.patient_id)[1]))
    if f.date_from:
        parts.append(_("Från och med {d}", d=f.date_from.isoformat()))
    if f.date_to:
        parts.append(_("Till och med {d}", d=f.date_to.isoformat()))
    if f.outcome:
        parts.append(_("Utfall: {o}", o=outcome_label(f.outcome)))
    if f.action:
        parts.append(_("Åtgärd: {a}", a=action_label(f.action)))
    if f.unreviewed:
        parts.append(_("Endast ogranskade rader"))
    if f.hide_lists and not f.action:
        parts.append(_("Utan visningar i listor"))
    parts.append(_("{drawn} av {matched} rader dragna slumpvis", drawn=drawn, matched=matched))
    return "; ".join(parts)


def draw_ids(session: Session, *, actor: Actor, f: AuditFilter, n: int) -> list[int]:
    """N distinct random row ids from the filter (ORDER BY random() works on both databases)."""
    stmt = (select(AuditEvent.id).where(*conditions(actor, replace(f, cursor="")))
            .order_by(func.random()).limit(max(1, min(n, SAMPLE_MAX))))
    return list(session.scalars(stmt))


@dataclass
class SampleSummary:
    """A drawn sample in the list of earlier samples."""

    sample: AuditSample
    drawn_by: str
    size: int
    reviewed: int


def _visible_samples(actor: Actor) -> ColumnElement[bool]:
    # A sample belongs to the unit it was drawn for, whoever drew it (people change units).
    return AuditSample.unit_id.in_(actor.unit_ids)


def _sample_progress(session: Session, *, actor: Actor, sample: AuditSample) -> tuple[int, int]:
    ids = sample_event_ids(sample)
    reviewed = exists().where(AuditReview.audit_event_id == AuditEvent.id)
    size, done = session.execute(
        select(func.count(), func.count().filter(reviewed)).select_from(AuditEvent)
        .where(AuditEvent.id.in_(ids), AuditEvent.unit_id.in_(actor.unit_ids))).one()
    return size, done


def list_samples(session: Session, *, actor: Actor, limit: int = 100) -> list[SampleSummary]:
    """Samples drawn in the actor's units, newest first, with how far their review has come."""
    rows = session.execute(
        select(AuditSample, User.full_name).join(User, User.id == AuditSample.drawn_by_id)
        .where(_visible_samples(actor)).order_by(AuditSample.drawn_at.desc()).limit(limit)
    ).tuples().all()
    out = []
    for sample, name in rows:
        size, done = _sample_progress(session, actor=actor, sample=sample)
        out.append(SampleSummary(sample=sample, drawn_by=name, size=size, reviewed=done))
    return out


def get_sample(session: Session, *, actor: Actor, sample_id: int) -> tuple[SampleSummary,
                                                                        list[LogRow]]:
    """A sample with its rows (those of the actor's units) and their reviews."""
    found = session.execute(
        select(AuditSample, User.full_name).join(User, User.id == AuditSample.drawn_by_id)
        .where(AuditSample.id == sample_id, _visible_samples(actor))).tuples().first()
    if found is None:
        # Another unit's sample is not found either, but that refusal is logged.
        unit_id = session.scalar(select(AuditSample.unit_id).where(AuditSample.id == sample_id))
        if unit_id is not None:
            require_unit(actor=actor, object_type="audit_sample", object_id=sample_id,
                         unit_id=unit_id, hidden=_("Stickprovet finns inte."))
        raise NotFound(_("Stickprovet finns inte."))
    sample, name = found
    rows = log_rows(session, row_select().where(
        AuditEvent.id.in_(sample_event_ids(sample)), AuditEvent.unit_id.in_(actor.unit_ids))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    done = sum(1 for r in rows if r.reviews)
    return SampleSummary(sample=sample, drawn_by=name, size=len(rows), reviewed=done), rows
