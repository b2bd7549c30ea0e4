"""The result pages: the clinician's results to sign, one result, signing, CSV upload."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from kulisser.bounds import BigId, Id, Page, parse_int
from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.patients.service import Patient
from kulisser.results import items
from kulisser.results import service as results
from kulisser.results.bulk import DUPLICATE, ERROR, IMPORTED, UNMATCHED
from kulisser.results.formats import COLUMNS
from kulisser.results.models import Result
from kulisser.results.queries import SCOPES
from kulisser.results.states import FOLLOW_UP_LABELS, FollowUp
from kulisser.staff import service as staff
from kulisser.staff.service import Role
from kulisser.web.deps import Ctx, CurrentCtx, FormStr
from kulisser.web.templating import render
from kulisser.worklist.service import TransitionError

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/provsvar")
def list_page(request: Request, *, scope: str = "", patient_id: Id | None = None,
              abnormal: str = "", page: Annotated[Page, Query()] = 1,
              ctx: CurrentCtx) -> Response:
    """A list of the unit's results: by default the clinician's own to sign."""
    scope = scope or ("mine" if ctx.actor.role is Role.CLINICIAN else "queue")
    if scope not in SCOPES:
        scope = "mine"
    # list_results checks access to the patient (and logs it) before listing their results.
    rows = results.list_results(ctx.db, actor=ctx.actor, scope=scope, patient_id=patient_id,
                                abnormal=bool(abnormal), limit=PAGE, offset=(page - 1) * PAGE)
    patient = ctx.db.get(Patient, patient_id) if patient_id is not None else None
    counts = {s: results.count_results(ctx.db, actor=ctx.actor, scope=s, patient_id=patient_id)
              for s in SCOPES}
    owners = {r.item.owner_id for r in rows if r.item and r.item.owner_id}
    return render(request, "results/list.html", {
        "nav": "results", "rows": rows, "scope": scope, "scopes": {k: _(v) for k, v in SCOPES.items()},
        "counts": counts,
        "patient": patient, "abnormal": bool(abnormal), "page": page, "page_size": PAGE,
        "names": staff.user_names(ctx.db, owners)})


COLUMN_HELP = {
    "sender_id": N_("Avsändarens id för svaret (krävs); samma id importeras aldrig två gånger."),
    "sender_system": N_("Avsändarens system (valfritt)."),
    "identity_number": N_("Patientens personnummer eller samordningsnummer, 10 eller 12 siffror."),
    "ordering_clinician": N_("Beställande läkare: HSA-id eller användarnamn."),
    "test_code": N_("Analyskod, t.ex. 718-7."), "test_name": N_("Analysens namn, t.ex. Hemoglobin."),
    "value": N_("Värdet som labbet anger (4,1, <0.5, Positiv)."), "unit": N_("Enhet, t.ex. g/L."),
    "reference_range": N_("Referensintervall, t.ex. 3,5-4,4, <5 eller >60."),
    "abnormal_flag": N_("Avvikelse: tomt eller N; H, L, A; kritiskt HH, LL, AA."),
    "issued": N_("Svarstid (ÅÅÅÅ-MM-DD TT:MM; utan tidszon svensk tid)."),
    "text": N_("Labbets kommentar."),
}


def column_rows() -> list[tuple[str, list[str], str]]:
    """The CSV columns for the help table: the Swedish header, the other accepted names, help."""
    rows = []
    for name, aliases in COLUMNS.items():
        # Each other name once, never the header itself ("text" is both name and alias).
        others = [a for a in dict.fromkeys((name, *aliases[1:])) if a != aliases[0]]
        rows.append((aliases[0], others, _(COLUMN_HELP[name]) if name in COLUMN_HELP else ""))
    return rows


def _upload_page(request: Request, *, report: Any = None, counts: dict[str, int] | None = None,
                 errors: dict[str, str] | None = None, status: int = 200) -> Response:
    return render(request, "results/upload.html", {
        "nav": "results", "report": report, "counts": counts or {}, "errors": errors or {},
        "columns": column_rows()}, status_code=status)


@router.get("/provsvar/importera")
def upload_form(request: Request, ctx: CurrentCtx) -> Response:
    """The CSV upload form."""
    return _upload_page(request)


@router.post("/provsvar/importera")
def upload(request: Request, *, file: Annotated[UploadFile | None, File()] = None,
           ctx: CurrentCtx) -> Response:
    """Import an uploaded CSV file and show what became of each row."""
    try:
        # A browser sends an empty part without a name when no file was chosen.
        if file is None or not (file.filename or file.size):
            raise ValidationFailed({"file": _("Välj en CSV-fil.")})
        report = results.import_csv(ctx.db, actor=ctx.actor, data=file.file)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _upload_page(request, errors=exc.errors, status=422)
    counts = {s: report.count(s) for s in (IMPORTED, UNMATCHED, DUPLICATE, ERROR)}
    return _upload_page(request, report=report, counts=counts)


def _page(request: Request, ctx: Ctx, result: Result, *, errors: dict[str, str] | None = None,
          values: dict[str, str] | None = None, status: int = 200) -> Response:
    item = items.open_review_items(ctx.db, [result.id]).get(result.id)
    patient = ctx.db.get(Patient, result.patient_id) if result.patient_id else None
    clinicians = [u for u in staff.unit_members(ctx.db, unit_id=result.unit_id)
                  if u.role == Role.CLINICIAN.value]
    ids = {e.actor_id for e in result.events if e.actor_id} | {
        i for i in (result.ordering_clinician_id, result.signed_by_id,
                    item.owner_id if item else None) if i}
    context: dict[str, Any] = {
        "nav": "results", "result": result, "patient": patient, "item": item,
        "names": staff.user_names(ctx.db, ids), "clinicians": clinicians,
        "actions": results.actions_for(ctx.actor, result, has_review_item=item is not None
                                       and item.kind == items.REVIEW.code),
        "follow_ups": [(f.value, _(FOLLOW_UP_LABELS[f])) for f in FollowUp],
        "raw": _pretty(result.raw), "errors": errors or {}, "values": values or {},
        "signed_now": request.query_params.get("vidimerat") == "1"}
    return render(request, "results/result.html", context, status_code=status)


def _pretty(raw: str) -> str:
    try:
        return json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except ValueError:
        return raw


@router.get("/provsvar/{result_id}")
def result_page(request: Request, result_id: BigId, ctx: CurrentCtx) -> Response:
    """One result: its values against their reference ranges, the raw data, sign and hand over."""
    return _page(request, ctx, results.get_result(ctx.db, actor=ctx.actor, result_id=result_id))


def _failed(request: Request, ctx: Ctx, result_id: int, exc: Exception, values: dict[str, str],
            field: str) -> Response:
    # The failed change is rolled back, so the page shows the result as it still is.
    ctx.db.rollback()
    if isinstance(exc, ValidationFailed):
        errors, status = exc.errors, 422
    else:
        assert isinstance(exc, TransitionError)
        errors, status = {field: exc.message}, 409 if exc.code != "reason_required" else 422
    result = results.get_result(ctx.db, actor=ctx.actor, result_id=result_id)
    return _page(request, ctx, result, errors=errors, values=values, status=status)


@router.post("/provsvar/{result_id}/vidimera")
def sign(request: Request, result_id: BigId, *, follow_up: FormStr = "", note: FormStr = "",
         ctx: CurrentCtx) -> Response:
    """Sign the result with the chosen follow-up, then back to the result."""
    try:
        results.sign_result(ctx.db, actor=ctx.actor, result_id=result_id, follow_up=follow_up,
                            note=note)
    except (ValidationFailed, TransitionError) as exc:
        return _failed(request, ctx, result_id, exc, {"follow_up": follow_up, "note": note},
                       "follow_up")
    return RedirectResponse(f"/provsvar/{result_id}?vidimerat=1", status_code=303)


@router.post("/provsvar/{result_id}/lamna-over")
def hand_over(request: Request, result_id: BigId, *, to_user_id: FormStr = "", reason: FormStr = "",
              ctx: CurrentCtx) -> Response:
    """Hand the result over to another clinician (or the unit's queue) with a reason."""
    target = parse_int(to_user_id)
    try:
        results.hand_over(ctx.db, actor=ctx.actor, result_id=result_id, to_user_id=target,
                          reason=reason)
    except (ValidationFailed, TransitionError) as exc:
        return _failed(request, ctx, result_id, exc, {"to_user_id": to_user_id, "reason": reason},
                       "reason")
    return RedirectResponse(f"/provsvar/{result_id}", status_code=303)


@router.post("/provsvar/{result_id}/matcha")
def match(request: Request, result_id: BigId, *, identifier: FormStr = "", clinician: FormStr = "",
          ctx: CurrentCtx) -> Response:
    """Match an unmatched result to its patient; it is then routed for signing."""
    try:
        results.match_result(ctx.db, actor=ctx.actor, result_id=result_id, identifier=identifier,
                             clinician=clinician)
    except (ValidationFailed, TransitionError) as exc:
        return _failed(request, ctx, result_id, exc,
                       {"identifier": identifier, "clinician": clinician}, "identifier")
    return RedirectResponse(f"/provsvar/{result_id}", status_code=303)

