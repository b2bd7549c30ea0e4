"""What the referral pages show besides the record: choices, labels, the referral's context."""

from __future__ import annotations

from typing import Any

from fastapi import UploadFile
from sqlalchemy.orm import Session

from kulisser.bounds import parse_int
from kulisser.i18n import N_, _
from kulisser.patients.service import Patient
from kulisser.referrals import items
from kulisser.referrals import service as referrals
from kulisser.referrals.models import OutgoingReferral, Referral
from kulisser.referrals.queries import OUT_FILTERS, STATUS_FILTERS
from kulisser.referrals.states import (
    ACTION_LABELS,
    OUT_STATUS_LABELS,
    STATUS_LABELS,
    out_allowed_actions,
)
from kulisser.referrals.storage import Upload
from kulisser.referrals.texts import DIRECTION_LABELS, MERGE_FIELDS, MESSAGE_KIND_LABELS
from kulisser.staff import service as staff
from kulisser.staff.service import Actor
from kulisser.worklist.service import PRIORITY_LABELS, Priority

EVENT_LABELS = {
    "registered": N_("Registrerad"), "confirm": N_("Mottagandet kvitterat"),
    "start": N_("Bedömning påbörjad"),
    "accept": N_("Antagen"), "reject": N_("Avvisad"), "forward": N_("Vidarebefordrad"),
    "ask": N_("Komplettering begärd"), "answer": N_("Komplettering inkommen"),
    "reply": N_("Besked skickat till remittenten"), "cancel": N_("Makulerad"),
    "waitlisted": N_("Uppsatt på väntelistan"), "handed_over": N_("Bedömningen överlämnad"),
    "created": N_("Skriven"), "edit": N_("Texten ändrad"), "send": N_("Remissen skickad"),
    "delivered": N_("Levererad till mottagaren"), "chase_created": N_("Bevakning skapad (inget svar)"),
}


def int_or_none(value: str | None) -> int | None:
    """A form's number, or None for an empty or non-numeric value."""
    return parse_int(value)


def uploads(files: list[UploadFile] | None) -> list[Upload]:
    """The files a form or API call really sent (a browser sends an empty part for none)."""
    return [Upload(filename=f.filename or "", content=f.file) for f in files or []
            if f.filename or (f.size or 0) > 0]


def priorities() -> list[tuple[str, str]]:
    """(value, label) of the priorities, most urgent first."""
    return [(p.value, _(PRIORITY_LABELS[p])) for p in Priority]


def labels() -> dict[str, Any]:
    """The label tables every referral template uses."""
    return {"status_labels": {s.value: _(label) for s, label in STATUS_LABELS.items()},
            "out_status_labels": {s.value: _(label) for s, label in OUT_STATUS_LABELS.items()},
            "event_labels": {k: _(v) for k, v in EVENT_LABELS.items()},
            "kind_labels": {k: _(v) for k, v in MESSAGE_KIND_LABELS.items()},
            "direction_labels": {k: _(v) for k, v in DIRECTION_LABELS.items()}, "priorities": priorities(),
            "status_filters": {k: _(v[0]) for k, v in STATUS_FILTERS.items()},
            "out_filters": {k: _(v[0]) for k, v in OUT_FILTERS.items()},
            "merge_fields": {k: _(v) for k, v in MERGE_FIELDS.items()}}


def referral_context(session: Session, actor: Actor, referral: Referral) -> dict[str, Any]:
    """The referral page: patient, history names, open item, what the actor may do."""
    patient = session.get(Patient, referral.patient_id)
    open_items = items.assessment_items(session, referral_id=referral.id)
    item = open_items[0] if open_items else None
    ids = {e.actor_id for e in referral.events if e.actor_id}
    ids |= {m.created_by_id for m in referral.messages if m.created_by_id}
    ids |= {i for i in (referral.assessor_id, referral.decided_by_id, referral.registered_by_id,
                        item.owner_id if item else None) if i}
    actions = referrals.actions_for(actor, referral, has_open_item=item is not None)
    return {"referral": referral, "patient": patient, "item": item,
            "names": staff.user_names(session, ids), "actions": actions,
            "action_labels": {a.value: _(label) for a, label in ACTION_LABELS.items()}
            | {"handover": _("Lämna över bedömningen")},
            "assessors": referrals.assessors(session, unit_id=referral.unit_id), **labels()}


def outgoing_context(session: Session, outgoing: OutgoingReferral) -> dict[str, Any]:
    """The outgoing referral page: patient, names, the chase item, allowed actions."""
    patient = session.get(Patient, outgoing.patient_id)
    ids = {e.actor_id for e in outgoing.events if e.actor_id}
    ids |= {i for i in (outgoing.author_id, outgoing.created_by_id, outgoing.sent_by_id,
                        outgoing.reply_registered_by_id) if i}
    chase = items.open_items(session, ref_type=items.REF_OUTGOING, ref_id=outgoing.id,
                             kind=items.CHASE.code)
    actions = [a.value for a in out_allowed_actions(outgoing.status)]
    return {"outgoing": outgoing, "patient": patient, "names": staff.user_names(session, ids),
            "chase": chase[0] if chase else None, "actions": actions,
            **labels()}
