"""Booking pages (tidbok): the unit's week, a schedule's day, free-slot search, book, a visit.

Schedule planning pages are in schedule_views.py.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from kulisser.booking import queries
from kulisser.booking import service as booking
from kulisser.booking.calendar import WEEKDAY_NAMES, holidays_between, local, today_local, week_start
from kulisser.booking.forms import FormErrors, opt_date, opt_int
from kulisser.booking.models import Appointment
from kulisser.booking.states import EVENT_LABELS, AppointmentStatus
from kulisser.bounds import BigId, Id
from kulisser.db import utcnow
from kulisser.errors import ValidationFailed
from kulisser.i18n import _
from kulisser.letters import service as letters
from kulisser.patients import service as patients
from kulisser.patients.service import Patient
from kulisser.staff import service as staff
from kulisser.staff.service import Actor
from kulisser.waitlist import service as waitlist
from kulisser.web.deps import Ctx, CurrentCtx, FormStr
from kulisser.web.templating import render
from kulisser.worklist.service import TransitionError

router = APIRouter(include_in_schema=False)


def _waiting_entries(session: Session, *, actor: Actor, limit: int | None = 50,
                    object_type: str | None = "booking_waitlist", now: datetime | None = None
                    ) -> list[Any]:
    """The unit's waiting entries by urgency (rows with .entry, .patient, .figures).

    Each patient shown is logged; object_type None shows nothing to anyone and logs nothing.
    """
    return list(waitlist.list_entries(session, actor=actor, f=waitlist.WaitlistFilter(status="waiting"),
                                      limit=limit, object_type=object_type, now=now))
SEARCH_LIMIT = 60


def _day_param(text: str) -> date:
    errors = FormErrors()
    return opt_date(text, "datum", errors) or today_local(utcnow())


@router.get("/tidbok")
def week_page(request: Request, *, vecka: str = "", ctx: CurrentCtx) -> Response:
    """The unit's week: every schedule's slots by day (times and statuses, no patients)."""
    monday = week_start(_day_param(vecka))
    week = queries.week(ctx.db, actor=ctx.actor, monday=monday)
    return render(request, "booking/week.html", {
        "nav": "booking", "week": week, "weekday_names": [_(name) for name in WEEKDAY_NAMES],
        "holidays": holidays_between(monday, monday + timedelta(days=6)),
        "prev": monday - timedelta(days=7), "next": monday + timedelta(days=7),
        "today": today_local(utcnow()), "now": utcnow(), "iso_week": monday.isocalendar().week})


@router.get("/tidbok/resurs/{resource_id}")
def day_page(request: Request, resource_id: Id, *, datum: str = "", ctx: CurrentCtx) -> Response:
    """A clinician's (or room's) day: slots, the patients booked (each shown is logged)."""
    day = _day_param(datum)
    view = queries.day(ctx.db, actor=ctx.actor, resource_id=resource_id, day=day)
    return render(request, "booking/day.html", {
        "nav": "booking", "view": view, "weekday": _(WEEKDAY_NAMES[day.weekday()]),
        "holiday": holidays_between(day, day).get(day), "prev": day - timedelta(days=1),
        "next": day + timedelta(days=1), "now": utcnow(), "unit_id": ctx.actor.unit_id})


def _search_context(ctx: Ctx, *, patient_id: int | None, entry_id: int | None,
                    rebook_id: int | None) -> dict[str, Any]:
    """Who the search is for: a patient, a waiting-list entry, or a visit to move (all logged)."""
    found: dict[str, Any] = {"patient": None, "entry": None, "rebook": None}
    if rebook_id is not None:
        found["rebook"] = booking.get_appointment(ctx.db, actor=ctx.actor, appointment_id=rebook_id)
        found["patient"] = found["rebook"].patient
    elif entry_id is not None:
        found["entry"] = waitlist.get_entry(ctx.db, actor=ctx.actor, entry_id=entry_id)
        found["patient"] = patients.get_patient(ctx.db, actor=ctx.actor,
                                                patient_id=found["entry"].patient_id)
    elif patient_id is not None:
        found["patient"] = patients.get_patient(ctx.db, actor=ctx.actor, patient_id=patient_id)
    return found


def _visit_type_for(kinds: list[Any], entry: Any) -> str:
    """The first visit type (by name) that ends the entry's kind of wait; "" for all."""
    if entry is None:
        return ""
    return next((str(v.id) for v in kinds if v.wait_kind == entry.wait_kind), "")


@router.get("/tidbok/sok")
def search_page(request: Request, *, visit_type_id: str | None = None, resource_id: str = "", start: str = "",
                end: str = "", patient_id: str = "", entry_id: str = "", rebook: str = "",
                ctx: CurrentCtx) -> Response:
    """Find free slots by visit type, schedule and dates; for a patient, an entry or a rebooking."""
    errors = FormErrors()
    kinds = booking.visit_types(ctx.db, unit_id=ctx.actor.unit_id)
    who = _search_context(ctx, patient_id=opt_int(patient_id, "patient_id", errors),
                          entry_id=opt_int(entry_id, "entry_id", errors),
                          rebook_id=opt_int(rebook, "rebook", errors))
    if visit_type_id is None:  # not chosen yet (the form sends "" for "Alla")
        visit_type_id = _visit_type_for(kinds, who["entry"])
    values = {"visit_type_id": visit_type_id, "resource_id": resource_id, "start": start, "end": end}
    vt, rid = opt_int(visit_type_id, "visit_type_id", errors), opt_int(resource_id, "resource_id", errors)
    lo, hi = opt_date(start, "start", errors), opt_date(end, "end", errors)
    slots = []
    if not errors:
        try:
            slots = booking.find_free_slots(ctx.db, actor=ctx.actor, visit_type_id=vt, resource_id=rid,
                                            start=lo, end=hi, limit=SEARCH_LIMIT)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    waiting = [] if any(who.values()) else _waiting_entries(ctx.db, actor=ctx.actor, limit=25)
    return render(request, "booking/search.html", {
        "nav": "booking", "values": values, "errors": errors, "slots": slots, "limit": SEARCH_LIMIT,
        "visit_types": [(v.id, f"{v.name} ({v.minutes} min)") for v in kinds],
        "resources": [(r.id, r.name) for r in booking.list_resources(ctx.db, actor=ctx.actor)],
        "waiting": waiting, **who}, partial="booking/_slots.html",
        status_code=422 if errors else 200)


def _book_page(request: Request, ctx: Ctx, *, slot_id: int | None, patient_id: int | None,
               entry_id: int | None, values: dict[str, Any], errors: dict[str, str],
               message: str = "", status: int = 200) -> Response:
    slot = booking.get_slot(ctx.db, actor=ctx.actor, slot_id=slot_id) if slot_id else None
    who = _search_context(ctx, patient_id=patient_id, entry_id=entry_id, rebook_id=None)
    return render(request, "booking/book.html", {
        "nav": "booking", "slot": slot, "values": values, "errors": errors, "message": message,
        "now": utcnow(), "preview": _letter_preview(ctx, slot, who["patient"], values), **who},
        status_code=status)


@router.get("/tidbok/boka")
def book_form(request: Request, *, slot_id: str = "", patient_id: str = "", entry_id: str = "",
              ctx: CurrentCtx) -> Response:
    """The booking form for a slot (the patient typed, or given, or from the waiting list)."""
    errors = FormErrors()
    sid = opt_int(slot_id, "slot_id", errors)
    pid, eid = opt_int(patient_id, "patient_id", errors), opt_int(entry_id, "entry_id", errors)
    if sid is None:
        return RedirectResponse("/tidbok/sok", status_code=303)
    return _book_page(request, ctx, slot_id=sid, patient_id=pid, entry_id=eid, values={}, errors=errors)


@router.post("/tidbok/boka")
def book(request: Request, *, slot_id: FormStr = "", patient_id: FormStr = "", entry_id: FormStr = "",
         identifier: FormStr = "", patient_message: FormStr = "", internal_note: FormStr = "",
         ctx: CurrentCtx) -> Response:
    """Book the patient; a slot someone else took first gives a clear message, never a 500."""
    errors = FormErrors()
    values = {"identifier": identifier, "patient_message": patient_message, "internal_note": internal_note}
    sid = opt_int(slot_id, "slot_id", errors)
    pid, eid = opt_int(patient_id, "patient_id", errors), opt_int(entry_id, "entry_id", errors)
    if sid is None:
        errors["slot_id"] = _("Välj en tid.")
    try:
        errors.raise_if_any()
        assert sid is not None
        appt = booking.book(ctx.db, actor=ctx.actor, slot_id=sid, patient_id=pid, identifier=identifier,
                            waitlist_entry_id=eid, patient_message=patient_message,
                            internal_note=internal_note)
    except booking.SlotTaken as exc:
        ctx.db.rollback()  # nothing of the attempt is kept; the page reloads what it shows
        return _book_page(request, ctx, slot_id=sid, patient_id=pid, entry_id=eid, values=values,
                          errors={}, message=exc.message, status=409)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _book_page(request, ctx, slot_id=sid, patient_id=pid, entry_id=eid, values=values,
                          errors=exc.errors, status=422)
    except TransitionError as exc:
        ctx.db.rollback()
        return _book_page(request, ctx, slot_id=sid, patient_id=pid, entry_id=eid, values=values,
                          errors={}, message=exc.message, status=409)
    return RedirectResponse(f"/tidbok/besok/{appt.id}?bokad=1", status_code=303)


def _iso_local(text: str) -> str:
    """An ISO instant from an event's data as Swedish local time."""
    return f"{local(datetime.fromisoformat(text)):%Y-%m-%d %H:%M}"


def _appointment_page(request: Request, ctx: Ctx, appt: Appointment, *, values: dict[str, Any] | None = None,
                      errors: dict[str, str] | None = None, message: str = "", notice: str = "",
                      status: int = 200) -> Response:
    now = utcnow()
    actors = {e.actor_id for e in appt.events if e.actor_id is not None}
    if appt.booked_by_id:
        actors.add(appt.booked_by_id)
    open_booked = appt.status == AppointmentStatus.BOOKED.value
    return render(request, "booking/appointment.html", {
        "nav": "booking", "appt": appt, "patient": appt.patient, "names": staff.user_names(ctx.db, actors),
        "event_labels": {k: _(v) for k, v in EVENT_LABELS.items()}, "values": values or {"by": "patient"},
        "errors": errors or {},
        "message": message, "notice": notice, "local": local, "iso_local": _iso_local,
        "can_change": open_booked and appt.start_at > now and appt.unit_id == ctx.actor.unit_id,
        "can_no_show": open_booked and appt.start_at <= now and appt.unit_id == ctx.actor.unit_id,
        # The letters' text as the patient will read it (each letter shown is logged).
        "visit_letters": letters.visit_letters(ctx.db, actor=ctx.actor, appointment_id=appt.id)},
        status_code=status)


@router.get("/tidbok/besok/{appointment_id}")
def appointment_page(request: Request, appointment_id: BigId, *, bokad: str = "", ombokad: str = "",
                     ctx: CurrentCtx) -> Response:
    """A visit: when, with whom, its status and its whole history; rebook, cancel, no-show."""
    appt = booking.get_appointment(ctx.db, actor=ctx.actor, appointment_id=appointment_id)
    notice = _("Besöket är bokat.") if bokad else _("Besöket är ombokat.") if ombokad else ""
    return _appointment_page(request, ctx, appt, notice=notice)


@router.get("/tidbok/besok/{appointment_id}/omboka")
def rebook_form(request: Request, appointment_id: BigId, *, slot_id: str = "",
                ctx: CurrentCtx) -> Response:
    """Confirm moving the visit to the chosen slot (with an optional reason)."""
    appt = booking.get_appointment(ctx.db, actor=ctx.actor, appointment_id=appointment_id)
    sid = opt_int(slot_id, "slot_id", FormErrors())
    if sid is None:
        return RedirectResponse(f"/tidbok/sok?rebook={appt.id}&visit_type_id={appt.visit_type_id}",
                                status_code=303)
    slot = booking.get_slot(ctx.db, actor=ctx.actor, slot_id=sid)
    values = {"patient_message": appt.patient_message, "internal_note": appt.internal_note}
    return render(request, "booking/rebook.html", {"nav": "booking", "appt": appt, "slot": slot,
                                                   "values": values, "errors": {}, "message": ""})


@router.post("/tidbok/besok/{appointment_id}/omboka")
def rebook(request: Request, appointment_id: BigId, *, slot_id: FormStr = "", reason: FormStr = "",
           texts: FormStr = "", patient_message: FormStr = "", internal_note: FormStr = "",
           ctx: CurrentCtx) -> Response:
    """Move the visit (its two texts as edited); the old slot is freed. A taken slot says so."""
    sid = opt_int(slot_id, "slot_id", FormErrors())
    message, errors, status = "", {}, 200
    # An emptied textarea arrives like a missing one: the form's `texts` marker says they were sent.
    sent = bool(texts)
    try:
        if sid is None:
            raise ValidationFailed({"slot_id": _("Välj en ny tid.")})
        booking.rebook(ctx.db, actor=ctx.actor, appointment_id=appointment_id, slot_id=sid, reason=reason,
                       patient_message=patient_message if sent else None,
                       internal_note=internal_note if sent else None)
        return RedirectResponse(f"/tidbok/besok/{appointment_id}?ombokad=1", status_code=303)
    except ValidationFailed as exc:
        errors, status = exc.errors, 422
    except TransitionError as exc:  # SlotTaken included
        message, status = exc.message, 409
    ctx.db.rollback()
    appt = booking.get_appointment(ctx.db, actor=ctx.actor, appointment_id=appointment_id)
    slot = booking.get_slot(ctx.db, actor=ctx.actor, slot_id=sid) if sid else None
    return render(request, "booking/rebook.html", {
        "nav": "booking", "appt": appt, "slot": slot, "errors": errors,
        "values": {"reason": reason, "patient_message": patient_message if sent else appt.patient_message,
                   "internal_note": internal_note if sent else appt.internal_note},
        "message": message}, status_code=status)


@router.post("/tidbok/besok/{appointment_id}/avboka")
def cancel(request: Request, appointment_id: BigId, *, by: FormStr = "", reason: FormStr = "",
           block_slot: FormStr = "", ctx: CurrentCtx) -> Response:
    """Cancel the visit, by the patient or by the clinic, with a reason."""
    values = {"by": by, "reason": reason, "block_slot": block_slot}
    try:
        booking.cancel(ctx.db, actor=ctx.actor, appointment_id=appointment_id, by=by, reason=reason,
                       block_slot=bool(block_slot))
        return RedirectResponse(f"/tidbok/besok/{appointment_id}", status_code=303)
    except ValidationFailed as exc:
        errors, message, status = exc.errors, "", 422
    except TransitionError as exc:
        errors, message, status = {}, exc.message, 409
    ctx.db.rollback()
    appt = booking.get_appointment(ctx.db, actor=ctx.actor, appointment_id=appointment_id)
    return _appointment_page(request, ctx, appt, values=values, errors=errors, message=message,
                             status=status)


@router.post("/tidbok/besok/{appointment_id}/uteblev")
def no_show(request: Request, appointment_id: BigId, *, reason: FormStr = "",
            ctx: CurrentCtx) -> Response:
    """Record that the patient did not come."""
    try:
        booking.no_show(ctx.db, actor=ctx.actor, appointment_id=appointment_id, reason=reason)
        return RedirectResponse(f"/tidbok/besok/{appointment_id}", status_code=303)
    except ValidationFailed as exc:
        errors, message, status = exc.errors, "", 422
    except TransitionError as exc:
        errors, message, status = {}, exc.message, 409
    ctx.db.rollback()
    appt = booking.get_appointment(ctx.db, actor=ctx.actor, appointment_id=appointment_id)
    return _appointment_page(request, ctx, appt, values={"noshow_reason": reason}, errors=errors,
                             message=message, status=status)


@router.post("/tidbok/besok/{appointment_id}/genomford")
def fulfil(request: Request, appointment_id: BigId, *, dag: FormStr = "",
           ctx: CurrentCtx) -> Response:
    """Mark the visit done (from the visit or, with `dag`, from the day view it returns to)."""
    try:
        appt = booking.fulfil(ctx.db, actor=ctx.actor, appointment_id=appointment_id)
        back = (f"/tidbok/resurs/{appt.resource_id}?datum={local(appt.start_at).date().isoformat()}"
                if dag else f"/tidbok/besok/{appointment_id}")
        return RedirectResponse(back, status_code=303)
    except TransitionError as exc:
        message = exc.message
    ctx.db.rollback()
    appt = booking.get_appointment(ctx.db, actor=ctx.actor, appointment_id=appointment_id)
    return _appointment_page(request, ctx, appt, message=message, status=409)


@router.get("/tidbok/patient/{patient_id}")
def patient_visits(request: Request, patient_id: Id, ctx: CurrentCtx) -> Response:
    """A patient's visits and their history (the patient page loads the partial)."""
    visits = booking.patient_appointments(ctx.db, actor=ctx.actor, patient_id=patient_id)
    patient = ctx.db.get(Patient, patient_id)  # the access check above wrote the audit row
    return render(request, "booking/patient.html", {
        "nav": "booking", "patient": patient, "visits": visits,
        "event_labels": {k: _(v) for k, v in EVENT_LABELS.items()},
        "local": local, "now": utcnow()}, partial="booking/_patient_visits.html")


def _letter_preview(ctx: Ctx, slot: Any, patient: Any, values: dict[str, Any]) -> dict[str, Any]:
    """The calling letter the booking would make, as printed (`paper`), or why not (`error`)."""
    message = str(values.get("patient_message", ""))
    if slot is None or patient is None:
        return {"paper": None, "error": ""}
    if len(message.strip()) > booking.NOTE_MAX:
        return {"paper": None, "error": _("Meddelandet till patienten får vara högst {n} tecken.",
                                          n=booking.NOTE_MAX)}
    try:
        paper = letters.calling_letter_preview(
            ctx.db, actor=ctx.actor, patient_id=patient.id, start=slot.start_at,
            visit_type=slot.visit_type.name, resource_name=slot.resource.name,
            resource_kind=slot.resource.kind, patient_message=message)
    except ValidationFailed as exc:  # a unit text that does not fill in: say so
        return {"paper": None, "error": " ".join(exc.errors.values())}
    return {"paper": paper, "error": ""}


@router.post("/tidbok/boka/kallelse")
def book_letter_preview(request: Request, *, slot_id: FormStr = "", patient_id: FormStr = "",
                        entry_id: FormStr = "", patient_message: FormStr = "",
                        ctx: CurrentCtx) -> Response:
    """The booking form's preview of its calling letter, refreshed as the message is typed."""
    errors = FormErrors()
    sid = opt_int(slot_id, "slot_id", errors)
    pid, eid = opt_int(patient_id, "patient_id", errors), opt_int(entry_id, "entry_id", errors)
    slot = booking.get_slot(ctx.db, actor=ctx.actor, slot_id=sid) if sid is not None else None
    who = _search_context(ctx, patient_id=pid, entry_id=eid, rebook_id=None)
    return render(request, "booking/_letter_preview.html", {
        "preview": _letter_preview(ctx, slot, who["patient"], {"patient_message": patient_message})},
        status_code=422 if errors else 200)
