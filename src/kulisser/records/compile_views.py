"""The compile page of a record request (/journalkopior/{id}/sammanstall): pick the patient's
documents, mask passages, preview the copy, open its PDF. A log extract shows its rows.

Masking works by selecting a passage (web/static/records-mask.js fills the offsets) or, with
the keyboard or without JavaScript, by typing the exact passage. A refusal is shown at the
document where the secretary acted, with what she typed kept.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kulisser.bounds import MAX_BIG_ID, Id, parse_int
from kulisser.db import utcnow
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.patients import service as patients
from kulisser.records import documents, log_extract, pdf, service
from kulisser.records.models import RecordRequest
from kulisser.records.states import KIND_LABELS, STATUS_LABELS, VERDICT_LABELS, RequestKind
from kulisser.web import csv
from kulisser.web.deps import Ctx, CurrentCtx, FormStr
from kulisser.web.templating import render
from kulisser.worklist.service import TransitionError

router = APIRouter(include_in_schema=False)


def pdf_response(name: str, body: bytes) -> Response:
    """A PDF shown in the browser (inline), never cached (the middleware adds no-store)."""
    return Response(content=body, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


def _url(request_id: int, suffix: str = "") -> str:
    return f"/journalkopior/{request_id}/sammanstall{suffix}"


def _labels() -> dict[str, Any]:
    return {"source_labels": {k: _(v) for k, v in documents.SOURCE_LABELS.items()},
            "status_labels": {k: _(v) for k, v in STATUS_LABELS.items()},
            "kind_labels": {k: _(v) for k, v in KIND_LABELS.items()},
            "verdict_labels": {k: _(v) for k, v in VERDICT_LABELS.items()}}


def _page(request: Request, ctx: Ctx, request_id: int, *, errors: dict[str, str] | None = None,
          typed: dict[str, str] | None = None, notice: str = "", status: int = 200) -> Response:
    now = utcnow()
    record_request, found = documents.candidates(ctx.db, actor=ctx.actor, request_id=request_id,
                                                 now=now)
    patient = patients.get_patient(ctx.db, actor=ctx.actor, patient_id=record_request.patient_id,
                                   object_type=pdf.OBJECT_TYPE)
    picked = {(d.source, d.source_id, d.source_version) for d in record_request.documents}
    extract = record_request.kind == RequestKind.LOG_EXTRACT.value
    return render(request, "records/compile.html", {
        "nav": "records", "rr": record_request, "patient": patient, "candidates": found,
        "picked": picked, "errors": errors or {}, "typed": typed or {}, "notice": notice,
        "extract": extract, "segments": documents.segments,
        "accesses": log_extract.access_lines(ctx.db, actor=ctx.actor, request=record_request,
                                             now=now) if extract else [],
        "can_pick": record_request.status in documents.PICKABLE and not extract,
        "can_mask": record_request.status in documents.MASKABLE and not extract,
        **_labels()}, status_code=status)


@router.get("/journalkopior/{request_id}/sammanstall")
def compile_page(request: Request, request_id: Id, *, maskerade: str = "",
                 ctx: CurrentCtx) -> Response:
    """The documents to pick from, the picked ones with their masks, preview and PDF links."""
    places = parse_int(maskerade)
    return _page(request, ctx, request_id,
                 notice=documents.masked_places(places) if places else "")


def _refused(request: Request, ctx: Ctx, request_id: int, exc: Exception, *, key: str,
             typed: dict[str, str] | None = None) -> Response:
    ctx.db.rollback()
    if isinstance(exc, ValidationFailed):
        errors = {key: next(iter(exc.errors.values()))}
        status = 422
    else:
        errors = {key: getattr(exc, "message", str(exc))}
        status = 404 if isinstance(exc, NotFound) else 409
    return _page(request, ctx, request_id, errors=errors, typed=typed, status=status)


@router.post("/journalkopior/{request_id}/sammanstall/valj")
def pick_document(request: Request, request_id: Id, *, source: FormStr = "",
                  source_id: FormStr = "", source_version: FormStr = "0",
                  ctx: CurrentCtx) -> Response:
    """Pick a document into the copy (the first pick starts the compiling)."""
    doc_id = parse_int(source_id, maximum=MAX_BIG_ID)
    version = parse_int(source_version or "0")
    try:
        if doc_id is None or version is None:
            raise NotFound(_("Handlingen finns inte i patientens journal inom begärans omfattning."))
        documents.pick(ctx.db, actor=ctx.actor, request_id=request_id, source=source,
                       source_id=doc_id, source_version=version, now=utcnow())
    except (ValidationFailed, NotFound, TransitionError) as exc:
        return _refused(request, ctx, request_id, exc, key="pick")
    return RedirectResponse(_url(request_id, "#valda"), status_code=303)


@router.post("/journalkopior/{request_id}/sammanstall/valj-alla")
def pick_all_documents(request: Request, request_id: Id, ctx: CurrentCtx) -> Response:
    """Pick every document within the scope not picked yet."""
    try:
        documents.pick_all(ctx.db, actor=ctx.actor, request_id=request_id, now=utcnow())
    except TransitionError as exc:
        return _refused(request, ctx, request_id, exc, key="pick")
    return RedirectResponse(_url(request_id, "#valda"), status_code=303)


@router.post("/journalkopior/{request_id}/sammanstall/{document_id}/ta-bort")
def unpick_document(request: Request, request_id: Id, document_id: Id,
                    ctx: CurrentCtx) -> Response:
    """Take a picked document out of the copy."""
    try:
        documents.unpick(ctx.db, actor=ctx.actor, request_id=request_id, document_id=document_id,
                         now=utcnow())
    except (NotFound, TransitionError) as exc:
        return _refused(request, ctx, request_id, exc, key="pick")
    return RedirectResponse(_url(request_id, "#valda"), status_code=303)


@router.post("/journalkopior/{request_id}/sammanstall/{document_id}/maskera")
def mask_passage(request: Request, request_id: Id, document_id: Id, *, start: FormStr = "",
                 end: FormStr = "", passage: FormStr = "", ctx: CurrentCtx) -> Response:
    """Mask the selected range, or every place of the typed passage."""
    key = f"mask-{document_id}"
    try:
        if passage.strip():  # a typed passage wins: it is what the user sees in the field
            places = documents.mask(ctx.db, actor=ctx.actor, request_id=request_id,
                                    document_id=document_id, passage=passage, now=utcnow())
        else:
            first, last = parse_int(start, maximum=10**8), parse_int(end, maximum=10**8)
            if first is None or last is None:
                raise ValidationFailed({"passage": _(
                    "Markera eller skriv den text som ska maskeras.")})
            places = documents.mask(ctx.db, actor=ctx.actor, request_id=request_id,
                                    document_id=document_id, start=first, end=last, now=utcnow())
    except (ValidationFailed, NotFound, TransitionError) as exc:
        return _refused(request, ctx, request_id, exc, key=key, typed={key: passage})
    return RedirectResponse(_url(request_id, f"?maskerade={places}#dok-{document_id}"),
                            status_code=303)


@router.post("/journalkopior/{request_id}/sammanstall/{document_id}/maskering/{mask_id}/ta-bort")
def unmask_passage(request: Request, request_id: Id, document_id: Id, mask_id: Id,
                   ctx: CurrentCtx) -> Response:
    """Take a masking away."""
    try:
        documents.unmask(ctx.db, actor=ctx.actor, request_id=request_id, document_id=document_id,
                         mask_id=mask_id, now=utcnow())
    except (NotFound, TransitionError) as exc:
        return _refused(request, ctx, request_id, exc, key=f"mask-{document_id}")
    return RedirectResponse(_url(request_id, f"#dok-{document_id}"), status_code=303)


@router.get("/journalkopior/{request_id}/forhandsgranska")
def preview(request: Request, request_id: Id, ctx: CurrentCtx) -> Response:
    """The copy as it will be printed (masked passages replaced), before the PDF."""
    now = utcnow()
    record_request: RecordRequest = service.get_request(ctx.db, actor=ctx.actor,
                                                        request_id=request_id, now=now)
    copy = pdf.build_copy(ctx.db, actor=ctx.actor, request=record_request, now=now)
    return render(request, "records/preview.html", {"nav": "records", "copy": copy,
                                                    "rr": record_request, **_labels()})


@router.get("/journalkopior/{request_id}/kopia.pdf")
def copy_pdf(request_id: Id, ctx: CurrentCtx) -> Response:
    """The copy (or log extract) as one PDF, as it stands now."""
    name, body = pdf.copy_file(ctx.db, actor=ctx.actor, request_id=request_id, now=utcnow())
    return pdf_response(name, body)


@router.get("/journalkopior/{request_id}/loggutdrag.csv")
def log_extract_csv(request_id: Id, ctx: CurrentCtx) -> Response:
    """A log extract's rows as CSV (semicolons, for Swedish Excel); the read is logged."""
    now = utcnow()
    record_request = service.get_request(ctx.db, actor=ctx.actor, request_id=request_id, now=now)
    if record_request.kind != RequestKind.LOG_EXTRACT.value:
        raise NotFound(_("Begäran är inget loggutdrag."))
    lines = log_extract.access_lines(ctx.db, actor=ctx.actor, request=record_request, now=now)
    text = csv.document(
        [_("Tid"), _("Vårdenhet"), _("Roll"), _("Personal"), _("Åtgärd"), _("Nödåtkomst")],
        ([line.at.astimezone(log_extract.TZ).strftime("%Y-%m-%d %H:%M"), line.unit, line.role,
          line.staff, line.action, _("Ja") if line.emergency else ""] for line in lines))
    return csv.attachment(text, f"loggutdrag-{record_request.id}.csv")
