"""The dictation pages: upload and record, the secretaries' queue, the review editor.

The editor's behaviour (audio shortcuts, word highlighting, autosave) lives in
/static/dictation.js; the pages pass it data in data-* attributes (CSP: no inline script).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.bounds import Id, parse_int
from kulisser.db import utcnow
from kulisser.dictation import attention
from kulisser.dictation import service as dictations
from kulisser.dictation.models import Dictation
from kulisser.dictation.queries import PENDING, QUEUE_FILTERS, QUEUE_SORTS, DictationFilter, queue_rows
from kulisser.dictation.sections import place_draft
from kulisser.dictation.states import EVENT_LABELS, Action, DictationStatus, status_label
from kulisser.dictation.storage import AudioStore
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.i18n import _
from kulisser.identity import InvalidIdentifier, parse_identifier
from kulisser.patients import service as patients
from kulisser.patients.service import Patient
from kulisser.staff import service as staff
from kulisser.staff.service import Role
from kulisser.web.deps import AppSettings, Ctx, CurrentCtx, FormStr
from kulisser.web.templating import TZ, render
from kulisser.worklist.service import PRIORITY_LABELS, PRIORITY_ORDER, Priority, TransitionError

router = APIRouter(include_in_schema=False)
S = DictationStatus
UPLOAD_ROLES = (Role.CLINICIAN, Role.SECRETARY, Role.MANAGER)


def _int(value: str) -> int | None:
    return parse_int(value)


def writer(ctx: CurrentCtx) -> Ctx:
    """The caller, who must do the secretaries' work (secretary or unit manager)."""
    if not dictations.is_writer(ctx.actor):
        raise Forbidden(_("Sidan är till för medicinska sekreterare."))
    return ctx


# -- upload and recording ------------------------------------------------------------------

def _upload_form(request: Request, ctx: Ctx, values: dict[str, str], errors: dict[str, str],
                 status: int = 200) -> Response:
    patient = None
    pid = _int(values.get("patient_id", ""))
    if pid is not None:
        patient = patients.get_patient(ctx.db, actor=ctx.actor, patient_id=pid)
    return render(request, "dictation/upload.html", {
        "nav": "dictate", "values": values, "errors": errors, "patient": patient,
        "note_types": note_type_options(ctx.db, unit_id=ctx.actor.unit_id),
        "priorities": priorities(), "is_clinician": ctx.actor.role == Role.CLINICIAN,
        "clinicians": clinicians(ctx.db, unit_id=ctx.actor.unit_id),
    }, status_code=status)


def _uploader(ctx: CurrentCtx) -> Ctx:
    if ctx.actor.role not in UPLOAD_ROLES:
        raise Forbidden(_("Din roll kan inte ladda upp diktat."))
    return ctx


@router.get("/diktat/ny")
def upload_page(request: Request, *, patient_id: Annotated[str, Query()] = "",
                replaces_id: Annotated[str, Query()] = "",
                ctx: Annotated[Ctx, Depends(_uploader)]) -> Response:
    """Upload a recording or record one in the browser."""
    return _upload_form(request, ctx, {"patient_id": patient_id, "priority": "normal",
                                       "note_type": "visit", "replaces_id": replaces_id}, {})


@router.post("/diktat/ny")
def upload(
    request: Request,
    *,
    file: Annotated[UploadFile | None, File()] = None,
    identifier: FormStr = "",
    patient_id: FormStr = "",
    note_type: FormStr = "",
    priority: FormStr = "normal",
    author_id: FormStr = "",
    replaces_id: FormStr = "",
    ctx: Annotated[Ctx, Depends(_uploader)],
    settings: AppSettings,
) -> Response:
    """Store the recording; bad input shows the form again with the Swedish message (422)."""
    values = {"identifier": identifier, "patient_id": patient_id, "note_type": note_type,
              "priority": priority, "author_id": author_id, "replaces_id": replaces_id}
    errors: dict[str, str] = {}
    pid = _int(patient_id)
    if pid is None:
        if not identifier.strip():
            errors["identifier"] = _("Ange patientens personnummer.")
        else:
            found = patients.find_for_actor(ctx.db, actor=ctx.actor, text=identifier)
            if found is not None:
                pid = found.id
            else:
                try:
                    parse_identifier(identifier)
                    errors["identifier"] = _(patients.NOT_AT_UNIT)
                except InvalidIdentifier as exc:
                    errors["identifier"] = exc.message
    if file is None or not file.filename:
        errors["file"] = _("Välj en ljudfil eller spela in diktatet.")
    if not errors and file is not None and pid is not None:
        try:
            d = dictations.upload_dictation(
                ctx.db, actor=ctx.actor, store=AudioStore.from_settings(settings), audio=file.file,
                filename=file.filename or "", patient_id=pid, note_type=note_type,
                priority=priority, author_id=_int(author_id), replaces_id=_int(replaces_id))
            target = f"/signera/{d.id}" if ctx.actor.role == Role.CLINICIAN else f"/diktat/{d.id}"
            return RedirectResponse(target, status_code=303)
        except ValidationFailed as exc:
            # The service names the fields of the API; the form shows them at its own fields.
            moved = {"audio": "file",
                     "patient_id": "identifier" if _int(patient_id) is None else "patient_id"}
            errors = {moved.get(k, k): v for k, v in exc.errors.items()}
    ctx.db.rollback()
    return _upload_form(request, ctx, values, errors, status=422)


# -- the secretaries' queue ----------------------------------------------------------------

@router.get("/diktat")
def queue(request: Request, *, status: str = "to_write", sort: str = "due",
          ctx: Annotated[Ctx, Depends(writer)]) -> Response:
    """The unit's dictations to write (or another status filter), by due time or priority."""
    if status not in QUEUE_FILTERS:
        status = "to_write"
    if sort not in QUEUE_SORTS:
        sort = "due"
    f = DictationFilter(status=status, limit=200)
    found = dictations.list_dictations(ctx.db, actor=ctx.actor, filter=f)
    rows = queue_rows(ctx.db, found, now=utcnow(), sort=sort)
    return render(request, "dictation/queue.html", {
        "nav": "dictation", "rows": rows, "status": status, "sort": sort,
        "filters": {k: _(v) for k, v in QUEUE_FILTERS.items()},
        "sorts": {k: _(v) for k, v in QUEUE_SORTS.items()},
        "total": dictations.count_dictations(ctx.db, actor=ctx.actor, filter=f),
        "pending_ids": [r.d.id for r in rows if r.state and r.state.status in PENDING],
        "status_label_of": status_label, "notice": request.query_params.get("klart", ""),
    }, partial="dictation/_queue_rows.html")


@router.get("/diktat/taligenkanning")
def transcription_states(request: Request, ids: Annotated[list[Id], Query(default_factory=list)],
                         ctx: CurrentCtx) -> Response:
    """The draft states of some of the unit's dictations, as out-of-band swaps (polled).

    Job states and status labels only, no patient data: nothing to log. 286 stops the polling.
    """
    found = list(ctx.db.scalars(select(Dictation).where(
        Dictation.id.in_(ids[:200]), Dictation.unit_id == ctx.actor.unit_id))) if ids else []
    states = [(d, dictations.transcription_state(ctx.db, dictation_id=d.id)) for d in found]
    pending = any(s.status in PENDING and d.draft_text is None for d, s in states)
    return render(request, "dictation/_states.html", {
        "states": states, "status_label_of": status_label,
    }, status_code=200 if pending else 286)


# -- the review editor ---------------------------------------------------------------------

def _editor(request: Request, ctx: Ctx, dictation_id: int, *, errors: dict[str, str] | None = None,
            values: dict[str, str] | None = None, status: int = 200) -> Response:
    d = dictations.get_dictation(ctx.db, actor=ctx.actor, dictation_id=dictation_id)
    context = editor_context(ctx.db, actor=ctx.actor, d=d)
    context.update(nav="dictation", errors=errors or {}, values=values or {},
                   note_types=note_type_options(ctx.db, unit_id=d.unit_id),
                   priorities=priorities(),
                   clinicians=clinicians(ctx.db, unit_id=d.unit_id))
    return render(request, "dictation/editor.html", context, status_code=status)


@router.get("/diktat/{dictation_id:int}")
def editor(request: Request, dictation_id: Id, ctx: Annotated[Ctx, Depends(writer)]) -> Response:
    """The review editor: audio, the draft's words, the text, actions and history."""
    return _editor(request, ctx, dictation_id)


@router.get("/diktat/{dictation_id:int}/ljud")
def audio(dictation_id: Id, ctx: CurrentCtx,
          settings: AppSettings) -> Response:
    """The recording for the page's player (Range requests seek; every request is logged)."""
    found = dictations.open_audio(ctx.db, actor=ctx.actor, store=AudioStore.from_settings(settings),
                                  dictation_id=dictation_id)
    return FileResponse(found.path, media_type=found.media_type, filename=found.filename,
                        content_disposition_type="inline")


@router.post("/diktat/{dictation_id:int}/text")
def autosave(dictation_id: Id, *, text: FormStr = "", base_revision: FormStr = "",
             ctx: CurrentCtx) -> Response:
    """Autosave from the editor (fetch, or sendBeacon on leaving: a form with csrf_token)."""
    try:
        d = dictations.save_text(ctx.db, actor=ctx.actor, dictation_id=dictation_id, text=text,
                                 base_revision=_int(base_revision))
    except TransitionError as exc:
        return JSONResponse({"error": exc.code, "detail": exc.message}, status_code=409)
    saved = d.text_saved_at.astimezone(TZ).strftime("%H:%M") if d.text_saved_at else ""
    return JSONResponse({"revision": d.text_revision, "status": d.status,
                         "status_label": status_label(d.status), "saved_at": saved,
                         "message": _("Sparat {t}", t=saved)})


def save_if_changed(ctx: Ctx, d: Dictation, text: str, base_revision: str) -> None:
    """Save the editor's text before an action, where it differs or was never saved."""
    if text.strip() and (text != d.text or d.status in (S.DICTATED, S.DRAFT_READY)):
        dictations.save_text(ctx.db, actor=ctx.actor, dictation_id=d.id, text=text,
                             base_revision=_int(base_revision))


def action_failed(request: Request, ctx: Ctx, dictation_id: int, field: str,
                  exc: TransitionError | ValidationFailed, values: dict[str, str],
                  *, page: str = "editor") -> Response:
    """The editor (or the sign-off page) again, with the refused action's message (409/422)."""
    message = exc.message if isinstance(exc, TransitionError) else " ".join(exc.errors.values())
    ctx.db.rollback()  # the page shows the dictation as it still is
    status = 409 if isinstance(exc, TransitionError) and exc.code != "reason_required" else 422
    if page == "sign":
        return sign_page_response(request, ctx, dictation_id, errors={field: message},
                                  values=values, status=status)
    return _editor(request, ctx, dictation_id, errors={field: message}, values=values, status=status)


@router.post("/diktat/{dictation_id:int}/skicka")
def send(request: Request, dictation_id: Id, *, text: FormStr = "", base_revision: FormStr = "",
         ctx: Annotated[Ctx, Depends(writer)]) -> Response:
    """Send the verified text for signature (saved first) and go back to the queue."""
    try:
        d = dictations.get_dictation(ctx.db, actor=ctx.actor, dictation_id=dictation_id)
        save_if_changed(ctx, d, text, base_revision)
        dictations.send_for_signature(ctx.db, actor=ctx.actor, dictation_id=dictation_id)
    except (TransitionError, ValidationFailed) as exc:
        return action_failed(request, ctx, dictation_id, "send", exc, {"text": text})
    return RedirectResponse(f"/diktat?klart=skickat-{dictation_id}", status_code=303)


@router.post("/diktat/{dictation_id:int}/fraga")
def ask(request: Request, dictation_id: Id, *, question: FormStr = "",
        ctx: Annotated[Ctx, Depends(writer)]) -> Response:
    """Return the dictation to its author with a question."""
    try:
        dictations.return_to_author(ctx.db, actor=ctx.actor, dictation_id=dictation_id,
                                    question=question)
    except (TransitionError, ValidationFailed) as exc:
        return action_failed(request, ctx, dictation_id, "question", exc, {"question": question})
    return RedirectResponse(f"/diktat?klart=fraga-{dictation_id}", status_code=303)


@router.post("/diktat/{dictation_id:int}/oanvandbart")
def unusable(request: Request, dictation_id: Id, *, reason: FormStr = "",
             ctx: Annotated[Ctx, Depends(writer)]) -> Response:
    """Mark the audio unusable: the author is asked to dictate again."""
    try:
        dictations.mark_audio_unusable(ctx.db, actor=ctx.actor, dictation_id=dictation_id,
                                       reason=reason)
    except (TransitionError, ValidationFailed) as exc:
        return action_failed(request, ctx, dictation_id, "reason", exc, {"reason": reason})
    return RedirectResponse(f"/diktat?klart=oanvandbart-{dictation_id}", status_code=303)


@router.post("/diktat/{dictation_id:int}/taligenkanning")
def retry(request: Request, dictation_id: Id, ctx: CurrentCtx) -> Response:
    """Ask for the draft again after the recognizer gave up."""
    try:
        dictations.retry_transcription(ctx.db, actor=ctx.actor, dictation_id=dictation_id)
    except TransitionError as exc:
        return action_failed(request, ctx, dictation_id, "transcription", exc, {},
                              page="sign" if ctx.actor.role == Role.CLINICIAN else "editor")
    back = "/signera" if ctx.actor.role == Role.CLINICIAN else "/diktat"
    return RedirectResponse(f"{back}/{dictation_id}", status_code=303)


@router.post("/diktat/{dictation_id:int}/uppgifter")
def details(request: Request, dictation_id: Id, *, identifier: FormStr = "",
            author_id: FormStr = "", note_type: FormStr = "", priority: FormStr = "",
            ctx: Annotated[Ctx, Depends(writer)]) -> Response:
    """Match an imported dictation (patient, author) or change its note type or priority."""
    values = {"identifier": identifier, "author_id": author_id, "note_type": note_type,
              "priority": priority}
    pid = None
    if identifier.strip():
        found = patients.find_for_actor(ctx.db, actor=ctx.actor, text=identifier)
        if found is None:
            return _editor(request, ctx, dictation_id, values=values, status=422,
                           errors={"identifier": _(patients.NOT_AT_UNIT)})
        pid = found.id
    try:
        dictations.set_details(ctx.db, actor=ctx.actor, dictation_id=dictation_id, patient_id=pid,
                               author_id=_int(author_id), note_type=note_type or None,
                               priority=priority or None)
    except ValidationFailed as exc:
        ctx.db.rollback()
        moved = {"patient_id": "identifier"}
        return _editor(request, ctx, dictation_id, values=values, status=422,
                       errors={moved.get(k, k): v for k, v in exc.errors.items()})
    except TransitionError as exc:
        return action_failed(request, ctx, dictation_id, "details", exc, values)
    return RedirectResponse(f"/diktat/{dictation_id}", status_code=303)


def sign_page_response(request: Request, ctx: Ctx, dictation_id: int, *,
                       errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                       status: int = 200) -> Response:
    """The author's sign-off page of one dictation (signing_views.py; a refused action here)."""
    d = dictations.get_dictation(ctx.db, actor=ctx.actor, dictation_id=dictation_id)
    if not dictations.is_author(ctx.actor, d):
        raise Forbidden(_("Endast diktatören kan öppna diktatet här."))
    context = editor_context(ctx.db, actor=ctx.actor, d=d)
    # The author edits only while the note waits for their signature; before, it is the
    # secretaries' work in progress.
    context["can_edit"] = d.status == S.AWAITING_SIGNATURE and Action.SAVE_TEXT in context["actions"]
    context.update(nav="sign", errors=errors or {}, values=values or {})
    return render(request, "dictation/sign.html", context, status_code=status)


# -- what the pages show of one dictation --------------------------------------------------

def duration(seconds: float) -> str:
    """Audio length as m:ss."""
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


@dataclass(frozen=True)
class DraftWord:
    """A draft word for the editor: its text, place in the audio and whether to check it."""

    text: str
    start: float
    end: float
    probability: float | None
    attention: bool


def draft_words(session: Session, d: Dictation) -> list[DraftWord]:
    """The draft's words with their attention marks (the unit's glossary applied now)."""
    words = d.draft_words or []
    if not words:
        return []
    flags = attention.render_flags(words, glossary=dictations.glossary_keys(session, unit_id=d.unit_id))
    return [DraftWord(text=str(w.get("text", "")).strip(), start=float(w.get("start", 0.0)),
                      end=float(w.get("end", 0.0)),
                      probability=float(w["probability"]) if w.get("probability") is not None else None,
                      attention=flag) for w, flag in zip(words, flags, strict=True)]


def starting_text(d: Dictation) -> str:
    """The text the editor opens with: the saved text, or the draft under the note's headings."""
    if d.text_revision > 0:
        return d.text
    return place_draft(list(d.note_type.headings or []), d.draft_text or "")


def people(session: Session, d: Dictation) -> dict[int, str]:
    """Names of everyone in the dictation's facts, history and versions."""
    ids = {i for i in (d.author_id, d.uploaded_by_id, d.text_saved_by_id, d.signed_by_id) if i}
    ids |= {e.actor_id for e in d.events if e.actor_id is not None}
    ids |= {v.signed_by_id for v in d.versions}
    return staff.user_names(session, ids)


def clinicians(session: Session, *, unit_id: int) -> list[tuple[str, str]]:
    """(id, name) of the unit's clinicians, for author selects."""
    return [(str(u.id), u.full_name) for u in staff.unit_members(session, unit_id=unit_id)
            if u.role == Role.CLINICIAN]


def priorities() -> list[tuple[str, str]]:
    """(value, Swedish label) of the priorities, most urgent first."""
    return [(p.value, _(PRIORITY_LABELS[p])) for p in sorted(Priority, key=PRIORITY_ORDER.__getitem__)]


def note_type_options(session: Session, *, unit_id: int) -> list[tuple[str, str]]:
    """(code, name) of the unit's note types."""
    return [(t.code, t.name) for t in dictations.note_types(session, unit_id=unit_id)]


def editor_context(session: Session, *, actor: Any, d: Dictation) -> dict[str, Any]:
    """Everything the editor and the sign-off page show about one dictation."""
    patient = session.get(Patient, d.patient_id) if d.patient_id is not None else None
    actions = dictations.actions_for(actor, d)
    state = dictations.transcription_state(session, dictation_id=d.id)
    return {
        "d": d, "patient": patient, "names": people(session, d), "actions": actions,
        "can_edit": Action.SAVE_TEXT in actions, "state": state,
        "pending": state.status in PENDING and d.draft_text is None,
        "words": draft_words(session, d), "start_text": starting_text(d),
        "draft_start": place_draft(list(d.note_type.headings or []), d.draft_text or ""),
        "status_text": status_label(d.status), "event_labels": {k: _(v) for k, v in EVENT_LABELS.items()},
        "status_label_of": status_label, "duration": duration(d.audio_duration_s),
        "A": Action, "errors": {}, "values": {},
    }
