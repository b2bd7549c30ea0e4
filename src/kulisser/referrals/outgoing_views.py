"""The outgoing referral pages: the list, write from a template, send, register the reply;
and the unit's referral templates."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from kulisser.bounds import Id, Offset
from kulisser.db import utcnow
from kulisser.errors import ValidationFailed
from kulisser.i18n import _
from kulisser.identity import InvalidIdentifier, parse_identifier
from kulisser.patients import service as patients
from kulisser.patients.service import Patient
from kulisser.referrals import items
from kulisser.referrals import service as referrals
from kulisser.referrals.messages import today_in_sweden
from kulisser.referrals.models import OutgoingReferral
from kulisser.referrals.states import (
    OutAction,
    out_allowed_actions,
)
from kulisser.referrals.texts import (
    DEFAULT_TEMPLATE,
    DEFAULT_TEMPLATE_NAME,
)
from kulisser.referrals.views import int_or_none, labels, uploads
from kulisser.staff import service as staff
from kulisser.staff.service import Role
from kulisser.web.deps import AppSettings, Ctx, CurrentCtx, FormStr
from kulisser.web.templating import render
from kulisser.worklist.service import TransitionError

router = APIRouter(include_in_schema=False)


@router.get("/remisser/utgaende")
def outgoing_list(request: Request, *, status: str = "open", patient_id: str = "", q: str = "",
                  offset: Annotated[Offset, Query()] = 0, ctx: CurrentCtx,
                  settings: AppSettings) -> Response:
    """The unit's outgoing referrals: drafts, waiting for a reply, answered (htmx gets the rows)."""
    f = referrals.OutgoingFilter(status=status if status in labels()["out_filters"]
                                 else "open", patient_id=int_or_none(patient_id), q=q,
                                 overdue_days=settings.referral_chase_days, offset=offset,
                                 limit=settings.page_size)
    page = referrals.list_outgoing(ctx.db, actor=ctx.actor, f=f)
    return render(request, "referrals/outgoing_list.html",
                  {"nav": "referrals", "f": f, "page": page, **labels()},
                  partial="referrals/_outgoing_rows.html")


def _write_form(request: Request, ctx: Ctx, values: dict[str, Any], errors: dict[str, str],
                status: int = 200) -> Response:
    patient = None
    pid = int_or_none(str(values.get("patient_id") or ""))
    if pid is not None:
        patient = patients.get_patient(ctx.db, actor=ctx.actor, patient_id=pid)
    templates = [("", _(DEFAULT_TEMPLATE_NAME))] + [
        (str(t.id), t.name) for t in referrals.templates_for(ctx.db, unit_id=ctx.actor.unit_id)]
    return render(request, "referrals/outgoing_new.html", {
        "nav": "referrals", "values": values, "errors": errors, "patient": patient,
        "templates": templates, "is_clinician": ctx.actor.role == Role.CLINICIAN,
        "authors": [(str(u.id), u.full_name)
                    for u in referrals.assessors(ctx.db, unit_id=ctx.actor.unit_id)],
        **labels()}, status_code=status)


@router.get("/remisser/utgaende/ny")
def write_form(request: Request, *, patient_id: Annotated[str, Query()] = "", ctx: CurrentCtx) -> Response:
    """The form to write a referral (for a patient, when opened from their page)."""
    return _write_form(request, ctx, {"patient_id": patient_id, "priority": "normal"}, {})


@router.post("/remisser/utgaende/ny")
def write(
    request: Request, *, patient_id: FormStr = "", identifier: FormStr = "",
    receiver_name: FormStr = "", receiver_hsa_id: FormStr = "", question: FormStr = "",
    anamnesis: FormStr = "", priority: FormStr = "normal", template_id: FormStr = "",
    author_id: FormStr = "", ctx: CurrentCtx,
) -> Response:
    """Write the referral from its template and open it (a draft, to read and send)."""
    values = {"patient_id": patient_id, "identifier": identifier, "receiver_name": receiver_name,
              "receiver_hsa_id": receiver_hsa_id, "question": question, "anamnesis": anamnesis,
              "priority": priority, "template_id": template_id, "author_id": author_id}
    pid = int_or_none(patient_id)
    errors: dict[str, str] = {}
    if pid is None:
        found = (patients.find_for_actor(ctx.db, actor=ctx.actor, text=identifier)
                 if identifier.strip() else None)
        if found is not None:
            pid = found.id
        else:
            try:
                parse_identifier(identifier)
                errors["identifier"] = _(patients.NOT_AT_UNIT)
            except InvalidIdentifier as exc:
                errors["identifier"] = exc.message
    if not errors:
        try:
            outgoing = referrals.create_outgoing(ctx.db, actor=ctx.actor, data=referrals.OutgoingData(
                patient_id=pid, receiver_name=receiver_name, receiver_hsa_id=receiver_hsa_id,
                question=question, anamnesis=anamnesis, priority=priority,
                template_id=int_or_none(template_id), author_id=int_or_none(author_id)))
            return RedirectResponse(f"/remisser/utgaende/{outgoing.id}", status_code=303)
        except ValidationFailed as exc:
            errors = {("identifier" if k == "patient_id" and not patient_id else k): v
                      for k, v in exc.errors.items()}
    ctx.db.rollback()
    return _write_form(request, ctx, values, errors, status=422)


def _page(request: Request, ctx: Ctx, outgoing_id: int, *, values: dict[str, str] | None = None,
          errors: dict[str, str] | None = None, status: int = 200) -> Response:
    outgoing = referrals.get_outgoing(ctx.db, actor=ctx.actor, outgoing_id=outgoing_id)
    context = outgoing_context(ctx.db, outgoing)
    context.update(nav="referrals", values=values or {}, errors=errors or {},
                   today=today_in_sweden(utcnow()).isoformat())
    return render(request, "referrals/outgoing.html", context, status_code=status)


@router.get("/remisser/utgaende/{outgoing_id}")
def outgoing_page(request: Request, outgoing_id: Id, ctx: CurrentCtx) -> Response:
    """One outgoing referral: its text, sending, the reply and its history."""
    return _page(request, ctx, outgoing_id)


@router.post("/remisser/utgaende/{outgoing_id}/atgard/{action}")
def outgoing_action(
    request: Request, outgoing_id: Id, action: str, *, body: FormStr = "",
    text: FormStr = "", received_on: FormStr = "", reason: FormStr = "",
    files: Annotated[list[UploadFile], File(default_factory=list)],
    ctx: CurrentCtx, settings: AppSettings,
) -> Response:
    """Edit the text, send, register the reply, or cancel."""
    values = {"action": action, "body": body, "text": text, "received_on": received_on,
              "reason": reason}
    try:
        if action == OutAction.EDIT:
            referrals.update_outgoing(ctx.db, actor=ctx.actor, outgoing_id=outgoing_id, body=body)
        elif action == OutAction.SEND:
            referrals.send_outgoing(ctx.db, actor=ctx.actor, outgoing_id=outgoing_id)
        elif action == OutAction.REPLY:
            referrals.register_reply(ctx.db, actor=ctx.actor, outgoing_id=outgoing_id, text=text,
                                     received_on=received_on or None,
                                     store=referrals.PdfStore.from_settings(settings),
                                     uploads=uploads(files))
        elif action == OutAction.CANCEL:
            referrals.cancel_outgoing(ctx.db, actor=ctx.actor, outgoing_id=outgoing_id,
                                      reason=reason)
        else:
            return _failed(request, ctx, outgoing_id, values, {"action": _("Okänd åtgärd.")}, 422)
    except ValidationFailed as exc:
        return _failed(request, ctx, outgoing_id, values, exc.errors, 422)
    except TransitionError as exc:
        return _failed(request, ctx, outgoing_id, values, *exc.form_error())
    return RedirectResponse(f"/remisser/utgaende/{outgoing_id}", status_code=303)


def _failed(request: Request, ctx: Ctx, outgoing_id: int, values: dict[str, str],
            errors: dict[str, str], status: int) -> Response:
    ctx.db.rollback()
    return _page(request, ctx, outgoing_id, values=values, errors=errors, status=status)


@router.get("/remisser/utgaende/{outgoing_id}/bilagor/{attachment_id}")
def outgoing_attachment(outgoing_id: Id, attachment_id: Id, ctx: CurrentCtx,
                        settings: AppSettings) -> Response:
    """A PDF of the reply (access-checked, each download logged)."""
    found = referrals.open_attachment(ctx.db, actor=ctx.actor,
                                      store=referrals.PdfStore.from_settings(settings),
                                      attachment_id=attachment_id, outgoing_id=outgoing_id)
    return FileResponse(found.path, media_type="application/pdf", filename=found.filename,
                        content_disposition_type="inline")


# -- the unit's templates (no patient data) --------------------------------------------------

def _templates_page(request: Request, ctx: Ctx, values: dict[str, Any], errors: dict[str, str],
                    status: int = 200) -> Response:
    return render(request, "referrals/templates.html", {
        "nav": "referrals", "values": values, "errors": errors, "default_body": _(DEFAULT_TEMPLATE),
        "templates": referrals.templates_for(ctx.db, unit_id=ctx.actor.unit_id,
                                             include_inactive=True), **labels()},
        status_code=status)


@router.get("/remisser/mallar")
def templates_page(request: Request, *, edit: Annotated[str, Query()] = "", ctx: CurrentCtx) -> Response:
    """The unit's referral templates, and a form to write or change one."""
    values: dict[str, Any] = {"body": _(DEFAULT_TEMPLATE), "active": True}
    tid = int_or_none(edit)
    for t in referrals.templates_for(ctx.db, unit_id=ctx.actor.unit_id, include_inactive=True):
        if t.id == tid:
            values = {"template_id": t.id, "name": t.name, "body": t.body, "active": t.active}
    return _templates_page(request, ctx, values, {})


@router.post("/remisser/mallar")
def save_template(request: Request, *, template_id: FormStr = "", name: FormStr = "",
                  body: FormStr = "", active: FormStr = "",
                  ctx: CurrentCtx) -> Response:
    """Save a template; unknown merge fields are named in the error (422)."""
    try:
        referrals.save_template(ctx.db, actor=ctx.actor, template_id=int_or_none(template_id),
                                name=name, body=body, active=bool(active))
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _templates_page(request, ctx, {"template_id": template_id, "name": name,
                                              "body": body, "active": bool(active)},
                               exc.errors, status=422)
    return RedirectResponse("/remisser/mallar", status_code=303)


def outgoing_context(session: Session, outgoing: OutgoingReferral) -> dict[str, Any]:
    """The outgoing referral page: patient, names, the chase item, allowed actions."""
    patient = session.get(Patient, outgoing.patient_id)
    ids = {e.actor_id for e in outgoing.events if e.actor_id}
    ids |= {i for i in (outgoing.author_id, outgoing.created_by_id, outgoing.sent_by_id,
                        outgoing.reply_registered_by_id) if i}
    chase = items.open_items(session, ref_type=items.REF_OUTGOING, ref_id=outgoing.id,
                             kind=items.CHASE.code)
    actions = [a.value for a in out_allowed_actions(outgoing.status)]
    return {"outgoing": outgoing, "patient": patient, "names": staff.user_names(session, ids),
            "chase": chase[0] if chase else None, "actions": actions,
            **labels()}
