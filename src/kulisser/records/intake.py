"""Registering a record request: the rules on what a request needs, the clock, the unit's rules.

No form is required by law, so a request may come by any channel; what Kulisser insists on is
what the later steps need: who asks (a name for anyone but the patient), a third party's
consent from the patient (an insurer's at most a year old on the day the request came in),
what is asked for, and where the copy goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from kulisser import workdays
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.i18n import N_, _
from kulisser.patients import service as patients
from kulisser.records import items
from kulisser.records.fees import FeeTable
from kulisser.records.models import RecordRequest, UnitRules
from kulisser.records.states import (
    THIRD_PARTIES,
    Channel,
    Delivery,
    RequesterKind,
    RequestKind,
    Scope,
)
from kulisser.staff.service import Actor
from kulisser.workdays import local_today as local_today

MAX_PAST_YEARS = 5
NAME_MAX = 200
TEXT_MAX = 4000
CONSENT_MAX_BYTES = 10 * 1024 * 1024
# Where a document picked for a copy comes from (RequestDocument.source), for the scope "kinds".
DOCUMENT_KINDS: dict[str, str] = {
    "note": N_("Journalanteckningar"), "result": N_("Provsvar"), "referral": N_("Remisser"),
    "referral_reply": N_("Remissvar"), "letter": N_("Brev"), "booking": N_("Bokningar")}
# A scanned consent: PDF, JPEG or PNG, told by its first bytes rather than its name.
_CONSENT_MAGIC = (b"%PDF-", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
RULE_LIMITS = {"target_days": (0, 30), "breach_days": (1, 60), "free_pages": (0, 1000),
               "first_charged_page_sek": (0, 10000), "further_page_sek": (0, 1000)}



@dataclass(frozen=True, kw_only=True)
class RequestData:
    """A request as received: dates parsed, everything else as the user gave it."""

    patient_id: int
    received_on: date
    channel: str
    kind: str = RequestKind.COPY.value
    requester_kind: str = RequesterKind.PATIENT.value
    requester_name: str = ""
    requester_organisation: str = ""
    requester_address: str = ""
    consent_signed_on: date | None = None
    consent_filename: str | None = None
    consent_document: bytes | None = None
    scope: str = Scope.WHOLE.value
    period_from: date | None = None
    period_to: date | None = None
    document_kinds: tuple[str, ...] = ()
    scope_text: str = ""
    delivery: str = Delivery.POST.value
    first_copy: bool = False
    note: str = ""


def rules(session: Session, *, unit_id: int) -> UnitRules:
    """The unit's clock and fee table (an unsaved row with the defaults when it has none)."""
    found = session.get(UnitRules, unit_id)
    if found is not None:
        return found
    return UnitRules(unit_id=unit_id, target_days=1, breach_days=3, free_pages=9,
                     first_charged_page_sek=50, further_page_sek=2)


def fee_table(row: UnitRules) -> FeeTable:
    """The unit's fee table as fees.fee_sek takes it."""
    return FeeTable(free_pages=row.free_pages, first_charged_page_sek=row.first_charged_page_sek,
                    further_page_sek=row.further_page_sek)


def set_rules(session: Session, *, actor: Actor, values: dict[str, int], now: datetime) -> UnitRules:
    """Save the unit's clock and fee table (managers); every value is a whole number in range."""
    if not actor.is_manager:
        raise Forbidden(_("Bara enhetschefen kan ändra reglerna för journalkopior."))
    errors: dict[str, str] = {}
    for key, (low, high) in RULE_LIMITS.items():
        value = values.get(key)
        if value is None or not low <= value <= high:
            errors[key] = _("Ange ett heltal från {low} till {high}.", low=low, high=high)
    if not errors and values["breach_days"] < values["target_days"]:
        errors["breach_days"] = _("Gränsen för överskriden kan inte ligga före målet.")
    if errors:
        raise ValidationFailed(errors)
    row = session.get(UnitRules, actor.unit_id)
    if row is None:
        row = UnitRules(unit_id=actor.unit_id)
        session.add(row)
    for key in RULE_LIMITS:
        setattr(row, key, values[key])
    row.updated_at = now
    session.flush()
    return row


def clock(received_on: date, row: UnitRules) -> tuple[date, date]:
    """The target and breach dates: receipt plus the unit's working days (from the day after)."""
    return (workdays.add_working_days(received_on, row.target_days),
            workdays.add_working_days(received_on, row.breach_days))


def year_before(d: date) -> date:
    """The same day a year earlier (28 February for a 29 February)."""
    try:
        return d.replace(year=d.year - 1)
    except ValueError:
        return d.replace(year=d.year - 1, day=28)


def _text(value: str, field: str, limit: int, errors: dict[str, str]) -> str:
    text = value.strip()
    if len(text) > limit:
        errors[field] = _("Högst {limit} tecken.", limit=limit)
    return text


def _choice(value: str, allowed: type[Channel] | type[RequestKind] | type[RequesterKind]
            | type[Scope] | type[Delivery], field: str, errors: dict[str, str]) -> None:
    if value not in {c.value for c in allowed}:
        errors[field] = _("Välj ett av alternativen.")


def validate(data: RequestData, *, today: date) -> dict[str, str]:
    """Every rule a new request must meet, as Swedish messages by field (empty when it does)."""
    errors: dict[str, str] = {}
    for value, allowed, field in ((data.kind, RequestKind, "kind"), (data.channel, Channel, "channel"),
                                  (data.requester_kind, RequesterKind, "requester_kind"),
                                  (data.scope, Scope, "scope"), (data.delivery, Delivery, "delivery")):
        _choice(value, allowed, field, errors)
    if data.received_on > today:
        errors["received_on"] = _("Mottagningsdagen kan inte ligga i framtiden.")
    elif data.received_on < today - timedelta(days=365 * MAX_PAST_YEARS):
        errors["received_on"] = _("Datumet ligger mer än {n} år bakåt; kontrollera det.",
                                  n=MAX_PAST_YEARS)
    name = _text(data.requester_name, "requester_name", NAME_MAX, errors)
    _text(data.requester_organisation, "requester_organisation", NAME_MAX, errors)
    address = _text(data.requester_address, "requester_address", TEXT_MAX, errors)
    third_party = data.requester_kind in {k.value for k in THIRD_PARTIES}
    if data.requester_kind != RequesterKind.PATIENT and not name and "requester_name" not in errors:
        errors["requester_name"] = _("Ange namnet på den som begär kopian.")
    if third_party:
        if not data.consent_document:
            errors["consent_document"] = _("En tredje part behöver patientens samtycke: bifoga det.")
        if data.consent_signed_on is None:
            errors["consent_signed_on"] = _("Ange vilken dag samtycket skrevs under.")
    if data.consent_document is not None:
        if len(data.consent_document) > CONSENT_MAX_BYTES:
            errors["consent_document"] = _("Samtycket får vara högst {mb} MB.",
                                           mb=CONSENT_MAX_BYTES // (1024 * 1024))
        elif not data.consent_document.startswith(_CONSENT_MAGIC):
            errors["consent_document"] = _("Samtycket ska vara en PDF, JPEG eller PNG.")
    if data.consent_signed_on is not None and "received_on" not in errors:
        if data.consent_signed_on > today:
            errors["consent_signed_on"] = _("Samtycket kan inte vara daterat i framtiden.")
        elif (data.requester_kind == RequesterKind.INSURER
              and data.consent_signed_on < year_before(data.received_on)):
            errors["consent_signed_on"] = _(
                "Ett försäkringsbolags samtycke får vara högst ett år gammalt den dag begäran "
                "kom in.")
    _scope(data, errors)
    if (data.delivery == Delivery.POST and data.requester_kind != RequesterKind.PATIENT
            and not address and "requester_address" not in errors):
        errors["requester_address"] = _("Ange adressen som kopian ska skickas till.")
    _text(data.note, "note", TEXT_MAX, errors)
    return errors


def _scope(data: RequestData, errors: dict[str, str]) -> None:
    text = _text(data.scope_text, "scope_text", TEXT_MAX, errors)
    if data.scope == Scope.PERIOD:
        if data.period_from is None or data.period_to is None:
            errors["period_from"] = _("Ange periodens första och sista dag.")
        elif data.period_to < data.period_from:
            errors["period_to"] = _("Periodens slut kan inte ligga före dess början.")
    elif data.scope == Scope.KINDS:
        if not data.document_kinds:
            errors["document_kinds"] = _("Välj minst ett slags handling.")
        elif not set(data.document_kinds) <= DOCUMENT_KINDS.keys():
            errors["document_kinds"] = _("Okänt slags handling.")
    elif data.scope == Scope.DOCUMENTS and not text and "scope_text" not in errors:
        errors["scope_text"] = _("Skriv vilka handlingar som begärs.")


def register_request(session: Session, *, actor: Actor, data: RequestData,
                     now: datetime) -> RecordRequest:
    """Register a request at the actor's unit and open its work item, due on the target date."""
    from kulisser.records import service  # the access check lives there

    errors = validate(data, today=local_today(now))
    if errors:
        raise ValidationFailed(errors)
    patient = patients.get_patient(session, actor=actor, patient_id=data.patient_id)
    row = rules(session, unit_id=actor.unit_id)
    target, breach = clock(data.received_on, row)
    third_party = data.requester_kind in {k.value for k in THIRD_PARTIES}
    request = RecordRequest(
        unit_id=actor.unit_id, patient_id=patient.id, kind=data.kind, received_on=data.received_on,
        channel=data.channel, requester_kind=data.requester_kind,
        requester_name=data.requester_name.strip() or patient.full_name,
        requester_organisation=data.requester_organisation.strip(),
        requester_address=data.requester_address.strip(),
        consent_signed_on=data.consent_signed_on,
        consent_filename=(data.consent_filename or "samtycke")[:255] if data.consent_document else None,
        consent_document=data.consent_document, scope=data.scope,
        period_from=data.period_from if data.scope == Scope.PERIOD else None,
        period_to=data.period_to if data.scope == Scope.PERIOD else None,
        document_kinds=list(data.document_kinds) if data.scope == Scope.KINDS else [],
        scope_text=data.scope_text.strip(), delivery=data.delivery,
        first_copy=data.first_copy and not third_party, target_date=target, breach_date=breach,
        note=data.note.strip(), created_at=now, created_by_id=actor.user_id, updated_at=now)
    session.add(request)
    session.flush()
    service.check(session, actor=actor, request=request, action="create", now=now)
    request.record("created", actor_id=actor.user_id, now=now, to_status=request.status,
                   channel=data.channel, requester_kind=data.requester_kind,
                   target_date=target.isoformat(), breach_date=breach.isoformat())
    items.open_for(session, actor=actor, request=request, patient_name=patient.full_name, now=now)
    session.flush()
    return request
