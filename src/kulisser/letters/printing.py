"""Letters on paper: the letter as the patient sees it, its PDF, the day's print run, the mailbox.

Every PDF is a read of patient data: each letter in it passes the access check and leaves an
audit row. A patient with protected identity never has an address on paper: the recipient
block names the forwarding route (Skatteverket) instead.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.letters import service
from kulisser.letters.mailbox import MailboxSender
from kulisser.letters.merge import TZ, paragraphs, render_text, swedish_date
from kulisser.letters.models import Letter, PrintBatch
from kulisser.letters.states import KIND_LABELS, LetterKind, LetterStatus, Route
from kulisser.patients.service import Patient
from kulisser.staff.service import Actor, CareUnit, User
from kulisser.worklist.service import TransitionError

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Paper:
    """One letter laid out: letterhead, recipient (or the forwarding marker), subject, text."""

    letter_id: int
    kind_label: str
    unit_name: str
    unit_address: str
    unit_phone: str
    date_text: str
    recipient: tuple[str, ...]
    forwarding: bool
    patient_name: str
    patient_id_text: str
    subject: Markup
    paragraphs: tuple[Markup, ...]


def merge_values(session: Session, letter: Letter, patient: Patient, unit: CareUnit,
                 *, today: date) -> dict[str, str]:
    """Every merge value of a letter: its own fields plus the patient's and the unit's."""
    author = session.get(User, letter.created_by_id) if letter.created_by_id else None
    values = dict(letter.fields)
    values.update(patient_namn=patient.full_name, fornamn=patient.given_name,
                  efternamn=patient.family_name, personnummer=patient.display_id,
                  enhet_namn=unit.name, enhet_adress=unit.address, enhet_telefon=unit.phone,
                  datum=swedish_date(today), avsandare=author.full_name if author else "")
    return values


def paper_for(session: Session, letter: Letter, *, now: datetime | None = None) -> Paper:
    """Lay out a letter whose access the caller has checked."""
    patient = session.get(Patient, letter.patient_id)
    unit = session.get(CareUnit, letter.unit_id)
    assert patient is not None and unit is not None
    dated = letter.sent_at or letter.ready_at or now or utcnow()
    today = dated.astimezone(TZ).date()
    kind = LetterKind(letter.kind)
    values = merge_values(session, letter, patient, unit, today=today)
    forwarding = service.route_of(letter, patient) is Route.FORWARDING
    if kind is LetterKind.REFERRAL_REPLY or service.to_requester(kind, values):
        # The reply goes to the referring unit (a record letter to a third party to it): the
        # patient is only named in the text.
        lines = [values.get("mottagare", ""), *values.get("mottagare_adress", "").splitlines()]
    elif forwarding:
        lines = []  # skyddad identitet: no address, ever
    else:
        lines = [patient.full_name, patient.address,
                 f"{patient.postal_code} {patient.city}".strip()]
    return Paper(
        letter_id=letter.id, kind_label=_(KIND_LABELS[kind]), unit_name=unit.name,
        unit_address=unit.address, unit_phone=unit.phone, date_text=swedish_date(today),
        recipient=tuple(line for line in lines if line.strip()), forwarding=forwarding,
        patient_name=patient.full_name, patient_id_text=patient.display_id,
        subject=render_text(letter.subject_template, values, kind=kind, field="subject"),
        paragraphs=tuple(paragraphs(render_text(letter.body_template, values, kind=kind))))


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
    env.globals["_"] = _
    return env


def _fetcher() -> Any:
    """A URL fetcher that fetches nothing: a letter never loads a file or a web address."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=(), fail_on_errors=False)


def render_pdf(papers: list[Paper], *, title: str,
               attachments: tuple[tuple[str, bytes], ...] = ()) -> bytes:
    """One PDF with each letter starting on a new page; ``attachments`` (name, PDF) embedded."""
    from weasyprint import HTML, Attachment

    html = _env().get_template("letters/print.html").render(papers=papers, title=title)
    files = [Attachment(string=data, name=name, url_fetcher=_fetcher()) for name, data in attachments]
    pdf: bytes = HTML(string=html, url_fetcher=_fetcher()).write_pdf(attachments=files or None)
    return pdf


def letter_pdf(session: Session, *, actor: Actor, letter_id: int) -> tuple[str, bytes]:
    """A letter's PDF (filename, bytes); the read is checked and logged."""
    letter = service.get_letter(session, actor=actor, letter_id=letter_id, object_type="letter_pdf")
    if letter.status == LetterStatus.CANCELLED.value:
        raise TransitionError(_("Brevet är makulerat och skrivs inte ut."), code="cancelled")
    paper = paper_for(session, letter)
    return f"brev-{letter.id}.pdf", render_pdf([paper], title=f"{paper.kind_label} {letter.id}")


# -- the day's print run ----------------------------------------------------------------------

_SWEDISH_ORDER = str.maketrans({"å": "{", "ä": "|", "ö": "}", "æ": "|", "ø": "}"})


def name_key(patient: Patient) -> tuple[str, str, str]:
    """Sort key in Swedish alphabetical order (… x y z å ä ö), family name first."""

    def fold(text: str) -> str:
        text = text.lower().translate(_SWEDISH_ORDER)
        # é, ü ... sort with their base letter; å ä ö were mapped past z above.
        return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))

    return fold(patient.family_name), fold(patient.given_name), patient.id_value


def _day_end(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=TZ)


def ready_letters(session: Session, *, actor: Actor, day: date) -> list[tuple[Letter, Patient]]:
    """The unit's ready letters up to and including a day, in patient order; each one is logged.

    Letters made ready on earlier days and not yet sent are included: they still wait.
    """
    rows = session.execute(
        select(Letter, Patient).join(Patient, Patient.id == Letter.patient_id).where(
            Letter.unit_id == actor.unit_id, Letter.status == LetterStatus.READY.value,
            Letter.ready_at < _day_end(day))).all()
    found = sorted(((lt, p) for lt, p in rows), key=lambda r: (name_key(r[1]), r[0].id))
    audit.log_listing(session, actor=actor, patient_ids=[p.id for _l, p in found],
                      object_type="letter")
    return found


def create_batch(session: Session, *, actor: Actor, day: date,
                 now: datetime | None = None) -> PrintBatch:
    """Fix the list of letters to print for a day; confirming it later marks exactly these sent."""
    found = ready_letters(session, actor=actor, day=day)
    if not found:
        raise ValidationFailed({"datum": _("Det finns inga brev att skriva ut för dagen.")})
    batch = PrintBatch(unit_id=actor.unit_id, for_date=day, letter_ids=[lt.id for lt, _p in found],
                       created_at=now or utcnow(), created_by_id=actor.user_id)
    session.add(batch)
    session.flush()
    return batch


def _check_batch(*, actor: Actor, batch: PrintBatch | None, action: str,
                 now: datetime | None = None) -> PrintBatch:
    # Another unit's run stays "not found", but the refusal is logged (its letters are not).
    if batch is None:
        raise NotFound(_("Utskriften finns inte."))
    audit.require_unit(actor=actor, object_type="print_batch", object_id=batch.id,
                       unit_id=batch.unit_id, action=action, hidden=_("Utskriften finns inte."),
                       now=now)
    return batch


def get_batch(session: Session, *, actor: Actor, batch_id: int
              ) -> tuple[PrintBatch, list[tuple[Letter, Patient]]]:
    """A print run of the actor's unit with its letters in print order; each patient is logged."""
    batch = _check_batch(actor=actor, batch=session.get(PrintBatch, batch_id), action="read")
    letters = {x.id: x for x in session.scalars(select(Letter).where(Letter.id.in_(batch.letter_ids)))}
    patients = {p.id: p for p in session.scalars(select(Patient).where(
        Patient.id.in_({x.patient_id for x in letters.values()})))}
    rows = [(letters[i], patients[letters[i].patient_id]) for i in batch.letter_ids if i in letters]
    audit.log_listing(session, actor=actor, patient_ids=[p.id for _l, p in rows],
                      object_type="letter")
    return batch, rows


def batch_pdf(session: Session, *, actor: Actor, batch_id: int) -> tuple[str, bytes]:
    """One PDF of a print run's letters that are still ready; every letter's read is logged."""
    batch, rows = get_batch(session, actor=actor, batch_id=batch_id)
    papers = []
    for letter, _patient in rows:
        wanted = ((LetterStatus.SENT.value, LetterStatus.RETURNED.value) if batch.confirmed_at
                  else (LetterStatus.READY.value,))
        if letter.status not in wanted:
            continue  # voided or sent some other way since the run was made: not printed
        service.get_letter(session, actor=actor, letter_id=letter.id, object_type="letter_pdf")
        papers.append(paper_for(session, letter))
    if not papers:
        raise ValidationFailed({"datum": _("Inget av breven i utskriften ska skickas längre.")})
    name = f"brev-{batch.for_date.isoformat()}-{batch.id}.pdf"
    return name, render_pdf(papers, title=_("Brev {for_date}", for_date=batch.for_date.isoformat()))


def confirm_batch(session: Session, *, actor: Actor, batch_id: int,
                  now: datetime | None = None) -> list[Letter]:
    """Printing went well: mark the run's letters that are still ready as sent; return them."""
    now = now or utcnow()
    batch = _check_batch(actor=actor, batch=session.get(PrintBatch, batch_id, with_for_update=True),
                         action="update", now=now)
    if batch.confirmed_at is not None:
        raise TransitionError(_("Utskriften är redan bekräftad."), code="already_confirmed")
    sent = []
    for letter_id in batch.letter_ids:
        letter = service.get_letter(session, actor=actor, letter_id=letter_id, action="update",
                                    now=now)
        if letter.status == LetterStatus.READY.value:
            service.mark_sent(session, actor=actor, letter=letter, now=now, how="print")
            sent.append(letter)
    batch.confirmed_at, batch.confirmed_by_id = now, actor.user_id
    session.flush()
    return sent


def batches_for_day(session: Session, *, actor: Actor, day: date) -> list[PrintBatch]:
    """The unit's print runs of a day, newest first."""
    return list(session.scalars(select(PrintBatch).where(
        PrintBatch.unit_id == actor.unit_id, PrintBatch.for_date == day)
        .order_by(PrintBatch.id.desc())))


# -- the digital mailbox ----------------------------------------------------------------------

def send_to_mailbox(session: Session, *, actor: Actor, letter_id: int, sender: MailboxSender,
                    now: datetime | None = None,
                    attachments: tuple[tuple[str, bytes], ...] = ()) -> Letter:
    """Send a ready letter to the patient's digital mailbox and mark it sent (idempotent).

    ``attachments`` (name, PDF) travel embedded in the letter's PDF (a record copy's cover letter).
    """
    now = now or utcnow()
    letter = service.get_letter(session, actor=actor, letter_id=letter_id, action="update", now=now)
    if letter.status == LetterStatus.SENT.value and letter.route == Route.MAILBOX.value:
        return letter  # already handed over: a second click changes nothing
    patient = session.get(Patient, letter.patient_id)
    unit = session.get(CareUnit, letter.unit_id)
    assert patient is not None and unit is not None
    if letter.kind == LetterKind.REFERRAL_REPLY.value or service.to_requester(letter.kind,
                                                                               letter.fields):
        raise TransitionError(_("Ett remissvar går till remittenten, inte till patientens brevlåda."),
                              code="not_for_mailbox")
    if service.route_of(letter, patient) is Route.FORWARDING:
        raise TransitionError(_("Patienten har skyddad identitet: brevet skickas via Skatteverket."),
                              code="forwarding_only")
    if letter.status != LetterStatus.READY.value:
        raise TransitionError(_("Bara ett brev som är klart att skicka kan skickas."))
    paper = paper_for(session, letter, now=now)
    pdf = render_pdf([paper], title=f"{paper.kind_label} {letter.id}", attachments=attachments)
    envelope = {"letter_id": letter.id, "kind": letter.kind, "subject": paper.subject.unescape(),
                "recipient": {"id_kind": patient.id_kind, "id_value": patient.id_value},
                "sender": {"hsa_id": unit.hsa_id, "name": unit.name},
                "created_at": now.isoformat()}
    ref = sender.send(letter_id=letter.id, pdf=pdf, envelope=envelope)
    service.mark_sent(session, actor=actor, letter=letter, now=now, how="mailbox", mailbox_ref=ref)
    session.flush()
    return letter
