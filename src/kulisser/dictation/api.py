"""JSON API for dictations: upload, the queue, one dictation, its audio, text and every action."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.bounds import Count, Id, Offset
from kulisser.dictation import catalog, fhir, queries
from kulisser.dictation import service as dictations
from kulisser.dictation.models import Dictation
from kulisser.dictation.schemas import (
    AnswerIn,
    AudioOut,
    CorrectIn,
    DetailsIn,
    DictationDetail,
    DictationEventOut,
    DictationList,
    DictationSummary,
    DraftOut,
    GlossaryList,
    GlossaryTermIn,
    GlossaryTermOut,
    HL7Completion,
    NoteTypeList,
    NoteTypeOut,
    NoteVersionOut,
    QuestionIn,
    ReasonIn,
    TextIn,
    TextSaved,
    TranscriptionOut,
    WordOut,
)
from kulisser.dictation.states import HL7_COMPLETION, STATUS_LABELS, DictationStatus
from kulisser.dictation.storage import AudioStore
from kulisser.i18n import _
from kulisser.patients.service import Patient
from kulisser.staff import service as staff
from kulisser.staff.service import Actor
from kulisser.web.api import auth_dependencies, error_responses
from kulisser.web.deps import AppSettings, CurrentCtx
from kulisser.worklist.service import PRIORITY_LABELS, PatientRef, Priority, UserRef

router = APIRouter(prefix="/api/v1", tags=["dictations"], responses=error_responses(401),
                   dependencies=auth_dependencies())
_ACT_ERRORS = error_responses(403, 404, 409, 422)


# -- serialization -------------------------------------------------------------------------

def _refs(session: Session, found: list[Dictation], *, history: bool = False
          ) -> tuple[dict[int, str], dict[int, Patient]]:
    """User names and patients of the dictations, one query each (access already checked)."""
    users: set[int] = set()
    for d in found:
        users |= {i for i in (d.uploaded_by_id, d.author_id, d.text_saved_by_id) if i is not None}
        if history:
            users |= {e.actor_id for e in d.events if e.actor_id is not None}
            users |= {v.signed_by_id for v in d.versions}
    pids = {d.patient_id for d in found if d.patient_id is not None}
    patients = ({p.id: p for p in session.scalars(select(Patient).where(Patient.id.in_(pids)))}
                if pids else {})
    return staff.user_names(session, users), patients


def _user(names: dict[int, str], user_id: int | None) -> UserRef | None:
    return None if user_id is None else UserRef(id=user_id, name=names.get(user_id, ""))


def _summary(d: Dictation, names: dict[int, str], patients: dict[int, Patient]) -> dict[str, object]:
    status = DictationStatus(d.status)
    code, display = HL7_COMPLETION[status]
    patient = patients.get(d.patient_id) if d.patient_id is not None else None
    return dict(
        id=d.id, status=status, status_label=_(STATUS_LABELS[status]),
        hl7_completion=HL7Completion(code=code, display=display), priority=Priority(d.priority),
        priority_label=_(PRIORITY_LABELS[Priority(d.priority)]), note_type=d.note_type.code,
        note_type_name=d.note_type.name,
        patient=(PatientRef(id=patient.id, name=patient.full_name, identifier=patient.display_id)
                 if patient is not None else None),
        author=_user(names, d.author_id), unit_id=d.unit_id, audio_duration_s=d.audio_duration_s,
        source=d.source, original_filename=d.original_filename,
        uploaded_by=_user(names, d.uploaded_by_id), uploaded_at=d.uploaded_at,
        text_saved_at=d.text_saved_at, text_saved_by=_user(names, d.text_saved_by_id),
        sent_for_signature_at=d.sent_for_signature_at,
        signed_at=d.signed_at)


def _detail(session: Session, actor: Actor, d: Dictation) -> DictationDetail:
    names, patients = _refs(session, [d], history=True)
    state = dictations.transcription_state(session, dictation_id=d.id)
    draft = None
    if d.draft_text is not None and d.drafted_at is not None:
        draft = DraftOut(text=d.draft_text, words=[WordOut(**w) for w in d.draft_words or []],
                         model=d.draft_model or "", language=d.draft_language or "",
                         drafted_at=d.drafted_at)
    return DictationDetail(
        **_summary(d, names, patients),
        audio=AudioOut(format=d.audio_format, media_type=d.audio_media_type,
                       duration_s=d.audio_duration_s, size=d.audio_size, sha256=d.audio_sha256,
                       url=f"/api/v1/dictations/{d.id}/audio"),
        transcription=TranscriptionOut(status=state.status, label=state.label,
                                       attempts=state.attempts, max_attempts=state.max_attempts,
                                       last_error=state.last_error, next_try_at=state.next_try_at),
        draft=draft, text=d.text, text_revision=d.text_revision,
        template=d.note_type.template_text, import_note=d.import_note, question=d.question,
        answer=d.answer, unusable_reason=d.unusable_reason, cancelled_reason=d.cancelled_reason,
        replaces_id=d.replaces_id,
        versions=[NoteVersionOut(version=v.version, text=v.text,
                                 signed_by=UserRef(id=v.signed_by_id, name=names.get(v.signed_by_id, "")),
                                 signed_at=v.signed_at, correction_reason=v.correction_reason)
                  for v in d.versions],
        events=[DictationEventOut(at=e.at, type=e.type, actor=_user(names, e.actor_id),
                                  from_status=DictationStatus(e.from_status) if e.from_status else None,
                                  to_status=DictationStatus(e.to_status) if e.to_status else None,
                                  reason=e.reason) for e in d.events],
        allowed_actions=dictations.actions_for(actor, d))


# -- routes ----------------------------------------------------------------------------------

@router.post("/dictations", response_model=DictationDetail, status_code=201,
             summary="Upload a dictation", responses=error_responses(403, 422))
def upload(
    patient_id: Annotated[Id, Form()],
    file: Annotated[UploadFile, File(description="WAV, MP3, M4A/AAC, OGG/Opus, WebM or FLAC.")],
    note_type: Annotated[str, Form(description="A note type code of the unit (GET /api/v1/note-types).")],
    *,
    priority: Annotated[Priority, Form()] = Priority.NORMAL,
    author_id: Annotated[Id | None, Form(description="Required when a secretary uploads on a "
                                                   "clinician's behalf; a clinician is the author.")] = None,
    replaces_id: Annotated[Id | None, Form(description="An unusable dictation this records again.")] = None,
    ctx: CurrentCtx, settings: AppSettings,
) -> DictationDetail:
    """Store the recording (content-addressed, checked) and put it in the unit's queue.

    The draft is made by a background job; `transcription` in the answer tells its state.
    Bad audio (unsupported, empty, corrupt, silent, too long, too large) is refused with
    422 and errors.audio, and nothing is stored.
    """
    d = dictations.upload_dictation(
        ctx.db, actor=ctx.actor, store=AudioStore.from_settings(settings), audio=file.file,
        filename=file.filename or "", patient_id=patient_id, note_type=note_type,
        priority=priority.value, author_id=author_id, replaces_id=replaces_id)
    return _detail(ctx.db, ctx.actor, d)


@router.get("/dictations", response_model=DictationList, summary="The unit's dictations",
            responses=error_responses(422))
def list_dictations(
    *,
    status: Annotated[str, Query(description="open, to_write, closed, all, or one status.")] = "open",
    mine: Annotated[bool, Query(description="Only the caller's own dictations (as author).")] = False,
    author_id: Id | None = None, patient_id: Id | None = None, priority: Priority | None = None,
    note_type: str | None = None,
    unmatched: Annotated[bool | None, Query(description="true: only imports still to be matched.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[Offset, Query()] = 0,
    ctx: CurrentCtx,
) -> DictationList:
    """Most urgent first, then oldest; each patient listed is logged."""
    f = queries.DictationFilter(
        status=status, author_id=ctx.actor.user_id if mine else author_id, patient_id=patient_id,
        priority=priority.value if priority else None, note_type=note_type, unmatched=unmatched,
        limit=limit, offset=offset)
    found = queries.list_dictations(ctx.db, actor=ctx.actor, filter=f)
    names, patients = _refs(ctx.db, found)
    return DictationList(items=[DictationSummary(**_summary(d, names, patients))
                                for d in found],
                         total=queries.count_dictations(ctx.db, actor=ctx.actor, filter=f))


@router.get("/dictations/{dictation_id}", response_model=DictationDetail,
            summary="Read a dictation", responses=error_responses(403, 404))
def read(dictation_id: Id, ctx: CurrentCtx) -> DictationDetail:
    """The dictation with its draft, text, versions and history (the read is logged)."""
    d = dictations.get_dictation(ctx.db, actor=ctx.actor, dictation_id=dictation_id)
    return _detail(ctx.db, ctx.actor, d)


@router.get("/dictations/{dictation_id}/audio", summary="Play a dictation's audio",
            response_class=FileResponse, responses={
                **error_responses(403, 404),
                200: {"content": {"audio/*": {}}, "description": "The recording."},
                206: {"content": {"audio/*": {}}, "description": "A byte range of it (Range)."}})
def audio(dictation_id: Id, ctx: CurrentCtx,
          settings: AppSettings) -> Response:
    """Stream the stored recording; HTTP Range requests seek. Each request is logged."""
    found = dictations.open_audio(ctx.db, actor=ctx.actor, store=AudioStore.from_settings(settings),
                                  dictation_id=dictation_id)
    return FileResponse(found.path, media_type=found.media_type, filename=found.filename,
                        content_disposition_type="inline")


@router.put("/dictations/{dictation_id}/text", response_model=TextSaved, summary="Save the text",
            responses=_ACT_ERRORS)
def save_text(dictation_id: Id, body: TextIn, ctx: CurrentCtx) -> TextSaved:
    """Autosave the working text; the first save starts the review."""
    d = dictations.save_text(ctx.db, actor=ctx.actor, dictation_id=dictation_id, text=body.text,
                             base_revision=body.base_revision)
    assert d.text_saved_at is not None
    return TextSaved(id=d.id, status=DictationStatus(d.status), text_revision=d.text_revision,
                     text_saved_at=d.text_saved_at)


@router.patch("/dictations/{dictation_id}", response_model=DictationDetail, responses=_ACT_ERRORS,
              summary="Match an import, or change note type or priority")
def set_details(dictation_id: Id, body: DetailsIn, ctx: CurrentCtx) -> DictationDetail:
    """Patient and author can only be set where an import left them unknown."""
    d = dictations.set_details(ctx.db, actor=ctx.actor, dictation_id=dictation_id,
                               patient_id=body.patient_id, author_id=body.author_id,
                               note_type=body.note_type,
                               priority=body.priority.value if body.priority else None)
    return _detail(ctx.db, ctx.actor, d)


@router.post("/dictations/{dictation_id}/send-for-signature", response_model=DictationDetail,
             responses=_ACT_ERRORS, summary="Send for signature")
def send_for_signature(dictation_id: Id, ctx: CurrentCtx) -> DictationDetail:
    """The queue item completes; the author gets a signature item."""
    d = dictations.send_for_signature(ctx.db, actor=ctx.actor, dictation_id=dictation_id)
    return _detail(ctx.db, ctx.actor, d)


@router.post("/dictations/{dictation_id}/return", response_model=DictationDetail,
             responses=_ACT_ERRORS, summary="Return to the author with a question")
def return_to_author(dictation_id: Id, body: QuestionIn, ctx: CurrentCtx) -> DictationDetail:
    """The queue item waits on hold; the author gets a question item."""
    d = dictations.return_to_author(ctx.db, actor=ctx.actor, dictation_id=dictation_id,
                                    question=body.question)
    return _detail(ctx.db, ctx.actor, d)


@router.post("/dictations/{dictation_id}/answer", response_model=DictationDetail,
             responses=_ACT_ERRORS, summary="Answer the question (author)")
def answer(dictation_id: Id, body: AnswerIn, ctx: CurrentCtx) -> DictationDetail:
    """The dictation goes back to review."""
    d = dictations.answer_question(ctx.db, actor=ctx.actor, dictation_id=dictation_id,
                                   answer=body.answer)
    return _detail(ctx.db, ctx.actor, d)


@router.post("/dictations/{dictation_id}/unusable", response_model=DictationDetail,
             responses=_ACT_ERRORS, summary="Mark the audio unusable")
def unusable(dictation_id: Id, body: ReasonIn, ctx: CurrentCtx) -> DictationDetail:
    """The dictation closes; the author gets an item to dictate again."""
    d = dictations.mark_audio_unusable(ctx.db, actor=ctx.actor, dictation_id=dictation_id,
                                       reason=body.reason)
    return _detail(ctx.db, ctx.actor, d)


@router.post("/dictations/{dictation_id}/sign", response_model=DictationDetail,
             responses=_ACT_ERRORS, summary="Sign (author)")
def sign(dictation_id: Id, ctx: CurrentCtx) -> DictationDetail:
    """Version 1 is recorded with who and when; the text is locked."""
    version = dictations.sign(ctx.db, actor=ctx.actor, dictation_id=dictation_id)
    return _detail(ctx.db, ctx.actor, version.dictation)


@router.post("/dictations/{dictation_id}/correct", response_model=DictationDetail,
             responses=_ACT_ERRORS, summary="Correct a signed note (author)")
def correct(dictation_id: Id, body: CorrectIn, ctx: CurrentCtx) -> DictationDetail:
    """The corrected text becomes the next signed version; earlier ones are kept."""
    version = dictations.correct_signed(ctx.db, actor=ctx.actor, dictation_id=dictation_id,
                                        text=body.text, reason=body.reason)
    return _detail(ctx.db, ctx.actor, version.dictation)


@router.post("/dictations/{dictation_id}/cancel", response_model=DictationDetail,
             responses=_ACT_ERRORS, summary="Cancel, with a reason")
def cancel(dictation_id: Id, body: ReasonIn, ctx: CurrentCtx) -> DictationDetail:
    """The dictation will not become a note; its open work items are cancelled."""
    d = dictations.cancel(ctx.db, actor=ctx.actor, dictation_id=dictation_id, reason=body.reason)
    return _detail(ctx.db, ctx.actor, d)


@router.post("/dictations/{dictation_id}/transcribe", response_model=TranscriptionOut,
             responses=_ACT_ERRORS, summary="Ask for the draft again")
def transcribe(dictation_id: Id, ctx: CurrentCtx) -> TranscriptionOut:
    """Queue the recognizer again after it gave up (a running or queued job is kept)."""
    state = dictations.retry_transcription(ctx.db, actor=ctx.actor, dictation_id=dictation_id)
    return TranscriptionOut(status=state.status, label=state.label, attempts=state.attempts,
                            max_attempts=state.max_attempts, last_error=state.last_error,
                            next_try_at=state.next_try_at)


# -- the unit's note types and glossary (no patient data) ----------------------------------

@router.get("/note-types", response_model=NoteTypeList, summary="The unit's note types")
def note_types(ctx: CurrentCtx) -> NoteTypeList:
    """Note types with their heading templates, in menu order."""
    return NoteTypeList(items=[
        NoteTypeOut(code=t.code, name=t.name, headings=list(t.headings), template=t.template_text)
        for t in catalog.note_types(ctx.db, unit_id=ctx.actor.unit_id)])


@router.get("/glossary", response_model=GlossaryList, summary="The unit's medical terms")
def glossary(ctx: CurrentCtx) -> GlossaryList:
    """Words the review editor does not mark as misspelt."""
    return GlossaryList(items=[GlossaryTermOut(id=t.id, term=t.term)
                               for t in catalog.glossary(ctx.db, unit_id=ctx.actor.unit_id)])


@router.post("/glossary", response_model=GlossaryTermOut, status_code=201,
             summary="Add a medical term", responses=error_responses(422))
def add_term(body: GlossaryTermIn, ctx: CurrentCtx) -> GlossaryTermOut:
    """Add a term to the unit's glossary (a known term is returned as it is)."""
    term = catalog.add_term(ctx.db, actor=ctx.actor, term=body.term)
    return GlossaryTermOut(id=term.id, term=term.term)


@router.delete("/glossary/{term_id}", status_code=204, summary="Remove a medical term",
               responses=error_responses(404))
def remove_term(term_id: Id, ctx: CurrentCtx) -> Response:
    """Remove a term from the unit's glossary."""
    catalog.remove_term(ctx.db, actor=ctx.actor, term_id=term_id)
    return Response(status_code=204)


# -- export of a signed note ---------------------------------------------------------------

_VERSION = Query(None, ge=1, description="A signed version; the current one if left out.")


@router.get("/dictations/{dictation_id}/note.txt", summary="The signed note as text",
            response_class=Response, responses={
                **error_responses(403, 404, 409),
                200: {"content": {"text/plain": {}}, "description": "UTF-8 text with a header."}})
def note_text(dictation_id: Id, *, version: Count | None = _VERSION,
              ctx: CurrentCtx) -> Response:
    """The signed text under a header (patient, note type, author, signature, version).

    Only a signed note exports (409 otherwise); the read is logged.
    """
    note = fhir.signed_note(ctx.db, actor=ctx.actor, dictation_id=dictation_id, version=version)
    return Response(fhir.note_text(note), media_type="text/plain; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{note.file_stem}.txt"'})


@router.get("/dictations/{dictation_id}/fhir", summary="The signed note as a FHIR R4 DocumentReference",
            response_class=Response, responses={
                **error_responses(403, 404, 409),
                200: {"content": {fhir.FHIR_JSON: {}},
                      "description": "A DocumentReference with the text as a base64 attachment."}})
def note_fhir(dictation_id: Id, *, version: Count | None = _VERSION,
              ctx: CurrentCtx) -> Response:
    """A DocumentReference (FHIR R4) of the signed note; a correction relatesTo (replaces)
    the version before it. Only a signed note exports (409 otherwise); the read is logged."""
    note = fhir.signed_note(ctx.db, actor=ctx.actor, dictation_id=dictation_id, version=version,
                            object_type="signed_note_fhir")
    return Response(fhir.document_reference(note).model_dump_json(), media_type=fhir.FHIR_JSON)
