"""The invariant check: every open record has an open work item, and no open item outlives its record.

Each kind registers its own check (KindSpec.check; `compare` below does the usual one). The
check runs hourly as a job and on demand as `kulisser check`; every finding becomes one
high-priority "Ärende utan ägare" item in the record's unit's queue, pointing at the record.
A finding that already has an open such item gets no second one, so running twice is safe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.i18n import N_, _
from kulisser.jobs.context import JobContext
from kulisser.jobs.runner import periodic
from kulisser.worklist.kinds import Finding, KindSpec, all_kinds, kind_label, register
from kulisser.worklist.models import WorkItem
from kulisser.worklist.queries import is_open_clause
from kulisser.worklist.states import Priority, Status

UNOWNED = register(KindSpec(
    code="unowned", label=N_("Ärende utan ägare"), label_plural=N_("Ärenden utan ägare"),
    # Something already slipped: it is looked at the same day.
    default_hours={Priority.ACUTE: 2, Priority.HIGH: 8, Priority.NORMAL: 24, Priority.LOW: 72},
))
_CHUNK = 500  # ids per IN list when loading records


def compare(session: Session, *, kind: str, ref_type: str, model: Any, needs: Any | None,
            allows: Callable[[Any], bool], label: str) -> list[Finding]:
    """The usual check of one kind: records that need an open item of the kind and have none
    (`needs`, an SQL condition on the model), and open items whose record does not allow one
    (`allows`, on the loaded record) or is gone. `label` names the record ("Diktatet")."""
    found: list[Finding] = []
    what = kind_label(kind)
    if needs is not None:
        has_item = exists().where(WorkItem.kind == kind, WorkItem.ref_type == ref_type,
                                  WorkItem.ref_id == model.id, is_open_clause(WorkItem))
        for rec in session.scalars(select(model).where(needs, ~has_item).order_by(model.id)):
            found.append(Finding(
                unit_id=rec.unit_id, ref_type=ref_type, ref_id=rec.id, patient_id=rec.patient_id,
                problem=_("{record} väntar på arbete men har inget öppet ärende ”{kind}”.",
                          record=label, kind=what)))
    items = list(session.execute(
        select(WorkItem.ref_id, WorkItem.unit_id, WorkItem.patient_id)
        .where(WorkItem.kind == kind, WorkItem.ref_type == ref_type, WorkItem.ref_id.is_not(None),
               is_open_clause(WorkItem)).order_by(WorkItem.id)))
    ids = sorted({row.ref_id for row in items})
    records: dict[int, Any] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        records.update({r.id: r for r in session.scalars(select(model).where(model.id.in_(chunk)))})
    for row in items:
        rec = records.get(row.ref_id)
        if rec is not None and allows(rec):
            continue
        found.append(Finding(
            unit_id=rec.unit_id if rec is not None and rec.unit_id is not None else row.unit_id,
            ref_type=ref_type, ref_id=row.ref_id, patient_id=row.patient_id,
            problem=_("Ärendet ”{kind}” är öppet fast {record} inte väntar på det.",
                      kind=what, record=label[0].lower() + label[1:])))
    return found


@dataclass
class Report:
    """What a run of the check found and did."""

    findings: list[Finding] = field(default_factory=list)
    created: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """A short Swedish summary for the command line."""
        if not self.findings:
            return _("Inga avvikelser: varje öppen post har ett öppet ärende och tvärtom.")
        lines = [_("{n} avvikelser, {created} nya ärenden ”Ärende utan ägare”.",
                   n=len(self.findings), created=self.created)]
        lines += [f"  {kind_label(k)}: {n}" for k, n in sorted(self.by_kind.items())]
        return "\n".join(lines)


def find(session: Session, *, kinds: Iterable[KindSpec] | None = None,
         progress: Callable[[KindSpec], None] | None = None) -> dict[str, list[Finding]]:
    """Run every registered kind's check (or the given kinds'); findings by kind code."""
    out: dict[str, list[Finding]] = {}
    for spec in list(kinds if kinds is not None else all_kinds()):
        if spec.check is not None:
            out[spec.code] = spec.check(session)
        if progress is not None:
            progress(spec)
    return out


def _already_open(session: Session, finding: Finding) -> bool:
    return session.scalar(select(WorkItem.id).where(
        WorkItem.kind == UNOWNED.code, WorkItem.ref_type == finding.ref_type,
        WorkItem.ref_id == finding.ref_id, is_open_clause(WorkItem)).limit(1)) is not None


def record_findings(session: Session, findings: dict[str, list[Finding]], *,
                    now: datetime | None = None) -> Report:
    """Turn each finding into an "Ärende utan ägare" item in its unit's queue, once per record."""
    now = now or utcnow()
    report = Report()
    made: dict[tuple[str, int], WorkItem] = {}
    for code, group in findings.items():
        for finding in group:
            report.findings.append(finding)
            report.by_kind[code] = report.by_kind.get(code, 0) + 1
            key = (finding.ref_type, finding.ref_id)
            if key in made:  # a second problem with the same record goes into the same item
                made[key].description += "\n" + finding.problem
                continue
            if _already_open(session, finding):
                continue
            item = WorkItem(
                kind=UNOWNED.code, unit_id=finding.unit_id, owner_id=None,
                priority=Priority.HIGH.value, status=Status.REQUESTED.value,
                title=_("Ärende utan ägare: {problem}", problem=finding.problem)[:200],
                description=finding.problem, patient_id=finding.patient_id,
                ref_type=finding.ref_type, ref_id=finding.ref_id, created_at=now, updated_at=now,
                due_at=now + timedelta(hours=UNOWNED.default_hours[Priority.HIGH]))
            item.record("created", actor_id=None, now=now, to_status=item.status,
                        reason=_("Hittat av kontrollen av arbetslistan"))
            session.add(item)
            session.flush()
            made[key] = item
            report.created += 1
            if finding.patient_id is not None:
                audit.log_system(session, unit_id=finding.unit_id, patient_id=finding.patient_id,
                                 action="create", object_type="work_item", object_id=item.id,
                                 reason=_("Kontroll av arbetslistan"), now=now)
    session.flush()
    return report


def run(session: Session, *, now: datetime | None = None,
        progress: Callable[[KindSpec], None] | None = None) -> Report:
    """Find every finding in every domain and make its item; return the report."""
    return record_findings(session, find(session, progress=progress), now=now)


@periodic("worklist.check", every_seconds=3600)
def check_task(ctx: JobContext) -> None:
    """The hourly job: run the invariant check."""
    run(ctx.session)
