"""The review editor's activity heartbeat and "start from an empty text", and the CSV of the
figure "does speech recognition help" (recognizer_help) shown on the quality page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from kulisser.bounds import Id
from kulisser.db import utcnow
from kulisser.dictation import quality, recognizer_help
from kulisser.dictation import service as dictations
from kulisser.dictation.recognizer_help import RecognizerHelp
from kulisser.dictation.views import action_failed, writer
from kulisser.errors import ValidationFailed
from kulisser.i18n import _
from kulisser.web import csv as csv_export
from kulisser.web.deps import Ctx, FormStr, ManagerCtx
from kulisser.worklist.service import TransitionError

router = APIRouter(include_in_schema=False)


@router.post("/diktat/{dictation_id:int}/aktivitet")
def heartbeat(dictation_id: Id, *, kind: FormStr = "key",
              ctx: Annotated[Ctx, Depends(writer)]) -> Response:
    """One activity moment from the editor (no content: only that she typed or listened)."""
    try:
        dictations.record_activity(ctx.db, actor=ctx.actor, dictation_id=dictation_id, kind=kind)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return JSONResponse({"error": "invalid", "detail": exc.errors}, status_code=422)
    except TransitionError as exc:
        ctx.db.rollback()
        return JSONResponse({"error": exc.code, "detail": exc.message}, status_code=409)
    return Response(status_code=204)


@router.post("/diktat/{dictation_id:int}/tom")
def start_empty(request: Request, dictation_id: Id, ctx: Annotated[Ctx, Depends(writer)]) -> Response:
    """Start from an empty text (the note's headings) instead of the draft; the draft is kept."""
    try:
        dictations.start_from_empty(ctx.db, actor=ctx.actor, dictation_id=dictation_id)
    except TransitionError as exc:
        return action_failed(request, ctx, dictation_id, "send", exc, {})
    return RedirectResponse(f"/diktat/{dictation_id}", status_code=303)


# -- the figure's export ---------------------------------------------------------------------

def _opt(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}".replace(".", ",")


def csv_header() -> list[str]:
    """The export's column names (Swedish)."""
    return [_("Månad"), _("Granskade från utkast"),
            _("Median aktiva minuter per ljudminut, från utkast"), _("Skrivna utan utkast"),
            _("Median aktiva minuter per ljudminut, utan utkast"), _("Utkastord"),
            _("Behållna utkastord"), _("Andel behållna utkastord (%)"),
            _("Ordfelfrekvens median (%)")]


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100


def csv_row(m: RecognizerHelp) -> list[object]:
    """One month as cells (decimal comma; empty where there is no figure)."""
    return [m.month.strftime("%Y-%m"), m.draft_count, _opt(m.draft_minutes_per_audio_minute),
            m.empty_count, _opt(m.empty_minutes_per_audio_minute), m.draft_words, m.kept_words,
            _opt(_pct(m.kept_share), 1), _opt(_pct(m.wer_median), 1)]


@router.get("/diktat/kvalitet-taligenkanning.csv")
def help_csv(ctx: ManagerCtx) -> Response:
    """The figure per month as CSV, oldest first (aggregates only: no audit row)."""
    now = utcnow()
    months = recognizer_help.last_months(ctx.db, unit_id=ctx.actor.unit_id, now=now)
    local = now.astimezone(quality.TZ).date().isoformat()
    text = csv_export.document(csv_header(), (csv_row(m) for m in months))
    return csv_export.attachment(text, f"kulisser-taligenkanning-{local}.csv")
