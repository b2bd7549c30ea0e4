"""The secrecy review and the decision: submit for review, each document's verdict, return,
decide, the written decision (beslut) with its appeal instruction, and the day it was received.

Only someone with delegation decides (delegation.py). A refused attempt changes nothing: the
service raises NoDelegation after keeping a denied audit row, so the request's unit of work
rolls back and that row alone is stored, as with a refused access.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from kulisser.audit import service as audit
from kulisser.errors import Forbidden, NotFound, ValidationFailed
from kulisser.i18n import _
from kulisser.letters import service as letters
from kulisser.patients import service as patients
from kulisser.records import delegation, items
from kulisser.records import service as records
from kulisser.records.models import RecordRequest, RequestDocument
from kulisser.records.states import (
    GROUND_LABELS,
    OUTCOME_LABELS,
    SCOPE_LABELS,
    THIRD_PARTIES,
    Action,
    LegalGround,
    Outcome,
    RequesterKind,
    RequestKind,
    Scope,
    Verdict,
)
from kulisser.staff import service as staff
from kulisser.staff.service import Actor
from kulisser.worklist.service import TransitionError

REASON_MAX = 2000
POST_DAYS = 2  # a letter by post is taken as received two days after its date


class NoDelegation(Forbidden):
    """The actor may not decide on this request (no delegation, or her own preparation)."""

    def __init__(self) -> None:
        super().__init__(_(delegation.NO_DELEGATION))


def require_delegation(session: Session, *, actor: Actor, request: RecordRequest,
                       now: datetime) -> None:
    """Refuse (NoDelegation, with a kept denied audit row) unless the actor may decide."""
    if delegation.may_decide(session, actor=actor, request=request,
                             on=delegation.local_today(now)):
        return
    audit.refuse(session, actor=actor, patient_id=request.patient_id, action="update",
                 object_type=records.OBJECT_TYPE, object_id=request.id,
                 reason=_(delegation.NO_DELEGATION), now=now)
    raise NoDelegation()


def _text(value: str, field: str, errors: dict[str, str], *, required: bool) -> str:
    value = (value or "").strip().replace("\r\n", "\n")
    if required and not value:
        errors[field] = _("Fyll i fältet.")
    elif len(value) > REASON_MAX:
        errors[field] = _("Högst {n} tecken.", n=REASON_MAX)
    return value


def submit(session: Session, *, actor: Actor, request_id: int, decider_id: int | None,
           now: datetime) -> RecordRequest:
    """Send a compiled request to the named decider (who must have delegation to decide it)."""
    request = records.for_change(session, actor=actor, request_id=request_id, now=now)
    on = delegation.local_today(now)
    allowed = dict(delegation.deciders(session, unit_id=request.unit_id, on=on,
                                       preparer_id=actor.user_id))
    if decider_id is None:
        raise ValidationFailed({"decider_id": _("Välj vem som ska besluta.")})
    if decider_id not in allowed:
        raise ValidationFailed({"decider_id": _(
            "Den valda personen har inte delegation att besluta om den här begäran.")})
    if request.kind == RequestKind.COPY.value and not request.documents:
        raise TransitionError(_("Välj minst en handling innan begäran skickas för prövning."),
                              code="no_documents")
    request.move(Action.SUBMIT, actor_id=actor.user_id, now=now, decider_id=decider_id)
    request.prepared_by_id, request.decider_id = actor.user_id, decider_id
    for document in request.documents:  # a returned request is reviewed afresh
        document.verdict = document.legal_ground = None
        document.reviewed_by_id, document.reviewed_at = None, None
    items.open_review(session, actor=actor, request=request, decider_id=decider_id,
                             now=now)
    session.flush()
    return request


def _in_review(request: RecordRequest) -> None:
    if request.status != "in_review":
        raise TransitionError(_("Begäran är inte under sekretessprövning."), code="not_in_review")


def review_document(session: Session, *, actor: Actor, request_id: int, document_id: int,
                    verdict: str, legal_ground: str = "", legal_ground_text: str = "",
                    reason: str = "", now: datetime) -> RequestDocument:
    """The decider's verdict on one document: release, release masked, or withhold."""
    request = records.for_change(session, actor=actor, request_id=request_id, now=now)
    _in_review(request)
    require_delegation(session, actor=actor, request=request, now=now)
    document = next((d for d in request.documents if d.id == document_id), None)
    if document is None:
        raise NotFound(_("Handlingen finns inte i begäran."))
    errors: dict[str, str] = {}
    try:
        chosen = Verdict(verdict)
    except ValueError:
        errors["verdict"] = _("Välj om handlingen lämnas ut.")
        raise ValidationFailed(errors) from None
    needs_ground = chosen is not Verdict.RELEASE
    ground: LegalGround | None = None
    if legal_ground:
        try:
            ground = LegalGround(legal_ground)
        except ValueError:
            errors["legal_ground"] = _("Okänt lagrum.")
    elif needs_ground:
        errors["legal_ground"] = _("Ange lagrum för maskering eller sekretess.")
    if ground is LegalGround.OSL_12_3 and request.requester_kind != RequesterKind.GUARDIAN.value:
        errors["legal_ground"] = _("OSL 12 kap. 3 § gäller bara när en vårdnadshavare begär.")
    ground_text = _text(legal_ground_text, "legal_ground_text", errors,
                        required=ground is LegalGround.OTHER)
    why = _text(reason, "reason", errors, required=needs_ground)
    if chosen is Verdict.RELEASE_MASKED and not document.masks:
        errors["verdict"] = _("Handlingen har inget maskerat avsnitt. Maskera på sammanställningen "
                              "eller välj en annan prövning.")
    if errors:
        raise ValidationFailed(errors)
    document.verdict = chosen.value
    document.legal_ground = ground.value if ground and needs_ground else None
    document.legal_ground_text = ground_text if needs_ground else ""
    document.reason = why
    document.reviewed_by_id, document.reviewed_at = actor.user_id, now
    request.record("reviewed", actor_id=actor.user_id, now=now, document_id=document.id,
                   verdict=chosen.value, legal_ground=document.legal_ground)
    session.flush()
    return document


def return_request(session: Session, *, actor: Actor, request_id: int, reason: str,
                   now: datetime) -> RecordRequest:
    """Send the request back to the secretary with a reason; the review item is cancelled."""
    request = records.for_change(session, actor=actor, request_id=request_id, now=now)
    _in_review(request)
    require_delegation(session, actor=actor, request=request, now=now)
    errors: dict[str, str] = {}
    why = _text(reason, "reason", errors, required=True)
    if errors:
        raise ValidationFailed(errors)
    request.move(Action.RETURN, actor_id=actor.user_id, now=now, reason=why)
    items.close_reviews(session, actor=actor, request=request, now=now, reason=why,
                               cancel=True)
    session.flush()
    return request


def outcome_of(documents: list[RequestDocument]) -> Outcome:
    """Full (all released unmasked), refused (all withheld) or partial (anything between)."""
    verdicts = {d.verdict for d in documents}
    if verdicts <= {Verdict.RELEASE.value}:
        return Outcome.FULL
    if verdicts == {Verdict.WITHHOLD.value}:
        return Outcome.REFUSED
    return Outcome.PARTIAL


def decide(session: Session, *, actor: Actor, request_id: int, reason: str = "",
           now: datetime) -> RecordRequest:
    """Decide on the whole request from the verdicts; partial or refused gets its written decision."""
    request = records.for_change(session, actor=actor, request_id=request_id, now=now)
    _in_review(request)
    require_delegation(session, actor=actor, request=request, now=now)
    errors: dict[str, str] = {}
    why = _text(reason, "reason", errors, required=False)
    if errors:
        raise ValidationFailed(errors)
    pending = [d for d in request.documents if d.verdict is None]
    if pending:
        raise TransitionError(_("Pröva alla handlingar innan beslutet: {n} återstår.",
                                n=len(pending)), code="review_incomplete")
    if request.kind == RequestKind.LOG_EXTRACT.value and not request.documents:
        outcome = Outcome.FULL  # a log extract without picked documents: the extract itself
    else:
        outcome = outcome_of(list(request.documents))
    request.move(Action.DECIDE, actor_id=actor.user_id, now=now, outcome=outcome.value)
    request.outcome, request.decision_reason = outcome.value, why
    request.decided_by_id, request.decided_at = actor.user_id, now
    items.close_reviews(session, actor=actor, request=request, now=now)
    if outcome is not Outcome.FULL:
        _write_decision(session, actor=actor, request=request, now=now)
    session.flush()
    return request


def decision_letter(session: Session, *, actor: Actor, request_id: int,
                    now: datetime) -> RecordRequest:
    """The appealable written decision on a refusal, asked for by the requester: made once;
    asked again, the letter already made stands (a new one only after it was voided)."""
    request = records.for_change(session, actor=actor, request_id=request_id, now=now)
    if request.outcome not in (Outcome.PARTIAL.value, Outcome.REFUSED.value):
        raise TransitionError(_("Bara ett beslut som helt eller delvis avslår begäran kan "
                                "överklagas."), code="nothing_refused")
    if request.decision_letter_id is not None:
        letter = letters.get_letter(session, actor=actor, letter_id=request.decision_letter_id,
                                    now=now)
        if letter.status != "cancelled":
            return request
    _write_decision(session, actor=actor, request=request, now=now)
    session.flush()
    return request


def recipient_fields(session: Session, *, actor: Actor, request: RecordRequest
                     ) -> dict[str, str]:
    """Whom a record letter goes to: the requester's name, and their address where it may be
    printed (a third party's always; a guardian's or representative's unless the patient has
    protected identity, whose letters go through Skatteverket). The patient's own: none here."""
    fields = {"mottagare": request.requester_name}
    if request.requester_organisation:
        fields["mottagare"] = f"{request.requester_name}, {request.requester_organisation}"
    protected = patients.get_patient(session, actor=actor,
                                     patient_id=request.patient_id).protected_identity
    if request.requester_kind != RequesterKind.PATIENT.value and (
            request.requester_kind in THIRD_PARTIES or not protected):
        fields["mottagare_adress"] = request.requester_address
    return fields


def scope_text(request: RecordRequest) -> str:
    """What the request covers, in Swedish, for letters and the patient's record."""
    text = _(SCOPE_LABELS[request.scope])
    if request.scope == Scope.PERIOD.value and request.period_from and request.period_to:
        text = _("{scope} {start} – {end}", scope=text, start=request.period_from.isoformat(),
                 end=request.period_to.isoformat())
    if request.scope_text:
        text = f"{text}: {request.scope_text}"
    return text


def _grounds(request: RecordRequest) -> str:
    lines = []
    for d in request.documents:
        if d.verdict in (Verdict.WITHHOLD.value, Verdict.RELEASE_MASKED.value):
            ground = _(GROUND_LABELS[d.legal_ground]) if d.legal_ground else ""
            if d.legal_ground == LegalGround.OTHER.value and d.legal_ground_text:
                ground = d.legal_ground_text
            what = (_("lämnas inte ut") if d.verdict == Verdict.WITHHOLD.value
                    else _("lämnas ut med maskerade uppgifter"))
            lines.append(_("{title}: {what}. {reason} ({ground})", title=d.title, what=what,
                           reason=d.reason, ground=ground))
    if request.decision_reason:
        lines.append(request.decision_reason)
    return "\n".join(lines)


def _write_decision(session: Session, *, actor: Actor, request: RecordRequest,
                    now: datetime) -> None:
    decider = staff.user_names(session, {request.decided_by_id or actor.user_id})
    outcome = (_("Begäran avslås.") if request.outcome == Outcome.REFUSED.value
               else _("Begäran bifalls delvis: handlingarna lämnas ut utom det som anges nedan."))
    fields = {**recipient_fields(session, actor=actor, request=request),
              "mottagen_datum": request.received_on.isoformat(), "omfattning": scope_text(request),
              "beslut": outcome, "skal": _grounds(request),
              "beslutsfattare": next(iter(decider.values()), "")}
    letter = letters.create_letter(session, actor=actor, patient_id=request.patient_id,
                                   kind="record_decision", fields=fields,
                                   source_type=records.OBJECT_TYPE, source_id=request.id,
                                   ready=True, now=now)
    request.decision_letter_id = letter.id
    # Sent by post, the decision is taken as received two days after its date; the
    # secretary corrects it when she knows better (the appeal's three weeks run from it).
    request.decision_received_on = delegation.local_today(now) + timedelta(days=POST_DAYS)
    request.record("decision_letter", actor_id=actor.user_id, now=now, letter_id=letter.id,
                   outcome_label=_(OUTCOME_LABELS[request.outcome or Outcome.REFUSED]))


def set_received(session: Session, *, actor: Actor, request_id: int, received_on: str | date,
                 now: datetime) -> RecordRequest:
    """Record the day the requester received the written decision."""
    request = records.for_change(session, actor=actor, request_id=request_id, now=now)
    if request.decision_letter_id is None or request.decided_at is None:
        raise TransitionError(_("Begäran har inget skriftligt beslut."), code="no_decision")
    try:
        day = received_on if isinstance(received_on, date) else date.fromisoformat(
            received_on.strip())
    except ValueError:
        raise ValidationFailed({"received_on": _("Ange ett datum som ÅÅÅÅ-MM-DD.")}) from None
    if day < delegation.local_today(request.decided_at):
        raise ValidationFailed({"received_on": _("Beslutet kan inte ha tagits emot före "
                                                 "beslutsdagen.")})
    if day > delegation.local_today(now):
        raise ValidationFailed({"received_on": _("Dagen kan inte ligga i framtiden.")})
    request.decision_received_on = day
    request.record("decision_received", actor_id=actor.user_id, now=now, on=day.isoformat())
    session.flush()
    return request
