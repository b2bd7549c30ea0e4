"""Results and referral replies: import, read, match, hand over and sign (the public entry point).

Other packages use this module only. Every function that touches a result checks access and
writes its audit row, takes keyword arguments and never commits. The import itself is in
bulk.py (set-based, for every format), the formats in formats.py and fhir.py, the lists in
queries.py. Status changes are Result methods that record events, and the work items follow.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from itertools import islice
from typing import BinaryIO

from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.db import utcnow
from kulisser.errors import Forbidden, NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.identity import InvalidIdentifier, parse_identifier
from kulisser.patients import service as patients
from kulisser.patients.service import Patient
from kulisser.results import bulk, fhir, items
from kulisser.results.aggregates import AwaitingSignature as AwaitingSignature
from kulisser.results.aggregates import awaiting_signature as awaiting_signature
from kulisser.results.aggregates import signed_between as signed_between
from kulisser.results.bulk import ImportReport, Outcome
from kulisser.results.csvfile import MAX_ROWS, CsvFormatError
from kulisser.results.formats import (
    TZ,
    Incoming,
    RowError,
    iter_csv,
    read_flat_line,
)
from kulisser.results.models import Result
from kulisser.results.queries import ResultRow, count_results, list_results
from kulisser.results.record_texts import result_texts as result_texts
from kulisser.results.states import FOLLOW_UP_LABELS, FollowUp, ResultStatus
from kulisser.staff.service import Actor, Role
from kulisser.worklist import service as worklist
from kulisser.worklist.service import Operation, Status, TransitionError

__all__ = ["ImportReport", "Outcome", "ResultRow", "actions_for", "count_results", "get_result",
           "hand_over", "import_csv", "import_fhir", "import_lines", "list_results",
           "match_result", "read_lines", "sign_result"]
NOTE_MAX = 2000
MAX_LINES = 10_000  # per API call; larger drops go through `kulisser import-results`
MAX_CSV_ROWS = MAX_ROWS  # per upload, likewise


# -- import ------------------------------------------------------------------------------------

def import_fhir(session: Session, *, actor: Actor, payload: object,
                now: datetime | None = None) -> ImportReport:
    """Import a FHIR DiagnosticReport, Observation or Bundle (ValidationFailed if invalid)."""
    found = fhir.read(payload)
    return ImportReport(bulk.import_batch(session, actor=actor, incoming=found, now=now or utcnow()))


def import_csv(session: Session, *, actor: Actor, data: bytes | BinaryIO,
               max_rows: int | None = MAX_CSV_ROWS, now: datetime | None = None) -> ImportReport:
    """Import a CSV drop, streamed in batches; each row's outcome is reported.

    A bad row stops nothing else; a file that cannot be read on (binary, too many rows, a row
    too long) raises ValidationFailed({"file": ...}) and the caller rolls back what was done.
    """
    now = now or utcnow()
    outcomes: list[Outcome] = []
    rows = iter_csv(data, max_rows=max_rows)
    try:
        while chunk := list(islice(rows, bulk.BATCH)):
            outcomes += bulk.import_batch(session, actor=actor, incoming=chunk, now=now)
    except CsvFormatError as exc:
        raise ValidationFailed({"file": exc.message}) from None
    return ImportReport(outcomes)


def read_lines(lines: Iterable[str], *, first_row: int = 1) -> list[Incoming | RowError]:
    """JSON lines: each a flat result (the CSV columns as keys) or a FHIR resource."""
    found: list[Incoming | RowError] = []
    for row, line in enumerate(lines, start=first_row):
        if not line.strip():
            continue
        if '"resourceType"' not in line:
            found.append(read_flat_line(line, row=row))
            continue
        try:
            resources = fhir.read(json.loads(line))
        except (ValueError, RecursionError) as exc:  # ValidationFailed, or JSON that does not parse
            detail = ("; ".join(f"{k}: {v}" for k, v in exc.errors.items())
                      if isinstance(exc, ValidationFailed) else _("ogiltig JSON"))
            found.append(RowError(row, _("Ogiltigt FHIR-svar ({detail}); raden importerades inte.",
                                         detail=detail)))
            continue
        for inc in resources:
            inc.row = row
            found.append(inc)
    return found


def import_lines(session: Session, *, actor: Actor, lines: Iterable[str], first_row: int = 1,
                 now: datetime | None = None) -> ImportReport:
    """Import JSON lines (see read_lines) in set-based batches."""
    found = read_lines(lines, first_row=first_row)
    return ImportReport(bulk.import_batch(session, actor=actor, incoming=found, now=now or utcnow()))


# -- access ------------------------------------------------------------------------------------

def _check(session: Session, *, actor: Actor, result: Result, action: str, now: datetime,
           patient_id: int | None = None) -> None:
    """The access check and audit row for one read or write of a result.

    A result belongs to the unit it was routed to: another unit is refused as a denied access
    (403 and a "denied" audit row) even where it has its own care relation with the patient.
    An unmatched result is logged without a patient; refused to another unit as not found
    (its denied row without a patient), unless the caller names the patient it meant to
    attach (then the denial names that patient and answers 403).
    """
    # An unmatched result (no patient yet) has a denied row without a patient, as not found.
    audit.check(session, actor=actor, record=result, object_type="result", action=action,
                current_unit=True, reason=_("Provsvaret hör till en annan vårdenhet."),
                hidden=_("Provsvaret finns inte.") if result.patient_id is None
                and patient_id is None else None, patient_id=patient_id, now=now)


def _load(session: Session, result_id: int, *, lock: bool = False) -> Result:
    result = session.get(Result, result_id, with_for_update=lock or None, populate_existing=lock)
    if result is None:
        raise NotFound(_("Provsvaret finns inte."))
    return result


def get_result(session: Session, *, actor: Actor, result_id: int, action: str = "read",
               now: datetime | None = None) -> Result:
    """Load a result after the access check (which writes the audit row)."""
    result = _load(session, result_id)
    _check(session, actor=actor, result=result, action=action, now=now or utcnow())
    return result


def actions_for(actor: Actor, result: Result, *, has_review_item: bool) -> list[str]:
    """What the actor may do with the result now: sign, handover, match."""
    found = []
    if result.status == ResultStatus.TO_SIGN:
        if actor.role is Role.CLINICIAN:
            found.append("sign")
        if has_review_item:
            found.append("handover")
    if result.status == ResultStatus.UNMATCHED:
        found.append("match")
    return found


# -- vidimering, hand-over, matching ---------------------------------------------------------

def _follow_up_item(session: Session, *, actor: Actor, result: Result, follow_up: FollowUp,
                    note: str, now: datetime) -> int | None:
    """The work item the chosen follow-up makes: a task in the unit's queue (None: no follow-up).

    A call is a task rather than the reception's call-back: a call-back records a phone
    message someone left (who called, when), which would not be true here.
    """
    if follow_up is FollowUp.NONE:
        return None
    patient = session.get(Patient, result.patient_id) if result.patient_id else None
    lines = [_("Provsvar: {title}, vidimerat av {full_name} {when:%Y-%m-%d %H:%M}.", title=result.title,
               full_name=actor.full_name, when=now.astimezone(TZ))]
    if note.strip():
        lines.append(_("Läkarens anteckning: {note}", note=note.strip()))
    if follow_up is FollowUp.CALL and patient is not None:
        lines.append(_("Telefon: {phone}", phone=patient.phone) if patient.phone
                     else _("Telefonnummer saknas."))
    item = worklist.create_item(
        session, actor=actor, kind="task", priority=result.priority, patient_id=result.patient_id,
        title=_("{follow_up} (provsvar: {title})", follow_up=_(FOLLOW_UP_LABELS[follow_up]),
                title=result.title)[:200],
        description="\n".join(lines), ref_type=items.REF_TYPE, ref_id=result.id, now=now)
    return item.id


def sign_result(session: Session, *, actor: Actor, result_id: int, follow_up: str, note: str = "",
                now: datetime | None = None) -> Result:
    """Vidimera: a clinician signs that the result is seen and picks the follow-up.

    Who and when are recorded, the result is locked, its review item completes and the
    follow-up (call, visit, letter) becomes a task in the unit's queue.
    """
    now = now or utcnow()
    try:
        choice = FollowUp(follow_up)
    except ValueError:
        raise ValidationFailed({"follow_up": _("Välj uppföljning.")}) from None
    if len(note) > NOTE_MAX:
        raise ValidationFailed({"note": _("Anteckningen får vara högst {note_max} tecken.",
                                          note_max=NOTE_MAX)})
    result = _load(session, result_id, lock=True)
    _check(session, actor=actor, result=result, action="sign", now=now)
    if actor.role is not Role.CLINICIAN:
        raise Forbidden(_("Endast läkare/vårdpersonal kan vidimera provsvar."))
    if result.status != ResultStatus.TO_SIGN:
        result.sign(actor_id=actor.user_id, follow_up=choice, note=note, now=now)  # raises why
    follow_item = _follow_up_item(session, actor=actor, result=result, follow_up=choice, note=note,
                                  now=now)
    worklist.close_items(session, items=items.open_items(session, result_id=result.id,
                                                         kind=items.REVIEW.code),
                         actor_id=actor.user_id, now=now, reason=_("Provsvaret är vidimerat."))
    result.sign(actor_id=actor.user_id, follow_up=choice, note=note, now=now,
                follow_up_item_id=follow_item)
    session.flush()
    return result


def hand_over(session: Session, *, actor: Actor, result_id: int, to_user_id: int | None,
              reason: str, now: datetime | None = None) -> Result:
    """Move responsibility for signing to another clinician (or the unit's queue), with a reason."""
    now = now or utcnow()
    if not reason.strip():
        raise ValidationFailed({"reason": _("Ange varför provsvaret lämnas över.")})
    result = _load(session, result_id, lock=True)
    _check(session, actor=actor, result=result, action="update", now=now)
    if to_user_id is not None and to_user_id not in bulk.unit_clinicians(
            session, unit_id=result.unit_id).values():
        raise ValidationFailed({"to_user_id": _("Välj en läkare/vårdpersonal på enheten.")})
    review = items.open_items(session, result_id=result.id, kind=items.REVIEW.code)
    if result.status != ResultStatus.TO_SIGN or not review:
        raise TransitionError(_("Provsvaret har inget öppet vidimeringsärende att lämna över."))
    item = review[0]
    before = item.owner_id
    if item.owner_id == to_user_id:
        raise ValidationFailed({"to_user_id": _("Välj någon annan än nuvarande ansvarig.")})
    if item.status == Status.REQUESTED:
        # A hand-over moves an item someone has; a routed item not yet opened is taken first,
        # so the history shows who handed it over.
        item.claim(actor_id=actor.user_id, now=now)
    worklist.perform(session, actor=actor, item_id=item.id, operation=Operation.HANDOVER,
                     reason=reason, to_user_id=to_user_id, now=now)
    result.record("handed_over", actor_id=actor.user_id, now=now, reason=reason.strip(),
                  from_owner=before, to_owner=to_user_id)
    session.flush()
    return result


def match_result(session: Session, *, actor: Actor, result_id: int, identifier: str,
                 clinician: str = "", now: datetime | None = None) -> Result:
    """Attach an unmatched result to its patient (and orderer); it is then routed for signing."""
    now = now or utcnow()
    try:
        ident = parse_identifier(identifier)
    except InvalidIdentifier as exc:
        raise ValidationFailed({"identifier": exc.message}) from None
    patient = patients.lookup_by_identifier(session, text=ident.value)
    result = _load(session, result_id, lock=True)
    if result.unit_id != actor.unit_id:
        _check(session, actor=actor, result=result, action="update", now=now,
               patient_id=patient.id if patient else None)
    if patient is None:
        raise ValidationFailed({"identifier": _("Ingen patient med det numret. Registrera "
                                                "patienten först.")})
    clinician_id = None
    if clinician.strip():
        clinician_id = bulk.find_clinician(bulk.unit_clinicians(session, unit_id=result.unit_id),
                                           clinician)
        if clinician_id is None:
            raise ValidationFailed({"clinician": _("Ingen läkare/vårdpersonal på enheten med det "
                                                   "användarnamnet eller HSA-id:t.")})
    if result.status != ResultStatus.UNMATCHED:
        raise TransitionError(_("Provsvaret är redan matchat mot en patient."))
    # The order implies care (as at import): the unit gets a care relation with the patient,
    # for that reason, flagged for the log review like the import's.
    if not audit.has_care_relation(session, unit_id=result.unit_id, patient_id=patient.id):
        patients.start_relation(session, actor=actor, patient_id=patient.id, flagged=True,
                                 reason=patients.reason_label(
                                     patients.RelationReason.RESULT_RECEIVED))
    result.match(actor_id=actor.user_id, patient_id=patient.id, clinician_id=clinician_id, now=now)
    _check(session, actor=actor, result=result, action="update", now=now)
    unmatched = items.open_items(session, result_id=result.id, kind=items.UNMATCHED.code)
    for item in unmatched:
        worklist.update_details(session, item=item, actor_id=actor.user_id, now=now,
                                patient_id=patient.id)
    worklist.close_items(session, items=unmatched, actor_id=actor.user_id, now=now,
                         reason=_("Matchat mot patient."))
    worklist.open_item(
        session, actor=actor, kind=items.REVIEW.code, priority=result.priority,
        title=items.review_title(result.title, abnormal=result.abnormal, critical=result.critical),
        patient_id=patient.id, owner_id=result.ordering_clinician_id, ref_type=items.REF_TYPE,
        ref_id=result.id, now=now)
    session.flush()
    return result
