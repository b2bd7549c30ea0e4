"""The lists of results: the clinician's to sign, the unit's queue, to match, signed.

Each list shows only the actor's current unit, and logs one "list" audit row per patient
shown (PDL). A list for one patient checks access to that patient first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.patients import service as patients
from kulisser.patients.service import Patient
from kulisser.results import items
from kulisser.results.models import Result
from kulisser.results.states import ResultStatus
from kulisser.staff.service import Actor
from kulisser.worklist import service as worklist
from kulisser.worklist.service import WorkItem

SCOPES: dict[str, str] = {
    "mine": N_("Mina att vidimera"),
    "queue": N_("Enhetens kö (utan ansvarig)"),
    "unsigned": N_("Alla ej vidimerade"),
    "unmatched": N_("Att matcha"),
    "signed": N_("Vidimerade"),
    "all": N_("Alla"),
}


@dataclass
class ResultRow:
    """A result in a list, with its open work item and its patient (None when unmatched)."""

    result: Result
    item: WorkItem | None
    patient: Patient | None


# The open review item of each result, which the "mine" and "queue" lists join and sort by.
_REVIEW = worklist.open_items_subquery(ref_type=items.REF_TYPE, kind=items.REVIEW.code)


def _scoped(stmt: Select[Any], *, actor: Actor, scope: str, patient_id: int | None,
            abnormal: bool) -> Select[Any]:
    if scope not in SCOPES:
        raise ValidationFailed({"scope": _("Okänt urval.")})
    stmt = stmt.where(Result.unit_id == actor.unit_id)
    if scope in ("mine", "queue"):
        owner = _REVIEW.c.owner_id == actor.user_id if scope == "mine" else _REVIEW.c.owner_id.is_(None)
        stmt = stmt.join(_REVIEW, _REVIEW.c.ref_id == Result.id).where(owner)
    elif scope == "unsigned":
        stmt = stmt.where(Result.status == ResultStatus.TO_SIGN.value)
    elif scope == "unmatched":
        stmt = stmt.where(Result.status == ResultStatus.UNMATCHED.value)
    elif scope == "signed":
        stmt = stmt.where(Result.status == ResultStatus.SIGNED.value)
    if patient_id is not None:
        stmt = stmt.where(Result.patient_id == patient_id)
    if abnormal:
        stmt = stmt.where(Result.abnormal.is_(True))
    return stmt


def count_results(session: Session, *, actor: Actor, scope: str, patient_id: int | None = None,
                  abnormal: bool = False) -> int:
    """How many results the list holds (no patient shown, so nothing logged)."""
    stmt = _scoped(select(func.count(Result.id)), actor=actor, scope=scope, patient_id=patient_id,
                   abnormal=abnormal)
    return session.scalar(stmt) or 0


def list_results(session: Session, *, actor: Actor, scope: str = "mine",
                 patient_id: int | None = None, abnormal: bool = False, limit: int = 50,
                 offset: int = 0) -> list[ResultRow]:
    """One page of a list, most urgent first (signed: newest first); patients shown are logged."""
    if patient_id is not None:
        patients.get_patient(session, actor=actor, patient_id=patient_id)
    stmt = _scoped(select(Result), actor=actor, scope=scope, patient_id=patient_id,
                   abnormal=abnormal)
    if scope in ("mine", "queue"):
        stmt = stmt.order_by(_REVIEW.c.due_at, Result.id)
    elif scope == "signed":
        stmt = stmt.order_by(Result.signed_at.desc(), Result.id.desc())
    elif scope == "all":
        stmt = stmt.order_by(Result.received_at.desc(), Result.id.desc())
    else:
        stmt = stmt.order_by(Result.critical.desc(), Result.abnormal.desc(), Result.received_at,
                             Result.id)
    found = list(session.scalars(stmt.limit(limit).offset(offset)))
    open_items = items.open_review_items(session, [r.id for r in found])
    pids = {r.patient_id for r in found if r.patient_id is not None}
    people = ({p.id: p for p in session.scalars(select(Patient).where(Patient.id.in_(pids)))}
              if pids else {})
    audit.log_listing(session, actor=actor, patient_ids=pids, object_type="result_list")
    return [ResultRow(result=r, item=open_items.get(r.id),
                      patient=people.get(r.patient_id) if r.patient_id else None) for r in found]
