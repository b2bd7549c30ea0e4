"""The work items a result moves through, and their kinds.

- `result-review`: the ordering clinician's (or, when the orderer is unknown, the unit's
  queue), from arrival until a clinician signs the result (vidimering);
- `result-unmatched`: in the unit's queue while the patient could not be matched.

Both escalate to the unit manager when overdue (worklist/escalation.py): a result nobody owns
or nobody signs is exactly what must not fall between the chairs. The follow-up the clinician
picks when signing is a plain `task` pointing at the result.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulisser.i18n import N_, _
from kulisser.results.models import Result
from kulisser.results.states import ResultStatus
from kulisser.worklist import service as worklist
from kulisser.worklist.service import (
    GENERIC_OPERATIONS,
    Finding,
    KindSpec,
    Priority,
    WorkItem,
    compare,
    register,
)

REF_TYPE = "result"
worklist.register_record_page(REF_TYPE, label=N_("Provsvaret"), path="/provsvar/{id}")


def load(session: Session, ref_ids: list[int]) -> dict[int, Result]:
    """Results by id with their values, in one query each (the item page shows them)."""
    return {r.id: r for r in session.scalars(
        select(Result).where(Result.id.in_(ref_ids)).options(selectinload(Result.observations)))}


_DETAIL = "results/_item_detail.html"


def _check_review(session: Session) -> list[Finding]:
    """A result to sign has an open review item; a signed one has none."""
    to_sign = ResultStatus.TO_SIGN.value
    return compare(session, kind=REVIEW.code, ref_type=REF_TYPE, model=Result,
                   needs=Result.status == to_sign, allows=lambda r: r.status == to_sign,
                   label=_("Provsvaret"))


def _check_unmatched(session: Session) -> list[Finding]:
    """An unmatched result has an open matching item; a matched one has none."""
    unmatched = ResultStatus.UNMATCHED.value
    return compare(session, kind=UNMATCHED.code, ref_type=REF_TYPE, model=Result,
                   needs=Result.status == unmatched, allows=lambda r: r.status == unmatched,
                   label=_("Provsvaret"))


REVIEW = register(KindSpec(
    code="result-review", label=N_("Provsvar att vidimera"), label_plural=N_("Provsvar att vidimera"),
    # A critical value within hours; the rest within days (units set their own in the rules).
    default_hours={Priority.ACUTE: 2, Priority.HIGH: 24, Priority.NORMAL: 72, Priority.LOW: 168},
    ref_type=REF_TYPE, detail_template=_DETAIL, load_refs=load, escalates=True,
    operations=GENERIC_OPERATIONS, record_hint=N_("Öppna provsvaret för att vidimera det."),
    check=_check_review))
UNMATCHED = register(KindSpec(
    code="result-unmatched", label=N_("Provsvar att matcha"), label_plural=N_("Provsvar att matcha"),
    default_hours={Priority.ACUTE: 1, Priority.HIGH: 4, Priority.NORMAL: 24, Priority.LOW: 72},
    ref_type=REF_TYPE, detail_template=_DETAIL, load_refs=load, escalates=True,
    operations=GENERIC_OPERATIONS, record_hint=N_("Öppna provsvaret för att matcha det mot en patient."),
    check=_check_unmatched))
KIND_CODES = (REVIEW.code, UNMATCHED.code)


def priority_for(*, abnormal: bool, critical: bool) -> str:
    """Critical values are acute, other abnormal values high, the rest normal."""
    if critical:
        return Priority.ACUTE.value
    return Priority.HIGH.value if abnormal else Priority.NORMAL.value


def review_title(result_title: str, *, abnormal: bool, critical: bool) -> str:
    """The review item's title: the flag first, so that the worklist shows it."""
    prefix = (_("Kritiskt provsvar") if critical else _("Avvikande provsvar") if abnormal
              else _("Provsvar"))
    return f"{prefix}: {result_title}"[:200]


def unmatched_title(result_title: str) -> str:
    """The unmatched item's title."""
    return _("Provsvar att matcha: {result_title}", result_title=result_title)[:200]


def open_items(session: Session, *, result_id: int, kind: str | None = None) -> list[WorkItem]:
    """The result's open work items (of one kind)."""
    return worklist.open_items(session, ref_type=REF_TYPE, ref_id=result_id, kind=kind)


def open_review_items(session: Session, result_ids: list[int]) -> dict[int, WorkItem]:
    """The open review item of each result (one query), by result id."""
    found = worklist.open_items_for(session, ref_type=REF_TYPE, ref_ids=result_ids, kind=KIND_CODES)
    # The newest, should a result ever have two (the lists have always shown that one).
    return {result_id: record_items[-1] for result_id, record_items in found.items()}
