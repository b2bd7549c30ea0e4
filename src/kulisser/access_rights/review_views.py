"""The periodic access review's pages (issue 13 item 5): the unit's overview and policy, one
review with a row per person and system to attest, and the accounts without a login.

Staff data, not patient data: refusals of another unit's review or person are logged by the
one access check (`audit.require_unit`), the pages themselves write no patient audit rows.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kulisser.access_rights import review_inactive, reviews
from kulisser.access_rights.service import is_manager_of
from kulisser.access_rights.states import DECISION_LABELS, REVIEW_STATUS_LABELS, ReviewStatus
from kulisser.bounds import Id
from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.web.csv import attachment, document
from kulisser.web.deps import CurrentCtx, FormStr
from kulisser.web.templating import render
from kulisser.workdays import TZ, local_today
from kulisser.worklist.service import TransitionError

router = APIRouter(include_in_schema=False)
BASE = "/behorigheter/uppfoljning"

LINE_HEADER = [N_("Person"), N_("System"), N_("Åtkomstprofil"), N_("Beslut"), N_("Anteckning"),
               N_("Attesterad av"), N_("Attesterad"), N_("Beställning")]
INACTIVE_HEADER = [N_("Namn"), N_("HSA-id"), N_("Uppdrag sedan"), N_("Senaste inloggning"),
                   N_("Dagar utan inloggning"), N_("Beställning")]


def _local(moment: datetime | None) -> str:
    return moment.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if moment else ""


def _overview(request: Request, ctx: CurrentCtx, *, errors: dict[str, str] | None = None,
              form: dict[str, str] | None = None, status: int = 200) -> Response:
    unit_id = ctx.actor.unit_id
    rows = reviews.list_reviews(ctx.db, actor=ctx.actor, unit_id=unit_id)
    policy = reviews.get_policy(ctx.db, unit_id=unit_id)
    today = local_today()
    has_open = any(r.review.status == ReviewStatus.OPEN.value for r in rows)
    inactive = review_inactive.inactive_accounts(ctx.db, actor=ctx.actor, unit_id=unit_id)
    return render(request, "access_rights/review_overview.html", {
        "nav": "access_rights", "rows": rows, "policy": policy, "errors": errors or {},
        "form": form or {"review_months": str(policy.review_months),
                         "inactive_days": str(policy.inactive_days)},
        "may_edit": is_manager_of(ctx.actor, unit_id), "has_open": has_open,
        "next_due": None if has_open else reviews.next_due(ctx.db, unit_id=unit_id, today=today),
        "inactive_count": len(inactive),
        "statuses": {k.value: _(v) for k, v in REVIEW_STATUS_LABELS.items()}}, status_code=status)


@router.get(BASE)
def overview(request: Request, ctx: CurrentCtx) -> Response:
    """The unit's reviews (an overdue one in red), its policy and the unused accounts' count."""
    return _overview(request, ctx)


@router.post(f"{BASE}/regler")
def save_policy(request: Request, *, review_months: FormStr = "", inactive_days: FormStr = "",
                ctx: CurrentCtx) -> Response:
    """Store how often the unit's access is reviewed and when an account counts as unused."""
    form = {"review_months": review_months, "inactive_days": inactive_days}
    try:
        reviews.set_policy(ctx.db, actor=ctx.actor, unit_id=ctx.actor.unit_id,
                           review_months=review_months, inactive_days=inactive_days)
    except ValidationFailed as exc:
        return _overview(request, ctx, errors=exc.errors, form=form, status=422)
    return RedirectResponse(BASE, status_code=303)


def _inactive_page(request: Request, ctx: CurrentCtx, *, message: str = "",
                   status: int = 200) -> Response:
    unit_id = ctx.actor.unit_id
    rows = review_inactive.inactive_accounts(ctx.db, actor=ctx.actor, unit_id=unit_id)
    return render(request, "access_rights/review_inactive.html", {
        "nav": "access_rights", "rows": rows, "message": message,
        "policy": reviews.get_policy(ctx.db, unit_id=unit_id)}, status_code=status)


@router.get(f"{BASE}/inaktiva")
def inactive(request: Request, ctx: CurrentCtx) -> Response:
    """The unit's accounts without a login within the limit, each with a removal button."""
    return _inactive_page(request, ctx)


@router.get(f"{BASE}/inaktiva.csv")
def inactive_csv(ctx: CurrentCtx) -> Response:
    """The unused accounts as CSV for Swedish Excel."""
    rows = review_inactive.inactive_accounts(ctx.db, actor=ctx.actor, unit_id=ctx.actor.unit_id)
    text = document([_(h) for h in INACTIVE_HEADER], (
        [a.full_name, a.hsa_id, a.since.isoformat(),
         _local(a.last_login) or _("Aldrig"), a.days, a.order_id or ""] for a in rows))
    return attachment(text, f"kulisser-konton-utan-inloggning-{local_today().isoformat()}.csv")


@router.post(f"{BASE}/inaktiva/{{person_id:int}}/bestall")
def order_removal(request: Request, person_id: Id, ctx: CurrentCtx) -> Response:
    """Order the removal of an unused account's every system at the unit."""
    try:
        review_inactive.order_removal(ctx.db, actor=ctx.actor, unit_id=ctx.actor.unit_id,
                                      person_id=person_id)
    except TransitionError as exc:
        return _inactive_page(request, ctx, message=exc.message, status=409)
    return RedirectResponse(f"{BASE}/inaktiva", status_code=303)


def _review_page(request: Request, ctx: CurrentCtx, review_id: int, *,
                 errors: dict[int, dict[str, str]] | None = None,
                 typed: dict[int, dict[str, str]] | None = None, message: str = "",
                 status: int = 200) -> Response:
    review = reviews.get_review(ctx.db, actor=ctx.actor, review_id=review_id)
    rows = reviews.line_rows(ctx.db, review=review)
    people: list[tuple[int, str, list[reviews.ReviewLineRow]]] = []
    for r in rows:
        if not people or people[-1][0] != r.line.person_id:
            people.append((r.line.person_id, r.person_name, []))
        people[-1][2].append(r)
    may_attest = (is_manager_of(ctx.actor, review.unit_id)
                  and review.status == ReviewStatus.OPEN.value)
    first_open = next((r.line.id for r in rows if not r.line.decision), None)
    # An account unused for the policy's days is worth knowing while attesting its access.
    unused = {a.person_id: a.days for a in review_inactive.inactive_accounts(
        ctx.db, actor=ctx.actor, unit_id=review.unit_id)} if may_attest else {}
    return render(request, "access_rights/review_detail.html", {
        "nav": "access_rights", "review": review, "people": people, "may_attest": may_attest,
        "unused": unused,
        "row_errors": errors or {}, "typed": typed or {}, "message": message,
        "focus_line": None if errors or message else first_open,
        "overdue": reviews.is_overdue(review, local_today()),
        "decided": sum(1 for r in rows if r.line.decision), "total": len(rows),
        "decisions": {k.value: _(v) for k, v in DECISION_LABELS.items()},
        "statuses": {k.value: _(v) for k, v in REVIEW_STATUS_LABELS.items()}}, status_code=status)


@router.get(f"{BASE}/{{review_id:int}}")
def review_page(request: Request, review_id: Id, ctx: CurrentCtx) -> Response:
    """One review: a row per person and system; the manager attests each."""
    return _review_page(request, ctx, review_id)


@router.get(f"{BASE}/{{review_id:int}}.csv")
def review_csv(review_id: Id, ctx: CurrentCtx) -> Response:
    """One review's lines and decisions as CSV."""
    review = reviews.get_review(ctx.db, actor=ctx.actor, review_id=review_id)
    rows = reviews.line_rows(ctx.db, review=review)
    text = document([_(h) for h in LINE_HEADER], (
        [r.person_name, r.system_name, r.line.access_profile, r.decision_label, r.line.note,
         r.decided_by_name, _local(r.line.decided_at), r.line.order_id or ""] for r in rows))
    day = review.started_at.astimezone(TZ).date().isoformat()
    return attachment(text, f"kulisser-behorighetsuppfoljning-{day}.csv")


@router.post(f"{BASE}/{{review_id:int}}/rader/{{line_id:int}}")
def attest(request: Request, review_id: Id, line_id: Id, *, decision: FormStr = "",
           note: FormStr = "", ctx: CurrentCtx) -> Response:
    """Attest one line: keep, change or remove (a note for the last two)."""
    try:
        reviews.attest(ctx.db, actor=ctx.actor, review_id=review_id, line_id=line_id,
                       decision=decision, note=note)
    except ValidationFailed as exc:
        return _review_page(request, ctx, review_id, errors={line_id: exc.errors},
                            typed={line_id: {"decision": decision, "note": note}}, status=422)
    except TransitionError as exc:
        return _review_page(request, ctx, review_id, message=exc.message, status=409)
    # No fragment: the page focuses the next row to attest (a target would cancel autofocus).
    return RedirectResponse(f"{BASE}/{review_id}", status_code=303)


@router.post(f"{BASE}/{{review_id:int}}/personer/{{person_id:int}}/behall")
def keep_remaining(request: Request, review_id: Id, person_id: Id, ctx: CurrentCtx) -> Response:
    """Attest every remaining line of one person as "keep"."""
    try:
        reviews.keep_remaining(ctx.db, actor=ctx.actor, review_id=review_id, person_id=person_id)
    except TransitionError as exc:
        return _review_page(request, ctx, review_id, message=exc.message, status=409)
    return RedirectResponse(f"{BASE}/{review_id}", status_code=303)
