"""The print pages (the day's letters as one PDF, confirming the print) and the letter texts."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kulisser.bounds import Count, Id
from kulisser.errors import ValidationFailed
from kulisser.i18n import _
from kulisser.letters import printing, queries, service, texts
from kulisser.letters.merge import TZ
from kulisser.letters.states import KIND_LABELS, LetterStatus, Route
from kulisser.letters.views import labels, pdf_response
from kulisser.staff import service as staff
from kulisser.web.deps import Ctx, CurrentCtx, FormStr, ManagerCtx
from kulisser.web.templating import render
from kulisser.worklist.service import TransitionError

router = APIRouter(include_in_schema=False)


def _today() -> date:
    from kulisser.db import utcnow

    return utcnow().astimezone(TZ).date()


def _day_page(request: Request, ctx: Ctx, *, datum: str, errors: dict[str, str] | None = None,
              status: int = 200) -> Response:
    errors = dict(errors or {})
    try:
        day = queries.parse_day(datum) or _today()
    except ValidationFailed as exc:
        errors.update(exc.errors)
        day = _today()
    rows = printing.ready_letters(ctx.db, actor=ctx.actor, day=day)
    forwarding = sum(1 for letter, patient in rows
                     if service.route_of(letter, patient) is Route.FORWARDING)
    return render(request, "letters/print_day.html", {
        "nav": "letters", "day": day, "rows": rows, "errors": errors, "forwarding": forwarding,
        "earlier": sum(1 for letter, _p in rows
                       if letter.ready_at and letter.ready_at.astimezone(TZ).date() < day),
        "batches": printing.batches_for_day(ctx.db, actor=ctx.actor, day=day),
        "route_of": service.route_of, **labels()}, status_code=status)


@router.get("/brev/utskrift")
def print_day(request: Request, *, datum: str = "", ctx: CurrentCtx) -> Response:
    """The letters ready to print up to a day (today by default), in patient order."""
    return _day_page(request, ctx, datum=datum, status=200)


@router.post("/brev/utskrift")
def create_print(request: Request, *, datum: FormStr = "", ctx: CurrentCtx) -> Response:
    """Fix the day's print run and open it (its PDF, then the confirmation)."""
    try:
        day = queries.parse_day(datum) or _today()
        batch = printing.create_batch(ctx.db, actor=ctx.actor, day=day)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _day_page(request, ctx, datum=datum, errors=exc.errors, status=422)
    return RedirectResponse(f"/brev/utskrift/{batch.id}", status_code=303)


def _batch_page(request: Request, ctx: Ctx, batch_id: int, *, errors: dict[str, str] | None = None,
                status: int = 200, sent: int | None = None) -> Response:
    batch, rows = printing.get_batch(ctx.db, actor=ctx.actor, batch_id=batch_id)
    names = staff.user_names(ctx.db, {i for i in (batch.created_by_id, batch.confirmed_by_id) if i})
    return render(request, "letters/batch.html", {
        "nav": "letters", "batch": batch, "rows": rows, "names": names, "errors": errors or {},
        "sent": sent, "ready": LetterStatus.READY.value, "route_of": service.route_of,
        "printable": sum(1 for letter, _p in rows if letter.status == LetterStatus.READY.value),
        **labels()}, status_code=status)


@router.get("/brev/utskrift/{batch_id}")
def print_batch(request: Request, batch_id: Id, *, skickade: Count | None = None,
                ctx: CurrentCtx) -> Response:
    """A print run: its letters, the PDF link and the confirmation button."""
    return _batch_page(request, ctx, batch_id, sent=skickade)


@router.get("/brev/utskrift/{batch_id}/pdf")
def print_batch_pdf(batch_id: Id, ctx: CurrentCtx) -> Response:
    """One PDF of the run's letters (every letter's read is checked and logged)."""
    name, pdf = printing.batch_pdf(ctx.db, actor=ctx.actor, batch_id=batch_id)
    return pdf_response(name, pdf)


@router.post("/brev/utskrift/{batch_id}/bekrafta")
def confirm_print(request: Request, batch_id: Id, ctx: CurrentCtx) -> Response:
    """The letters came out of the printer: mark them sent (their work items are done)."""
    try:
        sent = printing.confirm_batch(ctx.db, actor=ctx.actor, batch_id=batch_id)
    except TransitionError as exc:
        ctx.db.rollback()
        return _batch_page(request, ctx, batch_id, errors={"confirm": exc.message}, status=409)
    return RedirectResponse(f"/brev/utskrift/{batch_id}?skickade={len(sent)}", status_code=303)


# -- the unit's letter texts (managers) --------------------------------------------------------

@router.get("/brev/mallar")
def templates_page(request: Request, ctx: ManagerCtx) -> Response:
    """Every kind of letter with the unit's text (its own or the default)."""
    rows = texts.unit_texts(ctx.db, unit_id=ctx.actor.unit_id)
    names = staff.user_names(ctx.db, {r.updated_by_id for r in rows if r.updated_by_id})
    return render(request, "letters/templates.html", {"nav": "letters", "rows": rows, "names": names})


def _template_form(request: Request, ctx: Ctx, kind: str, *, values: dict[str, str] | None = None,
                   errors: dict[str, str] | None = None, saved: bool = False,
                   status: int = 200) -> Response:
    text = texts.get_text(ctx.db, unit_id=ctx.actor.unit_id, kind=kind)
    return render(request, "letters/template_edit.html", {
        "nav": "letters", "text": text, "label": _(KIND_LABELS[text.kind]),
        "values": values or {"subject": text.subject, "body": text.body},
        "errors": errors or {}, "saved": saved, "fields": texts.fields_of(text.kind)},
        status_code=status)


@router.get("/brev/mallar/{kind}")
def template_form(request: Request, kind: str, *, sparad: Count = 0,
                  ctx: ManagerCtx) -> Response:
    """Edit the unit's text for one kind of letter."""
    return _template_form(request, ctx, kind, saved=bool(sparad))


@router.post("/brev/mallar/{kind}")
def template_save(request: Request, kind: str, *, subject: FormStr = "", body: FormStr = "",
                  ctx: ManagerCtx) -> Response:
    """Save the text; a bad one (syntax, unknown field) is refused and shown again, not stored."""
    try:
        texts.save_text(ctx.db, actor=ctx.actor, kind=kind, subject=subject, body=body)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _template_form(request, ctx, kind, values={"subject": subject, "body": body},
                              errors=exc.errors, status=422)
    return RedirectResponse(f"/brev/mallar/{kind}?sparad=1", status_code=303)


@router.post("/brev/mallar/{kind}/aterstall")
def template_reset(kind: str, ctx: ManagerCtx) -> Response:
    """Go back to the default text for this kind."""
    texts.reset_text(ctx.db, actor=ctx.actor, kind=kind)
    return RedirectResponse(f"/brev/mallar/{kind}?sparad=1", status_code=303)
