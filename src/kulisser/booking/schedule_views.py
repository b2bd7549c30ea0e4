"""Schedule planning pages (läkarscheman): schedules, visit types, sessions, exceptions, slots.

Secretaries and managers change them; clinicians see them. No patient is shown here: a new
exception that collides with booked visits makes `booking-rebook` work items (their creation
is audited by the worklist) and the page only says how many.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kulisser.booking import service as booking
from kulisser.booking.calendar import holidays_between, today_local, weekdays_label
from kulisser.booking.forms import FormErrors, opt_date, opt_int, opt_time, renamed
from kulisser.booking.models import Resource
from kulisser.booking.schedules import PLANNERS
from kulisser.booking.states import EXCEPTION_KIND_LABELS, RESOURCE_KIND_LABELS
from kulisser.bounds import Id
from kulisser.db import utcnow
from kulisser.errors import ValidationFailed
from kulisser.i18n import _
from kulisser.staff import service as staff
from kulisser.staff.service import Role
from kulisser.waitlist import service as waitlist
from kulisser.web.deps import Ctx, CurrentCtx, FormStr
from kulisser.web.templating import render

router = APIRouter(include_in_schema=False)
# The exception form's time fields differ from the session form's on the same page.
_EXC_FIELDS = {"start_time": "from_time", "end_time": "to_time"}


def _defaults() -> dict[str, Any]:
    today = today_local(utcnow())
    return {"kind": "clinician", "valid_from": today.isoformat(), "weekdays": "1-5",
            "start": today.isoformat(), "end": (today + timedelta(days=20)).isoformat(),
            "public_holidays": "1", "exc_kind": "leave", "minutes": "30"}


def _overview(request: Request, ctx: Ctx, *, values: dict[str, Any] | None = None,
              errors: dict[str, str] | None = None, notice: str = "", status: int = 200) -> Response:
    today = today_local(utcnow())
    resources = booking.list_resources(ctx.db, actor=ctx.actor, active_only=False)
    members = staff.unit_members(ctx.db, unit_id=ctx.actor.unit_id)
    return render(request, "booking/schedules.html", {
        "nav": "booking", "values": {**_defaults(), **(values or {})}, "errors": errors or {},
        "notice": notice, "resources": resources, "can_plan": ctx.actor.role in PLANNERS,
        "templates": {r.id: booking.templates_for(ctx.db, resource_id=r.id) for r in resources},
        "visit_types": booking.visit_types(ctx.db, unit_id=ctx.actor.unit_id),
        "wait_kinds": waitlist.wait_kinds(),
        "closed_days": [e for e in booking.exceptions_for(ctx.db, actor=ctx.actor, start=today)
                        if e.resource_id is None],
        "holidays": holidays_between(today, today.replace(month=12, day=31) + timedelta(days=366)),
        "kinds": [(k, _(v)) for k, v in RESOURCE_KIND_LABELS.items()], "weekdays_label": weekdays_label,
        "people": [(u.id, u.full_name) for u in members if u.role == Role.CLINICIAN.value],
        "resource_choices": [(r.id, r.name) for r in resources if r.active]}, status_code=status)


@router.get("/tidbok/scheman")
def overview(request: Request, ctx: CurrentCtx) -> Response:
    """The unit's schedules, visit types, closed days and slot generation."""
    return _overview(request, ctx)


@router.post("/tidbok/scheman/resurs")
def add_resource(request: Request, *, kind: FormStr = "", user_id: FormStr = "", name: FormStr = "",
                 ctx: CurrentCtx) -> Response:
    """Add a clinician's, room's or equipment's schedule."""
    values = {"kind": kind, "user_id": user_id, "name": name}
    errors = FormErrors()
    uid = opt_int(user_id, "user_id", errors)
    try:
        errors.raise_if_any()
        resource = booking.create_resource(ctx.db, actor=ctx.actor, kind=kind, name=name, user_id=uid)
    except ValidationFailed as exc:
        return _overview(request, ctx, values=values, errors=exc.errors, status=422)
    return RedirectResponse(f"/tidbok/scheman/{resource.id}", status_code=303)


@router.post("/tidbok/scheman/besokstyp")
def add_visit_type(request: Request, *, code: FormStr = "", title: FormStr = "", minutes: FormStr = "",
                   wait_kind: FormStr = "", ctx: CurrentCtx) -> Response:
    """Add a visit type (code, name, minutes, the kind of wait it ends)."""
    values = {"code": code, "title": title, "minutes": minutes, "wait_kind": wait_kind}
    errors = FormErrors()
    length = opt_int(minutes, "minutes", errors)
    try:
        errors.raise_if_any()
        booking.create_visit_type(ctx.db, actor=ctx.actor, code=code, name=title, minutes=length,
                                  wait_kind=wait_kind)
    except ValidationFailed as exc:
        return _overview(request, ctx, values=values, errors=renamed(exc.errors, {"name": "title"}),
                         status=422)
    return RedirectResponse("/tidbok/scheman", status_code=303)


@router.post("/tidbok/scheman/stangt")
def add_closed_day(request: Request, *, start_date: FormStr = "", end_date: FormStr = "",
                   reason: FormStr = "", ctx: CurrentCtx) -> Response:
    """The whole unit is closed (a holiday of its own, a move ...): no slots, free ones blocked."""
    values = {"start_date": start_date, "end_date": end_date, "reason": reason}
    errors = FormErrors()
    lo, hi = opt_date(start_date, "start_date", errors), opt_date(end_date, "end_date", errors)
    try:
        errors.raise_if_any()
        _exc, conflicts = booking.add_exception(ctx.db, actor=ctx.actor, resource_id=None, kind="holiday",
                                                start_date=lo, end_date=hi, reason=reason)
    except ValidationFailed as exc:
        return _overview(request, ctx, values=values, errors=exc.errors, status=422)
    return _overview(request, ctx, notice=_conflict_notice(len(conflicts)))


@router.post("/tidbok/scheman/generera")
def generate(request: Request, *, start: FormStr = "", end: FormStr = "", resource_id: FormStr = "",
             public_holidays: FormStr = "", page: FormStr = "", ctx: CurrentCtx) -> Response:
    """Create the slots of the templates for a date range (again: nothing is duplicated)."""
    values = {"start": start, "end": end, "resource_id": resource_id, "public_holidays": public_holidays}
    errors = FormErrors()
    lo, hi = opt_date(start, "start", errors), opt_date(end, "end", errors)
    rid = opt_int(resource_id, "resource_id", errors)

    def back(**kw: Any) -> Response:  # the page the form was on: a schedule's, or the overview
        if page == "resource" and rid:
            return _resource_page(request, ctx, rid, values=values, **kw)
        return _overview(request, ctx, values=values, **kw)

    try:
        errors.raise_if_any()
        done = booking.generate_slots(ctx.db, actor=ctx.actor, start=lo, end=hi, resource_id=rid,
                                      public_holidays=bool(public_holidays))
    except ValidationFailed as exc:
        return back(errors=exc.errors, status=422)
    notice = _("{n} nya tider skapades; {e} fanns redan.", n=done.created, e=done.existing)
    if done.holidays:
        notice += " " + _("Helgdagar utan tider: {days}.", days=", ".join(
            f"{name} {day:%d/%m}" for day, name in done.holidays.items()))
    return back(notice=notice)


def _conflict_notice(count: int) -> str:
    if not count:
        return _("Undantaget är sparat. Lediga tider i det är spärrade.")
    return _("Undantaget är sparat. {n} bokade besök krockar med det: de finns som ärenden "
             "”Omboka besök” i arbetslistan.", n=count)


def _resource_page(request: Request, ctx: Ctx, resource_id: int, *, values: dict[str, Any] | None = None,
                   errors: dict[str, str] | None = None, notice: str = "", status: int = 200) -> Response:
    resource: Resource = booking.get_resource(ctx.db, actor=ctx.actor, resource_id=resource_id)
    today = today_local(utcnow())
    return render(request, "booking/resource.html", {
        "nav": "booking", "resource": resource, "values": {**_defaults(), **(values or {})},
        "errors": errors or {}, "notice": notice, "can_plan": ctx.actor.role in PLANNERS,
        "templates": booking.templates_for(ctx.db, resource_id=resource.id),
        "exceptions": booking.exceptions_for(ctx.db, actor=ctx.actor, resource_id=resource.id, start=today),
        "visit_types": [(v.id, f"{v.name} ({v.minutes} min)")
                        for v in booking.visit_types(ctx.db, unit_id=resource.unit_id)],
        "exception_kinds": [(k.value, _(label)) for k, label in EXCEPTION_KIND_LABELS.items()],
        "weekdays_label": weekdays_label, "today": today}, status_code=status)


@router.get("/tidbok/scheman/{resource_id}")
def resource_page(request: Request, resource_id: Id, ctx: CurrentCtx) -> Response:
    """One schedule: its recurring sessions and its exceptions."""
    return _resource_page(request, ctx, resource_id)


@router.post("/tidbok/scheman/{resource_id}/pass")
def add_template(request: Request, resource_id: Id, *, visit_type_id: FormStr = "", weekdays: FormStr = "",
                 start_time: FormStr = "", end_time: FormStr = "", valid_from: FormStr = "",
                 valid_to: FormStr = "", ctx: CurrentCtx) -> Response:
    """Add a recurring session (weekdays, hours in Swedish time, visit type, validity)."""
    values = {"visit_type_id": visit_type_id, "weekdays": weekdays, "start_time": start_time,
              "end_time": end_time, "valid_from": valid_from, "valid_to": valid_to}
    errors = FormErrors()
    vt = opt_int(visit_type_id, "visit_type_id", errors)
    t0, t1 = opt_time(start_time, "start_time", errors), opt_time(end_time, "end_time", errors)
    d0, d1 = opt_date(valid_from, "valid_from", errors), opt_date(valid_to, "valid_to", errors)
    try:
        errors.raise_if_any()
        booking.add_template(ctx.db, actor=ctx.actor, resource_id=resource_id, visit_type_id=vt,
                             weekdays=weekdays, start_time=t0, end_time=t1, valid_from=d0, valid_to=d1)
    except ValidationFailed as exc:
        return _resource_page(request, ctx, resource_id, values=values, errors=exc.errors, status=422)
    return RedirectResponse(f"/tidbok/scheman/{resource_id}", status_code=303)


@router.post("/tidbok/scheman/pass/{template_id}/ta-bort")
def remove_template(template_id: Id, *, resource_id: FormStr = "", ctx: CurrentCtx) -> Response:
    """Retire a session; its future free, never-booked slots go."""
    booking.remove_template(ctx.db, actor=ctx.actor, template_id=template_id)
    rid = opt_int(resource_id, "resource_id", FormErrors())
    return RedirectResponse(f"/tidbok/scheman/{rid}" if rid else "/tidbok/scheman", status_code=303)


@router.post("/tidbok/scheman/{resource_id}/undantag")
def add_exception(request: Request, resource_id: Id, *, exc_kind: FormStr = "", start_date: FormStr = "",
                  end_date: FormStr = "", from_time: FormStr = "", to_time: FormStr = "",
                  reason: FormStr = "", ctx: CurrentCtx) -> Response:
    """Record leave or a meeting: free slots in it are blocked, booked visits get rebook items."""
    values = {"exc_kind": exc_kind, "start_date": start_date, "end_date": end_date,
              "from_time": from_time, "to_time": to_time, "reason": reason}
    errors = FormErrors()
    lo, hi = opt_date(start_date, "start_date", errors), opt_date(end_date, "end_date", errors)
    t0, t1 = opt_time(from_time, "from_time", errors), opt_time(to_time, "to_time", errors)
    try:
        errors.raise_if_any()
        _exc, conflicts = booking.add_exception(
            ctx.db, actor=ctx.actor, resource_id=resource_id, kind=exc_kind, start_date=lo, end_date=hi,
            start_time=t0, end_time=t1, reason=reason)
    except ValidationFailed as exc:
        errors_ = renamed(exc.errors, {**_EXC_FIELDS, "kind": "exc_kind"})
        return _resource_page(request, ctx, resource_id, values=values, errors=errors_, status=422)
    return _resource_page(request, ctx, resource_id, notice=_conflict_notice(len(conflicts)))


@router.post("/tidbok/scheman/undantag/{exception_id}/ta-bort")
def remove_exception(exception_id: Id, *, resource_id: FormStr = "", ctx: CurrentCtx) -> Response:
    """Remove an exception; the slots it blocked are free again."""
    booking.remove_exception(ctx.db, actor=ctx.actor, exception_id=exception_id)
    rid = opt_int(resource_id, "resource_id", FormErrors())
    return RedirectResponse(f"/tidbok/scheman/{rid}" if rid else "/tidbok/scheman", status_code=303)
