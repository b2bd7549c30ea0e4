"""The compiled copy (or log extract) as one PDF, and the release that stores it.

One HTML document is rendered once by WeasyPrint for the whole copy: a cover page (request,
requester, scope, page count, fee, the documents withheld), then every released document with
its masked passages replaced by the marker; each page carries "Kopia av journalhandling", the
patient's name and identity number and "Sida N av M". The cover states the page count and
the fee, which are known only after the layout: the cover alone is laid out again with them
(a page of its own, cheap) and put in front of the body's pages.

Masked text never reaches the template: the pieces are replaced before rendering. A patient
with protected identity (skyddad identitet) never has an address printed: not the requester's
address when it is the patient's own (or a guardian's, who shares it), and any occurrence of
the patient's address in a text is replaced too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulisser.audit import service as audit
from kulisser.i18n import N_, _
from kulisser.patients import service as patients
from kulisser.records import documents, fees, log_extract, service
from kulisser.records.models import RecordRelease, RecordRequest, RequestDocument, UnitRules
from kulisser.records.states import (
    DELIVERY_LABELS,
    KIND_LABELS,
    REQUESTER_LABELS,
    SCOPE_LABELS,
    THIRD_PARTIES,
    Outcome,
    RequestKind,
    RequestStatus,
    Verdict,
)
from kulisser.staff import service as staff
from kulisser.staff.service import Actor
from kulisser.worklist.service import TransitionError

TEMPLATES = Path(__file__).resolve().parent / "templates"
TZ = ZoneInfo("Europe/Stockholm")
OBJECT_TYPE = "record_copy"  # the audit row of a read of the compiled copy
COPY_MARK = N_("Kopia av journalhandling")
EXTRACT_MARK = N_("Loggutdrag ur åtkomstloggen")
PROTECTED_ADDRESS = N_("[Skyddad adress]")


@dataclass(frozen=True)
class Piece:
    """A stretch of a document's text as printed; ``masked``: the marker, never the text."""

    text: str
    masked: bool


@dataclass(frozen=True)
class CopyDocument:
    """One released document as printed."""

    title: str
    label: str
    day: date | None
    pieces: tuple[Piece, ...]


@dataclass
class Copy:
    """Everything the printed copy shows."""

    request: RecordRequest
    mark: str
    kind_label: str
    patient_name: str
    patient_id_text: str
    unit_name: str
    unit_address: str
    unit_phone: str
    requester: tuple[str, ...]
    scope: tuple[str, ...]
    delivery: str
    made_on: date
    documents: list[CopyDocument] = field(default_factory=list)
    withheld: list[tuple[str, date | None]] = field(default_factory=list)
    accesses: list[audit.AccessLine] = field(default_factory=list)
    pages: int | None = None  # the pages after the cover (None: not yet laid out)
    total_pages: int | None = None
    fee_sek: int | None = None


def _scrubber(patient: Any) -> Any:
    secrets = [s.strip() for s in (patient.address, f"{patient.postal_code} {patient.city}")
               if len(s.strip()) >= 4] if patient.protected_identity else []

    def scrub(text: str) -> str:
        for secret in secrets:
            text = text.replace(secret, _(PROTECTED_ADDRESS))
        return text

    return scrub


def _requester(request: RecordRequest, *, protected: bool) -> tuple[str, ...]:
    lines = [_(REQUESTER_LABELS[request.requester_kind]), request.requester_name,
             request.requester_organisation]
    if not protected or request.requester_kind in THIRD_PARTIES:
        lines += request.requester_address.splitlines()
    return tuple(line.strip() for line in lines if line.strip())


def _scope(request: RecordRequest) -> tuple[str, ...]:
    lines = [_(SCOPE_LABELS[request.scope])]
    if request.period_from or request.period_to:
        lines.append(_("Period: {start}–{end}",
                       start=request.period_from.isoformat() if request.period_from else "",
                       end=request.period_to.isoformat() if request.period_to else ""))
    if request.document_kinds:
        lines.append(", ".join(_(documents.DOCUMENT_KINDS[k]) for k in request.document_kinds
                               if k in documents.DOCUMENT_KINDS))
    if request.scope_text.strip():
        lines.append(request.scope_text.strip())
    return tuple(lines)


def build_copy(session: Session, *, actor: Actor, request: RecordRequest, now: datetime) -> Copy:
    """Gather what the copy of an access-checked request shows (masked text left out)."""
    patient = patients.get_patient(session, actor=actor, patient_id=request.patient_id,
                                   object_type=OBJECT_TYPE)
    unit = session.get(staff.CareUnit, request.unit_id)
    assert unit is not None
    scrub = _scrubber(patient)
    extract = request.kind == RequestKind.LOG_EXTRACT.value
    copy = Copy(request=request, mark=_(EXTRACT_MARK if extract else COPY_MARK),
                kind_label=_(KIND_LABELS[request.kind]), patient_name=patient.full_name,
                patient_id_text=patient.display_id, unit_name=unit.name,
                unit_address=unit.address, unit_phone=unit.phone,
                requester=tuple(scrub(x) for x in _requester(
                    request, protected=patient.protected_identity)),
                scope=tuple(scrub(x) for x in _scope(request)),
                delivery=_(DELIVERY_LABELS[request.delivery]),
                made_on=now.astimezone(TZ).date())
    if extract:
        copy.accesses = log_extract.access_lines(session, actor=actor, request=request, now=now)
        return copy
    picked = session.scalars(select(RequestDocument).where(RequestDocument.request_id == request.id)
                             .options(selectinload(RequestDocument.masks))
                             .order_by(RequestDocument.position, RequestDocument.id))
    for doc in picked:
        label = _(documents.SOURCE_LABELS.get(doc.source, doc.source))
        if doc.verdict == Verdict.WITHHOLD.value:
            copy.withheld.append((label, doc.document_date))
            continue
        pieces = tuple(Piece(documents.MASK_TEXT, True) if masked else Piece(scrub(text), False)
                       for text, masked in documents.segments(doc))
        copy.documents.append(CopyDocument(title=scrub(doc.title), label=label,
                                           day=doc.document_date, pieces=pieces))
    return copy


def css_string(value: str) -> Markup:
    """A CSS string literal of any text (quotes, backslashes, newlines, "</style>" escaped)."""
    out = []
    for ch in value:
        if ch in '"\\<>&' or ord(ch) < 32:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return Markup('"' + "".join(out) + '"')  # noqa: S704 - every special character is escaped


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
    env.globals["_"] = _
    env.filters["css_string"] = css_string
    return env


def html_of(copy: Copy, *, cover_only: bool = False) -> str:
    """The copy as the HTML WeasyPrint lays out (the cover alone: for its second layout)."""
    return _env().get_template("records/copy_pdf.html").render(copy=copy, cover_only=cover_only,
                                                                  tz=TZ)


def _fetcher() -> Any:
    """A URL fetcher that fetches nothing: a copy never loads a file or a web address."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=(), fail_on_errors=False)


def _fee_table(session: Session, unit_id: int) -> fees.FeeTable:
    rules = session.get(UnitRules, unit_id)
    if rules is None:
        return fees.DEFAULT
    return fees.FeeTable(free_pages=rules.free_pages,
                         first_charged_page_sek=rules.first_charged_page_sek,
                         further_page_sek=rules.further_page_sek)


def _body_start(document: Any) -> int | None:
    for index, page in enumerate(document.pages):
        if "copy-body" in page.anchors:
            return index
    return None


def render(copy: Copy, *, table: fees.FeeTable = fees.DEFAULT) -> bytes:
    """Lay the copy out once and return the PDF; sets its pages, total pages and fee."""
    from weasyprint import HTML

    request = copy.request
    whole = HTML(string=html_of(copy), url_fetcher=_fetcher()).render()
    for _attempt in range(3):
        start = _body_start(whole)
        assert start is not None, "the copy's body anchor is missing"
        copy.total_pages, copy.pages = len(whole.pages), len(whole.pages) - start
        # A log extract is free (as delivery.py has it); a copy pays the unit's table.
        copy.fee_sek = 0 if request.kind == RequestKind.LOG_EXTRACT.value else fees.fee_sek(
            pages=copy.pages, requester_kind=request.requester_kind,
            first_copy=request.first_copy, table=table)
        cover = HTML(string=html_of(copy, cover_only=True), url_fetcher=_fetcher()).render()
        if len(cover.pages) == start:
            pdf: bytes = whole.copy([*cover.pages, *whole.pages[start:]]).write_pdf()
            return pdf
        # The cover grew with the figures (a rare wrap): lay the whole copy out with them.
        whole = HTML(string=html_of(copy), url_fetcher=_fetcher()).render()
    raise RuntimeError("the cover page did not settle")


def _load_copy(session: Session, *, actor: Actor, request: RecordRequest,
               now: datetime) -> tuple[Copy, bytes]:
    copy = build_copy(session, actor=actor, request=request, now=now)
    return copy, render(copy, table=_fee_table(session, request.unit_id))


def render_copy(session: Session, *, actor: Actor, request_id: int,
                now: datetime) -> tuple[bytes, int]:
    """The copy of a request as it stands (preview PDF): its bytes and its page count."""
    request = service.get_request(session, actor=actor, request_id=request_id, now=now)
    copy, pdf = _load_copy(session, actor=actor, request=request, now=now)
    assert copy.pages is not None
    return pdf, copy.pages


def copy_file(session: Session, *, actor: Actor, request_id: int,
              now: datetime) -> tuple[str, bytes]:
    """The copy of a request as it stands, as (file name, PDF)."""
    request = service.get_request(session, actor=actor, request_id=request_id, now=now)
    return filename(request), _load_copy(session, actor=actor, request=request, now=now)[1]


def latest_release(session: Session, *, request_id: int) -> RecordRelease | None:
    """The request's newest stored release, if any (no access check: the caller checks)."""
    return session.scalar(select(RecordRelease).where(RecordRelease.request_id == request_id)
                          .order_by(RecordRelease.id.desc()).limit(1))


def compile_release(session: Session, *, actor: Actor, request_id: int,
                    now: datetime) -> RecordRelease:
    """Make and store the copy that goes out for a decided request (idempotent: a decided
    request no longer changes, so its release is made once); sets its page count and fee."""
    request = service.for_change(session, actor=actor, request_id=request_id, now=now)
    if request.status != RequestStatus.DECIDED.value:
        raise TransitionError(_("Kopian lämnas ut först när begäran är beslutad."),
                              code="not_decided")
    if request.outcome == Outcome.REFUSED.value:
        raise TransitionError(_("Begäran har avslagits: ingen kopia lämnas ut."), code="refused")
    existing = latest_release(session, request_id=request.id)
    if existing is not None:
        return existing
    copy, pdf = _load_copy(session, actor=actor, request=request, now=now)
    assert copy.pages is not None and copy.fee_sek is not None
    release = RecordRelease(request_id=request.id, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(),
                            page_count=copy.pages, fee_sek=copy.fee_sek,
                            created_by_id=actor.user_id, created_at=now)
    session.add(release)
    request.page_count, request.fee_sek = copy.pages, copy.fee_sek
    request.record("release_compiled", actor_id=actor.user_id, now=now, pages=copy.pages,
                   fee_sek=copy.fee_sek)
    session.flush()
    return release


def filename(request: RecordRequest) -> str:
    """The PDF's file name."""
    stem = "loggutdrag" if request.kind == RequestKind.LOG_EXTRACT.value else "journalkopia"
    return f"{stem}-{request.id}.pdf"
