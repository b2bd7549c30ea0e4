"""The incoming referral pages: the inbox, registration, one referral with its decisions, PDFs."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from kulisser.bounds import Id, Offset, parse_int
from kulisser.db import utcnow
from kulisser.errors import ValidationFailed
from kulisser.i18n import _
from kulisser.patients.service import NAME_WARNING, Patient
from kulisser.referrals import items
from kulisser.referrals import service as referrals
from kulisser.referrals.messages import today_in_sweden
from kulisser.referrals.models import Referral
from kulisser.referrals.queries import OUT_FILTERS, STATUS_FILTERS
from kulisser.referrals.states import (
    ACTION_LABELS,
    EVENT_LABELS,
    OUT_STATUS_LABELS,
    STATUS_LABELS,
    Action,
)
from kulisser.referrals.storage import Upload
from kulisser.referrals.texts import DIRECTION_LABELS, MERGE_FIELDS, MESSAGE_KIND_LABELS
from kulisser.staff import service as staff
from kulisser.staff.service import Actor
from kulisser.web.deps import AppSettings, Ctx, CurrentCtx, FormStr
from kulisser.web.templating import render
from kulisser.worklist.service import PRIORITY_LABELS, Priority, TransitionError

router = APIRouter(include_in_schema=False)


@router.get("/remisser")
def inbox(request: Request, *, status: str = "open", priority: str = "", assessor_id: str = "",
          patient_id: str = "", q: str = "", offset: Annotated[Offset, Query()] = 0,
          ctx: CurrentCtx, settings: AppSettings) -> Response:
    """The unit's incoming referrals by status, most urgent first (htmx gets the rows)."""
    f = referrals.ReferralFilter(status=status if status in labels()["status_filters"]
                                 else "open", priority=priority,
                                 assessor_id=int_or_none(assessor_id),
                                 patient_id=int_or_none(patient_id), q=q, offset=offset,
                                 limit=settings.page_size)
    page = referrals.list_referrals(ctx.db, actor=ctx.actor, f=f)
    owners = {r.item.owner_id for r in page.rows if r.item and r.item.owner_id}
    return render(request, "referrals/inbox.html", {
        "nav": "referrals", "f": f, "page": page, "owner_names": staff.user_names(ctx.db, owners),
        "assessors": referrals.assessors(ctx.db, unit_id=ctx.actor.unit_id), **labels(),
    }, partial="referrals/_inbox_rows.html")


def _form(request: Request, ctx: Ctx, values: dict[str, Any], errors: dict[str, str],
          status: int = 200) -> Response:
    return render(request, "referrals/register.html", {
        "nav": "referrals", "values": values, "errors": errors,
        "assessors": [(str(u.id), u.full_name)
                      for u in referrals.assessors(ctx.db, unit_id=ctx.actor.unit_id)],
        **labels()}, status_code=status)


@router.get("/remisser/ny")
def register_form(request: Request, ctx: CurrentCtx) -> Response:
    """The empty registration form (arrival date today, receipt confirmed)."""
    return _form(request, ctx, {"received_on": today_in_sweden(utcnow()).isoformat(),
                                "priority": "normal", "confirm_receipt": True}, {})


@router.post("/remisser/ny")
def register(
    request: Request,
    *,
    sender_name: FormStr = "", sender_hsa_id: FormStr = "", issued_on: FormStr = "",
    received_on: FormStr = "", identifier: FormStr = "", given_name: FormStr = "",
    family_name: FormStr = "", question: FormStr = "", priority: FormStr = "normal",
    assessor_id: FormStr = "", confirm_receipt: FormStr = "",
    files: Annotated[list[UploadFile], File(default_factory=list)],
    ctx: CurrentCtx, settings: AppSettings,
) -> Response:
    """Register the referral and open its page; bad input shows the form again (422)."""
    data = referrals.ReferralData(
        sender_name=sender_name, sender_hsa_id=sender_hsa_id, issued_on=issued_on,
        received_on=received_on, identifier=identifier, given_name=given_name,
        family_name=family_name, question=question, priority=priority,
        assessor_id=int_or_none(assessor_id), confirm_receipt=bool(confirm_receipt))
    try:
        referral = referrals.register_referral(
            ctx.db, actor=ctx.actor, data=data, store=referrals.PdfStore.from_settings(settings),
            uploads=uploads(files))
    except ValidationFailed as exc:
        ctx.db.rollback()
        values = asdict(data) | {"assessor_id": assessor_id}
        return _form(request, ctx, values, exc.errors, status=422)
    # Only now, with the care relation in place, may a page say the name is not the register's.
    differs = referrals.typed_name_differs(ctx.db, referral=referral, given_name=given_name,
                                           family_name=family_name)
    return RedirectResponse(f"/remisser/{referral.id}" + ("?namn=avviker" if differs else ""),
                            status_code=303)


def _page(request: Request, ctx: Ctx, referral_id: int, *, values: dict[str, str] | None = None,
          errors: dict[str, str] | None = None, status: int = 200,
          name_warning: str = "") -> Response:
    referral = referrals.get_referral(ctx.db, actor=ctx.actor, referral_id=referral_id)
    context = referral_context(ctx.db, ctx.actor, referral)
    context.update(nav="referrals", values=values or {}, errors=errors or {},
                   name_warning=name_warning,
                   today=today_in_sweden(utcnow()).isoformat())
    return render(request, "referrals/referral.html", context,
                  partial="referrals/_referral_body.html", status_code=status)


@router.get("/remisser/{referral_id}")
def referral_page(request: Request, referral_id: Id, ctx: CurrentCtx) -> Response:
    """One referral: facts, attachments, the decision forms, messages and the timeline."""
    warning = _(NAME_WARNING) if request.query_params.get("namn") == "avviker" else ""
    return _page(request, ctx, referral_id, name_warning=warning)


@router.post("/remisser/{referral_id}/atgard/{action}")
def referral_action(
    request: Request, referral_id: Id, action: str,
    *,
    note: FormStr = "", reason: FormStr = "", to_name: FormStr = "",
    to_hsa_id: FormStr = "", question: FormStr = "", text: FormStr = "",
    received_on: FormStr = "", to_user_id: FormStr = "",
    files: Annotated[list[UploadFile], File(default_factory=list)],
    ctx: CurrentCtx, settings: AppSettings,
) -> Response:
    """A decision or step (accept, reject, forward, ask, answer, hand over ...) on the referral."""
    values = {"action": action, "note": note, "reason": reason, "to_name": to_name,
              "to_hsa_id": to_hsa_id, "question": question, "text": text,
              "received_on": received_on, "to_user_id": to_user_id}
    db, actor = ctx.db, ctx.actor
    try:
        if action == Action.CONFIRM:
            referrals.confirm_receipt(db, actor=actor, referral_id=referral_id)
        elif action == Action.START:
            referrals.start_assessment(db, actor=actor, referral_id=referral_id)
        elif action == Action.ACCEPT:
            referrals.accept(db, actor=actor, referral_id=referral_id, note=note)
        elif action == Action.REJECT:
            referrals.reject(db, actor=actor, referral_id=referral_id, reason=reason)
        elif action == Action.FORWARD:
            referrals.forward(db, actor=actor, referral_id=referral_id, to_name=to_name,
                              to_hsa_id=to_hsa_id, reason=reason)
        elif action == Action.ASK:
            referrals.request_information(db, actor=actor, referral_id=referral_id,
                                          question=question)
        elif action == Action.ANSWER:
            referrals.register_answer(db, actor=actor, referral_id=referral_id, text=text,
                                      received_on=received_on or None,
                                      store=referrals.PdfStore.from_settings(settings),
                                      uploads=uploads(files))
        elif action == "handover":
            referrals.hand_over(db, actor=actor, referral_id=referral_id,
                                to_user_id=int_or_none(to_user_id), reason=reason)
        elif action == Action.CANCEL:
            referrals.cancel(db, actor=actor, referral_id=referral_id, reason=reason)
        else:
            return _failed(request, ctx, referral_id, values, {"action": _("Okänd åtgärd.")}, 422)
    except ValidationFailed as exc:
        return _failed(request, ctx, referral_id, values, exc.errors, 422)
    except TransitionError as exc:
        return _failed(request, ctx, referral_id, values, *exc.form_error())
    return RedirectResponse(f"/remisser/{referral_id}", status_code=303)


def _failed(request: Request, ctx: Ctx, referral_id: int, values: dict[str, str],
            errors: dict[str, str], status: int) -> Response:
    # The failed change is rolled back, so the page shows the referral as it still is.
    ctx.db.rollback()
    return _page(request, ctx, referral_id, values=values, errors=errors, status=status)


@router.get("/remisser/{referral_id}/bilagor/{attachment_id}")
def attachment(referral_id: Id, attachment_id: Id, ctx: CurrentCtx,
               settings: AppSettings) -> Response:
    """A PDF of the referral (access-checked, each download logged)."""
    found = referrals.open_attachment(ctx.db, actor=ctx.actor,
                                      store=referrals.PdfStore.from_settings(settings),
                                      attachment_id=attachment_id, referral_id=referral_id)
    return FileResponse(found.path, media_type="application/pdf", filename=found.filename,
                        content_disposition_type="inline")



def int_or_none(value: str | None) -> int | None:
    """A form's number, or None for an empty or non-numeric value."""
    return parse_int(value)


def uploads(files: list[UploadFile] | None) -> list[Upload]:
    """The files a form or API call really sent (a browser sends an empty part for none)."""
    return [Upload(filename=f.filename or "", content=f.file) for f in files or []
            if f.filename or (f.size or 0) > 0]


def priorities() -> list[tuple[str, str]]:
    """(value, label) of the priorities, most urgent first."""
    return [(p.value, _(PRIORITY_LABELS[p])) for p in Priority]


def labels() -> dict[str, Any]:
    """The label tables every referral template uses."""
    return {"status_labels": {s.value: _(label) for s, label in STATUS_LABELS.items()},
            "out_status_labels": {s.value: _(label) for s, label in OUT_STATUS_LABELS.items()},
            "event_labels": {k: _(v) for k, v in EVENT_LABELS.items()},
            "kind_labels": {k: _(v) for k, v in MESSAGE_KIND_LABELS.items()},
            "direction_labels": {k: _(v) for k, v in DIRECTION_LABELS.items()}, "priorities": priorities(),
            "status_filters": {k: _(v[0]) for k, v in STATUS_FILTERS.items()},
            "out_filters": {k: _(v[0]) for k, v in OUT_FILTERS.items()},
            "merge_fields": {k: _(v) for k, v in MERGE_FIELDS.items()}}


def referral_context(session: Session, actor: Actor, referral: Referral) -> dict[str, Any]:
    """The referral page: patient, history names, open item, what the actor may do."""
    patient = session.get(Patient, referral.patient_id)
    open_items = items.assessment_items(session, referral_id=referral.id)
    item = open_items[0] if open_items else None
    ids = {e.actor_id for e in referral.events if e.actor_id}
    ids |= {m.created_by_id for m in referral.messages if m.created_by_id}
    ids |= {i for i in (referral.assessor_id, referral.decided_by_id, referral.registered_by_id,
                        item.owner_id if item else None) if i}
    actions = referrals.actions_for(actor, referral, has_open_item=item is not None)
    return {"referral": referral, "patient": patient, "item": item,
            "names": staff.user_names(session, ids), "actions": actions,
            "action_labels": {a.value: _(label) for a, label in ACTION_LABELS.items()}
            | {"handover": _("Lämna över bedömningen")},
            "assessors": referrals.assessors(session, unit_id=referral.unit_id), **labels()}
