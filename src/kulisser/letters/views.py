"""The letter pages: the unit's letters, one letter (preview, PDF, actions), a new letter."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kulisser.bounds import Id, parse_id
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.letters import jobs, printing, queries, service, sms, texts
from kulisser.letters.merge import TYPED
from kulisser.letters.models import Letter
from kulisser.letters.states import (
    KIND_LABELS,
    MANUAL_KINDS,
    OP_LABELS,
    ROUTE_LABELS,
    STATUS_LABELS,
    LetterKind,
    LetterStatus,
    Route,
    allowed_ops,
)
from kulisser.patients import service as patients
from kulisser.patients.service import Patient
from kulisser.staff import service as staff
from kulisser.web.deps import Ctx, CurrentCtx, FormStr, RequestForm
from kulisser.web.templating import render
from kulisser.worklist.service import TransitionError

router = APIRouter(include_in_schema=False)
def labels() -> dict[str, dict[str, str]]:
    """The translated kind, status and route labels every letter page shows, by code."""
    return {"kind_labels": {k.value: _(v) for k, v in KIND_LABELS.items()},
            "status_labels": {k.value: _(v) for k, v in STATUS_LABELS.items()},
            "route_labels": {k.value: _(v) for k, v in ROUTE_LABELS.items()}}


def pdf_response(name: str, pdf: bytes) -> Response:
    """A PDF shown in the browser (inline), never cached (the middleware adds no-store)."""
    return Response(content=pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


@router.get("/brev")
def letters_page(request: Request, *, status: str = "open", datum: str = "", kind: str = "",
                 ctx: CurrentCtx) -> Response:
    """The unit's letters by status and date; each patient listed is logged."""
    errors: dict[str, str] = {}
    try:
        f = queries.LetterFilter(status=status, day=queries.parse_day(datum), kind=kind)
        rows = queries.list_letters(ctx.db, actor=ctx.actor, f=f)
    except ValidationFailed as exc:
        errors = exc.errors
        f = queries.LetterFilter()
        rows = queries.list_letters(ctx.db, actor=ctx.actor, f=f)
    context = {"nav": "letters", "rows": rows, "f": f, "datum": datum, "errors": errors,
               "statuses": {k: _(v) for k, v in queries.STATUS_FILTERS.items()},
               "kinds": service.kind_choices(),
               "counts": queries.status_counts(ctx.db, actor=ctx.actor),
               "total": queries.count_letters(ctx.db, actor=ctx.actor, f=f),
               "route_of": service.route_of, **labels()}
    return render(request, "letters/list.html", context, partial="letters/_rows.html",
                  status_code=422 if errors else 200)


# -- a new letter (results, referral replies) -------------------------------------------------

def _new_form(request: Request, ctx: Ctx, *, patient: Patient | None, values: dict[str, str],
              errors: dict[str, str], status: int = 200) -> Response:
    kind = values.get("kind") or LetterKind.RESULT.value
    typed = TYPED.get(LetterKind(kind), ()) if kind in {k.value for k in MANUAL_KINDS} else ()
    return render(request, "letters/new.html", {
        "nav": "letters", "patient": patient, "values": values, "errors": errors,
        "kinds": service.kind_choices(MANUAL_KINDS), "typed": typed}, status_code=status)


def _find_patient(ctx: Ctx, patient_id: str, identifier: str) -> Patient | None:
    if patient_id.strip():
        pid = parse_id(patient_id)
        if pid is None:
            raise NotFound(_("Patienten finns inte."))
        return patients.get_patient(ctx.db, actor=ctx.actor, patient_id=pid)
    if identifier.strip():
        found = patients.find_for_actor(ctx.db, actor=ctx.actor, text=identifier)
        if found is None:  # unknown, or on file without a care relation: the same answer
            raise ValidationFailed({"identifier": _(patients.NOT_AT_UNIT)})
        return patients.get_patient(ctx.db, actor=ctx.actor, patient_id=found.id)
    return None


@router.get("/brev/nytt")
def new_letter_form(request: Request, *, patient_id: str = "", identifier: str = "",
                    kind: str = LetterKind.RESULT.value, ctx: CurrentCtx) -> Response:
    """The form for a result letter or referral reply; the patient is opened (and logged)."""
    values = {"kind": kind if kind in {k.value for k in MANUAL_KINDS} else LetterKind.RESULT.value,
              "identifier": identifier}
    # Pages that write a letter from their own record (a referral's reply) fill its fields.
    for field in TYPED.get(LetterKind(values["kind"]), ()):
        if field.name in request.query_params:
            values[field.name] = request.query_params[field.name][:4000]
    try:
        patient = _find_patient(ctx, patient_id, identifier)
    except ValidationFailed as exc:
        return _new_form(request, ctx, patient=None, values=values, errors=exc.errors, status=422)
    return _new_form(request, ctx, patient=patient, values=values, errors={})


@router.post("/brev/nytt")
def new_letter(request: Request, ctx: CurrentCtx,
               form: RequestForm) -> Response:
    """Write the letter as a draft (with its work item) and open it."""
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        patient = _find_patient(ctx, values.get("patient_id", ""), values.get("identifier", ""))
        if patient is None:
            raise ValidationFailed({"identifier": _("Ange patientens personnummer.")})
    except ValidationFailed as exc:
        return _new_form(request, ctx, patient=None, values=values, errors=exc.errors, status=422)
    kind = values.get("kind", "")
    try:
        if kind not in {k.value for k in MANUAL_KINDS}:
            raise ValidationFailed({"kind": _("Välj brevtyp.")})
        letter = service.create_letter(ctx.db, actor=ctx.actor, patient_id=patient.id, kind=kind,
                                       fields=values)
    except ValidationFailed as exc:
        ctx.db.rollback()
        patient = patients.get_patient(ctx.db, actor=ctx.actor, patient_id=patient.id)
        return _new_form(request, ctx, patient=patient, values=values, errors=exc.errors, status=422)
    return RedirectResponse(f"/brev/{letter.id}", status_code=303)


# -- one letter --------------------------------------------------------------------------------

def _letter_context(ctx: Ctx, letter: Letter) -> dict[str, Any]:
    patient = ctx.db.get(Patient, letter.patient_id)
    assert patient is not None
    paper, paper_error = None, ""
    if letter.status != LetterStatus.CANCELLED.value:
        try:
            paper = printing.paper_for(ctx.db, letter)
        except ValidationFailed as exc:  # a text that no longer fills in: say so, keep the page
            paper_error = " ".join(exc.errors.values())
    events = queries.history(ctx.db, letter_id=letter.id)
    names = staff.user_names(ctx.db, {e.actor_id for e in events if e.actor_id})
    kind = LetterKind(letter.kind)
    route = service.route_of(letter, patient)
    return {"nav": "letters", "letter": letter, "patient": patient, "paper": paper,
            "paper_error": paper_error, "events": events, "names": names,
            "ops": allowed_ops(letter.status), "op_labels": {k: _(v) for k, v in OP_LABELS.items()},
            "route": route.value,
            "forwarding": route is Route.FORWARDING,
            "problem": service.missing_address(letter, patient),
            "items": service.open_work_items(ctx.db, letter_id=letter.id),
            "opted_out": sms.is_opted_out(ctx.db, patient_id=patient.id),
            "can_mailbox": (letter.status == LetterStatus.READY.value and route is not Route.FORWARDING
                            and kind is not LetterKind.REFERRAL_REPLY),
            "fields": texts.fields_of(kind), "typed": TYPED.get(kind, ()),
            "values": {"subject": letter.subject_template, "body": letter.body_template,
                       **letter.fields},
            "errors": {}, **labels()}


def _letter_page(request: Request, ctx: Ctx, letter_id: int, *, errors: dict[str, str] | None = None,
                 values: dict[str, str] | None = None, status: int = 200) -> Response:
    if errors:
        ctx.db.rollback()  # the failed change is undone: show the letter as it still is
    letter = service.get_letter(ctx.db, actor=ctx.actor, letter_id=letter_id)
    context = _letter_context(ctx, letter)
    if errors:
        context["errors"] = errors
    if values:
        context["values"] = {**context["values"], **values}
    return render(request, "letters/letter.html", context, status_code=status)


@router.get("/brev/{letter_id}")
def letter_page(request: Request, letter_id: Id, ctx: CurrentCtx) -> Response:
    """One letter: preview as printed, facts, actions, history (the read is logged)."""
    return _letter_page(request, ctx, letter_id)


@router.get("/brev/{letter_id}/pdf")
def letter_pdf(letter_id: Id, ctx: CurrentCtx) -> Response:
    """The letter as PDF (the read is checked and logged)."""
    name, pdf = printing.letter_pdf(ctx.db, actor=ctx.actor, letter_id=letter_id)
    return pdf_response(name, pdf)


@router.post("/brev/{letter_id}/andra")
def edit_letter(request: Request, letter_id: Id, ctx: CurrentCtx,
                form: RequestForm) -> Response:
    """Save a draft's text; a bad text is shown again with the message and what was typed."""
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        service.edit_letter(ctx.db, actor=ctx.actor, letter_id=letter_id,
                            subject=values.get("subject", ""), body=values.get("body", ""),
                            fields=values)
    except ValidationFailed as exc:
        return _letter_page(request, ctx, letter_id, errors=exc.errors, values=values, status=422)
    except TransitionError as exc:
        return _letter_page(request, ctx, letter_id, errors={"body": exc.message}, values=values,
                            status=409)
    return RedirectResponse(f"/brev/{letter_id}", status_code=303)


@router.post("/brev/{letter_id}/atgard/{op}")
def letter_action(request: Request, letter_id: Id, op: str, *, reason: FormStr = "",
                  ctx: CurrentCtx) -> Response:
    """Make ready, back to draft, mark sent or returned, or void a letter."""
    try:
        service.act(ctx.db, actor=ctx.actor, letter_id=letter_id, op=op, reason=reason)
    except TransitionError as exc:
        status = 409 if exc.code in ("illegal_transition", "address_missing") else 422
        return _letter_page(request, ctx, letter_id, errors={"action": exc.message},
                            values={"reason": reason, "op": op}, status=status)
    return RedirectResponse(f"/brev/{letter_id}", status_code=303)


@router.post("/brev/{letter_id}/digital")
def letter_to_mailbox(request: Request, letter_id: Id, ctx: CurrentCtx) -> Response:
    """Send a ready letter to the patient's digital mailbox."""
    settings = request.app.state.settings
    try:
        printing.send_to_mailbox(ctx.db, actor=ctx.actor, letter_id=letter_id,
                                 sender=jobs.mailbox(settings))
    except TransitionError as exc:
        return _letter_page(request, ctx, letter_id, errors={"action": exc.message}, status=409)
    return RedirectResponse(f"/brev/{letter_id}", status_code=303)


@router.get("/brev/patient/{patient_id}")
def patient_letters(request: Request, patient_id: Id, ctx: CurrentCtx) -> Response:
    """A patient's letters in the unit, the SMS reminders sent and the opt-out (patient page)."""
    patient = patients.get_patient(ctx.db, actor=ctx.actor, patient_id=patient_id,
                                   object_type="patient_letters")
    rows = queries.list_letters(ctx.db, actor=ctx.actor, f=queries.LetterFilter(
        status="all", patient_id=patient_id, limit=200))
    return render(request, "letters/patient.html", {
        "nav": "letters", "patient": patient, "rows": rows,
        "reminders": sms.reminders_for(ctx.db, patient_id=patient_id),
        "opted_out": sms.is_opted_out(ctx.db, patient_id=patient_id),
        "route_of": service.route_of, **labels()}, partial="letters/_patient_letters.html")


@router.post("/brev/patient/{patient_id}/sms")
def sms_opt_out(patient_id: Id, *, opt_out: FormStr = "", back: FormStr = "",
                ctx: CurrentCtx) -> Response:
    """Turn the patient's SMS reminders off (opt_out=1) or on again."""
    sms.set_opt_out(ctx.db, actor=ctx.actor, patient_id=patient_id, opted_out=opt_out == "1")
    # Only a path of this site: never an address given from outside.
    target = back if back.startswith("/brev/") and "//" not in back else "/brev"
    return RedirectResponse(target, status_code=303)
