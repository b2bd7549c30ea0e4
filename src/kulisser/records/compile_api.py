"""JSON API for compiling a record copy: the candidates, picks, masks, and the PDF as it
stands (under /api/v1/record-requests/{id}). Errors are JSON (kulisser.web.api.ApiError)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from annotated_types import Ge, Le
from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, model_validator

from kulisser.bounds import BigId, Id
from kulisser.db import utcnow
from kulisser.i18n import _
from kulisser.records import documents, pdf, service
from kulisser.records.models import RequestDocument
from kulisser.records.states import VERDICT_LABELS
from kulisser.web.api import auth_dependencies, error_responses
from kulisser.web.deps import CurrentCtx

router = APIRouter(prefix="/api/v1/record-requests", tags=["record-requests"],
                   responses=error_responses(401), dependencies=auth_dependencies())
_READ = error_responses(403, 404)
_ACT = error_responses(403, 404, 409, 422)
_PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The PDF."}}
TextOffset = Annotated[int, Ge(0), Le(10**8)]
Source = Annotated[str, Field(max_length=20, examples=["note"])]


class CandidateOut(BaseModel):
    """A document of the patient's record in the unit, within the request's scope."""

    source: str
    source_id: int
    source_version: int
    source_label: str
    title: str
    date: date | None
    text: str
    picked: bool


class MaskOut(BaseModel):
    """A masked passage: [start, end) of the document's text as picked."""

    id: int
    start: int
    end: int


class DocumentOut(BaseModel):
    """A picked document with its masks and the decider's verdict."""

    id: int
    position: int
    source: str
    source_id: int
    source_version: int
    title: str
    date: date | None
    text: str
    masks: list[MaskOut]
    masked_text: str = Field(description="The text as it goes out: masked passages replaced.")
    verdict: str | None
    verdict_label: str | None


class PickIn(BaseModel):
    """Which document to pick."""

    source: Source
    source_id: BigId
    source_version: Annotated[int, Ge(0), Le(10**6)] = 0


class MaskIn(BaseModel):
    """A passage to mask: a range [start, end), or the exact text (masked wherever it occurs)."""

    start: TextOffset | None = None
    end: TextOffset | None = None
    passage: Annotated[str, Field(max_length=100_000)] = ""

    @model_validator(mode="after")
    def _one_way(self) -> MaskIn:
        if self.passage.strip() and (self.start is not None or self.end is not None):
            raise ValueError("give start and end, or passage, not both")
        return self


class MaskedOut(BaseModel):
    """The document after masking, and in how many places the passage was masked."""

    places: int
    document: DocumentOut


def _doc_out(doc: RequestDocument) -> DocumentOut:
    return DocumentOut(
        id=doc.id, position=doc.position, source=doc.source, source_id=doc.source_id,
        source_version=doc.source_version, title=doc.title, date=doc.document_date, text=doc.text,
        masks=[MaskOut(id=m.id, start=m.start_at, end=m.end_at) for m in doc.masks],
        masked_text=documents.masked_text(doc), verdict=doc.verdict,
        verdict_label=_(VERDICT_LABELS[doc.verdict]) if doc.verdict else None)


@router.get("/{request_id}/candidates", responses=_READ)
def list_candidates(request_id: Id, ctx: CurrentCtx) -> list[CandidateOut]:
    """The patient's documents in the unit within the request's scope, by date."""
    request, found = documents.candidates(ctx.db, actor=ctx.actor, request_id=request_id,
                                          now=utcnow())
    picked = {(d.source, d.source_id, d.source_version) for d in request.documents}
    return [CandidateOut(source=d.source, source_id=d.source_id, source_version=d.source_version,
                         source_label=_(documents.SOURCE_LABELS.get(d.source, d.source)),
                         title=d.title, date=d.date, text=d.text, picked=d.key in picked)
            for d in found]


@router.get("/{request_id}/documents", responses=_READ)
def list_documents(request_id: Id, ctx: CurrentCtx) -> list[DocumentOut]:
    """The documents picked into the copy, in order, with their masks."""
    request = service.get_request(ctx.db, actor=ctx.actor, request_id=request_id)
    return [_doc_out(d) for d in request.documents]


@router.post("/{request_id}/documents", status_code=201, responses=_ACT)
def pick_document(request_id: Id, body: PickIn, ctx: CurrentCtx) -> DocumentOut:
    """Pick a document into the copy (the first pick starts the compiling)."""
    doc = documents.pick(ctx.db, actor=ctx.actor, request_id=request_id, source=body.source,
                         source_id=body.source_id, source_version=body.source_version,
                         now=utcnow())
    return _doc_out(doc)


class PickedAllOut(BaseModel):
    """How many documents were added, and the copy's documents now."""

    added: int
    documents: list[DocumentOut]


@router.post("/{request_id}/documents/all", responses=_ACT)
def pick_all_documents(request_id: Id, ctx: CurrentCtx) -> PickedAllOut:
    """Pick every document within the scope that is not picked yet, by date."""
    added = documents.pick_all(ctx.db, actor=ctx.actor, request_id=request_id, now=utcnow())
    request = service.get_request(ctx.db, actor=ctx.actor, request_id=request_id)
    return PickedAllOut(added=added, documents=[_doc_out(d) for d in request.documents])


@router.delete("/{request_id}/documents/{document_id}", status_code=204, responses=_ACT)
def unpick_document(request_id: Id, document_id: Id, ctx: CurrentCtx) -> Response:
    """Take a picked document out of the copy."""
    documents.unpick(ctx.db, actor=ctx.actor, request_id=request_id, document_id=document_id,
                     now=utcnow())
    return Response(status_code=204)


@router.post("/{request_id}/documents/{document_id}/masks", responses=_ACT)
def mask_passage(request_id: Id, document_id: Id, body: MaskIn, ctx: CurrentCtx) -> MaskedOut:
    """Mask a range of the document's text, or every place of a passage; overlaps merge."""
    places = documents.mask(ctx.db, actor=ctx.actor, request_id=request_id,
                            document_id=document_id, start=body.start, end=body.end,
                            passage=body.passage, now=utcnow())
    request = service.get_request(ctx.db, actor=ctx.actor, request_id=request_id)
    doc = next(d for d in request.documents if d.id == document_id)
    return MaskedOut(places=places, document=_doc_out(doc))


@router.delete("/{request_id}/documents/{document_id}/masks/{mask_id}", status_code=204,
               responses=_ACT)
def unmask_passage(request_id: Id, document_id: Id, mask_id: Id, ctx: CurrentCtx) -> Response:
    """Take a masking away."""
    documents.unmask(ctx.db, actor=ctx.actor, request_id=request_id, document_id=document_id,
                     mask_id=mask_id, now=utcnow())
    return Response(status_code=204)


@router.get("/{request_id}/copy.pdf", responses={**_PDF, **_READ}, response_class=Response)
def copy_pdf(request_id: Id, ctx: CurrentCtx) -> Response:
    """The copy (or log extract) as one PDF, as it stands now (nothing is stored)."""
    name, body = pdf.copy_file(ctx.db, actor=ctx.actor, request_id=request_id, now=utcnow())
    return Response(content=body, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})
