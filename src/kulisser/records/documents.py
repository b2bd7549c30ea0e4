"""Compiling a record copy: the patient's documents in the unit (from each domain's service),
the secretary's picks (RequestDocument rows with the text as picked) and masked passages.

Every function loads the request through ``service.get_request`` / ``service.for_change`` (the
one access check with its audit row). Picks and masks change only while the request is being
compiled (masks also during the secrecy review, where the decider may mask); the first pick
starts the compiling (Action.COMPILE). Texts are stored with plain newlines so that the
offsets the browser counts (code points) are the offsets of the stored text.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser.booking import service as booking
from kulisser.dictation import service as dictation
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import N_, _, ngettext
from kulisser.letters import service as letters
from kulisser.record_texts import RecordText
from kulisser.records import intake, service
from kulisser.records.models import DocumentMask, RecordRequest, RequestDocument
from kulisser.records.states import Action, RequestKind, RequestStatus, Scope
from kulisser.referrals import service as referrals
from kulisser.results import service as results
from kulisser.staff.service import Actor
from kulisser.worklist.service import TransitionError

# The kinds of documents a request's scope may name (RecordRequest.document_kinds, the
# new-request form's choices in intake.py), and the sources of each.
DOCUMENT_KINDS = intake.DOCUMENT_KINDS
KIND_OF_SOURCE = {"note": "note", "result": "result", "referral": "referral",
                  "outgoing_referral": "referral", "referral_reply": "referral_reply",
                  "letter": "letter", "booking": "booking"}
SOURCE_LABELS: dict[str, str] = {
    "note": N_("Anteckning"), "result": N_("Provsvar"), "referral": N_("Remiss"),
    "outgoing_referral": N_("Remiss"), "referral_reply": N_("Remissvar"), "letter": N_("Brev"),
    "booking": N_("Besök")}
PICKABLE = (RequestStatus.RECEIVED.value, RequestStatus.COMPILING.value)
MASKABLE = (RequestStatus.COMPILING.value, RequestStatus.IN_REVIEW.value)
MASK_TEXT = "[Maskerat – OSL 25 kap.]"


def normalized(text: str) -> str:
    """The text with plain newlines (what a browser's selection offsets count in)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def record_of(session: Session, *, patient_id: int, unit_id: int) -> list[RecordText]:
    """Every document of the patient's record in the unit (the caller checked access)."""
    return _texts(session, patient_id=patient_id, unit_id=unit_id)


def _texts(session: Session, *, patient_id: int, unit_id: int) -> list[RecordText]:
    found: list[RecordText] = []
    for read in (dictation.signed_note_versions, results.result_texts, referrals.referral_texts,
                 letters.sent_letter_texts, booking.booking_texts):
        found += read(session, patient_id=patient_id, unit_id=unit_id)
    return found


def in_scope(request: RecordRequest, doc: RecordText) -> bool:
    """Whether a document falls within the request's scope (its period and kinds)."""
    if request.period_from and (doc.date is None or doc.date < request.period_from):
        return False
    if request.period_to and (doc.date is None or doc.date > request.period_to):
        return False
    if request.scope == Scope.KINDS.value and request.document_kinds:
        return KIND_OF_SOURCE.get(doc.source) in request.document_kinds
    return True


def _sort_key(doc: RecordText) -> tuple[str, str, int, int]:
    return (doc.date.isoformat() if doc.date else "", doc.source, doc.source_id,
            doc.source_version)


def candidates(session: Session, *, actor: Actor, request_id: int,
               now: datetime | None = None) -> tuple[RecordRequest, list[RecordText]]:
    """The request and the patient's documents in its unit within its scope, by date."""
    request = service.get_request(session, actor=actor, request_id=request_id, now=now)
    if request.kind != RequestKind.COPY.value:
        return request, []
    docs = [d for d in _texts(session, patient_id=request.patient_id, unit_id=request.unit_id)
            if in_scope(request, d)]
    return request, sorted(docs, key=_sort_key)


def _changeable(request: RecordRequest, allowed: tuple[str, ...], message: str) -> None:
    if request.kind != RequestKind.COPY.value:
        raise TransitionError(_("Ett loggutdrag har inga handlingar att välja."), code="log_extract")
    if request.status not in allowed:
        raise TransitionError(message, code="not_compiling")


def pick(session: Session, *, actor: Actor, request_id: int, source: str, source_id: int,
         source_version: int = 0, now: datetime) -> RequestDocument:
    """Add a document of the patient's record to the copy, with its text as it reads now."""
    request = service.for_change(session, actor=actor, request_id=request_id, now=now)
    _changeable(request, PICKABLE, _("Handlingar väljs bara medan kopian sammanställs."))
    found = {d.key: d for d in _texts(session, patient_id=request.patient_id,
                                       unit_id=request.unit_id)}
    doc = found.get((source, source_id, source_version))
    if doc is None or not in_scope(request, doc):
        raise NotFound(_("Handlingen finns inte i patientens journal inom begärans omfattning."))
    if any(d.source == source and d.source_id == source_id and d.source_version == source_version
           for d in request.documents):
        raise ValidationFailed({"document": _("Handlingen är redan vald.")})
    picked = _add(session, request, doc, actor=actor, now=now)
    session.flush()
    return picked


def _add(session: Session, request: RecordRequest, doc: RecordText, *, actor: Actor,
         now: datetime) -> RequestDocument:
    if request.status == RequestStatus.RECEIVED.value:
        request.move(Action.COMPILE, actor_id=actor.user_id, now=now)
        request.prepared_by_id = actor.user_id
    last = session.scalar(select(func.max(RequestDocument.position))
                          .where(RequestDocument.request_id == request.id))
    picked = RequestDocument(source=doc.source, source_id=doc.source_id,
                             source_version=doc.source_version, title=doc.title[:300],
                             document_date=doc.date, text=normalized(doc.text),
                             position=(last or 0) + 1)
    request.documents.append(picked)
    request.record("document_picked", actor_id=actor.user_id, now=now, document=doc.title[:300])
    session.flush()
    return picked


def pick_all(session: Session, *, actor: Actor, request_id: int, now: datetime) -> int:
    """Add every document within the scope not picked yet, by date; return how many."""
    request = service.for_change(session, actor=actor, request_id=request_id, now=now)
    _changeable(request, PICKABLE, _("Handlingar väljs bara medan kopian sammanställs."))
    have = {(d.source, d.source_id, d.source_version) for d in request.documents}
    docs = sorted((d for d in _texts(session, patient_id=request.patient_id,
                                     unit_id=request.unit_id)
                   if in_scope(request, d) and d.key not in have), key=_sort_key)
    for doc in docs:
        _add(session, request, doc, actor=actor, now=now)
    return len(docs)


def _document(request: RecordRequest, document_id: int) -> RequestDocument:
    doc = next((d for d in request.documents if d.id == document_id), None)
    if doc is None:
        raise NotFound(_("Handlingen finns inte i kopian."))
    return doc


def unpick(session: Session, *, actor: Actor, request_id: int, document_id: int,
           now: datetime) -> None:
    """Take a picked document (and its masks) out of the copy."""
    request = service.for_change(session, actor=actor, request_id=request_id, now=now)
    _changeable(request, (RequestStatus.COMPILING.value,),
                _("Handlingar tas bort bara medan kopian sammanställs."))
    doc = _document(request, document_id)
    request.documents.remove(doc)
    request.record("document_removed", actor_id=actor.user_id, now=now, document=doc.title)
    session.flush()


def merge_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Ranges [start, end) sorted, with overlapping and touching ones merged."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _set_masks(doc: RequestDocument, ranges: list[tuple[int, int]], *, actor: Actor,
               now: datetime) -> None:
    wanted = merge_ranges([(m.start_at, m.end_at) for m in doc.masks] + ranges)
    if wanted == [(m.start_at, m.end_at) for m in doc.masks]:
        return
    doc.masks.clear()
    doc.masks.extend(DocumentMask(start_at=s, end_at=e, created_by_id=actor.user_id,
                                  created_at=now) for s, e in wanted)


def mask(session: Session, *, actor: Actor, request_id: int, document_id: int,
         start: int | None = None, end: int | None = None, passage: str = "",
         now: datetime) -> int:
    """Mask a passage of a picked document: a range [start, end) of its text (a selection), or
    every place where the typed passage occurs; overlaps are merged. Returns how many places."""
    request = service.for_change(session, actor=actor, request_id=request_id, now=now)
    _changeable(request, MASKABLE, _("Maskering görs medan kopian sammanställs eller prövas."))
    doc = _document(request, document_id)
    if start is not None or end is not None:
        if start is None or end is None or not 0 <= start < end <= len(doc.text):
            raise ValidationFailed({"mask": _(
                "Markeringen ligger utanför handlingens text (0–{n} tecken).",
                n=len(doc.text))})
        ranges = [(start, end)]
    else:
        wanted = normalized(passage)
        if not wanted.strip():
            raise ValidationFailed({"passage": _("Markera eller skriv den text som ska maskeras.")})
        ranges, at = [], doc.text.find(wanted)
        while at >= 0:
            ranges.append((at, at + len(wanted)))
            at = doc.text.find(wanted, at + len(wanted))
        if not ranges:
            raise ValidationFailed({"passage": _(
                "Texten finns inte i handlingen. Skriv den exakt som den står.")})
    _set_masks(doc, ranges, actor=actor, now=now)
    request.record("masked", actor_id=actor.user_id, now=now, document=doc.title,
                   places=len(ranges))
    session.flush()
    return len(ranges)


def unmask(session: Session, *, actor: Actor, request_id: int, document_id: int, mask_id: int,
           now: datetime) -> None:
    """Take a masking away (the passage is shown again)."""
    request = service.for_change(session, actor=actor, request_id=request_id, now=now)
    _changeable(request, MASKABLE, _("Maskering ändras medan kopian sammanställs eller prövas."))
    doc = _document(request, document_id)
    found = next((m for m in doc.masks if m.id == mask_id), None)
    if found is None:
        raise NotFound(_("Maskeringen finns inte."))
    doc.masks.remove(found)
    request.record("unmasked", actor_id=actor.user_id, now=now, document=doc.title)
    session.flush()


def segments(doc: RequestDocument) -> list[tuple[str, bool]]:
    """The document's text as (text, masked) pieces, in order."""
    pieces, at = [], 0
    for start, end in merge_ranges([(m.start_at, m.end_at) for m in doc.masks]):
        start, end = max(start, at), min(end, len(doc.text))
        if start >= end:
            continue
        if start > at:
            pieces.append((doc.text[at:start], False))
        pieces.append((doc.text[start:end], True))
        at = end
    if at < len(doc.text):
        pieces.append((doc.text[at:], False))
    return pieces


def masked_text(doc: RequestDocument) -> str:
    """The text as it goes out: every masked passage replaced by the masking marker."""
    return "".join(MASK_TEXT if masked else text for text, masked in segments(doc))


def masked_places(count: int) -> str:
    """"Maskerade N ställen" in Swedish."""
    return ngettext("Maskerade {n} ställe.", "Maskerade {n} ställen.", count)
