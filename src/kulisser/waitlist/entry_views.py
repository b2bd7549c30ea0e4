"""One waiting-list entry: its figures, offers, excluded periods and history, and their forms.

Every form posts to its own route; bad input shows the page again with 422, the message by
the field and what was typed kept; a change the entry's status does not allow answers 409.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kulisser.bounds import Id
from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.patients.service import Patient
from kulisser.staff import service as staff
from kulisser.waitlist import forms, items
from kulisser.waitlist import guarantee as g
from kulisser.waitlist import service as waitlist
from kulisser.waitlist.models import WaitlistEntry, local_today
from kulisser.waitlist.states import EntryStatus
from kulisser.web.deps import Ctx, CurrentCtx, FormStr
from kulisser.web.templating import render
from kulisser.worklist.service import TransitionError

router = APIRouter(include_in_schema=False)
EVENT_LABELS = {
    "created": N_("Uppsatt på väntelistan"), "offer_recorded": N_("Tid erbjuden"),
    "offer_answered": N_("Svar på erbjudande"), "period_added": N_("Period registrerad"),
    "period_ended": N_("Period avslutad"), "period_removed": N_("Period borttagen"),
    "booked": N_("Bokad"), "done": N_("Genomförd"), "reopened": N_("Väntar igen"),
    "removed": N_("Borttagen från väntelistan"),
}


def _names(ctx: Ctx, entry: WaitlistEntry) -> dict[int, str]:
    ids = {e.actor_id for e in entry.events} | {o.recorded_by_id for o in entry.offers}
    ids |= {p.recorded_by_id for p in entry.periods} | {entry.created_by_id}
    return staff.user_names(ctx.db, {i for i in ids if i is not None})


def _offer_choices(entry: WaitlistEntry, quals: dict[int | None, g.Qualification]
                   ) -> list[tuple[str, str]]:
    """Declined offers for the period form, each saying whether it can count."""
    out = []
    for o in entry.offers:
        if o.response == g.OfferResponse.DECLINED:
            ok = quals[o.id].qualifies
            label = _("Erbjudet {offered}, tid {visit}", offered=o.offered_on.isoformat(),
                      visit=o.visit_date.isoformat())
            out.append((str(o.id), label + (" – " + (_("kan räknas") if ok else _("räknas inte")))))
    return out


def _context(ctx: Ctx, entry_id: int, *, errors: dict[str, str] | None = None,
             values: dict[str, str] | None = None, form: str = "") -> dict[str, Any]:
    entry = waitlist.get_entry(ctx.db, actor=ctx.actor, entry_id=entry_id)
    setting = waitlist.setting(ctx.db, unit_id=entry.unit_id)
    quals = entry.qualifications()
    today = local_today()
    return {
        "nav": "waitlist", "entry": entry, "patient": ctx.db.get(Patient, entry.patient_id),
        "fg": entry.figures(today, at_risk_days=setting.at_risk_days), "quals": quals,
        "names": _names(ctx, entry), "work_items": items.open_items(ctx.db, entry_id=entry.id),
        "offer_choices": _offer_choices(entry, quals), "errors": errors or {},
        "values": values or {"offered_on": today.isoformat(), "start": today.isoformat(),
                             "visit_date": today.isoformat(), "status": "booked"},
        "form": form, "responses": forms.response_choices(),
        "answers": forms.response_choices(pending=False), "reasons": forms.reason_choices(),
        "end_statuses": [(EntryStatus.BOOKED.value, _("Bokad")),
                         (EntryStatus.DONE.value, _("Genomförd"))],
        "today": today, "event_labels": {k: _(v) for k, v in EVENT_LABELS.items()}}


@router.get("/vantelista/{entry_id:int}")
def entry_page(request: Request, entry_id: Id, ctx: CurrentCtx) -> Response:
    """The entry: guarantee figures, offers, excluded periods, history and the forms."""
    return render(request, "waitlist/entry.html", _context(ctx, entry_id))


def _fail(request: Request, ctx: Ctx, entry_id: int, *, form: str, values: dict[str, str],
          errors: dict[str, str], status: int = 422) -> Response:
    # The failed change is rolled back, so the page shows the entry as it still is.
    ctx.db.rollback()
    return render(request, "waitlist/entry.html",
                  _context(ctx, entry_id, errors=errors, values=values, form=form),
                  status_code=status)


def _done(entry_id: int, anchor: str = "") -> Response:
    return RedirectResponse(f"/vantelista/{entry_id}{anchor}", status_code=303)


def _attempt(request: Request, ctx: Ctx, entry_id: int, *, form: str, values: dict[str, str],
             errors: dict[str, str], names: dict[str, str], action: Any, anchor: str = "") -> Response:
    """Run the change unless the form already failed; answer 422/409 with the page, else redirect."""
    if errors:
        return _fail(request, ctx, entry_id, form=form, values=values, errors=errors)
    try:
        action()
    except ValidationFailed as exc:
        return _fail(request, ctx, entry_id, form=form, values=values,
                     errors=forms.rename(exc.errors, names))
    except TransitionError as exc:
        return _fail(request, ctx, entry_id, form=form, values=values, errors={form: exc.message},
                     status=409)
    return _done(entry_id, anchor)


@router.post("/vantelista/{entry_id:int}/erbjudande")
def add_offer(request: Request, entry_id: Id, *, offered_on: FormStr = "",
              offer_visit_date: FormStr = "", informed: FormStr = "",
              response: FormStr = "pending", responded_on: FormStr = "",
              offer_note: FormStr = "", ctx: CurrentCtx) -> Response:
    """Record an offered time (informed of the guarantee? answered?)."""
    values = {"offered_on": offered_on, "offer_visit_date": offer_visit_date, "informed": informed,
              "response": response, "responded_on": responded_on, "offer_note": offer_note}
    errors: dict[str, str] = {}
    when = forms.parse_date(offered_on, "offered_on", errors)
    visit = forms.parse_date(offer_visit_date, "offer_visit_date", errors)
    answered = forms.parse_date(responded_on, "responded_on", errors, required=False)

    def act() -> None:
        assert when is not None and visit is not None
        waitlist.record_offer(ctx.db, actor=ctx.actor, entry_id=entry_id, offered_on=when,
                              visit_date=visit, informed=bool(informed), response=response,
                              responded_on=answered, note=offer_note)

    return _attempt(request, ctx, entry_id, form="offer", values=values, errors=errors, action=act,
                    names={"visit_date": "offer_visit_date", "note": "offer_note"},
                    anchor="#erbjudanden")


@router.post("/vantelista/{entry_id:int}/erbjudande/{offer_id:int}/svar")
def answer_offer(request: Request, entry_id: Id, offer_id: Id, *, answer: FormStr = "",
                 answered_on: FormStr = "", ctx: CurrentCtx) -> Response:
    """Record the patient's answer to a pending offer."""
    key = f"answer-{offer_id}"
    values = {"answer": answer, "answered_on": answered_on}
    errors: dict[str, str] = {}
    when = forms.parse_date(answered_on, key, errors, required=False)

    def act() -> None:
        waitlist.respond_offer(ctx.db, actor=ctx.actor, entry_id=entry_id, offer_id=offer_id,
                               response=answer, responded_on=when)

    return _attempt(request, ctx, entry_id, form=key, values=values, errors=errors, action=act,
                    names={"response": key, "responded_on": key}, anchor="#erbjudanden")


@router.post("/vantelista/{entry_id:int}/period")
def add_period(request: Request, entry_id: Id, *, reason: FormStr = "", start: FormStr = "",
               end: FormStr = "", offer_id: FormStr = "", note: FormStr = "",
               ctx: CurrentCtx) -> Response:
    """Record medically caused or patient-chosen waiting (the latter needs a qualifying decline)."""
    values = {"reason": reason, "start": start, "end": end, "offer_id": offer_id, "note": note}
    errors: dict[str, str] = {}
    first = forms.parse_date(start, "start", errors)
    last = forms.parse_date(end, "end", errors, required=False)
    offer = forms.parse_int(offer_id, "offer_id", errors)

    def act() -> None:
        assert first is not None
        waitlist.add_excluded_period(ctx.db, actor=ctx.actor, entry_id=entry_id, reason=reason,
                                     start=first, end=last, offer_id=offer, note=note)

    return _attempt(request, ctx, entry_id, form="period", values=values, errors=errors,
                    action=act, names={}, anchor="#perioder")


@router.post("/vantelista/{entry_id:int}/period/{period_id:int}/avsluta")
def end_period(request: Request, entry_id: Id, period_id: Id, *, period_end: FormStr = "",
               ctx: CurrentCtx) -> Response:
    """Set the last day of an open period (the patient is available again)."""
    key = f"end-{period_id}"
    errors: dict[str, str] = {}
    last = forms.parse_date(period_end, key, errors)

    def act() -> None:
        assert last is not None
        waitlist.end_excluded_period(ctx.db, actor=ctx.actor, entry_id=entry_id,
                                     period_id=period_id, end=last)

    return _attempt(request, ctx, entry_id, form=key, values={"period_end": period_end},
                    errors=errors, action=act, names={"end": key}, anchor="#perioder")


@router.post("/vantelista/{entry_id:int}/period/{period_id:int}/ta-bort")
def remove_period(request: Request, entry_id: Id, period_id: Id, *, period_reason: FormStr = "",
                  ctx: CurrentCtx) -> Response:
    """Withdraw a period recorded by mistake (kept in the history)."""
    key = f"remove-{period_id}"

    def act() -> None:
        waitlist.remove_excluded_period(ctx.db, actor=ctx.actor, entry_id=entry_id,
                                        period_id=period_id, reason=period_reason)

    return _attempt(request, ctx, entry_id, form=key, values={"period_reason": period_reason},
                    errors={}, action=act, names={"reason": key}, anchor="#perioder")


@router.post("/vantelista/{entry_id:int}/avsluta")
def end_entry(request: Request, entry_id: Id, *, status: FormStr = "", visit_date: FormStr = "",
              ctx: CurrentCtx) -> Response:
    """The visit is booked (or rebooked) for a date, or has taken place."""
    values = {"status": status, "visit_date": visit_date}
    errors: dict[str, str] = {}
    visit: date | None = forms.parse_date(visit_date, "visit_date", errors)

    def act() -> None:
        assert visit is not None
        waitlist.end_entry(ctx.db, actor=ctx.actor, entry_id=entry_id, status=status,
                           visit_date=visit)

    return _attempt(request, ctx, entry_id, form="end", values=values, errors=errors, action=act,
                    names={})


@router.post("/vantelista/{entry_id:int}/ateroppna")
def reopen(request: Request, entry_id: Id, *, reopen_reason: FormStr = "",
           ctx: CurrentCtx) -> Response:
    """A booked visit fell through: the patient waits again."""

    def act() -> None:
        waitlist.reopen_entry(ctx.db, actor=ctx.actor, entry_id=entry_id, reason=reopen_reason)

    return _attempt(request, ctx, entry_id, form="reopen", values={"reopen_reason": reopen_reason},
                    errors={}, action=act, names={"reason": "reopen_reason"})


@router.post("/vantelista/{entry_id:int}/ta-bort")
def remove(request: Request, entry_id: Id, *, remove_reason: FormStr = "",
           ctx: CurrentCtx) -> Response:
    """Take the patient off the list without a visit, with a reason."""

    def act() -> None:
        waitlist.remove_entry(ctx.db, actor=ctx.actor, entry_id=entry_id, reason=remove_reason)

    return _attempt(request, ctx, entry_id, form="remove", values={"remove_reason": remove_reason},
                    errors={}, action=act, names={"reason": "remove_reason"})
