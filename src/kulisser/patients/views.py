"""Patient pages: search, register, the patient page, edit, and emergency access (nödåtkomst)."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from kulisser.audit import service as audit
from kulisser.bounds import Id
from kulisser.db import utcnow
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.patients import relations, residence
from kulisser.patients import service as patients
from kulisser.patients.models import Patient
from kulisser.patients.service import PatientData
from kulisser.web.deps import AppSettings, CurrentCtx, FormStr
from kulisser.web.templating import render
from kulisser.worklist.service import deadline_flags, patient_items

router = APIRouter(include_in_schema=False)

SEARCH_LIMIT = 20
ADDRESS_FIELDS = ("address", "postal_code", "city")
# The county and municipality tell where a protected patient lives as the address does: they
# are kept off the pages with it (the register report, a duty to Socialstyrelsen, carries them).
RESIDENCE_FIELDS = ("county_code", "municipality_code")


def _patient_form(
    identifier: FormStr = "",
    id_kind: FormStr = "",
    given_name: FormStr = "",
    family_name: FormStr = "",
    address: FormStr = "",
    postal_code: FormStr = "",
    city: FormStr = "",
    phone: FormStr = "",
    protected_identity: FormStr = "",
    county_code: FormStr = "",
    municipality_code: FormStr = "",
) -> PatientData:
    """The patient form as typed (an unticked checkbox is simply absent)."""
    return PatientData(identifier=identifier, id_kind=id_kind, given_name=given_name,
                       family_name=family_name, address=address, postal_code=postal_code,
                       city=city, phone=phone, protected_identity=bool(protected_identity),
                       county_code=county_code, municipality_code=municipality_code)


def _values(data: PatientData, *, hide_address: bool) -> dict[str, object]:
    """Values to show in the form again; a protected patient's address is never sent back."""
    values = asdict(data)
    if hide_address:
        for name in (*ADDRESS_FIELDS, *RESIDENCE_FIELDS):
            values[name] = ""
    return values


def _form_page(request: Request, *, patient: Patient | None, values: dict[str, object],
               errors: dict[str, str], status: int = 200) -> Response:
    return render(request, "patients/form.html",
                  {"nav": "patients", "patient": patient, "values": values, "errors": errors,
                   "id_kinds": patients.id_kinds(), "care_reasons": relations.reason_choices(),
                   "counties": residence.county_choices(),
                   "address_hidden": bool(values.get("protected_identity"))
                   or bool(patient is not None and patient.protected_identity)},
                  status_code=status)


@router.get("/patienter")
def search(request: Request, *, q: str = "", ctx: CurrentCtx) -> Response:
    """Search the unit's patients by identity number or name (htmx gets the result rows)."""
    found = patients.find_patients(ctx.db, actor=ctx.actor, query=q, limit=SEARCH_LIMIT)
    return render(request, "patients/search.html",
                  {"nav": "patients", "q": q, "patients": found, "limit": SEARCH_LIMIT},
                  partial="patients/_results.html")


@router.get("/patienter/ny")
def register_form(request: Request, ctx: CurrentCtx) -> Response:
    """Show the empty registration form."""
    return _form_page(request, patient=None, values={}, errors={})


@router.post("/patienter/ny")
def register(request: Request, data: Annotated[PatientData, Depends(_patient_form)],
             *,
             care_reason: FormStr = "", care_reason_text: FormStr = "",
             ctx: CurrentCtx) -> Response:
    """Register a patient (with a care relation for the user's unit, for a reason); open them."""
    values = _values(data, hide_address=data.protected_identity)
    values.update(care_reason=care_reason, care_reason_text=care_reason_text)
    try:
        patient = patients.register_patient(ctx.db, actor=ctx.actor, data=data,
                                            care_reason=care_reason,
                                            care_reason_text=care_reason_text)
    except ValidationFailed as exc:
        # The same form whether the number is new or on file: nothing of a record is shown.
        return _form_page(request, patient=None, values=values, errors=exc.errors, status=422)
    differs = relations.name_differs(patient, given_name=data.given_name,
                                     family_name=data.family_name)
    # Only now, with the relation in place, may the page say the typed name is not the register's.
    return RedirectResponse(f"/patienter/{patient.id}" + ("?namn=avviker" if differs else ""),
                            status_code=303)


@router.get("/patienter/{patient_id}")
def patient_page(request: Request, patient_id: Id, ctx: CurrentCtx,
                 settings: AppSettings) -> Response:
    """The patient page: identity, contact details and every work item for the patient."""
    patient, access = patients.open_patient(ctx.db, actor=ctx.actor, patient_id=patient_id)
    open_items, closed_items = patient_items(ctx.db, patient_id=patient.id,
                                             unit_ids=ctx.actor.unit_ids)
    now = utcnow()
    open_rows = [(item, *deadline_flags(item, now=now, due_soon_hours=settings.due_soon_hours))
                 for item in open_items]
    return render(request, "patients/patient.html",
                  {"nav": "patients", "patient": patient, "emergency": access.emergency,
                   "open_rows": open_rows, "closed_items": closed_items,
                   "county_name": residence.county_name(patient.county_code),
                   "name_warning": _(relations.NAME_WARNING)
                   if request.query_params.get("namn") == "avviker" else ""})


@router.get("/patienter/{patient_id}/redigera")
def edit_form(request: Request, patient_id: Id, ctx: CurrentCtx) -> Response:
    """Show the edit form filled with the stored details (never a protected address)."""
    patient = patients.get_patient(ctx.db, actor=ctx.actor, patient_id=patient_id)
    data = PatientData(given_name=patient.given_name, family_name=patient.family_name,
                       address=patient.address, postal_code=patient.postal_code, city=patient.city,
                       phone=patient.phone, protected_identity=patient.protected_identity,
                       county_code=patient.county_code,
                       municipality_code=patient.municipality_code)
    return _form_page(request, patient=patient,
                      values=_values(data, hide_address=patient.protected_identity), errors={})


@router.post("/patienter/{patient_id}/redigera")
def edit(request: Request, patient_id: Id, data: Annotated[PatientData, Depends(_patient_form)],
         ctx: CurrentCtx) -> Response:
    """Save a patient's name and contact details (the identity number is not changed here)."""
    # Read without showing anything: update_patient below does the access check and audit row.
    stored = ctx.db.get(Patient, patient_id)
    if stored is None:
        raise NotFound(_("Patienten finns inte."))
    was_protected = stored.protected_identity
    values = _values(data, hide_address=was_protected or data.protected_identity)
    typed = replace(data, identifier="", id_kind="")
    if was_protected and not any(getattr(data, f).strip() for f in ADDRESS_FIELDS):
        # The form never shows a protected address, so empty fields mean "keep it".
        typed.address, typed.postal_code, typed.city = stored.address, stored.postal_code, stored.city
    if was_protected and not any(getattr(data, f).strip() for f in RESIDENCE_FIELDS):
        typed.county_code, typed.municipality_code = stored.county_code, stored.municipality_code
    try:
        patients.update_patient(ctx.db, actor=ctx.actor, patient_id=patient_id, data=typed)
    except ValidationFailed as exc:
        return _form_page(request, patient=stored, values=values, errors=exc.errors, status=422)
    return RedirectResponse(f"/patienter/{patient_id}", status_code=303)


@router.post("/patienter/{patient_id}/nodatkomst")
def emergency_access(request: Request, patient_id: Id, *, reason: FormStr = "",
                     ctx: CurrentCtx,
                     settings: AppSettings) -> Response:
    """Grant time-limited emergency access with a reason, then open the patient page."""
    if ctx.db.get(Patient, patient_id) is None:
        raise NotFound(_("Patienten finns inte."))
    try:
        audit.grant_emergency_access(ctx.db, actor=ctx.actor, patient_id=patient_id, reason=reason,
                                     minutes=settings.emergency_access_minutes)
    except ValueError:
        return render(request, "patients/emergency.html",
                      {"patient_id": patient_id, "values": {"reason": reason},
                       "errors": {"reason": _("Ange skälet till nödåtkomst (minst 5 tecken).")}},
                      status_code=422)
    return RedirectResponse(f"/patienter/{patient_id}", status_code=303)
