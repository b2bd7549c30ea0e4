"""The author's sign-off pages: notes to sign, questions to answer, a signed note corrected.

The note is shown by the same context as the secretaries' editor (views.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from kulisser.bounds import Id
from kulisser.db import utcnow
from kulisser.dictation import service as dictations
from kulisser.dictation import views
from kulisser.dictation.queries import queue_rows
from kulisser.dictation.states import status_label
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.i18n import _
from kulisser.staff.service import Role
from kulisser.web.deps import Ctx, CurrentCtx, FormStr
from kulisser.web.templating import render
from kulisser.worklist.service import TransitionError

router = APIRouter(include_in_schema=False)


def clinician(ctx: CurrentCtx) -> Ctx:
    """The caller, who must be a clinician (the one who dictates and signs)."""
    if ctx.actor.role != Role.CLINICIAN:
        raise Forbidden(_("Sidan är till för läkare och annan vårdpersonal som dikterar."))
    return ctx


# A dictation's pages check access first (a stranger's attempt is a logged denial) and the
# authorship after; the service refuses signing, answering and correcting to anyone else.

@router.get("/signera")
def sign_list(request: Request, ctx: Annotated[Ctx, Depends(clinician)]) -> Response:
    """The clinician's notes to sign, questions to answer and dictations in progress."""
    mine = {key: dictations.list_for_author(ctx.db, actor=ctx.actor, status=key, limit=100)
            for key in ("awaiting_signature", "returned", "to_write", "signed")}
    now = utcnow()
    groups = {key: queue_rows(ctx.db, found, now=now, sort="due") for key, found in mine.items()}
    return render(request, "dictation/sign_list.html", {
        "nav": "sign", "groups": groups, "status_label_of": status_label,
        "notice": request.query_params.get("klart", ""),
    })


@router.get("/signera/{dictation_id:int}")
def sign_page(request: Request, dictation_id: Id, ctx: CurrentCtx) -> Response:
    """Read, edit and sign a note; answer a question; correct a signed note."""
    return views.sign_page_response(request, ctx, dictation_id)


@router.post("/signera/{dictation_id:int}/signera")
def sign(request: Request, dictation_id: Id, *, text: FormStr = "", base_revision: FormStr = "",
         ctx: CurrentCtx) -> Response:
    """Sign the note (the text as shown, saved first if edited); it is locked from now on."""
    try:
        d = dictations.get_dictation(ctx.db, actor=ctx.actor, dictation_id=dictation_id)
        views.save_if_changed(ctx, d, text, base_revision)
        dictations.sign(ctx.db, actor=ctx.actor, dictation_id=dictation_id)
    except (TransitionError, ValidationFailed) as exc:
        return views.action_failed(request, ctx, dictation_id, "sign", exc, {"text": text},
                                   page="sign")
    return RedirectResponse(f"/signera?klart=signerad-{dictation_id}", status_code=303)


@router.post("/signera/{dictation_id:int}/svar")
def answer(request: Request, dictation_id: Id, *, answer: FormStr = "",
           ctx: CurrentCtx) -> Response:
    """Answer the secretary's question; the dictation goes back to review."""
    try:
        dictations.answer_question(ctx.db, actor=ctx.actor, dictation_id=dictation_id, answer=answer)
    except (TransitionError, ValidationFailed) as exc:
        return views.action_failed(request, ctx, dictation_id, "answer", exc, {"answer": answer},
                                   page="sign")
    return RedirectResponse(f"/signera?klart=besvarad-{dictation_id}", status_code=303)


@router.post("/signera/{dictation_id:int}/ratta")
def correct(request: Request, dictation_id: Id, *, text: FormStr = "", reason: FormStr = "",
            ctx: CurrentCtx) -> Response:
    """Correct a signed note: a new signed version; the earlier ones are kept."""
    try:
        dictations.correct_signed(ctx.db, actor=ctx.actor, dictation_id=dictation_id, text=text,
                                  reason=reason)
    except (TransitionError, ValidationFailed) as exc:
        return views.action_failed(request, ctx, dictation_id, "correct", exc,
                                   {"text": text, "reason": reason}, page="sign")
    return RedirectResponse(f"/signera/{dictation_id}", status_code=303)
