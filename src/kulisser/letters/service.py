"""Letters: write one, move it draft → ready → sent (or returned, or void), and the work item.

Booking's events reach letter_for_visit through subscribers.py (the visit's letters).
Result letters and referral replies are written on the letter form with create_letter (a
referral's page fills in a reply from its message to the sender); writing one, and asking
where it goes, is in writing.py (re-exported here). Printing,
the digital mailbox and batches are in printing.py, the units' own texts in texts.py, SMS
reminders in sms.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser import events
from kulisser.audit import service as audit
from kulisser.config import Settings
from kulisser.db import utcnow
from kulisser.errors import NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.letters import texts
from kulisser.letters.events import LetterSent
from kulisser.letters.merge import clock, swedish_date
from kulisser.letters.models import Letter
from kulisser.letters.record_texts import sent_letter_texts as sent_letter_texts
from kulisser.letters.states import (
    KIND_LABELS,
    MANUAL_KINDS,
    STATUS_LABELS,
    UNSENT,
    LetterKind,
    LetterOp,
    LetterStatus,
    Route,
)
from kulisser.letters.writing import FIELD_MAX as FIELD_MAX
from kulisser.letters.writing import create_letter as create_letter
from kulisser.letters.writing import missing_address as missing_address
from kulisser.letters.writing import route_of as route_of
from kulisser.letters.writing import to_requester as to_requester
from kulisser.letters.writing import typed_fields
from kulisser.patients.service import Patient
from kulisser.staff.service import Actor
from kulisser.worklist import service as worklist
from kulisser.worklist.service import TASK, Operation, TransitionError, WorkItem, is_open


def get_letter(session: Session, *, actor: Actor, letter_id: int, action: str = "read",
               object_type: str = "letter", now: datetime | None = None) -> Letter:
    """Load a letter of the actor's units after the access check (which writes the audit row).

    The patient is checked first: without a care relation the read is refused and logged as
    denied (403), whatever unit wrote the letter; another unit's letter is then not found
    (and that refusal is logged too).
    """
    letter = session.get(Letter, letter_id)
    if letter is None:
        raise NotFound(_("Brevet finns inte."))
    audit.check_access(session, actor=actor, patient_id=letter.patient_id, action=action,
                       object_type=object_type, object_id=letter.id, now=now)
    if letter.unit_id not in actor.unit_ids:
        audit.check(session, actor=actor, record=letter, object_type=object_type, action=action,
                    hidden=_("Brevet finns inte."), now=now)
    return letter


def edit_letter(session: Session, *, actor: Actor, letter_id: int, subject: str, body: str,
                fields: dict[str, str] | None = None, now: datetime | None = None) -> Letter:
    """Change a draft's text (and its typed fields); the text is checked like a unit's text."""
    now = now or utcnow()
    letter = get_letter(session, actor=actor, letter_id=letter_id, action="update", now=now)
    if letter.status != LetterStatus.DRAFT.value:
        raise TransitionError(_("Bara ett utkast kan ändras. Ändra först brevet tillbaka till utkast."))
    kind = LetterKind(letter.kind)
    values = dict(letter.fields)
    if fields is not None and kind in MANUAL_KINDS:
        values.update(typed_fields(kind, {**values, **fields}))
    subject, body = texts.check_texts(kind=kind, subject=subject, body=body)
    letter.subject_template, letter.body_template, letter.fields = subject, body, values
    letter.record("edited", actor_id=actor.user_id, now=now)
    session.flush()
    return letter


def _close_items(session: Session, *, actor: Actor, letter: Letter, operation: Operation,
                 reason: str, now: datetime) -> None:
    for item in worklist.items_for_ref(session, ref_type="letter", ref_id=letter.id):
        if is_open(item.status):
            worklist.perform(session, actor=actor, item_id=item.id, operation=operation,
                             reason=reason, now=now, as_record=True)


def act(session: Session, *, actor: Actor, letter_id: int, op: str, reason: str = "",
        now: datetime | None = None) -> Letter:
    """Carry out an operation on a letter (ready, draft, sent, returned, cancel) and its item."""
    now = now or utcnow()
    try:
        operation = LetterOp(op)
    except ValueError:
        raise TransitionError(_("Okänd åtgärd."), code="unknown_operation") from None
    letter = get_letter(session, actor=actor, letter_id=letter_id, action="update", now=now)
    _apply(session, actor=actor, letter=letter, op=operation, reason=reason, now=now)
    session.flush()
    return letter


def _apply(session: Session, *, actor: Actor, letter: Letter, op: LetterOp, reason: str,
           now: datetime, **data: str) -> None:
    """One operation on an already access-checked letter, with its work item consequences."""
    patient = session.get(Patient, letter.patient_id)
    assert patient is not None
    if op is LetterOp.READY:
        problem = missing_address(letter, patient)
        if problem:
            raise TransitionError(problem, code="address_missing")
    letter.move(op, actor_id=actor.user_id, now=now, reason=reason, **data)
    if op is LetterOp.SENT:
        _close_items(session, actor=actor, letter=letter, operation=Operation.COMPLETE,
                     reason="", now=now)
        events.publish(session, LetterSent(letter_id=letter.id, kind=letter.kind,
                                           patient_id=letter.patient_id, unit_id=letter.unit_id,
                                           actor=actor, at=now))
    elif op is LetterOp.CANCEL:
        _close_items(session, actor=actor, letter=letter, operation=Operation.CANCEL,
                     reason=reason or _("Brevet makulerades"), now=now)
    elif op is LetterOp.RETURNED:
        # Back as undeliverable: someone must find out why (address?) and send it again. The
        # letter's own life is over, so this is a plain task (closed from the worklist) about it.
        worklist.create_item(session, actor=actor, kind=TASK.code, priority="high",
                             title=_("Brev i retur – kontrollera adressen"), patient_id=patient.id,
                             description=reason.strip(), ref_type="letter", ref_id=letter.id,
                             now=now)


def mark_sent(session: Session, *, actor: Actor, letter: Letter, now: datetime, how: str,
              mailbox_ref: str | None = None) -> None:
    """Mark an access-checked ready letter sent (printing.py: batches and the mailbox)."""
    if mailbox_ref is not None:
        letter.mailbox_ref = mailbox_ref
        letter.route = Route.MAILBOX.value
    _apply(session, actor=actor, letter=letter, op=LetterOp.SENT, reason="", now=now, how=how)


def open_work_items(session: Session, *, letter_id: int) -> list[WorkItem]:
    """The open work items of a letter (the caller checked access)."""
    return worklist.open_items(session, ref_type="letter", ref_id=letter_id)


# -- booking ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Visit:
    """What a letter needs to know about a booked visit (booking's Appointment, flattened)."""

    appointment_id: int
    patient_id: int
    unit_id: int
    start: datetime
    visit_type: str = ""
    clinician: str = ""
    location: str = ""
    reason: str = ""  # why it was cancelled
    cancelled: bool = False
    # The booker's message to the patient (printed); the visit's internal note is never here.
    patient_message: str = ""

    def fields(self) -> dict[str, str]:
        """The visit's merge values."""
        return {"besok_datum": swedish_date(self.start, weekday=True), "besok_tid": clock(self.start),
                "besok_typ": self.visit_type, "vardgivare": self.clinician, "plats": self.location,
                "orsak": self.reason, "besok_meddelande": self.patient_message}


CHANGES = ("booked", "rebooked", "cancelled")


def _appointment_letters(session: Session, appointment_ids: list[int]) -> list[Letter]:
    return list(session.scalars(select(Letter).where(
        Letter.source_type == "appointment", Letter.source_id.in_(appointment_ids))
        .order_by(Letter.id)))


def _already_made(earlier: list[Letter], *, visit: Visit, change: str) -> Letter | None:
    """The letter a repeated call (a retried request) already made for this change, if any."""
    live = [x for x in earlier if x.status != LetterStatus.CANCELLED.value]
    if not live:
        return None
    last = live[-1]
    is_cancellation = last.kind == LetterKind.CANCELLATION.value
    if change == "cancelled":
        return last if is_cancellation else None
    return last if not is_cancellation and last.visit_start == visit.start else None


def letter_for_visit(session: Session, *, actor: Actor, visit: Visit, change: str,
                     now: datetime | None = None, new_visit: bool = False) -> Letter | None:
    """Make the letter a booking change calls for, voiding letters that have not gone out.

    booked: a calling letter. rebooked: a rebooking letter naming the time the patient was
    last told, or a calling letter if no letter had gone out. cancelled: a cancellation
    letter if the patient had been told the time, else nothing. A letter about the visit
    that is still a draft or ready is voided first: it would tell a time that no longer holds.
    new_visit: the appointment was made in this transaction, so it has no letters yet.
    """
    now = now or utcnow()
    if change not in CHANGES:
        raise ValidationFailed({"change": _("Okänd bokningsändring.")})
    # Booking moves a rebooked visit within the same appointment, so its letters are all here.
    # A visit booked just now has none (ids are never reused): one query less per booking.
    earlier = [] if new_visit else _appointment_letters(session, [visit.appointment_id])
    existing = _already_made(earlier, visit=visit, change=change)
    if existing is not None:
        return existing
    reason = {"booked": _("Ny kallelse"), "rebooked": _("Tiden bokades om innan brevet skickades"),
              "cancelled": _("Tiden avbokades innan brevet skickades")}[change]
    for old in earlier:
        if old.status in {s.value for s in UNSENT} and old.unit_id in actor.unit_ids:
            get_letter(session, actor=actor, letter_id=old.id, action="update", now=now)
            _apply(session, actor=actor, letter=old, op=LetterOp.CANCEL, reason=reason, now=now)
    told = [x for x in earlier if x.status == LetterStatus.SENT.value and x.visit_start is not None
            and x.kind in (LetterKind.CALLING.value, LetterKind.REBOOKING.value)]
    last_told = told[-1] if told else None
    fields = visit.fields()
    if change == "cancelled":
        if last_told is None:
            return None
        assert last_told.visit_start is not None
        fields.update(besok_datum=swedish_date(last_told.visit_start, weekday=True),
                      besok_tid=clock(last_told.visit_start))
        kind = LetterKind.CANCELLATION
    elif change == "rebooked" and last_told is not None:
        assert last_told.visit_start is not None
        fields.update(tidigare_datum=swedish_date(last_told.visit_start, weekday=True),
                      tidigare_tid=clock(last_told.visit_start))
        kind = LetterKind.REBOOKING
    else:
        kind = LetterKind.CALLING
    start = last_told.visit_start if kind is LetterKind.CANCELLATION and last_told else visit.start
    return create_letter(session, actor=actor, patient_id=visit.patient_id, kind=kind.value,
                         fields=fields, source_type="appointment", source_id=visit.appointment_id,
                         visit_start=start, ready=True, now=now)


@dataclass(frozen=True)
class VisitLetter:
    """A letter made for a visit, for the visit's page: its state and its text as printed."""

    letter: Letter
    kind_label: str
    status_label: str
    paper: Any = None  # printing.Paper; None for a voided letter
    paper_error: str = ""  # why the unit's text cannot be filled in, if it cannot


def visit_letters(session: Session, *, actor: Actor, appointment_id: int,
                  now: datetime | None = None) -> list[VisitLetter]:
    """The letters booking made for a visit, newest first, each read checked and logged.

    Each one not voided comes with its text laid out exactly as the PDF prints it, so that
    the booker sees what goes to the patient before it is sent.
    """
    from kulisser.letters import printing  # printing imports this module

    shown = []
    for letter in reversed(_appointment_letters(session, [appointment_id])):
        if letter.unit_id not in actor.unit_ids:
            continue  # another unit's letter about a visit moved between units: not ours to show
        get_letter(session, actor=actor, letter_id=letter.id, now=now)
        paper, error = None, ""
        if letter.status != LetterStatus.CANCELLED.value:
            try:
                paper = printing.paper_for(session, letter, now=now)
            except ValidationFailed as exc:  # a unit text that no longer fills in: say so
                error = " ".join(exc.errors.values())
        shown.append(VisitLetter(letter=letter, kind_label=_(KIND_LABELS[LetterKind(letter.kind)]),
                                 status_label=_(STATUS_LABELS[LetterStatus(letter.status)]),
                                 paper=paper, paper_error=error))
    return shown


def send_sms_reminders(session: Session, *, settings: Settings,
                       visits: Callable[[Session, datetime, datetime], list[Visit]]) -> None:
    """Send the SMS reminders due now for the booked visits the source gives (booking's job)."""
    from kulisser.letters import jobs  # jobs imports sms, which imports this module

    jobs.send_sms_reminders(session=session, settings=settings, visits=visits)


def send_to_mailbox(session: Session, *, actor: Actor, letter_id: int, settings: Settings,
                    now: datetime | None = None,
                    attachments: tuple[tuple[str, bytes], ...] = ()) -> Letter:
    """Send a ready letter through the configured digital mailbox (printing.send_to_mailbox)."""
    from kulisser.letters import jobs, printing  # both import this module

    return printing.send_to_mailbox(session, actor=actor, letter_id=letter_id,
                                    sender=jobs.mailbox(settings), now=now, attachments=attachments)


def send_document(*, settings: Settings, reference: str, pdf: bytes,
                  envelope: dict[str, Any]) -> str:
    """Hand a document to staff (not a patient) through the configured digital mailbox; the
    reference makes it idempotent. ValidationFailed when the adapter cannot send documents."""
    from kulisser.letters import jobs  # jobs imports this module through sms

    sender = jobs.mailbox(settings)
    send = getattr(sender, "send_document", None)
    if send is None:
        raise ValidationFailed({"mottagare": _(
            "Den digitala brevlådans adapter kan inte skicka rapporter (send_document saknas).")})
    ref: str = send(reference=reference, pdf=pdf, envelope=envelope)
    return ref


def kind_choices(kinds: tuple[LetterKind, ...] = tuple(LetterKind)) -> list[tuple[str, str]]:
    """Kinds for a form's select, in Swedish."""
    return [(k.value, _(KIND_LABELS[k])) for k in kinds]


def calling_letter_preview(session: Session, *, actor: Actor, patient_id: int, start: datetime,
                           visit_type: str, resource_name: str, resource_kind: str,
                           patient_message: str = "", now: datetime | None = None) -> Any:
    """The calling letter a booking would make, laid out as printed (printing.Paper); nothing stored.

    The same unit text and merge as letter_for_visit; the read of the patient is checked and
    logged. Raises ValidationFailed (Swedish) when the unit's text does not fill in.
    """
    from kulisser.letters import printing  # printing imports this module

    now = now or utcnow()
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound(_("Patienten finns inte."))
    audit.check_access(session, actor=actor, patient_id=patient.id, action="read",
                       object_type="letter", now=now)
    # A clinician's schedule names whom the patient meets; a room or device is the place.
    clinician = resource_name if resource_kind == "clinician" else ""
    visit = Visit(appointment_id=0, patient_id=patient.id, unit_id=actor.unit_id, start=start,
                  visit_type=visit_type, clinician=clinician,
                  location="" if clinician else resource_name,
                  patient_message=patient_message.strip().replace("\r\n", "\n"))
    subject, body = texts.unit_text(session, unit_id=actor.unit_id, kind=LetterKind.CALLING)
    route = Route.FORWARDING if patient.protected_identity else Route.POST
    # Never added to the session: the letter exists only to be laid out.
    draft = Letter(unit_id=actor.unit_id, patient_id=patient.id, kind=LetterKind.CALLING.value,
                   route=route.value, subject_template=subject, body_template=body,
                   fields=visit.fields(), visit_start=start, created_by_id=actor.user_id)
    return printing.paper_for(session, draft, now=now)
