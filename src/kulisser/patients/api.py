"""JSON API for patients: search, register, read, change, and emergency access."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kulisser.audit import service as audit
from kulisser.bounds import Id
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.patients import relations
from kulisser.patients import service as patients
from kulisser.patients.models import Patient
from kulisser.patients.schemas import (
    EmergencyAccessGranted,
    EmergencyAccessIn,
    PatientCreate,
    PatientList,
    PatientOut,
    PatientRegistered,
    PatientUpdate,
)
from kulisser.web.api import auth_dependencies, error_responses
from kulisser.web.deps import AppSettings, CurrentCtx

router = APIRouter(prefix="/api/v1", tags=["patients"], responses=error_responses(401),
                   dependencies=auth_dependencies())


@router.get("/patients", response_model=PatientList, summary="Search the unit's patients",
            responses=error_responses(403, 422))
def search_patients(
    *,
    q: Annotated[str, Query(max_length=100,
                   description="Identity number (10 or 12 digits, or part of one) or name words.")] = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ctx: CurrentCtx,
) -> PatientList:
    """Patients with a care relation to the caller's unit; each one returned is logged."""
    found = patients.find_patients(ctx.db, actor=ctx.actor, query=q, limit=limit)
    return PatientList(items=[PatientOut.of(p) for p in found])


@router.post("/patients", response_model=PatientRegistered, status_code=201,
             summary="Register a patient", responses=error_responses(403, 422))
def register_patient(body: PatientCreate, ctx: CurrentCtx) -> PatientRegistered:
    """Register a patient and give the caller's unit a care relation, with its reason.

    Without a care relation, `care_reason` is required (422 naming the field otherwise),
    whether the number is new or already registered. A registered number is not stored
    twice: the known patient is returned, unchanged, the relation's start is flagged for the
    log review, and a typed name that differs from the register comes back as a warning.
    """
    data = patients.PatientData(**body.model_dump(exclude={"care_reason", "care_reason_text"}))
    patient = patients.register_patient(ctx.db, actor=ctx.actor, data=data,
                                        care_reason=body.care_reason,
                                        care_reason_text=body.care_reason_text)
    warnings = [_(relations.NAME_WARNING)] if relations.name_differs(
        patient, given_name=body.given_name, family_name=body.family_name) else []
    return PatientRegistered(**PatientOut.of(patient).model_dump(), warnings=warnings)


@router.get("/patients/{patient_id}", response_model=PatientOut, summary="Read a patient",
            responses=error_responses(403, 404, 422))
def read_patient(patient_id: Id, ctx: CurrentCtx) -> PatientOut:
    """One patient, after the access check (which writes the audit row)."""
    return PatientOut.of(patients.get_patient(ctx.db, actor=ctx.actor, patient_id=patient_id))


@router.patch("/patients/{patient_id}", response_model=PatientOut, summary="Change a patient",
              responses=error_responses(403, 404, 422))
def update_patient(patient_id: Id, body: PatientUpdate, ctx: CurrentCtx) -> PatientOut:
    """Change name, contact details, residence or protection; fields left out keep their values."""
    # Read the stored values only to fill in the fields not given: update_patient does the
    # access check (and its audit row) before anything is changed or answered.
    stored = ctx.db.get(Patient, patient_id)
    if stored is None:
        raise NotFound(_("Patienten finns inte."))
    data = patients.PatientData(
        identifier=stored.id_value, id_kind=stored.id_kind, given_name=stored.given_name,
        family_name=stored.family_name, address=stored.address, postal_code=stored.postal_code,
        city=stored.city, phone=stored.phone, protected_identity=stored.protected_identity,
        county_code=stored.county_code, municipality_code=stored.municipality_code)
    for key, value in body.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(data, key, value)
    return PatientOut.of(patients.update_patient(ctx.db, actor=ctx.actor, patient_id=patient_id,
                                                 data=data))


@router.post("/patients/{patient_id}/emergency-access", response_model=EmergencyAccessGranted,
             status_code=201, summary="Grant emergency access (nödåtkomst)",
             responses=error_responses(403, 404, 422))
def emergency_access(patient_id: Id, body: EmergencyAccessIn, ctx: CurrentCtx,
                     settings: AppSettings) -> EmergencyAccessGranted:
    """Open a patient without a care relation, for a limited time, with a reason; logged."""
    if ctx.db.get(Patient, patient_id) is None:
        raise NotFound(_("Patienten finns inte."))
    try:
        grant = audit.grant_emergency_access(ctx.db, actor=ctx.actor, patient_id=patient_id,
                                             reason=body.reason,
                                             minutes=settings.emergency_access_minutes)
    except ValueError as exc:
        raise ValidationFailed({"reason": str(exc)}) from None
    return EmergencyAccessGranted(id=grant.id, patient_id=grant.patient_id, reason=grant.reason,
                              granted_at=grant.granted_at, expires_at=grant.expires_at)
