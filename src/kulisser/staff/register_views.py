"""Pages of the staff register: the list (and its CSV), a new person, a person's page with
assignments and history. Refused input is shown again with its message and the text kept."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kulisser.access_rights import service as access_rights
from kulisser.bounds import Id, parse_id
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.i18n import N_, _
from kulisser.staff import register
from kulisser.staff import service as staff
from kulisser.staff.register_models import PURPOSE_LABELS
from kulisser.web import csv as csvout
from kulisser.web.deps import Ctx, CurrentCtx, FormStr
from kulisser.web.templating import render

router = APIRouter(include_in_schema=False)
CSV_HEADER = [N_("Namn"), N_("HSA-id"), N_("Yrke"), N_("E-post"), N_("Telefon"),
              N_("Användarnamn"), N_("Giltiga uppdrag"), N_("Första slutdag")]


def _purposes() -> list[tuple[str, str]]:
    return [(p.value, _(label)) for p, label in PURPOSE_LABELS.items()]


def _roles() -> list[tuple[str, str]]:
    return [(r.value, _(label)) for r, label in staff.ROLE_LABELS.items()]


@router.get("/personal")
def register_page(http: Request, ctx: CurrentCtx, search: str = "") -> Response:
    """The staff register: everyone, with the assignments valid today."""
    rows = register.register_rows(ctx.db, actor=ctx.actor, query=search[:200])
    units = dict(staff.unit_choices(ctx.db, unit_ids=tuple(
        {a.unit_id for r in rows for a in r.current})))
    return render(http, "staff/register.html", {
        "nav": "staff", "rows": rows, "search": search, "units": units,
        "can_add": register.may_edit(ctx.actor), "roles": dict(_roles())})


@router.get("/personal.csv")
def register_csv(ctx: CurrentCtx, search: str = "") -> Response:
    """The register as CSV (no patient data)."""
    rows = register.register_rows(ctx.db, actor=ctx.actor, query=search[:200])
    units = dict(staff.unit_choices(ctx.db, unit_ids=tuple(
        {a.unit_id for r in rows for a in r.current})))
    lines = [[r.person.full_name, r.person.hsa_id, r.person.profession, r.person.email,
              r.person.phone, r.username,
              "; ".join(f"{units.get(a.unit_id, '')} ({a.commission_hsa_id})" for a in r.current),
              r.ends_soon.isoformat() if r.ends_soon else ""] for r in rows]
    return csvout.attachment(csvout.document([_(h) for h in CSV_HEADER], lines),
                             "kulisser-personal.csv")


def _new_page(http: Request, ctx: Ctx, *, values: dict[str, str] | None = None,
              errors: dict[str, str] | None = None, status: int = 200) -> Response:
    return render(http, "staff/person_new.html", {
        "nav": "staff", "values": values or {}, "errors": errors or {}}, status_code=status)


@router.get("/personal/ny")
def new_person_page(http: Request, ctx: CurrentCtx) -> Response:
    """The form for a new person (managers, administrators)."""
    if not register.may_edit(ctx.actor):
        raise Forbidden(register.EDIT_REFUSED)
    return _new_page(http, ctx)


@router.post("/personal/ny")
def new_person(http: Request, *, full_name: FormStr = "", hsa_id: FormStr = "",
               profession: FormStr = "", email: FormStr = "", phone: FormStr = "",
               username: FormStr = "", ctx: CurrentCtx) -> Response:
    """Add a person; on bad input the form again with its messages."""
    values = {"full_name": full_name, "hsa_id": hsa_id, "profession": profession,
              "email": email, "phone": phone, "username": username}
    try:
        person = register.create_person(ctx.db, actor=ctx.actor, values=values,
                                        username=username)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _new_page(http, ctx, values=values, errors=exc.errors, status=422)
    return RedirectResponse(f"/personal/{person.id}", status_code=303)


def _person_page(http: Request, ctx: Ctx, person_id: int, *, values: dict[str, str] | None = None,
                 errors: dict[str, str] | None = None, form: str = "",
                 status: int = 200) -> Response:
    person = register.get_person(ctx.db, actor=ctx.actor, person_id=person_id)
    today = staff.local_today()
    unit_ids = tuple({a.unit_id for a in person.assignments} | set(ctx.actor.unit_ids))
    units = dict(staff.unit_choices(ctx.db, unit_ids=unit_ids))
    names = staff.user_names(ctx.db, {e.actor_id for e in person.events if e.actor_id})
    username = ""
    if person.user_id is not None:
        username = ctx.db.get(staff.User, person.user_id).username  # type: ignore[union-attr]
    data: dict[str, Any] = {
        "nav": "staff", "person": person, "today": today, "units": units, "names": names,
        "work": access_rights.person_work(ctx.db, actor=ctx.actor, person_id=person.id),
        "username": username, "can_edit": register.may_edit(ctx.actor, person),
        "my_units": [(str(u), units.get(u, "")) for u in ctx.actor.unit_ids],
        "purposes": _purposes(), "roles": _roles(), "purpose_labels": dict(_purposes()),
        "role_labels": dict(_roles()), "form": form, "errors": errors or {},
        "values": values or {"full_name": person.full_name, "hsa_id": person.hsa_id,
                             "profession": person.profession, "email": person.email,
                             "phone": person.phone, "username": username,
                             "valid_from": today.isoformat()}}
    return render(http, "staff/person.html", data, status_code=status)


@router.get("/personal/{person_id}")
def person_page(http: Request, person_id: Id, ctx: CurrentCtx) -> Response:
    """A person: details, assignments (valid and ended) and the history of every change."""
    return _person_page(http, ctx, person_id)


@router.post("/personal/{person_id}")
def change_person(http: Request, person_id: Id, *, full_name: FormStr = "",
                  hsa_id: FormStr = "", profession: FormStr = "", email: FormStr = "",
                  phone: FormStr = "", username: FormStr = "", ctx: CurrentCtx) -> Response:
    """Change the person's details (managers of the person's units, administrators)."""
    values = {"full_name": full_name, "hsa_id": hsa_id, "profession": profession,
              "email": email, "phone": phone, "username": username}
    try:
        register.update_person(ctx.db, actor=ctx.actor, person_id=person_id, values=values,
                               username=username)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _person_page(http, ctx, person_id, values=values, errors=exc.errors,
                            form="person", status=422)
    return RedirectResponse(f"/personal/{person_id}", status_code=303)


@router.post("/personal/{person_id}/uppdrag")
def add_assignment(http: Request, person_id: Id, *, unit_id: FormStr = "", purpose: FormStr = "",
                   role: FormStr = "", commission_hsa_id: FormStr = "", valid_from: FormStr = "",
                   valid_to: FormStr = "", ctx: CurrentCtx) -> Response:
    """Give the person an assignment at one of the caller's units."""
    values = {"unit_id": unit_id, "purpose": purpose, "role": role,
              "commission_hsa_id": commission_hsa_id, "valid_from": valid_from,
              "valid_to": valid_to}
    try:
        register.add_assignment(ctx.db, actor=ctx.actor, person_id=person_id,
                                unit_id=parse_id(unit_id), purpose=purpose, role=role,
                                commission_hsa_id=commission_hsa_id, valid_from=valid_from,
                                valid_to=valid_to)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _person_page(http, ctx, person_id, values=values, errors=exc.errors,
                            form="assignment", status=422)
    return RedirectResponse(f"/personal/{person_id}", status_code=303)


@router.post("/personal/{person_id}/uppdrag/{assignment_id}/avsluta")
def end_assignment(http: Request, person_id: Id, assignment_id: Id, *, last_day: FormStr = "",
                   ctx: CurrentCtx) -> Response:
    """End an assignment on its last day (default today); it stays as history."""
    try:
        register.end_assignment(ctx.db, actor=ctx.actor, assignment_id=assignment_id,
                                person_id=person_id, last_day=last_day)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _person_page(http, ctx, person_id, values={"last_day": last_day,
                                                          "end_id": str(assignment_id)},
                            errors=exc.errors, form="end", status=422)
    return RedirectResponse(f"/personal/{person_id}", status_code=303)
