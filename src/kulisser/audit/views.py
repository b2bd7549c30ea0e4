"""Log review for unit managers: the access log, CSV export, spot checks, emergency follow-up.

PDL 4 kap 3 § and HSLF-FS 2016:40 4 kap 9 § ask that the access log be reviewed
systematically and the review documented: random samples (AuditSample) with a comment per
row (AuditReview), and a follow-up of every emergency access.

These pages show patients' names and identity numbers, so every read of the log is itself
logged: one row per page, export or API call (object type "audit_log"), not one per patient
shown, with the filter in words (a patient by id, never an identity number) and how many rows
were shown. A refused look at another unit's row, sample or emergency access is logged as
denied. No route here changes or deletes an AuditEvent.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from kulisser.audit import chart, followup, groups, queries, relation_starts, samples
from kulisser.audit import service as audit
from kulisser.audit.groups import Group
from kulisser.audit.labels import ACTIONS, OBJECT_TYPES, OUTCOMES, action_label, object_label, outcome_label
from kulisser.audit.queries import TZ, AuditFilter, LogRow
from kulisser.bounds import BigId, Id, parse_id, parse_int
from kulisser.db import Database
from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.staff.service import ROLE_LABELS, Actor
from kulisser.web.csv import cell as _cell  # formula-safe cells, shared by every CSV export
from kulisser.web.deps import Ctx, FormStr, ManagerCtx
from kulisser.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False)

FILTER_FIELDS = ("user_id", "identifier", "date_from", "date_to", "outcome", "action",
                 "unreviewed", "listor", "visa")
CSV_HEADER = [N_("Tid"), N_("Användarnamn"), N_("Namn"), N_("Roll"), N_("Vårdenhet"), N_("Patient"),
              N_("Identitetsnummer"), N_("Åtgärd"), N_("Objekttyp"), N_("Objekt-id"), N_("Utfall"),
              N_("Skäl"), N_("Granskad")]
GROUP_CSV_HEADER = [N_("Dag"), N_("Användarnamn"), N_("Namn"), N_("Roll"), N_("Patient"),
                    N_("Identitetsnummer"), N_("Antal rader"), N_("Första"), N_("Sista"),
                    N_("Åtgärder"), N_("Objekt"), N_("Utfall")]
ROLE_NAMES = {str(role): label for role, label in ROLE_LABELS.items()}


def _labels() -> dict[str, object]:
    return {"outcome_labels": {k: _(v) for k, v in OUTCOMES.items()},
            "action_labels": {k: _(v) for k, v in ACTIONS.items()},
            "object_labels": {k: _(v) for k, v in OBJECT_TYPES.items()},
            "object_label": object_label, "role_labels": {k: _(v) for k, v in ROLE_NAMES.items()},
            "nav": "audit"}


def _url(path: str, f: AuditFilter, **changes: object) -> str:
    params = f.as_params(**changes)
    return f"{path}?{urlencode(params)}" if params else path


def _group_query(f: AuditFilter) -> Callable[[Group], str]:
    def query(g: Group) -> str:
        """The query string of a group's own rows: its user, patient and day, ungrouped."""
        changes: dict[str, object] = {"date_from": g.day, "date_to": g.day, "view": "rows",
                                      "cursor": "", "group_page": 1, "identifier": ""}
        if g.user_id is not None:
            changes["user_id"] = g.user_id
        if g.patient_id is not None:
            changes["patient_id"] = g.patient_id
        return urlencode(f.as_params(**changes))
    return query


def _show_log(request: Request, ctx: Ctx, params: Mapping[str, str], *,
              extra_errors: dict[str, str] | None = None, n: str = "",
              status: int = 200) -> Response:
    db, actor = ctx.db, ctx.actor
    f: AuditFilter | None
    try:
        f = queries.filter_from_params(db, params)
        errors, values = {}, queries.form_values(db, f)
    except ValidationFailed as exc:
        f, errors, status = None, dict(exc.errors), 422
        values = {k: params.get(k, "") for k in FILTER_FIELDS}  # the typed text, kept
    errors.update(extra_errors or {})
    actions = [(k, _(v)) for k, v in ACTIONS.items()]
    if values.get("action") and values["action"] not in ACTIONS:
        actions.append((values["action"], values["action"]))
    data: dict[str, object] = {
        **_labels(), "errors": errors, "values": values, "f": f,
        "n": n or str(samples.SAMPLE_DEFAULT), "sample_max": samples.SAMPLE_MAX,
        "users": queries.staff_options(db, actor=actor), "outcomes": [(k, _(v)) for k, v in OUTCOMES.items()],
        "actions": actions, "unreviewed_emergency": followup.unreviewed_count(db, actor=actor),
        "unreviewed_relations": relation_starts.unreviewed_count(db, actor=actor)}
    partial = None
    if f is not None:
        if f.view == "groups":
            gp = groups.group_page(db, actor=actor, f=f)
            shown = sum(g.count for g in gp.groups)
            partial = "audit/_groups.html"
            data.update(groups=gp, group_query=_group_query(f),
                        prev_url=_url("/logg", f, group_page=gp.page - 1) if gp.page > 1 else "",
                        next_url=_url("/logg", f, group_page=gp.page + 1)
                        if gp.page < gp.pages else "")
        else:
            page = queries.list_events(db, actor=actor, f=f)
            shown = len(page.rows)
            partial = "audit/_table.html"
            data.update(page=page, first_url=_url("/logg", f, cursor="") if f.cursor else "",
                        next_url=_url("/logg", f, cursor=page.next_cursor or "")
                        if page.next_cursor else "")
        audit.log_review_read(db, actor=actor, what=queries.describe_filter(db, f),
                              rows=shown, patient_id=f.patient_id)
        base = replace(f, cursor="", group_page=1)
        data.update(filter_params=base.as_params(), csv_url=_url("/logg.csv", base),
                    groups_url=_url("/logg", base, view="groups"),
                    rows_url=_url("/logg", base, view="rows"),
                    lists_url=_url("/logg", base, hide_lists=not f.hide_lists),
                    hidden_lists=queries.count_events(db, actor=actor, f=replace(
                        base, hide_lists=False, action="list")) if f.hide_lists and not f.action
                    else 0)
        if not is_htmx(request):
            data.update(counts=queries.outcome_counts(db, actor=actor, f=f),
                        count_urls={o: _url("/logg", f, cursor="", group_page=1, outcome=o)
                                    for o in OUTCOMES},
                        chart=chart.day_chart(db, actor=actor, f=f))
    return render(request, "audit/log.html", data, partial=partial, status_code=status)


@router.get("/logg")
def log_page(request: Request, ctx: ManagerCtx) -> Response:
    """The access log of the manager's units: filters, counts, chart and rows, newest first."""
    params = dict(request.query_params)
    if "date_from" not in params and "date_to" not in params:
        # A first visit reviews the last 30 days: counting a five-year log on every visit is
        # slow and rarely wanted. A date field sent empty means "no limit".
        start = datetime.now(TZ).date() - timedelta(days=chart.DEFAULT_DAYS - 1)
        params["date_from"] = start.isoformat()
    return _show_log(request, ctx, params)


def _csv_cells(r: LogRow) -> list[str]:
    e, p = r.event, r.patient
    cells = [e.at.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S"), e.username, r.user_name,
             _(ROLE_NAMES.get(e.role, e.role)), r.unit_name,
             p.full_name if p else "", p.display_id if p else "",
             action_label(e.action), _(OBJECT_TYPES.get(e.object_type, e.object_type)),
             e.object_id,
             outcome_label(e.outcome), e.reason,
             _("Ja") if r.reviews else _("Nej")]
    return [_cell(c) for c in cells]


def _csv_chunks(database: Database, actor: Actor, f: AuditFilter) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")

    def take() -> str:
        text = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return text

    writer.writerow([_(h) for h in CSV_HEADER])
    yield "\ufeff" + take()  # the BOM makes Excel read UTF-8
    # A session of its own: the stream outlives the request's unit of work.
    with database.session() as session:
        for batch in queries.iter_events(session, actor=actor, f=f):
            writer.writerows(_csv_cells(r) for r in batch)
            yield take()


def _group_cells(g: Group) -> list[str]:
    p, when = g.patient, "%H:%M:%S"
    cells = [g.day.isoformat(), g.username, g.user_name, _(ROLE_NAMES.get(g.role, g.role)),
             p.full_name if p else "", p.display_id if p else "", str(g.count),
             g.first.astimezone(TZ).strftime(when) if g.first else "",
             g.last.astimezone(TZ).strftime(when) if g.last else "", g.action_text(),
             g.object_text(), g.outcome_text()]
    return [_cell(c) for c in cells]


def _group_csv(database: Database, actor: Actor, f: AuditFilter) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow([_(h) for h in GROUP_CSV_HEADER])
    yield "\ufeff" + buf.getvalue()
    # A session of its own, as for the rows; names are looked up a batch of groups at a time.
    with database.session() as session:
        found = groups.all_groups(session, actor=actor, f=f)
        for start in range(0, len(found), queries.BATCH_MAX):
            buf.seek(0)
            buf.truncate()
            writer.writerows(_group_cells(g) for g in
                             groups.attach_names(session, found[start:start + queries.BATCH_MAX]))
            yield buf.getvalue()


@router.get("/logg.csv")
def log_csv(request: Request, ctx: ManagerCtx) -> Response:
    """The filtered log as CSV for Swedish Excel (semicolons, UTF-8 with BOM), streamed: one
    line per group or per row, as the page showed it."""
    f = replace(queries.filter_from_params(ctx.db, request.query_params), cursor="")
    # Logged before the stream starts (with the rows it will hold), so a broken download is too.
    audit.log_review_read(ctx.db, actor=ctx.actor, what=queries.describe_filter(ctx.db, f),
                          rows=queries.count_events(ctx.db, actor=ctx.actor, f=f),
                          action="export", patient_id=f.patient_id)
    name = f"kulisser-logg-{datetime.now(TZ).date().isoformat()}.csv"
    chunks = (_group_csv if f.view == "groups" else _csv_chunks)(request.app.state.db, ctx.actor, f)
    return StreamingResponse(chunks,
                             media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/logg/stickprov")
def samples_page(request: Request, ctx: ManagerCtx) -> Response:
    """Earlier spot-check samples: who drew them, when, on what criteria, how far reviewed."""
    found = samples.list_samples(ctx.db, actor=ctx.actor)
    audit.log_review_read(ctx.db, actor=ctx.actor, what=_("Stickprov"), rows=len(found))
    return render(request, "audit/samples.html", {**_labels(), "samples": found})


@router.post("/logg/stickprov")
def draw_sample(
    request: Request,
    *,
    n: FormStr = "",
    user_id: FormStr = "",
    patient_id: FormStr = "",
    identifier: FormStr = "",
    date_from: FormStr = "",
    date_to: FormStr = "",
    outcome: FormStr = "",
    action: FormStr = "",
    unreviewed: FormStr = "",
    listor: FormStr = "",
    visa: FormStr = "",
    ctx: ManagerCtx,
) -> Response:
    """Draw N random rows from the current filter and store them as a documented sample."""
    params = {"user_id": user_id, "patient_id": patient_id, "identifier": identifier,
              "date_from": date_from, "date_to": date_to, "outcome": outcome, "action": action,
              "unreviewed": unreviewed, "listor": listor, "visa": visa}
    errors: dict[str, str] = {}
    size = parse_int(n, maximum=samples.SAMPLE_MAX) or 0
    if not size:
        errors["n"] = _("Ange ett antal mellan 1 och {m}.", m=samples.SAMPLE_MAX)
    try:
        f = queries.filter_from_params(ctx.db, params)
    except ValidationFailed:
        return _show_log(request, ctx, params, extra_errors=errors, n=n, status=422)
    if not errors:
        ids = samples.draw_ids(ctx.db, actor=ctx.actor, f=f, n=size)
        if ids:
            matched = queries.count_events(ctx.db, actor=ctx.actor, f=f)
            criteria = samples.describe(ctx.db, actor=ctx.actor, f=f, drawn=len(ids),
                                        matched=matched)
            sample = audit.record_sample(ctx.db, actor=ctx.actor, event_ids=sorted(ids),
                                         criteria=criteria)
            return RedirectResponse(f"/logg/stickprov/{sample.id}", status_code=303)
        errors["n"] = _("Inga loggrader matchar urvalet.")
    return _show_log(request, ctx, params, extra_errors=errors, n=n, status=422)


def _show_sample(request: Request, ctx: Ctx, sample_id: int, *, errors: dict[int, str] | None = None,
                 typed: dict[int, str] | None = None, status: int = 200) -> Response:
    summary, rows = samples.get_sample(ctx.db, actor=ctx.actor, sample_id=sample_id)
    audit.log_review_read(ctx.db, actor=ctx.actor, what=_("Stickprov {n}", n=sample_id),
                          rows=len(rows), object_id=sample_id)
    return render(request, "audit/sample.html",
                  {**_labels(), "summary": summary, "sample_rows": rows, "row_errors": errors or {},
                   "typed": typed or {}}, status_code=status)


@router.get("/logg/stickprov/{sample_id:int}")
def sample_page(request: Request, sample_id: Id, ctx: ManagerCtx) -> Response:
    """A sample's rows, each with its reviews and a form to document the review."""
    return _show_sample(request, ctx, sample_id)


def _show_emergency(request: Request, ctx: Ctx, *, errors: dict[int, str] | None = None,
                    typed: dict[int, str] | None = None, status: int = 200) -> Response:
    pending, _more = followup.emergency_accesses(ctx.db, actor=ctx.actor, reviewed=False,
                                                 limit=1000)
    done, _older = followup.emergency_accesses(ctx.db, actor=ctx.actor, reviewed=True, limit=50)
    audit.log_review_read(ctx.db, actor=ctx.actor, what=_("Nödåtkomster"),
                          rows=len(pending) + len(done))
    return render(request, "audit/emergency.html",
                  {**_labels(), "pending": pending, "done": done, "row_errors": errors or {},
                   "typed": typed or {}, "now": datetime.now(TZ)}, status_code=status)


@router.get("/logg/nodatkomst")
def emergency_page(request: Request, ctx: ManagerCtx) -> Response:
    """Emergency accesses awaiting follow-up (until followed up), then those followed up."""
    return _show_emergency(request, ctx)


@router.post("/logg/nodatkomst/{access_id:int}/granska")
def emergency_follow_up(request: Request, access_id: Id, *, comment: FormStr = "",
                        ctx: ManagerCtx) -> Response:
    """Document the follow-up of one emergency access."""
    try:
        audit.follow_up_emergency(ctx.db, actor=ctx.actor, access_id=access_id, comment=comment)
    except ValidationFailed as exc:
        return _show_emergency(request, ctx, errors={access_id: exc.errors["comment"]},
                               typed={access_id: comment}, status=422)
    return RedirectResponse("/logg/nodatkomst", status_code=303)


def _show_relations(request: Request, ctx: Ctx, *, errors: dict[int, str] | None = None,
                    typed: dict[int, str] | None = None, status: int = 200) -> Response:
    page = relation_starts.relation_starts(ctx.db, actor=ctx.actor)
    audit.log_review_read(ctx.db, actor=ctx.actor, what=_("Nya vårdrelationer att följa upp"),
                          rows=len(page.pending) + len(page.done))
    return render(request, "audit/relations.html",
                  {**_labels(), "pending": page.pending, "done": page.done,
                   "row_errors": errors or {}, "typed": typed or {}}, status_code=status)


@router.get("/logg/vardrelationer")
def relations_page(request: Request, ctx: ManagerCtx) -> Response:
    """Care relations started for patients already on file: awaiting follow-up, then done."""
    return _show_relations(request, ctx)


@router.post("/logg/vardrelationer/{event_id:int}/granska")
def relation_follow_up(request: Request, event_id: BigId, *, comment: FormStr = "",
                       ctx: ManagerCtx) -> Response:
    """Document the follow-up of one started care relation."""
    try:
        relation_starts.follow_up_start(ctx.db, actor=ctx.actor, event_id=event_id,
                                        comment=comment)
    except ValidationFailed as exc:
        return _show_relations(request, ctx, errors={event_id: exc.errors["comment"]},
                               typed={event_id: comment}, status=422)
    return RedirectResponse("/logg/vardrelationer", status_code=303)


def _show_event(request: Request, ctx: Ctx, event_id: int, *, errors: dict[str, str] | None = None,
                values: dict[str, str] | None = None, status: int = 200) -> Response:
    row = queries.event_row(ctx.db, actor=ctx.actor, event_id=event_id)
    audit.log_review_read(ctx.db, actor=ctx.actor, what=_("Loggrad {n}", n=event_id), rows=1,
                          object_id=event_id, patient_id=row.event.patient_id)
    return render(request, "audit/event.html",
                  {**_labels(), "r": row, "errors": errors or {}, "values": values or {}},
                  status_code=status)


@router.get("/logg/{event_id:int}")
def event_page(request: Request, event_id: BigId, ctx: ManagerCtx) -> Response:
    """One audit row with its reviews and the review form."""
    return _show_event(request, ctx, event_id)


@router.post("/logg/{event_id:int}/granska")
def review_event(request: Request, event_id: BigId, *, comment: FormStr = "",
                 sample_id: FormStr = "", ctx: ManagerCtx) -> Response:
    """Document the review of one audit row (from a sample when sample_id is given)."""
    sid = parse_id(sample_id)
    try:
        audit.review_event(ctx.db, actor=ctx.actor, event_id=event_id, comment=comment,
                           sample_id=sid)
    except ValidationFailed as exc:
        if sid is not None:
            return _show_sample(request, ctx, sid, errors={event_id: exc.errors["comment"]},
                                typed={event_id: comment}, status=422)
        return _show_event(request, ctx, event_id, errors=exc.errors,
                           values={"comment": comment}, status=422)
    target = f"/logg/stickprov/{sid}#e{event_id}" if sid is not None else f"/logg/{event_id}"
    return RedirectResponse(target, status_code=303)
