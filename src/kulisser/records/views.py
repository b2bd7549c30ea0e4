"""Record-request pages: the unit's list and its CSV, a new request, the request's page with
withdrawal and appeals, the consent document, and the unit's rules (managers).

The figures page is in figures.py; the review, decision, delivery and compile sections of the
request's page belong to their own modules and are included by detail.html.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from kulisser import bounds
from kulisser.bounds import Id
from kulisser.db import utcnow
from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.identity import InvalidIdentifier, looks_like_identity_number, parse_identifier
from kulisser.patients import service as patients
from kulisser.records import figures, intake, items, review_views
from kulisser.records import service as records
from kulisser.records.intake import CONSENT_MAX_BYTES, RULE_LIMITS
from kulisser.records.states import (
    CHANNEL_LABELS,
    DELIVERY_LABELS,
    KIND_LABELS,
    OUTCOME_LABELS,
    REQUESTER_LABELS,
    SCOPE_LABELS,
    STATUS_LABELS,
    THIRD_PARTIES,
)
from kulisser.staff import service as staff
from kulisser.web import csv as csvout
from kulisser.web.deps import Ctx, CurrentCtx, FormStr, ManagerCtx, RequestForm
from kulisser.web.templating import render
from kulisser.worklist.service import TransitionError

router = APIRouter(include_in_schema=False)
LIST_LIMIT = 1000
STATUS_FILTER_LABELS = {"open": N_("Pågående"), "all": N_("Alla"), **STATUS_LABELS}


def _choices(labels: dict[str, str]) -> list[tuple[str, str]]:
    return [(k, _(v)) for k, v in labels.items()]


def _date(value: str, field: str, errors: dict[str, str], *, required: bool = True) -> date | None:
    text = value.strip()
    if not text:
        if required:
            errors[field] = _("Ange ett datum (ÅÅÅÅ-MM-DD).")
        return None
    try:
        return bounds.parse_day(text)
    except ValueError:
        errors[field] = _("Ogiltigt datum; skriv t.ex. 2026-12-01.")
        return None


# -- the list ----------------------------------------------------------------------------------

@router.get("/journalkopior")
def list_page(request: Request, *, status: str = "open", kind: str = "",
              ctx: CurrentCtx) -> Response:
    """The unit's requests by target date, with at-risk and breached marks."""
    errors: dict[str, str] = {}
    try:
        rows = records.list_requests(ctx.db, actor=ctx.actor, status=status, kind=kind,
                                     limit=LIST_LIMIT + 1)
    except ValidationFailed as exc:
        errors = exc.errors
        rows = records.list_requests(ctx.db, actor=ctx.actor, limit=LIST_LIMIT + 1)
    return render(request, "records/list.html", {
        "nav": "records", "rows": rows[:LIST_LIMIT], "more": len(rows) > LIST_LIMIT,
        "errors": errors, "f": {"status": status, "kind": kind},
        "statuses": _choices(STATUS_FILTER_LABELS), "kinds": _choices(KIND_LABELS),
        "labels": _labels()}, partial="records/_list.html", status_code=422 if errors else 200)


def _labels() -> dict[str, dict[str, str]]:
    return {"status": STATUS_LABELS, "kind": KIND_LABELS, "channel": CHANNEL_LABELS,
            "requester": REQUESTER_LABELS, "scope": SCOPE_LABELS, "delivery": DELIVERY_LABELS,
            "outcome": OUTCOME_LABELS}


CSV_HEADER = [N_("Id"), N_("Identitetsnummer"), N_("Patient"), N_("Slag"), N_("Status"),
              N_("Mottagen"), N_("Kanal"), N_("Begärd av"), N_("Namn"), N_("Organisation"),
              N_("Måldatum"), N_("Överskriden efter"), N_("Hanterad"), N_("Markering")]
EVENT_LABELS = {
    "created": N_("Registrerad"), "compile": N_("Sammanställning påbörjad"),
    "submit": N_("Till sekretessprövning"), "return": N_("Återsänd för komplettering"),
    "decide": N_("Beslut"), "deliver": N_("Utlämnad"), "close": N_("Avslutad"),
    "withdraw": N_("Återkallad"), "appeal": N_("Överklagande inkom i tid"),
    "appeal_late": N_("Överklagande inkom för sent")}
MARK_LABELS = {"at_risk": N_("Efter måldatum"), "breached": N_("Överskriden"), "": ""}


@router.get("/journalkopior.csv")
def list_csv(request: Request, *, status: str = "open", kind: str = "",
             ctx: CurrentCtx) -> Response:
    """The list as CSV; every patient exported is logged."""
    rows = records.list_requests(ctx.db, actor=ctx.actor, status=status, kind=kind,
                                 object_type="record_request_export")
    body = [[r.request.id, r.patient.display_id, r.patient.full_name,
             _(KIND_LABELS[r.request.kind]), _(STATUS_LABELS[r.request.status]),
             r.request.received_on.isoformat(), _(CHANNEL_LABELS[r.request.channel]),
             _(REQUESTER_LABELS[r.request.requester_kind]), r.request.requester_name,
             r.request.requester_organisation, r.request.target_date.isoformat(),
             r.request.breach_date.isoformat(),
             r.request.handled_on.isoformat() if r.request.handled_on else "",
             _(MARK_LABELS[r.mark]) if r.mark else ""] for r in rows]
    name = f"kulisser-journalkopior-{records.local_today().isoformat()}.csv"
    return csvout.attachment(csvout.document([_(h) for h in CSV_HEADER], body), name)


# -- a new request ---------------------------------------------------------------------------

def _new_form(request: Request, values: dict[str, object], errors: dict[str, str],
              status: int = 200) -> Response:
    return render(request, "records/new.html", {
        "nav": "records", "values": values, "errors": errors, "kinds": _choices(KIND_LABELS),
        "channels": _choices(CHANNEL_LABELS), "requesters": _choices(REQUESTER_LABELS),
        "scopes": _choices(SCOPE_LABELS), "deliveries": _choices(DELIVERY_LABELS),
        "document_kinds": _choices(records.DOCUMENT_KINDS),
        "third_parties": [k.value for k in THIRD_PARTIES],
        "consent_mb": CONSENT_MAX_BYTES // (1024 * 1024)}, status_code=status)


@router.get("/journalkopior/ny")
def new_form(request: Request, *, identifier: str = "", ctx: CurrentCtx) -> Response:
    """The form for a request received by phone, letter, e-mail, e-service or in person."""
    return _new_form(request, {"identifier": identifier, "kind": "copy", "channel": "phone",
                               "requester_kind": "patient", "scope": "whole", "delivery": "post",
                               "received_on": records.local_today().isoformat()}, {})


def _typed_number(text: str) -> bool:
    """Whether the patient field holds an identity number (any kind) rather than a name."""
    try:
        parse_identifier(text)
        return True
    except InvalidIdentifier:
        text = text.strip()
        return looks_like_identity_number(text) or not any(c.isalpha() for c in text)


def _patient_id(ctx: Ctx, identifier: str, errors: dict[str, str],
                matches: list[patients.Patient]) -> int | None:
    if not identifier.strip():
        errors["identifier"] = _("Ange patientens personnummer eller namn.")
        return None
    if not _typed_number(identifier):
        # A name: search the unit's patients (each one shown is logged); one match is the one.
        found_by_name = patients.find_patients(ctx.db, actor=ctx.actor, query=identifier, limit=10)
        if len(found_by_name) == 1:
            return found_by_name[0].id
        matches.extend(found_by_name)
        errors["identifier"] = (_("Flera patienter matchar; välj en nedan.") if found_by_name
                                else _("Ingen patient med det namnet hos din enhet."))
        return None
    found = patients.find_for_actor(ctx.db, actor=ctx.actor, text=identifier)
    if found is not None:
        return found.id
    try:
        parse_identifier(identifier)
        errors["identifier"] = _(patients.NOT_AT_UNIT)
    except InvalidIdentifier as exc:
        errors["identifier"] = exc.message
    return None


def _consent(upload: UploadFile | None) -> tuple[bytes | None, str | None]:
    if upload is None or not upload.filename:
        return None, None
    data = upload.file.read(CONSENT_MAX_BYTES + 1)
    return (data or None), upload.filename


@router.post("/journalkopior/ny")
def new_request(
    request: Request, form: RequestForm, *,
    identifier: FormStr = "", kind: FormStr = "copy", received_on: FormStr = "",
    channel: FormStr = "", requester_kind: FormStr = "patient", requester_name: FormStr = "",
    requester_organisation: FormStr = "", requester_address: FormStr = "",
    consent_signed_on: FormStr = "", scope: FormStr = "whole", period_from: FormStr = "",
    period_to: FormStr = "", scope_text: FormStr = "", delivery: FormStr = "post",
    first_copy: FormStr = "", note: FormStr = "",
    consent_document: Annotated[UploadFile | None, File()] = None,
    ctx: CurrentCtx,
) -> Response:
    """Register the request and open its page; bad input shows the form again with what was typed."""
    kinds_picked = tuple(str(v) for v in form.getlist("document_kinds"))
    values: dict[str, object] = {
        "identifier": identifier, "kind": kind, "received_on": received_on, "channel": channel,
        "requester_kind": requester_kind, "requester_name": requester_name,
        "requester_organisation": requester_organisation, "requester_address": requester_address,
        "consent_signed_on": consent_signed_on, "scope": scope, "period_from": period_from,
        "period_to": period_to, "scope_text": scope_text, "delivery": delivery,
        "first_copy": first_copy, "note": note, "document_kinds": kinds_picked}
    errors: dict[str, str] = {}
    matches: list[patients.Patient] = []
    picked = str(form.get("patient_pick", "")).strip()
    patient_id = _patient_id(ctx, picked or identifier, errors, matches)
    received = _date(received_on, "received_on", errors)
    signed = _date(consent_signed_on, "consent_signed_on", errors, required=False)
    start = _date(period_from, "period_from", errors, required=False)
    end = _date(period_to, "period_to", errors, required=False)
    document, filename = _consent(consent_document)
    data = records.RequestData(
        patient_id=patient_id or 0, received_on=received or records.local_today(),
        channel=channel, kind=kind, requester_kind=requester_kind, requester_name=requester_name,
        requester_organisation=requester_organisation, requester_address=requester_address,
        consent_signed_on=signed, consent_filename=filename, consent_document=document,
        scope=scope, period_from=start, period_to=end, document_kinds=kinds_picked,
        scope_text=scope_text, delivery=delivery, first_copy=bool(first_copy), note=note)
    # Every field's message at once: the service's rules too, before the patient is opened.
    errors = intake.validate(data, today=records.local_today()) | errors
    if not errors and patient_id is not None:
        try:
            created = records.register_request(ctx.db, actor=ctx.actor, data=data, now=utcnow())
            return RedirectResponse(f"/journalkopior/{created.id}", status_code=303)
        except ValidationFailed as exc:
            errors = exc.errors
    if matches:
        values["matches"] = [(p.display_id, p.full_name) for p in matches]
    ctx.db.rollback()
    return _new_form(request, values, errors, status=422)


# -- the unit's rules (managers) -----------------------------------------------------------

def _rules_page(request: Request, ctx: Ctx, values: dict[str, str], errors: dict[str, str],
                *, saved: bool = False, status: int = 200) -> Response:
    return render(request, "records/settings.html", {
        "nav": "records_settings", "values": values, "errors": errors, "saved": saved},
        status_code=status)


@router.get("/journalkopior/installningar")
def rules_page(request: Request, ctx: ManagerCtx) -> Response:
    """The unit's clock (working days) and fee table."""
    row = records.rules(ctx.db, unit_id=ctx.actor.unit_id)
    values = {key: str(getattr(row, key)) for key in RULE_LIMITS}
    return _rules_page(request, ctx, values, {}, saved=request.query_params.get("sparat") == "1")


@router.post("/journalkopior/installningar")
def rules_save(request: Request, ctx: ManagerCtx, form: RequestForm) -> Response:
    """Save the clock and the fee table; every value a whole number in its range."""
    values = {key: str(form.get(key, "")).strip() for key in RULE_LIMITS}
    numbers = {key: bounds.parse_int(text) for key, text in values.items()}
    try:
        records.set_rules(ctx.db, actor=ctx.actor, now=utcnow(),
                          values={k: v for k, v in numbers.items() if v is not None})
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _rules_page(request, ctx, values, exc.errors, status=422)
    return RedirectResponse("/journalkopior/installningar?sparat=1", status_code=303)


router.include_router(figures.router)


# -- one request -----------------------------------------------------------------------------

def _page(request: Request, ctx: Ctx, request_id: int, *, values: dict[str, str] | None = None,
          errors: dict[str, str] | None = None, form: str = "", status: int = 200) -> Response:
    r = records.get_request(ctx.db, actor=ctx.actor, request_id=request_id)
    # The request's access check above logged the read of this patient's data.
    patient = ctx.db.get(patients.Patient, r.patient_id)
    names = staff.user_names(ctx.db, {e.actor_id for e in r.events if e.actor_id is not None})
    today = records.local_today()
    return render(request, "records/detail.html", {
        "nav": "records", "record_request": r, "patient": patient,
        "event_labels": {k: _(v) for k, v in EVENT_LABELS.items()}, "names": names,
        "mark": records.marks(r, today), "today": today, "labels": _labels(),
        "document_kinds": records.DOCUMENT_KINDS,
        "work_items": items.open_request_items(ctx.db, request_id=r.id),
        "last_day": records.appeal_last_day(r.decision_received_on)
        if r.decision_received_on else None,
        "values": values or {}, "errors": errors or {}, "form": form,
        # The review, decision and delivery sections (review_views) on the same page.
        "rv": review_views.section_context(ctx, r)}, status_code=status)


@router.get("/journalkopior/{request_id}")
def detail_page(request: Request, request_id: Id, ctx: CurrentCtx) -> Response:
    """Everything about one request: requester, scope, clock, history and the steps' sections."""
    return _page(request, ctx, request_id)


@router.get("/journalkopior/{request_id}/samtycke")
def consent_file(request_id: Id, ctx: CurrentCtx) -> Response:
    """The scanned consent document, as it was received."""
    r = records.get_request(ctx.db, actor=ctx.actor, request_id=request_id)
    if not r.consent_document:
        return Response(_("Begäran har inget samtycke."), status_code=404)
    media = ("application/pdf" if r.consent_document.startswith(b"%PDF-")
             else "image/png" if r.consent_document.startswith(b"\x89PNG") else "image/jpeg")
    return Response(r.consent_document, media_type=media,
                    headers={"Content-Disposition": "attachment; filename=\"samtycke\""})


@router.post("/journalkopior/{request_id}/aterkalla")
def withdraw(request: Request, request_id: Id, *, reason: FormStr = "",
             ctx: CurrentCtx) -> Response:
    """The requester withdraws the request: it ends and its work item is cancelled."""
    try:
        records.withdraw(ctx.db, actor=ctx.actor, request_id=request_id, reason=reason,
                         now=utcnow())
    except (ValidationFailed, TransitionError) as exc:
        ctx.db.rollback()
        message, status = ((exc.errors.get("reason", ""), 422) if isinstance(exc, ValidationFailed)
                           else (exc.message, 409))
        return _page(request, ctx, request_id, values={"reason": reason},
                     errors={"reason": message}, form="withdraw", status=status)
    return RedirectResponse(f"/journalkopior/{request_id}", status_code=303)


@router.post("/journalkopior/{request_id}/overklagande")
def appeal(request: Request, request_id: Id, *, appeal_received_on: FormStr = "",
           ctx: CurrentCtx) -> Response:
    """Register an appeal of the written decision: in time (a work item) or late (noted)."""
    errors: dict[str, str] = {}
    status = 422
    received = _date(appeal_received_on, "appeal_received_on", errors)
    if received is not None:
        try:
            records.add_appeal(ctx.db, actor=ctx.actor, request_id=request_id,
                               received_on=received, now=utcnow())
            return RedirectResponse(f"/journalkopior/{request_id}#overklaganden", status_code=303)
        except ValidationFailed as exc:
            errors = {"appeal_received_on": next(iter(exc.errors.values()))}
        except TransitionError as exc:
            errors, status = {"appeal_received_on": exc.message}, 409
    ctx.db.rollback()
    return _page(request, ctx, request_id, values={"appeal_received_on": appeal_received_on},
                 errors=errors, form="appeal", status=status)

