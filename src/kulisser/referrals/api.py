"""JSON API for referrals: register (multipart with PDFs), the inbox, decisions; outgoing
referrals written, sent and answered; the PDFs. Same access checks and audit rows as the pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import FileResponse, Response

from kulisser.bounds import Day, Id, Offset
from kulisser.config import Settings
from kulisser.i18n import _
from kulisser.patients.service import NAME_WARNING
from kulisser.referrals import schemas
from kulisser.referrals import service as referrals
from kulisser.referrals.models import Referral
from kulisser.referrals.schemas import (
    BodyIn,
    ForwardIn,
    HandoverIn,
    NoteIn,
    OutgoingDetail,
    OutgoingIn,
    OutgoingList,
    QuestionIn,
    ReasonIn,
    ReferralDetail,
    ReferralList,
    TemplateList,
    TemplateOut,
)
from kulisser.referrals.texts import DEFAULT_TEMPLATE, DEFAULT_TEMPLATE_NAME, MERGE_FIELDS
from kulisser.referrals.views import uploads
from kulisser.web.api import auth_dependencies, error_responses
from kulisser.web.deps import AppSettings, Ctx, CurrentCtx, FormStr
from kulisser.worklist.service import Priority

router = APIRouter(prefix="/api/v1/referrals", tags=["referrals"], responses=error_responses(401),
                   dependencies=auth_dependencies())
_ACT = error_responses(403, 404, 409, 422)
_PDF = {**error_responses(403, 404),
        200: {"content": {"application/pdf": {}}, "description": "The PDF."}}


def _store(settings: Settings) -> referrals.PdfStore:
    return referrals.PdfStore.from_settings(settings)


# -- outgoing (before /{referral_id}, whose int path would catch "outgoing") -----------------

@router.get("/templates", response_model=TemplateList, summary="The unit's referral templates")
def templates(ctx: CurrentCtx) -> TemplateList:
    """The built-in default template and the unit's own, with the merge fields."""
    own = [TemplateOut(id=t.id, name=t.name, body=t.body, active=t.active)
           for t in referrals.templates_for(ctx.db, unit_id=ctx.actor.unit_id)]
    return TemplateList(items=[TemplateOut(id=None, name=_(DEFAULT_TEMPLATE_NAME),
                                           body=_(DEFAULT_TEMPLATE), active=True), *own],
                        merge_fields={k: _(v) for k, v in MERGE_FIELDS.items()})


@router.post("/outgoing", response_model=OutgoingDetail, status_code=201,
             summary="Write an outgoing referral", responses=error_responses(403, 422))
def create_outgoing(body: OutgoingIn, ctx: CurrentCtx,
                    settings: AppSettings) -> OutgoingDetail:
    """A draft: the template merged with patient, question and anamnesis. Send it with /send."""
    o = referrals.create_outgoing(ctx.db, actor=ctx.actor, data=referrals.OutgoingData(
        **body.model_dump(exclude={"priority"}), priority=body.priority.value))
    return schemas.outgoing_detail(ctx.db, o, overdue_days=settings.referral_chase_days)


@router.get("/outgoing", response_model=OutgoingList, summary="The unit's outgoing referrals",
            responses=error_responses(422))
def list_outgoing(*, status: Annotated[str, Query(description="open, draft, sent, overdue, "
                                                          "replied, cancelled, all.")] = "open",
                  patient_id: Id | None = None, q: str = "", limit: Annotated[int, Query(ge=1, le=200)] = 50,
                  offset: Annotated[Offset, Query()] = 0, ctx: CurrentCtx,
                  settings: AppSettings) -> OutgoingList:
    """Each patient listed is logged."""
    page = referrals.list_outgoing(ctx.db, actor=ctx.actor, f=referrals.OutgoingFilter(
        status=status, patient_id=patient_id, q=q, overdue_days=settings.referral_chase_days,
        limit=limit, offset=offset))
    return OutgoingList(items=schemas.outgoing_list(page.rows), more=page.more)


@router.get("/outgoing/{outgoing_id}", response_model=OutgoingDetail,
            summary="Read an outgoing referral", responses=error_responses(403, 404))
def read_outgoing(outgoing_id: Id, ctx: CurrentCtx,
                  settings: AppSettings) -> OutgoingDetail:
    """The referral with its text, delivery, reply and history (the read is logged)."""
    o = referrals.get_outgoing(ctx.db, actor=ctx.actor, outgoing_id=outgoing_id)
    return schemas.outgoing_detail(ctx.db, o, overdue_days=settings.referral_chase_days)


@router.patch("/outgoing/{outgoing_id}", response_model=OutgoingDetail, responses=_ACT,
              summary="Change a draft's text")
def edit_outgoing(outgoing_id: Id, body: BodyIn, ctx: CurrentCtx,
                  settings: AppSettings) -> OutgoingDetail:
    """Only a draft's text can change."""
    o = referrals.update_outgoing(ctx.db, actor=ctx.actor, outgoing_id=outgoing_id, body=body.body)
    return schemas.outgoing_detail(ctx.db, o, overdue_days=settings.referral_chase_days)


@router.post("/outgoing/{outgoing_id}/send", response_model=OutgoingDetail, responses=_ACT,
             summary="Send (idempotent)")
def send_outgoing(outgoing_id: Id, ctx: CurrentCtx,
                  settings: AppSettings) -> OutgoingDetail:
    """Mark sent and queue the delivery; sending a sent referral again changes nothing."""
    o = referrals.send_outgoing(ctx.db, actor=ctx.actor, outgoing_id=outgoing_id)
    return schemas.outgoing_detail(ctx.db, o, overdue_days=settings.referral_chase_days)


@router.post("/outgoing/{outgoing_id}/reply", response_model=OutgoingDetail, responses=_ACT,
             summary="Register the reply (multipart, with PDFs)")
def reply_outgoing(outgoing_id: Id, text: FormStr, *, received_on: Annotated[Day | None, Form()] = None,
                   files: Annotated[list[UploadFile], File(default_factory=list, description="PDF files.")],
                   ctx: CurrentCtx,
                   settings: AppSettings) -> OutgoingDetail:
    """The referral is answered; its chase item (if any) completes. A bad PDF stores nothing."""
    o = referrals.register_reply(ctx.db, actor=ctx.actor, outgoing_id=outgoing_id, text=text,
                                 received_on=received_on, store=_store(settings),
                                 uploads=uploads(files))
    return schemas.outgoing_detail(ctx.db, o, overdue_days=settings.referral_chase_days)


@router.post("/outgoing/{outgoing_id}/cancel", response_model=OutgoingDetail, responses=_ACT,
             summary="Cancel, with a reason")
def cancel_outgoing(outgoing_id: Id, body: ReasonIn, ctx: CurrentCtx,
                    settings: AppSettings) -> OutgoingDetail:
    """A draft or a sent referral that will not be answered; chasing stops."""
    o = referrals.cancel_outgoing(ctx.db, actor=ctx.actor, outgoing_id=outgoing_id,
                                  reason=body.reason)
    return schemas.outgoing_detail(ctx.db, o, overdue_days=settings.referral_chase_days)


@router.get("/outgoing/{outgoing_id}/attachments/{attachment_id}", response_class=FileResponse,
            summary="Download a PDF of the reply", responses=_PDF)
def outgoing_attachment(outgoing_id: Id, attachment_id: Id, ctx: CurrentCtx,
                        settings: AppSettings) -> Response:
    """Each download is logged."""
    found = referrals.open_attachment(ctx.db, actor=ctx.actor, store=_store(settings),
                                      attachment_id=attachment_id, outgoing_id=outgoing_id)
    return FileResponse(found.path, media_type="application/pdf", filename=found.filename)


# -- incoming --------------------------------------------------------------------------------

@router.post("", response_model=ReferralDetail, status_code=201,
             summary="Register an incoming referral (multipart, with PDFs)",
             responses=error_responses(403, 422))
def register(
    # Annotated, not `= Form()`: with a FieldInfo default FastAPI drops Day's range check.
    issued_on: Annotated[Day, Form()], received_on: Annotated[Day, Form()],
    sender_name: FormStr, sender_hsa_id: FormStr,
    identifier: Annotated[str, Form(description="Personnummer or samordningsnummer.")],
    *,
    given_name: Annotated[str, Form(description="Required unless the unit already has a care "
                                           "relation with the patient.")] = "",
    family_name: Annotated[str, Form(description="Required unless the unit already has a care "
                                             "relation with the patient.")] = "",
    question: FormStr, priority: Annotated[Priority, Form()] = Priority.NORMAL,
    assessor_id: Annotated[Id | None, Form(description="The assessing clinician; none: the queue.")] = None,
    confirm_receipt: Annotated[bool, Form()] = True,
    files: Annotated[list[UploadFile], File(default_factory=list, description="PDF files.")],
    ctx: CurrentCtx, settings: AppSettings,
) -> ReferralDetail:
    """The referral becomes an assessment item; a file that is not a PDF refuses it all (422).

    A patient without a care relation with the unit gets one, for the reason "referral
    received" (flagged for the log review when the patient was already registered).
    """
    r = referrals.register_referral(ctx.db, actor=ctx.actor, data=referrals.ReferralData(
        sender_name=sender_name, sender_hsa_id=sender_hsa_id, issued_on=issued_on.isoformat(),
        received_on=received_on.isoformat(), identifier=identifier, given_name=given_name,
        family_name=family_name, question=question, priority=priority.value,
        assessor_id=assessor_id, confirm_receipt=confirm_receipt),
        store=_store(settings), uploads=uploads(files))
    detail = schemas.referral_detail(ctx.db, ctx.actor, r)
    if referrals.typed_name_differs(ctx.db, referral=r, given_name=given_name,
                                    family_name=family_name):
        detail.warnings.append(_(NAME_WARNING))
    return detail


@router.get("", response_model=ReferralList, summary="The unit's incoming referrals",
            responses=error_responses(422))
def list_referrals(*, status: Annotated[str, Query(description="open, to_assess, waiting_for_info, "
                                                          "accepted, rejected, forwarded, "
                                                          "cancelled, all.")] = "open",
                   priority: Priority | None = None, assessor_id: Id | None = None,
                   patient_id: Id | None = None, q: str = "",
                   limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[Offset, Query()] = 0,
                   ctx: CurrentCtx) -> ReferralList:
    """Open ones most urgent first; each patient listed is logged."""
    page = referrals.list_referrals(ctx.db, actor=ctx.actor, f=referrals.ReferralFilter(
        status=status, priority=priority.value if priority else "", assessor_id=assessor_id,
        patient_id=patient_id, q=q, limit=limit, offset=offset))
    return ReferralList(items=schemas.referral_list(ctx.db, page.rows), more=page.more)


@router.get("/{referral_id}", response_model=ReferralDetail, summary="Read a referral",
            responses=error_responses(403, 404))
def read(referral_id: Id, ctx: CurrentCtx) -> ReferralDetail:
    """With its question, decision, files, messages and history (the read is logged)."""
    r = referrals.get_referral(ctx.db, actor=ctx.actor, referral_id=referral_id)
    return schemas.referral_detail(ctx.db, ctx.actor, r)


def _detail(ctx: Ctx, r: Referral) -> ReferralDetail:
    return schemas.referral_detail(ctx.db, ctx.actor, r)


@router.post("/{referral_id}/confirm", response_model=ReferralDetail, responses=_ACT,
             summary="Confirm receipt to the sender")
def confirm(referral_id: Id, ctx: CurrentCtx) -> ReferralDetail:
    """A receipt message; the status becomes received."""
    return _detail(ctx, referrals.confirm_receipt(ctx.db, actor=ctx.actor, referral_id=referral_id))


@router.post("/{referral_id}/start", response_model=ReferralDetail, responses=_ACT,
             summary="Begin the assessment (clinician)")
def start(referral_id: Id, ctx: CurrentCtx) -> ReferralDetail:
    """The assessment item becomes the caller's, in progress."""
    return _detail(ctx, referrals.start_assessment(ctx.db, actor=ctx.actor, referral_id=referral_id))


@router.post("/{referral_id}/accept", response_model=ReferralDetail, responses=_ACT,
             summary="Accept (clinician)")
def accept(referral_id: Id, body: NoteIn, ctx: CurrentCtx) -> ReferralDetail:
    """The patient goes on the waiting list, clock from the issue date; the sender is told."""
    return _detail(ctx, referrals.accept(ctx.db, actor=ctx.actor, referral_id=referral_id,
                                         note=body.note))


@router.post("/{referral_id}/reject", response_model=ReferralDetail, responses=_ACT,
             summary="Reject with a reason (clinician)")
def reject(referral_id: Id, body: ReasonIn, ctx: CurrentCtx) -> ReferralDetail:
    """The reply to the sender carries the reason."""
    return _detail(ctx, referrals.reject(ctx.db, actor=ctx.actor, referral_id=referral_id,
                                         reason=body.reason))


@router.post("/{referral_id}/forward", response_model=ReferralDetail, responses=_ACT,
             summary="Forward to another unit (clinician)")
def forward(referral_id: Id, body: ForwardIn, ctx: CurrentCtx) -> ReferralDetail:
    """The sender is told where the referral went, and why."""
    return _detail(ctx, referrals.forward(ctx.db, actor=ctx.actor, referral_id=referral_id,
                                          to_name=body.to_name, to_hsa_id=body.to_hsa_id,
                                          reason=body.reason))


@router.post("/{referral_id}/request-information", response_model=ReferralDetail,
             responses=_ACT, summary="Ask the sender for more information (clinician)")
def request_information(referral_id: Id, body: QuestionIn,
                        ctx: CurrentCtx) -> ReferralDetail:
    """The referral and its assessment item wait for the answer."""
    return _detail(ctx, referrals.request_information(ctx.db, actor=ctx.actor,
                                                      referral_id=referral_id,
                                                      question=body.question))


@router.post("/{referral_id}/answer", response_model=ReferralDetail, responses=_ACT,
             summary="Register the sender's answer (multipart, with PDFs)")
def answer(referral_id: Id, text: FormStr, *, received_on: Annotated[Day | None, Form()] = None,
           files: Annotated[list[UploadFile], File(default_factory=list, description="PDF files.")],
           ctx: CurrentCtx, settings: AppSettings
           ) -> ReferralDetail:
    """The assessment resumes with a fresh due time."""
    return _detail(ctx, referrals.register_answer(
        ctx.db, actor=ctx.actor, referral_id=referral_id, text=text, received_on=received_on,
        store=_store(settings), uploads=uploads(files)))


@router.post("/{referral_id}/handover", response_model=ReferralDetail, responses=_ACT,
             summary="Hand the assessment over")
def handover(referral_id: Id, body: HandoverIn, ctx: CurrentCtx) -> ReferralDetail:
    """To another clinician of the unit, or to its queue (to_user_id null), with a reason."""
    return _detail(ctx, referrals.hand_over(ctx.db, actor=ctx.actor, referral_id=referral_id,
                                            to_user_id=body.to_user_id, reason=body.reason))


@router.post("/{referral_id}/cancel", response_model=ReferralDetail, responses=_ACT,
             summary="Cancel a referral registered by mistake")
def cancel(referral_id: Id, body: ReasonIn, ctx: CurrentCtx) -> ReferralDetail:
    """Its open assessment item is cancelled; no reply is made."""
    return _detail(ctx, referrals.cancel(ctx.db, actor=ctx.actor, referral_id=referral_id,
                                         reason=body.reason))


@router.get("/{referral_id}/attachments/{attachment_id}", response_class=FileResponse,
            summary="Download a PDF of the referral", responses=_PDF)
def attachment(referral_id: Id, attachment_id: Id, ctx: CurrentCtx,
               settings: AppSettings) -> Response:
    """Each download is logged."""
    found = referrals.open_attachment(ctx.db, actor=ctx.actor, store=_store(settings),
                                      attachment_id=attachment_id, referral_id=referral_id)
    return FileResponse(found.path, media_type="application/pdf", filename=found.filename)
