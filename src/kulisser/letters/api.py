"""JSON API for letters: list, write, read, PDF, actions, print runs, texts and SMS opt-out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from kulisser.bounds import Id, Offset
from kulisser.errors import ValidationFailed
from kulisser.i18n import _
from kulisser.letters import jobs, printing, queries, service, sms, texts
from kulisser.letters.models import Letter
from kulisser.letters.schemas import (
    ConfirmOut,
    FieldOut,
    LetterCreate,
    LetterDetail,
    LetterEventOut,
    LetterList,
    LetterOut,
    LetterTextIn,
    LetterTextOut,
    LetterUpdate,
    PrintBatchIn,
    PrintBatchOut,
    ReasonIn,
    SmsOptOutIn,
    SmsOptOutOut,
)
from kulisser.letters.states import (
    KIND_LABELS,
    ROUTE_LABELS,
    STATUS_LABELS,
    LetterKind,
    LetterOp,
    LetterStatus,
    allowed_ops,
)
from kulisser.letters.views import pdf_response
from kulisser.patients.service import Patient
from kulisser.staff import service as staff
from kulisser.web.api import auth_dependencies, error_responses
from kulisser.web.deps import Ctx, CurrentCtx
from kulisser.worklist.service import PatientRef, RecordRef, UserRef

router = APIRouter(prefix="/api/v1/letters", tags=["letters"], responses=error_responses(401),
                   dependencies=auth_dependencies())
_ACT = error_responses(403, 404, 409, 422)
_PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The PDF."}}


def _out(letter: Letter, patient: Patient) -> dict[str, object]:
    route = service.route_of(letter, patient)
    return dict(
        id=letter.id, kind=LetterKind(letter.kind), kind_label=_(KIND_LABELS[LetterKind(letter.kind)]),
        status=LetterStatus(letter.status), status_label=_(STATUS_LABELS[LetterStatus(letter.status)]),
        route=route, route_label=_(ROUTE_LABELS[route]),
        patient=PatientRef(id=patient.id, name=patient.full_name, identifier=patient.display_id),
        unit_id=letter.unit_id,
        source=(RecordRef(type=letter.source_type, id=letter.source_id)
                if letter.source_type and letter.source_id is not None else None),
        visit_start=letter.visit_start, created_at=letter.created_at, ready_at=letter.ready_at,
        sent_at=letter.sent_at, mailbox_ref=letter.mailbox_ref,
        pdf_url=None if letter.status == LetterStatus.CANCELLED.value
        else f"/api/v1/letters/{letter.id}/pdf")


def _detail(session: Session, letter: Letter) -> LetterDetail:
    patient = session.get(Patient, letter.patient_id)
    assert patient is not None
    subject = text = None
    if letter.status != LetterStatus.CANCELLED.value:
        paper = printing.paper_for(session, letter)
        subject = paper.subject.unescape()
        text = "\n\n".join(p.replace("<br>\n", "\n").unescape() for p in paper.paragraphs)
    events = queries.history(session, letter_id=letter.id)
    names = staff.user_names(session, {e.actor_id for e in events if e.actor_id})
    return LetterDetail(
        **_out(letter, patient), subject=subject, text=text,
        subject_template=letter.subject_template, body_template=letter.body_template,
        fields=dict(letter.fields), address_problem=service.missing_address(letter, patient),
        allowed_actions=allowed_ops(letter.status),
        events=[LetterEventOut(
            at=e.at, type=e.type,
            actor=UserRef(id=e.actor_id, name=names.get(e.actor_id, "")) if e.actor_id else None,
            from_status=LetterStatus(e.from_status) if e.from_status else None,
            to_status=LetterStatus(e.to_status) if e.to_status else None, reason=e.reason,
            how=e.data.get("how")) for e in events])


@router.get("", response_model=LetterList, summary="The unit's letters",
            responses=error_responses(422))
def list_letters(
    *,
    status: Annotated[str, Query(description="open (draft and ready), draft, ready, sent, "
                                            "returned, cancelled or all.")] = "open",
    date: Annotated[str, Query(description="Only letters written this day (YYYY-MM-DD, Swedish time).")] = "",
    kind: Annotated[str, Query()] = "", patient_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[Offset, Query()] = 0,
    ctx: CurrentCtx,
) -> LetterList:
    """Newest first; every patient listed is logged."""
    f = queries.LetterFilter(status=status, day=queries.parse_day(date), kind=kind,
                             patient_id=patient_id, limit=limit, offset=offset)
    rows = queries.list_letters(ctx.db, actor=ctx.actor, f=f)
    return LetterList(items=[LetterOut(**_out(lt, p)) for lt, p in rows],
                      total=queries.count_letters(ctx.db, actor=ctx.actor, f=f))


@router.post("", response_model=LetterDetail, status_code=201, summary="Write a letter",
             responses=error_responses(403, 404, 422))
def create_letter(body: LetterCreate, ctx: CurrentCtx) -> LetterDetail:
    """A result letter or referral reply, as a draft with a `letter` work item until sent."""
    if body.kind not in (LetterKind.RESULT, LetterKind.REFERRAL_REPLY):
        raise ValidationFailed({"kind": _("Brev om besök skrivs när tiden bokas, ombokas eller avbokas.")})
    letter = service.create_letter(
        ctx.db, actor=ctx.actor, patient_id=body.patient_id, kind=body.kind.value, fields=body.fields,
        source_type=body.source.type if body.source else None,
        source_id=body.source.id if body.source else None, ready=body.ready)
    return _detail(ctx.db, letter)


# -- print runs (before /{letter_id}, which would otherwise catch these paths) ----------------

def _batch_out(ctx: Ctx, batch_id: int) -> PrintBatchOut:
    batch, rows = printing.get_batch(ctx.db, actor=ctx.actor, batch_id=batch_id)
    names = staff.user_names(ctx.db, {batch.created_by_id})
    return PrintBatchOut(id=batch.id, for_date=batch.for_date,
                         letters=[LetterOut(**_out(lt, p)) for lt, p in rows],
                         created_at=batch.created_at,
                         created_by=UserRef(id=batch.created_by_id,
                                            name=names.get(batch.created_by_id, "")),
                         confirmed_at=batch.confirmed_at,
                         pdf_url=f"/api/v1/letters/print-batches/{batch.id}/pdf")


@router.post("/print-batches", response_model=PrintBatchOut, status_code=201,
             summary="Make the day's print run", responses=error_responses(422))
def create_batch(body: PrintBatchIn, ctx: CurrentCtx) -> PrintBatchOut:
    """The unit's ready letters up to the day, in patient order; 422 when there are none."""
    batch = printing.create_batch(ctx.db, actor=ctx.actor, day=body.day)
    return _batch_out(ctx, batch.id)


@router.get("/print-batches/{batch_id}", response_model=PrintBatchOut, summary="A print run",
            responses=error_responses(404))
def read_batch(batch_id: Id, ctx: CurrentCtx) -> PrintBatchOut:
    """The run's letters (each patient listed is logged)."""
    return _batch_out(ctx, batch_id)


@router.get("/print-batches/{batch_id}/pdf", summary="A print run as one PDF",
            response_class=Response, responses={**error_responses(403, 404, 422), **_PDF})
def batch_pdf(batch_id: Id, ctx: CurrentCtx) -> Response:
    """Every letter of the run still to be sent, one after another; each read is logged."""
    return pdf_response(*printing.batch_pdf(ctx.db, actor=ctx.actor, batch_id=batch_id))


@router.post("/print-batches/{batch_id}/confirm", response_model=ConfirmOut,
             summary="Printing went well", responses=_ACT)
def confirm_batch(batch_id: Id, ctx: CurrentCtx) -> ConfirmOut:
    """Mark the run's letters that are still ready as sent; their work items complete."""
    sent = printing.confirm_batch(ctx.db, actor=ctx.actor, batch_id=batch_id)
    return ConfirmOut(batch_id=batch_id, sent_letter_ids=[x.id for x in sent])


# -- the unit's texts, SMS opt-out ------------------------------------------------------------

def _text_out(text: texts.UnitText) -> LetterTextOut:
    return LetterTextOut(kind=text.kind, label=text.label, subject=text.subject, body=text.body,
                         own=text.own, updated_at=text.updated_at,
                         fields=[FieldOut(name=f.name, label=f.label, sample=f.sample)
                                 for f in texts.fields_of(text.kind)])


@router.get("/templates", response_model=list[LetterTextOut], summary="The unit's letter texts")
def list_texts(ctx: CurrentCtx) -> list[LetterTextOut]:
    """Every kind with the unit's text (its own or the default) and its merge fields."""
    return [_text_out(t) for t in texts.unit_texts(ctx.db, unit_id=ctx.actor.unit_id)]


@router.put("/templates/{kind}", response_model=LetterTextOut, summary="Set the unit's text",
            responses=error_responses(403, 422))
def save_text(kind: str, body: LetterTextIn, ctx: CurrentCtx) -> LetterTextOut:
    """Managers only; a syntax error or unknown merge field is refused (422) and not stored."""
    texts.save_text(ctx.db, actor=ctx.actor, kind=kind, subject=body.subject, body=body.body)
    return _text_out(texts.get_text(ctx.db, unit_id=ctx.actor.unit_id, kind=kind))


@router.delete("/templates/{kind}", response_model=LetterTextOut, summary="Back to the default",
               responses=error_responses(403, 422))
def reset_text(kind: str, ctx: CurrentCtx) -> LetterTextOut:
    """Managers only; new letters use the default text again."""
    texts.reset_text(ctx.db, actor=ctx.actor, kind=kind)
    return _text_out(texts.get_text(ctx.db, unit_id=ctx.actor.unit_id, kind=kind))


@router.put("/sms-opt-out/{patient_id}", response_model=SmsOptOutOut,
            summary="Set whether the patient declines SMS reminders", responses=_ACT)
def set_sms_opt_out(patient_id: Id, body: SmsOptOutIn, ctx: CurrentCtx) -> SmsOptOutOut:
    """The change is access-checked and logged."""
    sms.set_opt_out(ctx.db, actor=ctx.actor, patient_id=patient_id, opted_out=body.opted_out)
    return SmsOptOutOut(patient_id=patient_id, opted_out=body.opted_out)


@router.get("/sms-opt-out/{patient_id}", response_model=SmsOptOutOut,
            summary="Whether the patient declines SMS reminders", responses=_ACT)
def get_sms_opt_out(patient_id: Id, ctx: CurrentCtx) -> SmsOptOutOut:
    """The read is access-checked and logged."""
    from kulisser.patients import service as patients

    patients.get_patient(ctx.db, actor=ctx.actor, patient_id=patient_id)
    return SmsOptOutOut(patient_id=patient_id,
                        opted_out=sms.is_opted_out(ctx.db, patient_id=patient_id))


# -- one letter --------------------------------------------------------------------------------

@router.get("/{letter_id}", response_model=LetterDetail, summary="Read a letter",
            responses=error_responses(403, 404))
def read_letter(letter_id: Id, ctx: CurrentCtx) -> LetterDetail:
    """The letter as printed, its template, fields and history (the read is logged)."""
    return _detail(ctx.db, service.get_letter(ctx.db, actor=ctx.actor, letter_id=letter_id))


@router.get("/{letter_id}/pdf", summary="The letter as PDF", response_class=Response,
            responses={**error_responses(403, 404, 409), **_PDF})
def letter_pdf(letter_id: Id, ctx: CurrentCtx) -> Response:
    """Each download is an access-checked, logged read; a voided letter has none (409)."""
    return pdf_response(*printing.letter_pdf(ctx.db, actor=ctx.actor, letter_id=letter_id))


@router.patch("/{letter_id}", response_model=LetterDetail, summary="Change a draft's text",
              responses=_ACT)
def edit_letter(letter_id: Id, body: LetterUpdate, ctx: CurrentCtx) -> LetterDetail:
    """Only drafts; the text is checked like a unit's template (422 on errors)."""
    letter = service.edit_letter(ctx.db, actor=ctx.actor, letter_id=letter_id, subject=body.subject,
                                 body=body.body, fields=body.fields)
    return _detail(ctx.db, letter)


def _act(ctx: Ctx, letter_id: int, op: LetterOp, reason: str = "") -> LetterDetail:
    letter = service.act(ctx.db, actor=ctx.actor, letter_id=letter_id, op=op.value, reason=reason)
    return _detail(ctx.db, letter)


@router.post("/{letter_id}/ready", response_model=LetterDetail, summary="Make ready", responses=_ACT)
def make_ready(letter_id: Id, ctx: CurrentCtx) -> LetterDetail:
    """Ready to print or send (by post it needs the patient's address: 409 otherwise)."""
    return _act(ctx, letter_id, LetterOp.READY)


@router.post("/{letter_id}/draft", response_model=LetterDetail, summary="Back to draft",
             responses=_ACT)
def back_to_draft(letter_id: Id, ctx: CurrentCtx) -> LetterDetail:
    """To change the text of a ready letter."""
    return _act(ctx, letter_id, LetterOp.DRAFT)


@router.post("/{letter_id}/sent", response_model=LetterDetail, summary="Mark sent", responses=_ACT)
def mark_sent(letter_id: Id, ctx: CurrentCtx) -> LetterDetail:
    """Sent some other way than a print run; the work item completes."""
    return _act(ctx, letter_id, LetterOp.SENT)


@router.post("/{letter_id}/returned", response_model=LetterDetail, summary="Mark returned",
             responses=_ACT)
def mark_returned(letter_id: Id, body: ReasonIn, ctx: CurrentCtx) -> LetterDetail:
    """Came back undelivered (reason required); a new work item asks to check the address."""
    return _act(ctx, letter_id, LetterOp.RETURNED, body.reason)


@router.post("/{letter_id}/cancel", response_model=LetterDetail, summary="Void a letter",
             responses=_ACT)
def cancel(letter_id: Id, body: ReasonIn, ctx: CurrentCtx) -> LetterDetail:
    """A draft or ready letter that must not go out (reason required)."""
    return _act(ctx, letter_id, LetterOp.CANCEL, body.reason)


@router.post("/{letter_id}/mailbox", response_model=LetterDetail,
             summary="Send to the patient's digital mailbox", responses=_ACT)
def send_mailbox(letter_id: Id, request: Request, ctx: CurrentCtx) -> LetterDetail:
    """Hands the PDF over (idempotent: sending again changes nothing) and marks it sent."""
    letter = printing.send_to_mailbox(ctx.db, actor=ctx.actor, letter_id=letter_id,
                                      sender=jobs.mailbox(request.app.state.settings))
    return _detail(ctx.db, letter)
