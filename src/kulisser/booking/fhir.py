"""FHIR export of a schedule, its slots and appointments, validated with `fhir.resources`.

FHIR version: R4 (as R4B, `fhir.resources.R4B`), like the dictation export: Swedish record
systems and HL7 Sweden's profiles speak R4. Each resource is built as a dict and validated
by constructing the model, so an export that does not conform fails here, not at the
receiver. The patient is named by identity number (HL7 Sweden's systems) and name only: no
address ever leaves (skyddad identitet or not, a booking does not need one).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.schedule import Schedule as FhirSchedule
from fhir.resources.R4B.slot import Slot as FhirSlot

from kulisser.booking.models import Appointment, Resource, Slot, VisitType
from kulisser.booking.states import AppointmentStatus, ResourceKind, SlotStatus
from kulisser.identity import Identifier, IdKind, InvalidIdentifier
from kulisser.patients.service import Patient

FHIR_JSON = "application/fhir+json"
HSA_SYSTEM = "urn:oid:1.2.752.29.4.19"  # HSA-id of staff and care units
VISIT_TYPE_SYSTEM = "urn:kulisser:visit-type"  # the units' own visit type codes
SCHEDULE_SYSTEM = "urn:kulisser:schedule"
SLOT_SYSTEM = "urn:kulisser:slot"
APPOINTMENT_SYSTEM = "urn:kulisser:appointment"
CANCEL_SYSTEM = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"
SLOT_STATUS = {SlotStatus.FREE: "free", SlotStatus.BOOKED: "busy", SlotStatus.BLOCKED: "busy-unavailable"}
ACTOR_TYPE = {ResourceKind.CLINICIAN: "Practitioner", ResourceKind.ROOM: "Location",
              ResourceKind.EQUIPMENT: "Device"}


def _instant(value: datetime) -> str:
    """An aware instant as FHIR wants it (seconds, explicit offset)."""
    return value.isoformat(timespec="seconds")


def _visit_type(visit: VisitType) -> dict[str, Any]:
    return {"coding": [{"system": VISIT_TYPE_SYSTEM, "code": visit.code, "display": visit.name}],
            "text": visit.name}


def _resource_ref(resource: Resource) -> dict[str, Any]:
    ref: dict[str, Any] = {"type": ACTOR_TYPE[ResourceKind(resource.kind)], "display": resource.name}
    if resource.user is not None and resource.user.hsa_id:
        ref["identifier"] = {"system": HSA_SYSTEM, "value": resource.user.hsa_id}
    return ref


def patient_ref(patient: Patient) -> dict[str, Any]:
    """The patient by identity number (HL7 Sweden's system) and name; never an address."""
    ref: dict[str, Any] = {"type": "Patient", "display": patient.full_name}
    try:
        ident = Identifier(kind=IdKind(patient.id_kind), value=patient.id_value)
        ref["identifier"] = {"system": ident.system, "value": ident.value}
    except (InvalidIdentifier, ValueError):
        ref["identifier"] = {"value": patient.id_value}
    return ref


def schedule(resource: Resource, visit_types: list[VisitType], *, start: datetime | None = None,
             end: datetime | None = None) -> FhirSchedule:
    """A resource's schedule as a FHIR Schedule (with its planning horizon, if given)."""
    data: dict[str, Any] = {
        "resourceType": "Schedule", "id": str(resource.id),
        "identifier": [{"system": SCHEDULE_SYSTEM, "value": str(resource.id)}],
        "active": resource.active,
        "actor": [_resource_ref(resource),
                  {"type": "Organization", "display": resource.unit.name,
                   "identifier": {"system": HSA_SYSTEM, "value": resource.unit.hsa_id}}],
        "comment": resource.kind_label,
    }
    if visit_types:  # FHIR JSON has no empty arrays
        data["serviceType"] = [_visit_type(v) for v in visit_types]
    if start is not None and end is not None:
        data["planningHorizon"] = {"start": _instant(start), "end": _instant(end)}
    return FhirSchedule.model_validate(data)


def slot(row: Slot) -> FhirSlot:
    """A slot as a FHIR Slot (free, busy, or busy-unavailable when blocked)."""
    return FhirSlot.model_validate({
        "resourceType": "Slot", "id": str(row.id),
        "identifier": [{"system": SLOT_SYSTEM, "value": str(row.id)}],
        "schedule": {"reference": f"Schedule/{row.resource_id}", "display": row.resource.name},
        "status": SLOT_STATUS[SlotStatus(row.status)],
        "serviceType": [_visit_type(row.visit_type)],
        "appointmentType": {"text": row.visit_type.name},
        "start": _instant(row.start_at), "end": _instant(row.end_at),
    })


def appointment(appt: Appointment) -> FhirAppointment:
    """An appointment as a FHIR Appointment with the patient, the resource and the slot."""
    data: dict[str, Any] = {
        "resourceType": "Appointment", "id": str(appt.id),
        "identifier": [{"system": APPOINTMENT_SYSTEM, "value": str(appt.id)}],
        "status": AppointmentStatus(appt.status).value,
        "appointmentType": _visit_type(appt.visit_type),
        "serviceType": [_visit_type(appt.visit_type)],
        "description": appt.visit_type.name,
        "start": _instant(appt.start_at), "end": _instant(appt.end_at),
        "minutesDuration": int((appt.end_at - appt.start_at).total_seconds() // 60),
        "slot": [{"reference": f"Slot/{appt.slot_id}"}],
        "created": appt.booked_at.date().isoformat(),
        "participant": [
            {"actor": patient_ref(appt.patient), "required": "required", "status": "accepted"},
            {"actor": _resource_ref(appt.resource), "required": "required", "status": "accepted"},
        ],
    }
    if appt.status == AppointmentStatus.CANCELLED.value:
        code = "pat" if appt.cancelled_by == "patient" else "prov"
        data["cancelationReason"] = {
            "coding": [{"system": CANCEL_SYSTEM, "code": code,
                        "display": "Patient" if code == "pat" else "Provider"}],
            "text": appt.cancel_reason or ""}
    return FhirAppointment.model_validate(data)


def slot_bundle(rows: list[Slot]) -> Bundle:
    """Slots as a FHIR searchset Bundle."""
    return Bundle.model_validate({
        "resourceType": "Bundle", "type": "searchset", "total": len(rows),
        "entry": [{"resource": slot(r).model_dump(mode="json"), "search": {"mode": "match"}}
                  for r in rows],
    })
