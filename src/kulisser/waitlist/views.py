"""Waiting-list pages: the unit's list by urgency, its CSV, a new entry, the limits, a patient's waits.

The entry page and its forms live in entry_views.py.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kulisser.bounds import Id
from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.identity import InvalidIdentifier, parse_identifier
from kulisser.patients import service as patients
from kulisser.staff.service import CareUnit
from kulisser.waitlist import forms, limits, queries
from kulisser.waitlist import service as waitlist
from kulisser.waitlist.models import TZ, local_today
from kulisser.waitlist.queries import STATUS_FILTERS, WaitlistFilter
from kulisser.web import csv as csvout
from kulisser.web.deps import Ctx, CurrentCtx, FormStr, ManagerCtx, RequestForm
from kulisser.web.templating import render

router = APIRouter(include_in_schema=False)
LIST_LIMIT = 1000


def _filter(kind: str, status: str, risk_days: str) -> WaitlistFilter:
    return WaitlistFilter(kind=kind, status=status or "active", risk_days=risk_days)


@router.get("/vantelista")
def list_page(request: Request, *, kind: str = "", status: str = "active", risk_days: str = "",
              ctx: CurrentCtx) -> Response:
    """The unit's waiting list by urgency, with days counted, days left and markers."""
    f = _filter(kind, status, risk_days)
    errors: dict[str, str] = {}
    try:
        rows = waitlist.list_entries(ctx.db, actor=ctx.actor, f=f, limit=LIST_LIMIT + 1)
    except ValidationFailed as exc:
        errors = exc.errors
        rows = waitlist.list_entries(ctx.db, actor=ctx.actor, f=WaitlistFilter(),
                                     limit=LIST_LIMIT + 1)
    more = len(rows) > LIST_LIMIT
    rows = rows[:LIST_LIMIT]
    setting = waitlist.setting(ctx.db, unit_id=ctx.actor.unit_id)
    return render(request, "waitlist/list.html", {
        "nav": "waitlist", "f": f, "rows": rows, "more": more, "errors": errors,
        "summary": queries.summarize(rows), "kinds": forms.kind_choices(),
        "statuses": {k: _(v) for k, v in STATUS_FILTERS.items()}, "at_risk_days": setting.at_risk_days,
        "csv_params": f.as_params() if not errors else {}, "today": local_today(),
    }, partial="waitlist/_list.html", status_code=422 if errors else 200)


CSV_HEADER = [
    N_("Vårdenhet"), N_("HSA-id"), N_("Post"), N_("Identitetsnummer"), N_("Väntetyp"), N_("Prioritet"),
    N_("Status"), N_("Källa"), N_("Klockstart"), N_("Gräns (dagar)"), N_("Slutdatum"), N_("Väntat (dagar)"),
    N_("Medicinskt orsakad väntan (dagar)"), N_("Patientvald väntan (dagar)"), N_("Räknade dagar"),
    N_("Garantidatum"), N_("Medicinskt måldatum"), N_("Dagar kvar"), N_("Inom vårdgarantin"),
]


def _yes_no(value: bool | None) -> str:
    return "" if value is None else (_("Ja") if value else _("Nej"))


@router.get("/vantelista.csv")
def list_csv(request: Request, *, kind: str = "", status: str = "active", risk_days: str = "",
             ctx: CurrentCtx) -> Response:
    """The waiting-time figures per entry, unit and kind, excluded days in separate columns.

    As the national waiting-time register reports them: medically caused and patient-chosen
    waiting apart from the days counted. Every patient exported is logged.
    """
    f = _filter(kind, status, risk_days)
    rows = waitlist.list_entries(ctx.db, actor=ctx.actor, f=f, object_type="waitlist_export")
    care_unit = ctx.db.get(CareUnit, ctx.actor.unit_id)
    unit, hsa = (care_unit.name, care_unit.hsa_id) if care_unit is not None else ("", "")
    body = []
    for r in rows:
        e, fg = r.entry, r.figures
        body.append([
            unit, hsa, e.id, r.patient.display_id, e.kind_label, e.priority, e.status_label,
            e.source_type or _("manuell"), e.clock_start.isoformat(),
            "" if fg.limit_days is None else fg.limit_days,
            e.end_date.isoformat() if e.end_date else "", fg.days_waited, fg.days_medical,
            fg.days_patient, fg.days_counted,
            fg.guarantee_date.isoformat() if fg.guarantee_date else "",
            fg.target_date.isoformat() if fg.target_date else "",
            "" if fg.days_left is None else fg.days_left, _yes_no(fg.within_guarantee)])
    name = f"kulisser-vantelista-{datetime.now(TZ).date().isoformat()}.csv"
    return csvout.attachment(csvout.document([_(h) for h in CSV_HEADER], body), name)


SUMMARY_HEADER = [
    N_("Vårdenhet"), N_("HSA-id"), N_("Väntetyp"), N_("Poster"), N_("Väntande"),
    N_("Inom vårdgarantin"), N_("Andel inom vårdgarantin (%)"), N_("Median räknade dagar"),
    N_("Medicinskt orsakad väntan (dagar)"), N_("Patientvald väntan (dagar)"),
    N_("Poster med medicinskt orsakad väntan"), N_("Poster med patientvald väntan"),
]


@router.get("/vantelista/sammanstallning.csv")
def summary_csv(request: Request, *, kind: str = "", status: str = "active", risk_days: str = "",
                ctx: CurrentCtx) -> Response:
    """Figures per kind of wait for the unit: counts and day sums, no patient in them."""
    f = _filter(kind, status, risk_days)
    rows = waitlist.list_entries(ctx.db, actor=ctx.actor, f=f, object_type=None)
    care_unit = ctx.db.get(CareUnit, ctx.actor.unit_id)
    unit, hsa = (care_unit.name, care_unit.hsa_id) if care_unit is not None else ("", "")
    body = [[unit, hsa, k.label, k.entries, k.waiting,
             k.within if k.share_within is not None else "",
             "" if k.share_within is None else str(k.share_within).replace(".", ","),
             str(k.median_counted).replace(".", ",").removesuffix(",0"), k.days_medical,
             k.days_patient, k.with_medical, k.with_patient]
            for k in queries.by_kind(rows) if not f.kind or k.wait_kind == f.kind]
    name = f"kulisser-vantetider-{datetime.now(TZ).date().isoformat()}.csv"
    return csvout.attachment(csvout.document([_(h) for h in SUMMARY_HEADER], body), name)


def _new_form(request: Request, values: dict[str, str], errors: dict[str, str],
              status: int = 200) -> Response:
    return render(request, "waitlist/new.html", {
        "nav": "waitlist", "values": values, "errors": errors, "kinds": forms.kind_choices(),
        "priorities": forms.priority_choices()}, status_code=status)


@router.get("/vantelista/ny")
def new_form(request: Request, *, identifier: str = "", ctx: CurrentCtx) -> Response:
    """The form to put a patient on the list by hand (identifier: filled in from a patient)."""
    return _new_form(request, {"identifier": identifier, "wait_kind": "first_visit",
                               "priority": "normal", "clock_start": local_today().isoformat()}, {})


@router.post("/vantelista/ny")
def new_entry(request: Request, *, identifier: FormStr = "", wait_kind: FormStr = "",
              clock_start: FormStr = "", priority: FormStr = "normal",
              medical_target_date: FormStr = "", note: FormStr = "",
              ctx: CurrentCtx) -> Response:
    """Add an entry for a patient found by identity number; bad input keeps what was typed."""
    values = {"identifier": identifier, "wait_kind": wait_kind, "clock_start": clock_start,
              "priority": priority, "medical_target_date": medical_target_date, "note": note}
    errors: dict[str, str] = {}
    patient_id = None
    if not identifier.strip():
        errors["identifier"] = _("Ange patientens personnummer.")
    else:
        found = patients.find_for_actor(ctx.db, actor=ctx.actor, text=identifier)
        if found is None:
            try:
                parse_identifier(identifier)
                errors["identifier"] = _(patients.NOT_AT_UNIT)
            except InvalidIdentifier as exc:
                errors["identifier"] = exc.message
        else:
            patient_id = found.id
    start = forms.parse_date(clock_start, "clock_start", errors)
    target = forms.parse_date(medical_target_date, "medical_target_date", errors, required=False)
    if not errors and patient_id is not None and start is not None:
        try:
            entry = waitlist.add_entry(ctx.db, actor=ctx.actor, patient_id=patient_id,
                                       wait_kind=wait_kind, clock_start=start, priority=priority,
                                       note=note, medical_target_date=target)
            return RedirectResponse(f"/vantelista/{entry.id}", status_code=303)
        except ValidationFailed as exc:
            errors = exc.errors
    ctx.db.rollback()
    return _new_form(request, values, errors, status=422)


def _settings_page(request: Request, ctx: Ctx, *, values: dict[str, str], errors: dict[str, str],
                   saved: bool = False, status: int = 200) -> Response:
    rows = waitlist.limit_table(ctx.db, unit_id=ctx.actor.unit_id)
    return render(request, "waitlist/settings.html", {
        "nav": "waitlist_settings", "rows": rows, "values": values, "errors": errors,
        "saved": saved, "regions": limits.regions(ctx.db)}, status_code=status)


def _setting_values(ctx: Ctx) -> dict[str, str]:
    s = waitlist.setting(ctx.db, unit_id=ctx.actor.unit_id)
    values = {"region": s.region, "at_risk_days": str(s.at_risk_days)}
    for row in waitlist.limit_table(ctx.db, unit_id=ctx.actor.unit_id):
        values[f"days_{row['kind']}"] = "" if row["unit_days"] is None else str(row["unit_days"])
    return values


@router.get("/vantelista/installningar")
def settings_page(request: Request, ctx: ManagerCtx) -> Response:
    """The unit's region, its own limits per kind of wait, and the risk margin (managers)."""
    return _settings_page(request, ctx, values=_setting_values(ctx), errors={},
                          saved=request.query_params.get("sparat") == "1")


@router.post("/vantelista/installningar")
def settings_save(request: Request, ctx: ManagerCtx,
                  form: RequestForm) -> Response:
    """Save the region, the margin and the unit's own limits (empty: the region's limit)."""
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    errors: dict[str, str] = {}
    margin = forms.parse_int(values.get("at_risk_days", ""), "at_risk_days", errors, required=True)
    if margin is not None:
        try:
            waitlist.set_setting(ctx.db, actor=ctx.actor, region=values.get("region", ""),
                                 at_risk_days=margin)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    for row in waitlist.limit_table(ctx.db, unit_id=ctx.actor.unit_id):
        key = f"days_{row['kind']}"
        days = forms.parse_int(values.get(key, ""), key, errors)
        if key in errors:
            errors[key] = _("Ange ett helt antal dagar, eller lämna tomt för regionens gräns.")
            continue
        try:
            waitlist.set_limit(ctx.db, actor=ctx.actor, wait_kind=str(row["kind"]), days=days)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if errors:
        ctx.db.rollback()
        return _settings_page(request, ctx, values=values, errors=errors, status=422)
    return RedirectResponse("/vantelista/installningar?sparat=1", status_code=303)


@router.get("/patienter/{patient_id}/vantelista")
def patient_section(request: Request, patient_id: Id, ctx: CurrentCtx) -> Response:
    """The patient's waits at the unit (the patient page loads this section with htmx)."""
    # The same row as patient_entries' check: one "read waitlist" row for this section.
    patient = patients.get_patient(ctx.db, actor=ctx.actor, patient_id=patient_id,
                                   object_type="waitlist")
    rows = waitlist.patient_entries(ctx.db, actor=ctx.actor, patient_id=patient_id)
    return render(request, "waitlist/patient.html",
                  {"nav": "patients", "patient": patient, "rows": rows},
                  partial="waitlist/_patient_rows.html")
