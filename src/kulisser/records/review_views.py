"""Pages and form posts for the delegation table, the secrecy review, the decision and delivery.

The request's detail page (rcore's detail.html) includes the sections _review.html,
_decision.html and _delivery.html; their data comes from ``section_context`` as ``rv``. The
page /journalkopior/{id}/provning shows the same three sections on their own, and is where a
refused form is shown again with its message and the typed text kept.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kulisser.bounds import Id, parse_id
from kulisser.db import utcnow
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.i18n import N_, _
from kulisser.letters import service as letters
from kulisser.patients import service as patients
from kulisser.records import delegation, delivery, review
from kulisser.records import service as records
from kulisser.records.models import RecordRequest
from kulisser.records.states import (
    DELIVERY_LABELS,
    GROUND_LABELS,
    KIND_LABELS,
    OUTCOME_LABELS,
    REQUESTER_LABELS,
    STATUS_LABELS,
    VERDICT_LABELS,
)
from kulisser.staff import service as staff
from kulisser.web import csv as csvout
from kulisser.web.deps import AppSettings, Ctx, CurrentCtx, FormStr
from kulisser.web.templating import render
from kulisser.worklist.service import TransitionError

router = APIRouter(include_in_schema=False)


def _labels(mapping: dict[str, str]) -> list[tuple[str, str]]:
    return [(str(k), _(v)) for k, v in mapping.items()]


def section_context(ctx: Ctx, request: RecordRequest, *, values: dict[str, str] | None = None,
                    errors: dict[str, str] | None = None, form: str = "") -> dict[str, Any]:
    """What the review, decision and delivery sections need (``rv`` in the templates)."""
    db, actor = ctx.db, ctx.actor
    today = delegation.local_today()
    letter = None
    if request.decision_letter_id is not None:
        letter = letters.get_letter(db, actor=actor, letter_id=request.decision_letter_id)
    names = staff.user_names(db, {i for i in (request.prepared_by_id, request.decider_id,
                                              request.decided_by_id, request.delivered_by_id)
                                  if i is not None})
    return {
        "r": request, "today": today.isoformat(), "values": values or {}, "errors": errors or {},
        "form": form, "names": names,
        "deciders": delegation.deciders(db, unit_id=request.unit_id, on=today,
                                        preparer_id=actor.user_id),
        "may_decide": delegation.may_decide(db, actor=actor, request=request, on=today),
        "decision_letter": letter,
        "consent_problem": delivery.consent_problem(request, on=today),
        "verdicts": _labels(VERDICT_LABELS), "grounds": _labels(GROUND_LABELS),
        "deliveries": _labels(DELIVERY_LABELS),
        "verdict_labels": dict(_labels(VERDICT_LABELS)),
        "ground_labels": dict(_labels(GROUND_LABELS)),
        "outcome_labels": dict(_labels(OUTCOME_LABELS)),
    }


def _page(http: Request, ctx: Ctx, request_id: int, *, values: dict[str, str] | None = None,
          errors: dict[str, str] | None = None, form: str = "", status: int = 200) -> Response:
    request = records.get_request(ctx.db, actor=ctx.actor, request_id=request_id)
    return render(http, "records/review_page.html", {
        "nav": "records", "rr": request,
        "rv": section_context(ctx, request, values=values, errors=errors, form=form),
        "status_labels": dict(_labels(STATUS_LABELS)), "kind_labels": dict(_labels(KIND_LABELS)),
        "requester_labels": dict(_labels(REQUESTER_LABELS)),
    }, status_code=status)


@router.get("/journalkopior/{request_id}/provning")
def review_page(http: Request, request_id: Id, ctx: CurrentCtx) -> Response:
    """The request's review, decision and delivery on a page of their own."""
    return _page(http, ctx, request_id)


def _acted(http: Request, ctx: Ctx, request_id: int, form: str, values: dict[str, str],
           act: Any) -> Response:
    """Run one act; on refusal show the page again with the message where the user acted."""
    try:
        act()
    except ValidationFailed as exc:
        return _failed(http, ctx, request_id, form, values, exc.errors, 422)
    except TransitionError as exc:
        errors, status = exc.form_error()
        return _failed(http, ctx, request_id, form, values, {"action": errors.popitem()[1]},
                       status)
    except Forbidden as exc:  # no delegation: the kept denied audit row outlives the rollback
        return _failed(http, ctx, request_id, form, values, {"action": exc.message}, 403)
    return RedirectResponse(f"/journalkopior/{request_id}", status_code=303)


def _failed(http: Request, ctx: Ctx, request_id: int, form: str, values: dict[str, str],
            errors: dict[str, str], status: int) -> Response:
    ctx.db.rollback()  # the page shows the request as it still is
    return _page(http, ctx, request_id, values=values, errors=errors, form=form, status=status)


@router.post("/journalkopior/{request_id}/provning/skicka")
def submit(http: Request, request_id: Id, *, decider_id: FormStr = "",
           ctx: CurrentCtx) -> Response:
    """Send the compiled request to the chosen decider."""
    return _acted(http, ctx, request_id, "submit", {"decider_id": decider_id},
                  lambda: review.submit(ctx.db, actor=ctx.actor, request_id=request_id,
                                        decider_id=parse_id(decider_id), now=utcnow()))


@router.post("/journalkopior/{request_id}/handlingar/{document_id}/provning")
def review_document(http: Request, request_id: Id, document_id: Id, *, verdict: FormStr = "",
                    legal_ground: FormStr = "", legal_ground_text: FormStr = "",
                    reason: FormStr = "", ctx: CurrentCtx) -> Response:
    """The decider's verdict on one document."""
    values = {"verdict": verdict, "legal_ground": legal_ground,
              "legal_ground_text": legal_ground_text, "reason": reason}
    return _acted(http, ctx, request_id, f"doc-{document_id}", values,
                  lambda: review.review_document(
                      ctx.db, actor=ctx.actor, request_id=request_id, document_id=document_id,
                      verdict=verdict, legal_ground=legal_ground,
                      legal_ground_text=legal_ground_text, reason=reason, now=utcnow()))


@router.post("/journalkopior/{request_id}/aterlamna")
def return_request(http: Request, request_id: Id, *, reason: FormStr = "",
                   ctx: CurrentCtx) -> Response:
    """Send the request back to the secretary with a reason."""
    return _acted(http, ctx, request_id, "return", {"reason": reason},
                  lambda: review.return_request(ctx.db, actor=ctx.actor, request_id=request_id,
                                                reason=reason, now=utcnow()))


@router.post("/journalkopior/{request_id}/beslut")
def decide(http: Request, request_id: Id, *, reason: FormStr = "", ctx: CurrentCtx) -> Response:
    """Decide on the request from the verdicts."""
    return _acted(http, ctx, request_id, "decide", {"reason": reason},
                  lambda: review.decide(ctx.db, actor=ctx.actor, request_id=request_id,
                                        reason=reason, now=utcnow()))


@router.post("/journalkopior/{request_id}/beslutsbrev")
def decision_letter(http: Request, request_id: Id, ctx: CurrentCtx) -> Response:
    """Make the appealable written decision (the requester asked for it)."""
    return _acted(http, ctx, request_id, "letter", {},
                  lambda: review.decision_letter(ctx.db, actor=ctx.actor, request_id=request_id,
                                                 now=utcnow()))


@router.post("/journalkopior/{request_id}/beslut-mottaget")
def decision_received(http: Request, request_id: Id, *, received_on: FormStr = "",
                      ctx: CurrentCtx) -> Response:
    """Record the day the requester received the written decision."""
    return _acted(http, ctx, request_id, "received", {"received_on": received_on},
                  lambda: review.set_received(ctx.db, actor=ctx.actor, request_id=request_id,
                                              received_on=received_on, now=utcnow()))


@router.post("/journalkopior/{request_id}/lamna-ut")
def deliver(http: Request, request_id: Id, *, how: FormStr = "", id_check: FormStr = "",
            ctx: CurrentCtx, settings: AppSettings) -> Response:
    """Hand the copy over: post, digital mailbox, or collected in person."""
    return _acted(http, ctx, request_id, "deliver", {"how": how, "id_check": id_check},
                  lambda: delivery.deliver(ctx.db, actor=ctx.actor, request_id=request_id,
                                           how=how, id_check=id_check, settings=settings,
                                           now=utcnow()))


@router.get("/journalkopior/patient/{patient_id}/utlamnanden")
def patient_releases(http: Request, patient_id: Id, ctx: CurrentCtx) -> Response:
    """The copies handed out about a patient: the entries on the patient's record."""
    patient = patients.get_patient(ctx.db, actor=ctx.actor, patient_id=patient_id)
    entries = delivery.releases_for_patient(ctx.db, actor=ctx.actor, patient_id=patient_id)
    return render(http, "records/patient_releases.html", {
        "nav": "patients", "patient": patient, "entries": entries},
        partial="records/_patient_releases.html")


# -- the delegation table -------------------------------------------------------------------

def _table_page(http: Request, ctx: Ctx, *, values: dict[str, str] | None = None,
                errors: dict[str, str] | None = None, status: int = 200) -> Response:
    return render(http, "records/delegation.html", {
        "nav": "records_delegation", "rows": delegation.table(ctx.db, actor=ctx.actor),
        "members": [(str(u.id), u.full_name)
                    for u in staff.unit_members(ctx.db, unit_id=ctx.actor.unit_id)],
        "roles": [(r.value, _(label)) for r, label in staff.ROLE_LABELS.items()],
        "values": values or {"valid_from": delegation.local_today().isoformat()},
        "errors": errors or {}, "can_edit": ctx.actor.is_manager}, status_code=status)


@router.get("/journalkopior/delegering")
def delegation_page(http: Request, ctx: CurrentCtx) -> Response:
    """The unit's delegation table: lines in force, then ended ones."""
    return _table_page(http, ctx)


CSV_HEADER = [N_("Vem"), N_("Roll"), N_("Från"), N_("Till"), N_("Får besluta om egen beredning"),
              N_("Gäller nu")]


@router.get("/journalkopior/delegering.csv")
def delegation_csv(ctx: CurrentCtx) -> Response:
    """The delegation table as CSV (no patient data)."""
    rows = [[r.who, r.line.role or "", r.line.valid_from.isoformat(),
             r.line.valid_to.isoformat() if r.line.valid_to else "",
             _("Ja") if r.line.may_decide_own else _("Nej"), _("Ja") if r.in_force else _("Nej")]
            for r in delegation.table(ctx.db, actor=ctx.actor)]
    return csvout.attachment(csvout.document([_(h) for h in CSV_HEADER], rows),
                             "kulisser-delegering.csv")


@router.post("/journalkopior/delegering")
def add_delegation(http: Request, *, who: FormStr = "", valid_from: FormStr = "",
                   valid_to: FormStr = "", may_decide_own: FormStr = "",
                   ctx: CurrentCtx) -> Response:
    """Add a line (managers): who is "role:<role>" or "user:<id>"."""
    values = {"who": who, "valid_from": valid_from, "valid_to": valid_to,
              "may_decide_own": may_decide_own}
    kind, _sep, value = who.partition(":")
    try:
        delegation.add(ctx.db, actor=ctx.actor, role=value if kind == "role" else None,
                       user_id=parse_id(value) if kind == "user" else None,
                       valid_from=valid_from, valid_to=valid_to,
                       may_decide_own=bool(may_decide_own))
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _table_page(http, ctx, values=values, errors=exc.errors, status=422)
    return RedirectResponse("/journalkopior/delegering", status_code=303)


@router.post("/journalkopior/delegering/{delegation_id}/avsluta")
def end_delegation(http: Request, delegation_id: Id, *, on: FormStr = "",
                   ctx: CurrentCtx) -> Response:
    """End a line on a day (managers); it stays as history."""
    try:
        delegation.end(ctx.db, actor=ctx.actor, delegation_id=delegation_id, on=on)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _table_page(http, ctx, values={"on": on, "end_id": str(delegation_id)},
                           errors=exc.errors, status=422)
    return RedirectResponse("/journalkopior/delegering", status_code=303)
