"""The reception and phone desk: find a patient, see what is open for them, take a message."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kulisser.bounds import Id, parse_id
from kulisser.db import utcnow
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.identity import InvalidIdentifier, looks_like_identity_number, parse_identifier
from kulisser.patients import service as patients
from kulisser.patients.service import Patient
from kulisser.reception import service as reception
from kulisser.reception.service import MessageData
from kulisser.web.deps import Ctx, CurrentCtx, FormStr
from kulisser.web.templating import render
from kulisser.worklist.service import PRIORITY_LABELS, Priority

router = APIRouter(include_in_schema=False)

SEARCH_LIMIT = 20


def _desk(request: Request, ctx: Ctx, *, q: str = "", patient: Patient | None = None,
          values: dict[str, object] | None = None, errors: dict[str, str] | None = None,
          done: int | None = None, status: int = 200) -> Response:
    """Render the desk; an htmx search gets only the result rows."""
    invalid = invalid_number(q)
    found = [] if invalid else patients.find_patients(ctx.db, actor=ctx.actor, query=q,
                                                      limit=SEARCH_LIMIT)
    shown = [p.id for p in found] + ([patient.id] if patient else [])
    open_items = reception.open_items_by_patient(ctx.db, patient_ids=shown,
                                                 unit_ids=ctx.actor.unit_ids)
    if values is None:
        values = asdict(MessageData())
        if patient is not None:
            values.update(caller_name=patient.full_name, phone=patient.phone)
    return render(request, "reception/desk.html",
                  {"nav": "reception", "q": q, "patients": found, "limit": SEARCH_LIMIT,
                   "invalid": invalid, "open_items": open_items, "patient": patient, "values": values,
                   "errors": errors or {}, "done": done, "now": utcnow(),
                   "relations": reception.relation_choices(),
                   "priorities": [(p.value, _(PRIORITY_LABELS[p])) for p in Priority]},
                  partial="reception/_results.html", status_code=status)


def invalid_number(q: str) -> str | None:
    """Why a query typed as an identity number is no valid one (a wrong check digit...), or None."""
    if not looks_like_identity_number(q):
        return None
    try:
        parse_identifier(q)
    except InvalidIdentifier as exc:
        # Said plainly: "no patient found" would send the secretary to register a typo.
        return exc.message
    return None


@router.get("/reception")
def desk(request: Request, *, q: str = "", patient_id: Id | None = None, klar: Id | None = None,
         ctx: CurrentCtx) -> Response:
    """The desk; ?patient_id= fills the message form for that patient (access checked, logged)."""
    patient = None
    if patient_id is not None:
        patient = patients.get_patient(ctx.db, actor=ctx.actor, patient_id=patient_id)
    return _desk(request, ctx, q=q, patient=patient, done=klar)


@router.post("/reception/meddelande")
def take_message(
    request: Request,
    *,
    caller_name: FormStr = "",
    caller_relation: FormStr = "patient",
    phone: FormStr = "",
    message: FormStr = "",
    priority: FormStr = Priority.NORMAL.value,
    call_back_within_hours: FormStr = "",
    patient_id: FormStr = "",
    ctx: CurrentCtx,
) -> Response:
    """Store a phone message as a call-back item in the unit's queue, then back to the desk."""
    patient = None
    if patient_id.strip():
        pid = parse_id(patient_id)
        if pid is None:
            raise NotFound(_("Patienten finns inte."))
        patient = patients.get_patient(ctx.db, actor=ctx.actor, patient_id=pid)
    data = MessageData(caller_name=caller_name, caller_relation=caller_relation, phone=phone,
                       message=message, priority=priority,
                       call_back_within_hours=call_back_within_hours,
                       patient_id=patient.id if patient else None)
    try:
        _msg, item = reception.take_message(ctx.db, actor=ctx.actor, data=data)
    except ValidationFailed as exc:
        return _desk(request, ctx, patient=patient, values=asdict(data), errors=exc.errors,
                     status=422)
    return RedirectResponse(f"/reception?klar={item.id}", status_code=303)
