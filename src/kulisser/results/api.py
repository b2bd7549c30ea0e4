"""JSON API for results and referral replies: import (FHIR, CSV, JSON lines), lists, sign."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Query, Request, Response, UploadFile
from sqlalchemy.orm import Session

from kulisser.bounds import BigId, Id, Offset
from kulisser.errors import ValidationFailed
from kulisser.i18n import _
from kulisser.patients.service import Patient
from kulisser.results import items
from kulisser.results import service as results
from kulisser.results.bulk import DUPLICATE, ERROR, IMPORTED, UNMATCHED, ImportReport
from kulisser.results.models import Result
from kulisser.results.queries import SCOPES
from kulisser.results.schemas import (
    HandoverIn,
    ImportOut,
    MatchIn,
    OutcomeOut,
    ResultDetail,
    ResultEventOut,
    ResultList,
    ResultOut,
    SignIn,
    ValueOut,
)
from kulisser.staff import service as staff
from kulisser.web.api import auth_dependencies, error_responses
from kulisser.web.deps import Ctx, CurrentCtx
from kulisser.worklist.service import PatientRef, Priority, UserRef

router = APIRouter(prefix="/api/v1/results", tags=["results"], responses=error_responses(401),
                   dependencies=auth_dependencies())
_ACT_ERRORS = error_responses(403, 404, 409, 422)
_FHIR_EXAMPLE = {
    "resourceType": "DiagnosticReport", "identifier": [{"system": "urn:oid:1.2.752.99.1", "value": "LAB-1"}],
    "status": "final", "code": {"text": "Blodstatus"},
    "subject": {"identifier": {"system": "http://electronichealth.se/identifier/personnummer",
                               "value": "191212121212"}},
    "issued": "2026-11-23T10:00:00+01:00",
    "basedOn": [{"reference": "#order"}], "result": [{"reference": "#hb"}],
    "contained": [
        {"resourceType": "ServiceRequest", "id": "order", "status": "active", "intent": "order",
         "subject": {"identifier": {"value": "191212121212"}},
         "requester": {"identifier": {"system": "urn:oid:1.2.752.129.2.1.4.1", "value": "lakare"}}},
        {"resourceType": "Observation", "id": "hb", "status": "final", "code": {"text": "Hb"},
         "valueQuantity": {"value": 95, "unit": "g/L"},
         "referenceRange": [{"low": {"value": 117}, "high": {"value": 153}}],
         "interpretation": [{"coding": [{"code": "L"}]}]}]}


def _report(report: ImportReport, response: Response) -> ImportOut:
    response.status_code = 201 if report.created else 200
    return ImportOut(
        imported=report.count(IMPORTED), unmatched=report.count(UNMATCHED),
        duplicates=report.count(DUPLICATE), errors=report.count(ERROR),
        outcomes=[OutcomeOut(row=o.row, source_id=o.source_id, status=o.status,
                             status_label=o.label, result_id=o.result_id, message=o.message)
                  for o in report.outcomes])


def _user(names: dict[int, str], user_id: int | None) -> UserRef | None:
    return None if user_id is None else UserRef(id=user_id, name=names.get(user_id, ""))


def _summary(row: results.ResultRow, names: dict[int, str]) -> dict[str, Any]:
    r, item, p = row.result, row.item, row.patient
    return dict(
        id=r.id, status=r.status, status_label=r.status_label, title=r.title,
        patient=PatientRef(id=p.id, name=p.full_name, identifier=p.display_id) if p else None,
        unit_id=r.unit_id, ordering_clinician=_user(names, r.ordering_clinician_id),
        ordering_clinician_text=r.ordering_clinician_text,
        responsible=_user(names, item.owner_id) if item else None,
        work_item_id=item.id if item else None, due_at=item.due_at if item else None,
        abnormal=r.abnormal, critical=r.critical, priority=Priority(r.priority),
        issued_at=r.issued_at, received_at=r.received_at, source_system=r.source_system,
        source_id=r.source_id, source_format=r.source_format, signed_at=r.signed_at,
        signed_by=_user(names, r.signed_by_id), follow_up=r.follow_up,
        follow_up_item_id=r.follow_up_item_id)


def _names(session: Session, found: list[results.ResultRow], *, history: bool = False) -> dict[int, str]:
    ids: set[int] = set()
    for row in found:
        r = row.result
        ids |= {i for i in (r.ordering_clinician_id, r.signed_by_id) if i is not None}
        if row.item is not None and row.item.owner_id is not None:
            ids.add(row.item.owner_id)
        if history:
            ids |= {e.actor_id for e in r.events if e.actor_id is not None}
    return staff.user_names(session, ids)


def _detail(ctx: Ctx, result: Result) -> ResultDetail:
    item = items.open_review_items(ctx.db, [result.id]).get(result.id)
    patient = ctx.db.get(Patient, result.patient_id) if result.patient_id else None
    row = results.ResultRow(result=result, item=item, patient=patient)
    names = _names(ctx.db, [row], history=True)
    return ResultDetail(
        **_summary(row, names), conclusion=result.conclusion, import_note=result.import_note,
        follow_up_note=result.follow_up_note,
        values=[ValueOut.model_validate(v, from_attributes=True) for v in result.observations],
        raw=result.raw,
        events=[ResultEventOut(type=e.type, at=e.at, actor=_user(names, e.actor_id), reason=e.reason,
                               data=e.data) for e in result.events],
        allowed_actions=results.actions_for(
            ctx.actor, result, has_review_item=item is not None and item.kind == items.REVIEW.code))


# -- import ------------------------------------------------------------------------------------

@router.post("", response_model=ImportOut, status_code=201, summary="Import a FHIR result",
             responses={**error_responses(422), 200: {"model": ImportOut, "description":
                        "Everything in the payload was imported before: nothing new."}})
def import_fhir(response: Response, payload: Annotated[dict[str, Any], Body(
        description="A FHIR R4 DiagnosticReport (Observations contained), an Observation, or a "
                    "Bundle of those.", examples=[_FHIR_EXAMPLE])],
        ctx: CurrentCtx) -> ImportOut:
    """Validate with fhir.resources (422 with the FHIR path of each problem), match, route.

    An unknown patient or a bad identity number is imported as `unmatched` into the unit's
    queue; a result already imported (same sender system and id) creates nothing.
    """
    return _report(results.import_fhir(ctx.db, actor=ctx.actor, payload=payload), response)


@router.post("/csv", response_model=ImportOut, status_code=201, summary="Import a CSV drop",
             responses=error_responses(422))
def import_csv(response: Response, file: Annotated[UploadFile, File(
        description="Semicolon or comma separated, header row first; columns in the README.")],
        ctx: CurrentCtx) -> ImportOut:
    """Each row is one result; a row's problem is reported for that row and the rest imported.

    The file is read as it is imported (never whole in memory); a binary file, one of more
    than 10,000 rows or with a row over 100,000 characters is refused with the row named.
    """
    return _report(results.import_csv(ctx.db, actor=ctx.actor, data=file.file), response)


async def _body(request: Request) -> bytes:
    return await request.body()


@router.post("/bulk", response_model=ImportOut, status_code=201, summary="Import JSON lines",
             responses=error_responses(422), openapi_extra={"requestBody": {"content": {
                 "application/x-ndjson": {"schema": {"type": "string"}}}, "required": True}})
def import_bulk(response: Response, body: Annotated[bytes, Depends(_body)],
                ctx: CurrentCtx) -> ImportOut:
    """One result per line: a flat object with the CSV columns as keys, or a FHIR resource.

    At most 10,000 lines per call (larger drops: `kulisser import-results`).
    """
    try:
        lines = body.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise ValidationFailed({"body": "Skicka UTF-8."}) from None
    if len(lines) > results.MAX_LINES:
        raise ValidationFailed({"body": _("Högst {max_lines} rader per anrop.", max_lines=results.MAX_LINES)})
    return _report(results.import_lines(ctx.db, actor=ctx.actor, lines=lines), response)


# -- read and act ------------------------------------------------------------------------------

@router.get("", response_model=ResultList, summary="The unit's results",
            responses=error_responses(403, 422))
def list_results(
    *,
    scope: Annotated[str, Query(description=", ".join(SCOPES))] = "mine",
    patient_id: Id | None = None,
    abnormal: Annotated[bool, Query(description="Only results with abnormal values.")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[Offset, Query()] = 0,
    ctx: CurrentCtx,
) -> ResultList:
    """Most urgent first (signed: newest first); each patient listed is logged."""
    found = results.list_results(ctx.db, actor=ctx.actor, scope=scope, patient_id=patient_id,
                                 abnormal=abnormal, limit=limit, offset=offset)
    names = _names(ctx.db, found)
    return ResultList(items=[ResultOut(**_summary(row, names)) for row in found],
                      total=results.count_results(ctx.db, actor=ctx.actor, scope=scope,
                                                  patient_id=patient_id, abnormal=abnormal))


@router.get("/{result_id}", response_model=ResultDetail, summary="Read a result",
            responses=error_responses(403, 404))
def read(result_id: BigId, ctx: CurrentCtx) -> ResultDetail:
    """The result with its values, the raw data as sent, and its history (the read is logged)."""
    return _detail(ctx, results.get_result(ctx.db, actor=ctx.actor, result_id=result_id))


@router.post("/{result_id}/sign", response_model=ResultDetail, responses=_ACT_ERRORS,
             summary="Sign (vidimera) with a follow-up")
def sign(result_id: BigId, body: SignIn, ctx: CurrentCtx) -> ResultDetail:
    """A clinician signs; the review item completes and the follow-up becomes a task."""
    result = results.sign_result(ctx.db, actor=ctx.actor, result_id=result_id,
                                 follow_up=body.follow_up, note=body.note)
    return _detail(ctx, result)


@router.post("/{result_id}/handover", response_model=ResultDetail, responses=_ACT_ERRORS,
             summary="Hand over to another clinician")
def handover(result_id: BigId, body: HandoverIn, ctx: CurrentCtx) -> ResultDetail:
    """Responsibility moves with a reason (null: the unit's queue); the old owner loses it."""
    result = results.hand_over(ctx.db, actor=ctx.actor, result_id=result_id,
                               to_user_id=body.to_user_id, reason=body.reason)
    return _detail(ctx, result)


@router.post("/{result_id}/match", response_model=ResultDetail, responses=_ACT_ERRORS,
             summary="Match an unmatched result to its patient")
def match(result_id: BigId, body: MatchIn, ctx: CurrentCtx) -> ResultDetail:
    """The unmatched item completes and the result is routed for signing."""
    result = results.match_result(ctx.db, actor=ctx.actor, result_id=result_id,
                                  identifier=body.identifier, clinician=body.clinician)
    return _detail(ctx, result)

