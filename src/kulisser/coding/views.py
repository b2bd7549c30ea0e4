"""Coding pages (/kodning): the unit's contacts to code with filters and CSV, a contact by
hand, and the coding page (the note beside the form, search as you type, favourites, the
patient's last codes, suggestions, the checks where the user acted).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kulisser import bounds, workdays
from kulisser.bounds import Id
from kulisser.coding import codes, items
from kulisser.coding import service as coding
from kulisser.coding.forms import CodeForm
from kulisser.coding.models import CareContact
from kulisser.coding.states import (
    EVENT_LABELS,
    KIND_LABELS,
    ROLE_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    Role,
)
from kulisser.db import utcnow
from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.patients import service as patients
from kulisser.staff import service as staff
from kulisser.web import csv as csvout
from kulisser.web.deps import Ctx, CurrentCtx, FormStr, RequestForm
from kulisser.web.templating import render
from kulisser.worklist.service import TransitionError

router = APIRouter(include_in_schema=False)
LIST_LIMIT = 500
STATUS_FILTERS = {"uncoded": N_("Att koda"), "coded": N_("Kodade"), "all": N_("Alla")}
SEARCH_LIMIT = 15


def _labels() -> dict[str, dict[str, str]]:
    return {k: {c: _(v) for c, v in m.items()} for k, m in (
        ("kind", KIND_LABELS), ("status", STATUS_LABELS), ("source", SOURCE_LABELS),
        ("role", ROLE_LABELS), ("event", EVENT_LABELS))}


def _day(text: str, name: str, errors: dict[str, str]) -> date | None:
    if not text.strip():
        return None
    try:
        return bounds.parse_day(text.strip())
    except ValueError:
        errors[name] = _("Ogiltigt datum; skriv t.ex. 2026-12-01.")
        return None


def _filter(status: str, kind: str, fran: str, till: str, errors: dict[str, str]
            ) -> coding.ContactFilter:
    return coding.ContactFilter(status=status, kind=kind, date_from=_day(fran, "fran", errors),
                                date_to=_day(till, "till", errors))


@router.get("/kodning")
def list_page(request: Request, *, status: str = "uncoded", kind: str = "", fran: str = "",
              till: str = "", ctx: CurrentCtx) -> Response:
    """The unit's contacts to code (oldest first), filters, CSV and the suggestion figures."""
    errors: dict[str, str] = {}
    f = _filter(status, kind, fran, till, errors)
    try:
        rows = [] if errors else coding.list_contacts(ctx.db, actor=ctx.actor, f=f,
                                                      limit=LIST_LIMIT + 1)
    except ValidationFailed as exc:
        errors, rows = exc.errors, []
    today = workdays.local_today()
    return render(request, "coding/list.html", {
        "nav": "coding", "rows": rows[:LIST_LIMIT], "more": len(rows) > LIST_LIMIT,
        "errors": errors, "f": {"status": status, "kind": kind, "fran": fran, "till": till},
        "statuses": [(k, _(v)) for k, v in STATUS_FILTERS.items()],
        "kinds": [(k, _(v)) for k, v in KIND_LABELS.items()], "labels": _labels(),
        "figures": coding.suggestion_figures(ctx.db, unit_id=ctx.actor.unit_id, months=3,
                                             today=today)},
        partial="coding/_list.html", status_code=422 if errors else 200)


CSV_HEADER = [N_("Id"), N_("Datum"), N_("Identitetsnummer"), N_("Patient"), N_("Slag"),
              N_("Status"), N_("Källa"), N_("Huvuddiagnos"), N_("Bidiagnoser"), N_("Yttre orsaker"),
              N_("Åtgärder")]


@router.get("/kodning.csv")
def list_csv(request: Request, *, status: str = "uncoded", kind: str = "", fran: str = "",
             till: str = "", ctx: CurrentCtx) -> Response:
    """The list as CSV (the same filters); every patient exported is logged."""
    errors: dict[str, str] = {}
    f = _filter(status, kind, fran, till, errors)
    if errors:
        raise ValidationFailed(errors)
    rows = coding.list_contacts(ctx.db, actor=ctx.actor, f=f, limit=None)

    def codes_of(c: CareContact, role: str) -> str:
        return " ".join(codes.display(x.code, x.system) for x in c.codes if x.role == role)
    body = [[r.contact.id, r.contact.contact_date.isoformat(), r.patient.display_id,
             r.patient.full_name, _(KIND_LABELS[r.contact.kind]), _(STATUS_LABELS[r.contact.status]),
             _(SOURCE_LABELS[r.contact.source]), codes_of(r.contact, Role.MAIN),
             codes_of(r.contact, Role.SECONDARY), codes_of(r.contact, Role.EXTERNAL),
             codes_of(r.contact, Role.PROCEDURE)] for r in rows]
    name = f"kulisser-kodning-{workdays.local_today().isoformat()}.csv"
    return csvout.attachment(csvout.document([_(h) for h in CSV_HEADER], body), name)


# -- search as you type (no patient data) -----------------------------------------------------

@router.get("/kodning/sok")
def search(request: Request, *, main: str = "", secondary: str = "", external: str = "",
           procedure: str = "", ctx: CurrentCtx) -> Response:
    """Codes matching what is typed in one row (its name says the role), as <option>s."""
    system, query = codes.ICD10, ""
    for value, sys in ((main, codes.ICD10), (secondary, codes.ICD10), (external, codes.ICD10),
                       (procedure, codes.KVA)):
        if value.strip():
            system, query = sys, value.strip()[:100]
            break
    hits = codes.search(ctx.db, system=system, query=query, on=workdays.local_today(),
                        limit=SEARCH_LIMIT) if len(query) >= 1 else []
    return render(request, "coding/_options.html", {"hits": hits, "display": codes.display})


# -- a contact by hand ------------------------------------------------------------------------

def _new_page(request: Request, ctx: Ctx, *, values: dict[str, str], errors: dict[str, str],
              status: int = 200) -> Response:
    return render(request, "coding/new.html", {
        "nav": "coding", "values": values, "errors": errors,
        "kinds": [(k, _(v)) for k, v in KIND_LABELS.items()]}, status_code=status)


@router.get("/kodning/ny")
def new_form(request: Request, ctx: CurrentCtx) -> Response:
    """The form for a contact by hand (a phone call, a visit outside the appointment book)."""
    return _new_page(request, ctx, values={"contact_date": workdays.local_today().isoformat(),
                                           "kind": "doctor_visit"}, errors={})


@router.post("/kodning/ny")
def new_submit(request: Request, *, identifier: FormStr = "", kind: FormStr = "",
               contact_date: FormStr = "", admitted_on: FormStr = "", discharged_on: FormStr = "",
               ctx: CurrentCtx) -> Response:
    """Register the contact; one that must be coded opens its coding item."""
    values = {"identifier": identifier, "kind": kind, "contact_date": contact_date,
              "admitted_on": admitted_on, "discharged_on": discharged_on}
    errors: dict[str, str] = {}
    days = {n: _day(values[n], n, errors) for n in ("contact_date", "admitted_on", "discharged_on")}
    patient = None
    if not identifier.strip():
        errors["identifier"] = _("Ange patientens personnummer.")
    else:
        patient = patients.find_for_actor(ctx.db, actor=ctx.actor, text=identifier)
        if patient is None:
            errors["identifier"] = _(patients.NOT_AT_UNIT)
    try:
        if errors:
            raise ValidationFailed(errors)
        assert patient is not None
        contact = coding.create_contact(
            ctx.db, actor=ctx.actor, patient_id=patient.id, kind=kind,
            contact_date=days["contact_date"], admitted_on=days["admitted_on"],
            discharged_on=days["discharged_on"])
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _new_page(request, ctx, values=values, errors=exc.errors, status=422)
    return RedirectResponse(f"/kodning/{contact.id}", status_code=303)


# -- the coding page --------------------------------------------------------------------------

def _page(request: Request, ctx: Ctx, contact: CareContact, form: CodeForm, *,
          errors: dict[str, str] | None = None, message: str = "", notice: str = "",
          result: Any = None, status: int = 200) -> Response:
    now = utcnow()
    today = workdays.local_today(now)
    note = (coding.note_text(ctx.db, actor=ctx.actor, dictation_id=contact.note_id, now=now)
            if contact.note_id else "")
    if result is None and contact.codes:
        result = coding.run_checks(ctx.db, contact=contact)
    favourites = {role: coding.favourites(ctx.db, unit_id=contact.unit_id, role=role, on=today,
                                          limit=8)
                  for role in (Role.MAIN.value, Role.PROCEDURE.value)}
    names = staff.user_names(ctx.db, {e.actor_id for e in contact.events if e.actor_id} |
                             ({contact.clinician_id} if contact.clinician_id else set()))
    by_code: dict[str, list[Any]] = {}
    general: list[Any] = []
    for finding in [*(result.errors if result else []), *(result.warnings if result else [])]:
        key = codes.normalize(finding.code or "")
        (by_code.setdefault(key, []) if key else general).append(finding)
    return render(request, "coding/contact.html", {
        "nav": "coding", "c": contact, "patient": ctx.db.get(patients.Patient, contact.patient_id),
        "note": note, "rows": form.rows(), "errors": errors or {}, "message": message,
        "notice": notice, "result": result, "by_code": by_code, "general": general,
        "error_rules": {f.rule for f in (result.errors if result else [])},
        "favourites": favourites, "recent": coding.patient_codes(ctx.db, contact=contact),
        "suggestions": [s for s in contact.suggestions], "titles": _titles(ctx, contact),
        "names": names, "labels": _labels(), "display": codes.display, "norm": codes.normalize,
        "open_items": items.open_items(ctx.db, contact_id=contact.id),
        # No KVÅ table imported: a procedure search would find nothing, so the page says why.
        "kva_missing": codes.serving_version(ctx.db, system=codes.KVA,
                                             on=contact.contact_date) is None},
        status_code=status)


def _titles(ctx: Ctx, contact: CareContact) -> dict[str, Any]:
    """The titles of the codes on the page (saved, suggested, favourites), by normalized code."""
    wanted = {(c.system, c.code) for c in contact.codes}
    wanted |= {(s.system, s.code) for s in contact.suggestions}
    found: dict[str, Any] = {}
    for system, code in sorted(wanted):
        hit = codes.lookup(ctx.db, system=system, code=code, on=contact.contact_date)
        if hit is not None:
            found[code] = hit
    return found


@router.get("/kodning/{contact_id}")
def contact_page(request: Request, contact_id: Id, *, sparad: str = "", ctx: CurrentCtx) -> Response:
    """The coding page: the signed note beside the codes, with help to find them."""
    contact = coding.get_contact(ctx.db, actor=ctx.actor, contact_id=contact_id)
    notice = _("Koderna är sparade.") if sparad else ""
    return _page(request, ctx, contact, CodeForm.of_contact(contact), notice=notice)


@router.post("/kodning/{contact_id}")
def contact_save(request: Request, contact_id: Id, form: RequestForm, ctx: CurrentCtx) -> Response:
    """Save the codes (Spara), or save and mark coded (Klar); a picked code only fills the form."""
    codes_form = CodeForm.of_form(form)
    picked = str(form.get("take") or form.get("add") or "")
    if picked:
        # role:system:code; nothing is stored until the secretary saves.
        role, _sep, code = picked.partition(":")
        if role in {r.value for r in Role}:
            codes_form.add(role, code, suggested=bool(form.get("take")))
        contact = coding.get_contact(ctx.db, actor=ctx.actor, contact_id=contact_id)
        return _page(request, ctx, contact, codes_form)
    errors: dict[str, str] = {}
    entries = codes_form.entries(errors)
    finish = form.get("action") == "finish"
    version = bounds.parse_int(str(form.get("version", "")))
    try:
        if errors:
            raise ValidationFailed(errors)
        done = coding.set_codes(ctx.db, actor=ctx.actor, contact_id=contact_id, entries=entries,
                                finish=finish, expected_version=version, now=utcnow())
    except ValidationFailed as exc:
        ctx.db.rollback()
        contact = coding.get_contact(ctx.db, actor=ctx.actor, contact_id=contact_id)
        return _page(request, ctx, contact, codes_form, errors=exc.errors, status=422)
    except TransitionError as exc:
        ctx.db.rollback()
        contact = coding.get_contact(ctx.db, actor=ctx.actor, contact_id=contact_id)
        return _page(request, ctx, contact, codes_form, message=exc.message, status=409)
    if done.result.errors:
        # Saved, not coded: the errors are shown at the codes they concern (the item stays open).
        message = _("Koderna är sparade men vårdkontakten är inte kodad: rätta felen nedan.")
        return _page(request, ctx, done.contact, CodeForm.of_contact(done.contact),
                     message=message, result=done.result)
    if finish:
        nxt = _next_uncoded(ctx, after=done.contact)
        return RedirectResponse(f"/kodning/{nxt}" if nxt else "/kodning?kodad=1", status_code=303)
    return RedirectResponse(f"/kodning/{contact_id}?sparad=1", status_code=303)


def _next_uncoded(ctx: Ctx, *, after: CareContact) -> int | None:
    """The unit's next contact waiting for coding (the secretary codes the day in a row)."""
    return coding.next_uncoded_id(ctx.db, unit_id=ctx.actor.unit_id, after_id=after.id)
