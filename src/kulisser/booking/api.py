"""JSON API for booking: schedules, visit types, slot generation and search, appointments, FHIR."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from kulisser.booking import fhir
from kulisser.booking import service as booking
from kulisser.booking.calendar import holidays_between, local_day_bounds, today_local
from kulisser.booking.models import Slot
from kulisser.booking.schemas import (
    AppointmentList,
    AppointmentOut,
    BookIn,
    CancelIn,
    ExceptionIn,
    ExceptionOut,
    ExceptionRecorded,
    GenerateIn,
    GenerateOut,
    HolidayOut,
    NoShowIn,
    RebookIn,
    ScheduleIn,
    ScheduleList,
    ScheduleOut,
    SlotList,
    SlotOut,
    TemplateIn,
    TemplateOut,
    VisitTypeIn,
    VisitTypeOut,
)
from kulisser.bounds import BigId, Day, Id
from kulisser.db import utcnow
from kulisser.web.api import auth_dependencies, error_responses
from kulisser.web.deps import Ctx, CurrentCtx

router = APIRouter(prefix="/api/v1", tags=["booking"], responses=error_responses(401),
                   dependencies=auth_dependencies())
_ACT = error_responses(403, 404, 409, 422)
_FHIR: dict[int | str, dict[str, Any]] = {
    200: {"content": {fhir.FHIR_JSON: {}}, "description": "The FHIR R4 resource (JSON)."}}


def _fhir(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {**_FHIR, **error_responses(*codes)}


# -- schedules --------------------------------------------------------------------------------

@router.get("/schedules", response_model=ScheduleList, summary="The unit's schedules")
def list_schedules(ctx: CurrentCtx) -> ScheduleList:
    """Clinicians', rooms' and equipment's schedules of the caller's unit, with their templates."""
    return ScheduleList(items=[
        ScheduleOut.of(r, booking.templates_for(ctx.db, resource_id=r.id))
        for r in booking.list_resources(ctx.db, actor=ctx.actor)])


@router.post("/schedules", response_model=ScheduleOut, status_code=201, summary="Add a schedule",
             responses=error_responses(403, 422))
def create_schedule(body: ScheduleIn, ctx: CurrentCtx) -> ScheduleOut:
    """A schedule for a clinician of the unit, a room or equipment (secretaries and managers)."""
    return ScheduleOut.of(booking.create_resource(ctx.db, actor=ctx.actor, kind=body.kind,
                                                  name=body.name, user_id=body.user_id))


@router.get("/schedules/{resource_id}", response_model=ScheduleOut, summary="One schedule",
            responses=error_responses(404))
def read_schedule(resource_id: Id, ctx: CurrentCtx) -> ScheduleOut:
    """A schedule with its templates and its (and the unit's) exceptions from today on."""
    r = booking.get_resource(ctx.db, actor=ctx.actor, resource_id=resource_id)
    return ScheduleOut.of(r, booking.templates_for(ctx.db, resource_id=r.id),
                          booking.exceptions_for(ctx.db, actor=ctx.actor, resource_id=r.id,
                                                 start=today_local(utcnow())))


@router.post("/schedules/{resource_id}/templates", response_model=TemplateOut, status_code=201,
             summary="Add a recurring session", responses=error_responses(403, 404, 422))
def add_template(resource_id: Id, body: TemplateIn, ctx: CurrentCtx) -> TemplateOut:
    """Weekdays, Stockholm wall-clock hours, a visit type and a validity period."""
    return TemplateOut.of(booking.add_template(ctx.db, actor=ctx.actor, resource_id=resource_id,
                                               **body.model_dump()))


@router.delete("/schedule-templates/{template_id}", status_code=204, summary="Retire a session",
               responses=error_responses(403, 404))
def remove_template(template_id: Id, ctx: CurrentCtx) -> Response:
    """The template yields no more slots; its future free, never-booked slots are removed."""
    booking.remove_template(ctx.db, actor=ctx.actor, template_id=template_id)
    return Response(status_code=204)


@router.post("/schedule-exceptions", response_model=ExceptionRecorded, status_code=201,
             summary="Record leave, a meeting or a closed day", responses=error_responses(403, 404, 422))
def add_exception(body: ExceptionIn, ctx: CurrentCtx) -> ExceptionRecorded:
    """Free slots in it are blocked; booked visits in it each get a rebook work item."""
    exc, conflicts = booking.add_exception(ctx.db, actor=ctx.actor, **body.model_dump())
    return ExceptionRecorded(exception=ExceptionOut.of(exc),
                             conflicting_appointment_ids=[a.id for a in conflicts])


@router.delete("/schedule-exceptions/{exception_id}", status_code=204, summary="Remove an exception",
               responses=error_responses(403, 404))
def remove_exception(exception_id: Id, ctx: CurrentCtx) -> Response:
    """The slots it blocked are free again."""
    booking.remove_exception(ctx.db, actor=ctx.actor, exception_id=exception_id)
    return Response(status_code=204)


@router.get("/visit-types", response_model=list[VisitTypeOut], summary="The unit's visit types")
def list_visit_types(ctx: CurrentCtx) -> list[VisitTypeOut]:
    """Kinds of visit the caller's unit books, with their lengths."""
    return [VisitTypeOut.model_validate(v) for v in booking.visit_types(ctx.db, unit_id=ctx.actor.unit_id)]


@router.post("/visit-types", response_model=VisitTypeOut, status_code=201, summary="Add a visit type",
             responses=error_responses(403, 422))
def create_visit_type(body: VisitTypeIn, ctx: CurrentCtx) -> VisitTypeOut:
    """A code, a Swedish name and a length in minutes."""
    return VisitTypeOut.model_validate(booking.create_visit_type(ctx.db, actor=ctx.actor,
                                                                 **body.model_dump()))


@router.get("/holidays", response_model=list[HolidayOut], summary="Swedish public holidays")
def list_holidays(year: Annotated[int, Query(ge=1900, le=2200)]) -> list[HolidayOut]:
    """The computed holidays of a year (fixed dates, Easter-based days, and the eves)."""
    days = holidays_between(date(year, 1, 1), date(year, 12, 31))
    return [HolidayOut(date=d, name=n) for d, n in days.items()]


# -- slots --------------------------------------------------------------------------------------

@router.post("/slots/generate", response_model=GenerateOut, summary="Generate slots",
             responses=error_responses(403, 404, 422))
def generate(body: GenerateIn, ctx: CurrentCtx) -> GenerateOut:
    """Create the slots of the templates for a date range; running it twice creates nothing new."""
    done = booking.generate_slots(ctx.db, actor=ctx.actor, **body.model_dump())
    return GenerateOut(created=done.created, existing=done.existing, closed_days=done.closed_days,
                       holidays=done.holidays)


def _search(ctx: Ctx, unit_id: int | None, visit_type_id: int | None, resource_id: int | None,
            start: date | None, end: date | None, limit: int) -> list[Slot]:
    return booking.find_free_slots(ctx.db, actor=ctx.actor, unit_id=unit_id, visit_type_id=visit_type_id,
                                   resource_id=resource_id, start=start, end=end, limit=limit)


@router.get("/slots", response_model=SlotList, summary="Find free slots", responses=error_responses(404, 422))
def search_slots(*, unit_id: Id | None = None, visit_type_id: Id | None = None,
                 resource_id: Id | None = None, start: Day | None = None, end: Day | None = None,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100, ctx: CurrentCtx) -> SlotList:
    """Free future slots by unit (default the caller's), visit type, schedule and dates."""
    return SlotList(items=[SlotOut.of(s) for s in _search(ctx, unit_id, visit_type_id, resource_id,
                                                          start, end, limit)])


@router.get("/slots/fhir", summary="Free slots as a FHIR Bundle", responses=_fhir(404, 422))
def search_slots_fhir(*, unit_id: Id | None = None, visit_type_id: Id | None = None,
                      resource_id: Id | None = None, start: Day | None = None,
                      end: Day | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 100,
                      ctx: CurrentCtx) -> Response:
    """The same search as GET /slots, as a FHIR R4 searchset Bundle of Slot resources."""
    found = _search(ctx, unit_id, visit_type_id, resource_id, start, end, limit)
    return Response(fhir.slot_bundle(found).model_dump_json(), media_type=fhir.FHIR_JSON)


@router.get("/slots/{slot_id}/fhir", summary="A slot as FHIR Slot", responses=_fhir(404))
def slot_fhir(slot_id: BigId, ctx: CurrentCtx) -> Response:
    """One slot as a FHIR R4 Slot."""
    slot = booking.get_slot(ctx.db, actor=ctx.actor, slot_id=slot_id)
    return Response(fhir.slot(slot).model_dump_json(), media_type=fhir.FHIR_JSON)


@router.get("/schedules/{resource_id}/fhir", summary="A schedule as FHIR Schedule",
            responses=_fhir(404))
def schedule_fhir(resource_id: Id, *, start: Day | None = None, end: Day | None = None,
                  ctx: CurrentCtx) -> Response:
    """One schedule as a FHIR R4 Schedule (planningHorizon from start to end, if given)."""
    r = booking.get_resource(ctx.db, actor=ctx.actor, resource_id=resource_id)
    visits = sorted({t.visit_type.id: t.visit_type for t in booking.templates_for(ctx.db, resource_id=r.id)
                     }.values(), key=lambda v: v.name)
    lo = local_day_bounds(start)[0] if start else None
    hi = local_day_bounds(end)[1] if end else None
    return Response(fhir.schedule(r, visits, start=lo, end=hi).model_dump_json(), media_type=fhir.FHIR_JSON)


# -- appointments -------------------------------------------------------------------------------

@router.post("/appointments", response_model=AppointmentOut, status_code=201, summary="Book a visit",
             responses=_ACT)
def book(body: BookIn, ctx: CurrentCtx) -> AppointmentOut:
    """Book a patient into a free slot. 409 (error=slot_taken) when someone else was faster.

    patient_message is printed in the calling letter; internal_note never leaves the staff.

    With waitlist_entry_id the patient comes from the waiting list and the wait ends on the
    visit date.
    """
    appt = booking.book(ctx.db, actor=ctx.actor, slot_id=body.slot_id, patient_id=body.patient_id,
                        identifier=body.identifier, waitlist_entry_id=body.waitlist_entry_id,
                        patient_message=body.patient_message, internal_note=body.internal_note)
    return AppointmentOut.of(appt)


@router.get("/appointments/{appointment_id}", response_model=AppointmentOut, summary="Read a visit",
            responses=error_responses(403, 404))
def read_appointment(appointment_id: BigId, ctx: CurrentCtx) -> AppointmentOut:
    """One visit with its history, after the access check (which writes the audit row)."""
    return AppointmentOut.of(booking.get_appointment(ctx.db, actor=ctx.actor, appointment_id=appointment_id))


@router.get("/appointments/{appointment_id}/fhir", summary="A visit as FHIR Appointment",
            responses=_fhir(403, 404))
def appointment_fhir(appointment_id: BigId, ctx: CurrentCtx) -> Response:
    """One visit as a FHIR R4 Appointment (the patient by identity number; never an address)."""
    appt = booking.get_appointment(ctx.db, actor=ctx.actor, appointment_id=appointment_id)
    return Response(fhir.appointment(appt).model_dump_json(), media_type=fhir.FHIR_JSON)


@router.get("/patients/{patient_id}/appointments", response_model=AppointmentList,
            summary="A patient's visits", responses=error_responses(403, 404))
def patient_appointments(patient_id: Id, ctx: CurrentCtx) -> AppointmentList:
    """The patient's visits at the caller's units, newest first, each with its history."""
    return AppointmentList(items=[AppointmentOut.of(a) for a in booking.patient_appointments(
        ctx.db, actor=ctx.actor, patient_id=patient_id)])


@router.post("/appointments/{appointment_id}/rebook", response_model=AppointmentOut,
             summary="Move a visit to another slot", responses=_ACT)
def rebook(appointment_id: BigId, body: RebookIn, ctx: CurrentCtx) -> AppointmentOut:
    """The old slot is freed; the history keeps the old time. 409 when the new slot is taken."""
    return AppointmentOut.of(booking.rebook(ctx.db, actor=ctx.actor, appointment_id=appointment_id,
                                            slot_id=body.slot_id, reason=body.reason,
                                            patient_message=body.patient_message,
                                            internal_note=body.internal_note))


@router.post("/appointments/{appointment_id}/cancel", response_model=AppointmentOut,
             summary="Cancel a visit", responses=_ACT)
def cancel(appointment_id: BigId, body: CancelIn, ctx: CurrentCtx) -> AppointmentOut:
    """Cancelled by the patient or the clinic, with a reason; the slot is freed (or blocked)."""
    return AppointmentOut.of(booking.cancel(ctx.db, actor=ctx.actor, appointment_id=appointment_id,
                                            by=body.by, reason=body.reason, block_slot=body.block_slot))


@router.post("/appointments/{appointment_id}/no-show", response_model=AppointmentOut,
             summary="Record a no-show", responses=_ACT)
def no_show(appointment_id: BigId, body: NoShowIn, ctx: CurrentCtx) -> AppointmentOut:
    """The patient did not come (only once the visit has started)."""
    return AppointmentOut.of(booking.no_show(ctx.db, actor=ctx.actor, appointment_id=appointment_id,
                                             reason=body.reason))



@router.post("/appointments/{appointment_id}/fulfil", response_model=AppointmentOut,
             summary="Mark a visit done", responses=_ACT)
def fulfil(appointment_id: BigId, ctx: CurrentCtx) -> AppointmentOut:
    """The visit took place (FHIR fulfilled; only once it has started): coding makes its contact."""
    return AppointmentOut.of(booking.fulfil(ctx.db, actor=ctx.actor, appointment_id=appointment_id))
