"""Delivery: the decided copy goes out by post, to the digital mailbox, or is collected in
person; a full refusal is closed once its decision has gone out. The entry on the record.

Delivering records what went to whom, when and how: in the request's history, in the audit
log (action "release", through the one access check) and as an event, RecordReleased, for
whoever listens. The patient's page lists the releases through ``releases_for_patient``
(re-exported by records.service), so the patients package needs to know nothing of records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser import events
from kulisser.config import Settings
from kulisser.errors import ValidationFailed
from kulisser.i18n import _
from kulisser.letters import service as letters
from kulisser.patients import service as patients
from kulisser.records import delegation, items, pdf, review
from kulisser.records import service as records
from kulisser.records.events import RecordReleased
from kulisser.records.models import RecordRelease, RecordRequest
from kulisser.records.states import (
    DELIVERY_LABELS,
    KIND_LABELS,
    THIRD_PARTIES,
    Action,
    Delivery,
    Outcome,
    RequesterKind,
    RequestStatus,
)
from kulisser.staff.service import Actor
from kulisser.worklist.service import TransitionError

ID_CHECK_MAX = 200
INSURER_CONSENT_DAYS = 365  # an insurer's consent may be at most a year old


def consent_problem(request: RecordRequest, *, on: date) -> str | None:
    """Why a third party may not be given the copy on a day (no valid consent), or None."""
    if request.requester_kind not in THIRD_PARTIES:
        return None
    if request.consent_signed_on is None or not (request.consent_document
                                                 or request.consent_filename):
        return _("Patientens samtycke saknas. En kopia till en tredje part kräver samtycke.")
    if request.consent_signed_on > on:
        return _("Samtyckets datum ligger i framtiden.")
    if (request.requester_kind == RequesterKind.INSURER.value
            and request.consent_signed_on < on - timedelta(days=INSURER_CONSENT_DAYS)):
        return _("Samtycket är äldre än ett år. Ett försäkringsbolag behöver ett nyare samtycke.")
    return None


def release_for(session: Session, *, actor: Actor, request: RecordRequest,
                now: datetime) -> RecordRelease:
    """The copy that goes out: the request's compiled release (records/pdf.py), made once."""
    return pdf.compile_release(session, actor=actor, request_id=request.id, now=now)


def _cover_letter(session: Session, *, actor: Actor, request: RecordRequest,
                  release: RecordRelease, now: datetime) -> int:
    partial = request.outcome == Outcome.PARTIAL.value
    fields = {**review.recipient_fields(session, actor=actor, request=request),
              "mottagen_datum": request.received_on.isoformat(),
              "omfattning": review.scope_text(request), "sidor": str(release.page_count),
              "avgift": (_("{fee} kr", fee=release.fee_sek) if release.fee_sek
                         else _("Ingen avgift")),
              "delbeslut": (_("Vissa uppgifter lämnas inte ut. Beslutet om det, med skälen och "
                              "hur man överklagar, skickas i ett eget brev.") if partial else "")}
    letter = letters.create_letter(session, actor=actor, patient_id=request.patient_id,
                                   kind="record_copy", fields=fields,
                                   source_type=records.OBJECT_TYPE, source_id=request.id,
                                   ready=True, now=now)
    if letter.status != "ready":
        raise TransitionError(_("Adressen saknas: komplettera patientens adress innan kopian "
                                "skickas med post."), code="address_missing")
    return letter.id


def deliver(session: Session, *, actor: Actor, request_id: int, how: str, id_check: str = "",
            settings: Settings, now: datetime) -> RecordRequest:
    """Hand the decided copy over (post, digital mailbox, collected with an ID check)."""
    request = records.for_change(session, actor=actor, request_id=request_id, now=now)
    if request.status != RequestStatus.DECIDED.value or request.outcome == Outcome.REFUSED.value:
        raise TransitionError(_("Bara en beslutad begäran som helt eller delvis bifalls kan "
                                "lämnas ut."), code="not_deliverable")
    try:
        method = Delivery(how)
    except ValueError:
        raise ValidationFailed({"how": _("Välj hur kopian lämnas ut.")}) from None
    today = delegation.local_today(now)
    problem = consent_problem(request, on=today)
    if problem:
        raise TransitionError(problem, code="consent_missing")
    checked = (id_check or "").strip()
    if method is Delivery.COLLECT and not checked:
        raise ValidationFailed({"id_check": _("Ange vilken legitimation som visades.")})
    if len(checked) > ID_CHECK_MAX:
        raise ValidationFailed({"id_check": _("Högst {n} tecken.", n=ID_CHECK_MAX)})
    if method is Delivery.MAILBOX and request.requester_kind != RequesterKind.PATIENT.value:
        raise ValidationFailed({"how": _("Digital brevlåda går bara till patienten själv.")})
    release = release_for(session, actor=actor, request=request, now=now)
    letter_id = None
    if method is not Delivery.COLLECT:
        letter_id = _cover_letter(session, actor=actor, request=request, release=release, now=now)
    if method is Delivery.MAILBOX:
        assert letter_id is not None
        letters.send_to_mailbox(session, actor=actor, letter_id=letter_id, settings=settings,
                                now=now, attachments=((f"journalkopia-{request.id}.pdf",
                                                       release.pdf),))
    request.move(Action.DELIVER, actor_id=actor.user_id, now=now, how=method.value,
                 to=request.requester_kind, letter_id=letter_id, release_id=release.id,
                 pages=release.page_count, fee_sek=release.fee_sek,
                 id_check=checked if method is Delivery.COLLECT else None)
    request.delivery = method.value
    request.delivered_at, request.delivered_by_id, request.handled_on = now, actor.user_id, today
    request.id_check = checked if method is Delivery.COLLECT else ""
    request.page_count, request.fee_sek = release.page_count, release.fee_sek
    records.check(session, actor=actor, request=request, action="release", now=now)
    items.close_all(session, actor=actor, request=request, now=now)
    events.publish(session, RecordReleased(
        request_id=request.id, release_id=release.id, unit_id=request.unit_id,
        patient_id=request.patient_id, delivered_on=today, how=method.value,
        requester_kind=request.requester_kind, outcome=request.outcome or Outcome.FULL.value))
    session.flush()
    return request


def close_refused(session: Session, *, actor: Actor, request_id: int,
                  now: datetime) -> RecordRequest:
    """Close a full refusal once its written decision has gone out."""
    request = records.for_change(session, actor=actor, request_id=request_id, now=now)
    if request.status != RequestStatus.DECIDED.value or request.outcome != Outcome.REFUSED.value:
        raise TransitionError(_("Bara ett avslag kan avslutas så."), code="not_refused")
    letter = (letters.get_letter(session, actor=actor, letter_id=request.decision_letter_id,
                                 now=now) if request.decision_letter_id else None)
    if letter is None or letter.status != "sent":
        raise TransitionError(_("Beslutsbrevet har inte skickats än. Skicka det först."),
                              code="decision_not_sent")
    request.move(Action.CLOSE, actor_id=actor.user_id, now=now, letter_id=letter.id)
    request.handled_on = delegation.local_today(now)
    items.close_all(session, actor=actor, request=request, now=now)
    session.flush()
    return request


def close_refused_by_letter(session: Session, *, actor: Actor, letter_id: int, unit_id: int,
                            now: datetime) -> RecordRequest | None:
    """Close the full refusal whose decision letter just went out (the letters' LetterSent)."""
    request_id = session.scalar(select(RecordRequest.id).where(
        RecordRequest.decision_letter_id == letter_id, RecordRequest.unit_id == unit_id,
        RecordRequest.status == RequestStatus.DECIDED.value,
        RecordRequest.outcome == Outcome.REFUSED.value))
    if request_id is None:
        return None  # not a refusal's decision (a partial release is delivered, then handled)
    return close_refused(session, actor=actor, request_id=request_id, now=now)


@dataclass(frozen=True)
class ReleaseEntry:
    """One release on the patient's record, as the patient's page shows it."""

    request_id: int
    delivered_on: date
    text: str


def releases_for_patient(session: Session, *, actor: Actor, patient_id: int
                         ) -> list[ReleaseEntry]:
    """The copies and extracts the actor's units handed out about a patient, newest first."""
    # Checked first, found or not: whether anything went out is the patient's data too.
    patients.get_patient(session, actor=actor, patient_id=patient_id,
                         object_type=records.OBJECT_TYPE)
    rows = list(session.scalars(select(RecordRequest).where(
        RecordRequest.patient_id == patient_id, RecordRequest.unit_id.in_(actor.unit_ids),
        RecordRequest.status == RequestStatus.DELIVERED.value)
        .order_by(RecordRequest.delivered_at.desc(), RecordRequest.id.desc())))
    entries = []
    for r in rows:
        day = r.handled_on or delegation.local_today(r.delivered_at)
        who = r.requester_name + (f", {r.requester_organisation}" if r.requester_organisation
                                  else "")
        text = _("{kind} lämnad ut till {who} den {day}, omfattning {scope} ({how})",
                 kind=_(KIND_LABELS[r.kind]), who=who, day=day.isoformat(),
                 scope=review.scope_text(r).lower(), how=_(DELIVERY_LABELS[r.delivery]).lower())
        entries.append(ReleaseEntry(request_id=r.id, delivered_on=day, text=text))
    return entries
