"""Every route is classified: a route that touches patient data must write audit rows.

The suite walks the app's routes. A new route that is in neither table below fails
`test_every_route_is_classified`, so nobody adds a patient route without proving that it
leaves an audit row (and, for routes that take a patient, that a stranger is refused and the
refusal is logged too).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.audit.models import AuditEvent
from kulisser.db import Database, utcnow
from kulisser.dictation.storage import AudioStore
from kulisser.patients.models import CareRelation
from kulisser.staff.models import User
from kulisser.worklist import service as worklist
from tests import factories
from tests.access_rights import intro_routes, profiles_routes
from tests.access_rights import orders_fixtures as access_orders
from tests.access_rights import review_routes as access_review_routes
from tests.booking import helpers as bh
from tests.coding import coding_routes, report_routes
from tests.dictation import helpers as dictation_helpers
from tests.dictation.audio import unique_tone
from tests.factories import login_client
from tests.letters import helpers as lh
from tests.records import helpers as rch
from tests.records import review_routes, rpdf_routes
from tests.referrals import helpers as rh
from tests.results import helpers as res
from tests.staff import register_routes
from tests.stats import region_routes, team_routes
from tests.stats import report_routes as stats_report_routes
from tests.waitlist import helpers as wh
from tests.web import codes_routes, signal_routes
from tests.web.unit_routes import AUDIT_LOG_READS, LOG_READ_PREFIXES, UNIT_ROUTES

PATIENT_PARAMS = {"patient_id", "item_id", "dictation_id", "entry_id", "result_id", "letter_id",
                  "appointment_id"}


def app_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every endpoint, however this FastAPI version nests routers."""
    import fastapi.routing as fr

    contexts: Any = (fr.iter_route_contexts(app.routes)  # type: ignore[attr-defined]
                     if hasattr(fr, "iter_route_contexts") else app.routes)
    found = set()
    for ctx in contexts:
        methods = getattr(ctx, "methods", None) or set()
        path = getattr(ctx, "path", None)
        if path is None or getattr(ctx, "endpoint", None) is None:
            continue
        for m in methods - {"HEAD", "OPTIONS"}:
            found.add((m, path))
    return sorted(found)


@dataclass
class Env:
    """A unit's secretary, a fresh patient of the unit and a way to make items for them."""

    database: Database
    world: factories.World
    patient_id: int
    family_name: str
    data_dir: Path

    def item(self, state: str = "requested", *, owner: bool = False) -> int:
        """A work item about the patient, brought into the given state."""
        with self.database.session() as s:
            actor = factories.actor(s, self.world.secretary_id)
            item = worklist.create_item(s, actor=actor, kind="task", title="Testärende",
                                        patient_id=self.patient_id,
                                        owner_id=actor.user_id if owner else None)
            if state in ("accepted", "in-progress", "on-hold", "completed"):
                item.claim(actor_id=actor.user_id, now=utcnow())
            if state == "in-progress":
                item.start(actor_id=actor.user_id, now=utcnow())
            if state == "on-hold":
                item.hold(actor_id=actor.user_id, reason="Väntar", now=utcnow())
            if state == "completed":
                item.complete(actor_id=actor.user_id, now=utcnow())
            s.flush()
            return item.id

    def dictation(self, state: str = "dictated") -> int:
        """A dictation by the world's clinician about the patient, brought into a state."""
        with self.database.session() as s:
            d = dictation_helpers.upload(s, self.world, store=AudioStore(data_dir=self.data_dir),
                                         patient_id=self.patient_id)
            dictation_helpers.bring_to(s, self.world, d, state)
            return d.id


Call = Callable[[Env], tuple[str, dict[str, Any]]]
DUE = (utcnow() + timedelta(days=3)).isoformat()

# Routes that read or write one patient's data (or list patients): how to call them.
PATIENT_ROUTES: dict[tuple[str, str], Call] = {
    # pages
    ("GET", "/patienter/{patient_id}"): lambda e: (f"/patienter/{e.patient_id}", {}),
    ("GET", "/patienter/{patient_id}/redigera"): lambda e: (f"/patienter/{e.patient_id}/redigera", {}),
    ("POST", "/patienter/{patient_id}/redigera"): lambda e: (
        f"/patienter/{e.patient_id}/redigera",
        {"data": {"given_name": "Ny", "family_name": e.family_name, "phone": "070-111 22 33"}}),
    ("POST", "/patienter/{patient_id}/nodatkomst"): lambda e: (
        f"/patienter/{e.patient_id}/nodatkomst", {"data": {"reason": "Akut besök på mottagningen"}}),
    ("GET", "/patienter"): lambda e: (f"/patienter?q={e.family_name}", {}),
    ("POST", "/patienter/ny"): lambda e: ("/patienter/ny", {"data": {
        "identifier": factories.new_personnummer(), "given_name": "Ny", "family_name": e.family_name,
        "care_reason": "seeks_care"}}),
    ("GET", "/reception"): lambda e: (f"/reception?patient_id={e.patient_id}&q={e.family_name}", {}),
    ("POST", "/reception/meddelande"): lambda e: ("/reception/meddelande", {"data": {
        "caller_name": "Någon", "caller_relation": "patient", "phone": "070-111 22 33",
        "message": "Ring mig", "priority": "normal", "patient_id": str(e.patient_id)}}),
    ("GET", "/arbetslista"): lambda e: (e.item() and f"/arbetslista?scope=queue&q={e.family_name}", {}),
    ("GET", "/arbetslista/ny"): lambda e: (f"/arbetslista/ny?patient_id={e.patient_id}", {}),
    ("POST", "/arbetslista/ny"): lambda e: ("/arbetslista/ny", {"data": {
        "kind": "task", "title": "Ny uppgift", "priority": "normal", "patient_id": str(e.patient_id)}}),
    ("GET", "/arenden/{item_id}"): lambda e: (f"/arenden/{e.item()}", {}),
    ("POST", "/arenden/{item_id}/atgard/{operation}"): lambda e: (f"/arenden/{e.item()}/atgard/claim", {}),
    ("POST", "/arenden/{item_id}/kommentar"): lambda e: (
        f"/arenden/{e.item()}/kommentar", {"data": {"comment": "Ringt"}}),
    ("POST", "/arenden/{item_id}/forfallotid"): lambda e: (
        f"/arenden/{e.item()}/forfallotid",
        {"data": {"due_at": "2031-01-02T10:00", "due_reason": "Semester"}}),
    # API
    ("GET", "/api/v1/patients"): lambda e: (f"/api/v1/patients?q={e.family_name}", {}),
    ("POST", "/api/v1/patients"): lambda e: ("/api/v1/patients", {"json": {
        "identifier": factories.new_personnummer(), "given_name": "Ny", "family_name": e.family_name,
        "care_reason": "seeks_care"}}),
    ("GET", "/api/v1/patients/{patient_id}"): lambda e: (f"/api/v1/patients/{e.patient_id}", {}),
    ("PATCH", "/api/v1/patients/{patient_id}"): lambda e: (
        f"/api/v1/patients/{e.patient_id}", {"json": {"phone": "070-999 88 77"}}),
    ("POST", "/api/v1/patients/{patient_id}/emergency-access"): lambda e: (
        f"/api/v1/patients/{e.patient_id}/emergency-access", {"json": {"reason": "Akut bedömning"}}),
    ("GET", "/api/v1/patients/{patient_id}/work-items"): lambda e: (
        f"/api/v1/patients/{e.patient_id}/work-items", {}),
    ("GET", "/api/v1/work-items"): lambda e: (
        e.item() and f"/api/v1/work-items?scope=queue&q={e.family_name}", {}),
    ("POST", "/api/v1/work-items"): lambda e: ("/api/v1/work-items", {"json": {
        "kind": "task", "title": "Ny", "patient_id": e.patient_id}}),
    ("GET", "/api/v1/work-items/{item_id}"): lambda e: (f"/api/v1/work-items/{e.item()}", {}),
    ("POST", "/api/v1/work-items/{item_id}/claim"): lambda e: (f"/api/v1/work-items/{e.item()}/claim", {}),
    ("POST", "/api/v1/work-items/{item_id}/assign"): lambda e: (
        f"/api/v1/work-items/{e.item()}/assign", {"json": {"to_user_id": e.world.secretary2_id}}),
    ("POST", "/api/v1/work-items/{item_id}/handover"): lambda e: (
        f"/api/v1/work-items/{e.item('accepted')}/handover",
        {"json": {"to_user_id": e.world.secretary2_id, "reason": "Semester"}}),
    ("POST", "/api/v1/work-items/{item_id}/start"): lambda e: (f"/api/v1/work-items/{e.item()}/start", {}),
    ("POST", "/api/v1/work-items/{item_id}/hold"): lambda e: (
        f"/api/v1/work-items/{e.item()}/hold", {"json": {"reason": "Väntar på svar"}}),
    ("POST", "/api/v1/work-items/{item_id}/resume"): lambda e: (
        f"/api/v1/work-items/{e.item('on-hold')}/resume", {}),
    ("POST", "/api/v1/work-items/{item_id}/complete"): lambda e: (
        f"/api/v1/work-items/{e.item()}/complete", {"json": {}}),
    ("POST", "/api/v1/work-items/{item_id}/cancel"): lambda e: (
        f"/api/v1/work-items/{e.item()}/cancel", {"json": {"reason": "Dubblett"}}),
    ("POST", "/api/v1/work-items/{item_id}/error"): lambda e: (
        f"/api/v1/work-items/{e.item()}/error", {"json": {"reason": "Fel patient"}}),
    ("POST", "/api/v1/work-items/{item_id}/comments"): lambda e: (
        f"/api/v1/work-items/{e.item()}/comments", {"json": {"text": "Ringt"}}),
    ("POST", "/api/v1/work-items/{item_id}/due"): lambda e: (
        f"/api/v1/work-items/{e.item()}/due", {"json": {"due_at": DUE, "reason": "Semester"}}),
    # dictations (as_user: the route is the author's, so the world's clinician calls it)
    ("POST", "/api/v1/dictations"): lambda e: ("/api/v1/dictations", {
        "data": {"patient_id": str(e.patient_id), "note_type": "visit",
                 "author_id": str(e.world.clinician_id)},
        "files": {"file": ("diktat.wav", unique_tone(), "audio/wav")}}),
    ("GET", "/api/v1/dictations"): lambda e: (e.dictation() and "/api/v1/dictations", {}),
    ("GET", "/api/v1/dictations/{dictation_id}"): lambda e: (f"/api/v1/dictations/{e.dictation()}", {}),
    ("GET", "/api/v1/dictations/{dictation_id}/audio"): lambda e: (
        f"/api/v1/dictations/{e.dictation()}/audio", {}),
    ("PUT", "/api/v1/dictations/{dictation_id}/text"): lambda e: (
        f"/api/v1/dictations/{e.dictation()}/text", {"json": {"text": "Anamnes:"}}),
    ("PATCH", "/api/v1/dictations/{dictation_id}"): lambda e: (
        f"/api/v1/dictations/{e.dictation()}", {"json": {"priority": "low"}}),
    ("POST", "/api/v1/dictations/{dictation_id}/send-for-signature"): lambda e: (
        f"/api/v1/dictations/{e.dictation('in_review')}/send-for-signature", {}),
    ("POST", "/api/v1/dictations/{dictation_id}/return"): lambda e: (
        f"/api/v1/dictations/{e.dictation()}/return", {"json": {"question": "Vilken dos?"}}),
    ("POST", "/api/v1/dictations/{dictation_id}/answer"): lambda e: (
        f"/api/v1/dictations/{e.dictation('returned')}/answer",
        {"json": {"answer": "5 mg"}, "as_user": e.world.clinician_id}),
    ("POST", "/api/v1/dictations/{dictation_id}/unusable"): lambda e: (
        f"/api/v1/dictations/{e.dictation()}/unusable", {"json": {"reason": "Bara brus"}}),
    ("POST", "/api/v1/dictations/{dictation_id}/sign"): lambda e: (
        f"/api/v1/dictations/{e.dictation('awaiting_signature')}/sign",
        {"as_user": e.world.clinician_id}),
    ("POST", "/api/v1/dictations/{dictation_id}/correct"): lambda e: (
        f"/api/v1/dictations/{e.dictation('signed')}/correct",
        {"json": {"text": "Rättad text", "reason": "Fel dos"}, "as_user": e.world.clinician_id}),
    ("POST", "/api/v1/dictations/{dictation_id}/cancel"): lambda e: (
        f"/api/v1/dictations/{e.dictation()}/cancel", {"json": {"reason": "Dubblett"}}),
    ("POST", "/api/v1/dictations/{dictation_id}/transcribe"): lambda e: (
        f"/api/v1/dictations/{e.dictation()}/transcribe", {}),
    ("GET", "/api/v1/dictations/{dictation_id}/note.txt"): lambda e: (
        f"/api/v1/dictations/{e.dictation('signed')}/note.txt", {}),
    ("GET", "/api/v1/dictations/{dictation_id}/fhir"): lambda e: (
        f"/api/v1/dictations/{e.dictation('signed')}/fhir", {}),
    # dictation pages
    ("GET", "/diktat"): lambda e: (e.dictation() and "/diktat?status=open", {}),
    ("GET", "/diktat/ny"): lambda e: (f"/diktat/ny?patient_id={e.patient_id}", {}),
    ("POST", "/diktat/ny"): lambda e: ("/diktat/ny", {
        "data": {"patient_id": str(e.patient_id), "note_type": "visit",
                 "author_id": str(e.world.clinician_id)},
        "files": {"file": ("diktat.wav", unique_tone(), "audio/wav")}}),
    ("GET", "/diktat/{dictation_id}"): lambda e: (f"/diktat/{e.dictation()}", {}),
    ("GET", "/diktat/{dictation_id}/ljud"): lambda e: (f"/diktat/{e.dictation()}/ljud", {}),
    ("POST", "/diktat/{dictation_id}/text"): lambda e: (
        f"/diktat/{e.dictation()}/text", {"data": {"text": "Anamnes:", "base_revision": "0"}}),
    ("POST", "/diktat/{dictation_id}/skicka"): lambda e: (
        f"/diktat/{e.dictation('in_review')}/skicka", {"data": {"text": "Anamnes:\nHosta."}}),
    ("POST", "/diktat/{dictation_id}/aktivitet"): lambda e: (
        f"/diktat/{e.dictation('in_review')}/aktivitet", {"data": {"kind": "key"}}),
    ("POST", "/diktat/{dictation_id}/tom"): lambda e: (f"/diktat/{e.dictation()}/tom", {}),
    ("POST", "/diktat/{dictation_id}/fraga"): lambda e: (
        f"/diktat/{e.dictation()}/fraga", {"data": {"question": "Vilken dos?"}}),
    ("POST", "/diktat/{dictation_id}/oanvandbart"): lambda e: (
        f"/diktat/{e.dictation()}/oanvandbart", {"data": {"reason": "Bara brus"}}),
    ("POST", "/diktat/{dictation_id}/taligenkanning"): lambda e: (
        f"/diktat/{e.dictation()}/taligenkanning", {}),
    ("POST", "/diktat/{dictation_id}/uppgifter"): lambda e: (
        f"/diktat/{e.dictation()}/uppgifter", {"data": {"priority": "low"}}),
    ("GET", "/signera"): lambda e: (
        e.dictation("awaiting_signature") and "/signera", {"as_user": e.world.clinician_id}),
    ("GET", "/signera/{dictation_id}"): lambda e: (
        f"/signera/{e.dictation('awaiting_signature')}", {"as_user": e.world.clinician_id}),
    ("POST", "/signera/{dictation_id}/signera"): lambda e: (
        f"/signera/{e.dictation('awaiting_signature')}/signera", {"as_user": e.world.clinician_id}),
    ("POST", "/signera/{dictation_id}/svar"): lambda e: (
        f"/signera/{e.dictation('returned')}/svar",
        {"data": {"answer": "5 mg"}, "as_user": e.world.clinician_id}),
    ("POST", "/signera/{dictation_id}/ratta"): lambda e: (
        f"/signera/{e.dictation('signed')}/ratta",
        {"data": {"text": "Rättad text", "reason": "Fel dos"}, "as_user": e.world.clinician_id}),
    # referrals in and out (pages; rh.env_* make a referral about the Env's patient)
    ("GET", "/remisser"): lambda e: (
        rh.env_referral(e) and f"/remisser?status=all&q={e.family_name}", {}),
    ("POST", "/remisser/ny"): lambda e: ("/remisser/ny", {"data": {
        "sender_name": "VC Norr", "sender_hsa_id": rh.HSA, "issued_on": rh.today().isoformat(),
        "received_on": rh.today().isoformat(), "question": "Bedömning?", "priority": "normal",
        "identifier": rh.env_identifier(e)}}),
    ("GET", "/remisser/{referral_id}"): lambda e: (f"/remisser/{rh.env_referral(e)[0]}", {}),
    ("POST", "/remisser/{referral_id}/atgard/{action}"): lambda e: (
        f"/remisser/{rh.env_referral(e)[0]}/atgard/reject",
        {"data": {"reason": "Primärvården"}, "as_user": e.world.clinician_id}),
    ("GET", "/remisser/{referral_id}/bilagor/{attachment_id}"): lambda e: (
        "/remisser/{}/bilagor/{}".format(*rh.env_referral(e)), {}),
    ("GET", "/remisser/utgaende"): lambda e: (
        rh.env_outgoing(e) and f"/remisser/utgaende?status=all&q={e.family_name}", {}),
    ("GET", "/remisser/utgaende/ny"): lambda e: (f"/remisser/utgaende/ny?patient_id={e.patient_id}", {}),
    ("POST", "/remisser/utgaende/ny"): lambda e: ("/remisser/utgaende/ny", {"data": {
        "patient_id": str(e.patient_id), "receiver_name": "Kardiologen",
        "receiver_hsa_id": "SE2321000016-KARD", "question": "Ablation?",
        "author_id": str(e.world.clinician_id)}}),
    ("GET", "/remisser/utgaende/{outgoing_id}"): lambda e: (
        f"/remisser/utgaende/{rh.env_outgoing(e)[0]}", {}),
    ("POST", "/remisser/utgaende/{outgoing_id}/atgard/{action}"): lambda e: (
        f"/remisser/utgaende/{rh.env_outgoing(e)[0]}/atgard/send", {}),
    ("GET", "/remisser/utgaende/{outgoing_id}/bilagor/{attachment_id}"): lambda e: (
        "/remisser/utgaende/{}/bilagor/{}".format(*rh.env_outgoing(e, "replied")), {}),
    # referrals API
    ("POST", "/api/v1/referrals"): lambda e: ("/api/v1/referrals", {
        "data": {"sender_name": "VC Norr", "sender_hsa_id": rh.HSA,
                 "issued_on": rh.today().isoformat(), "received_on": rh.today().isoformat(),
                 "question": "Bedömning?", "identifier": rh.env_identifier(e)},
        "files": [("files", ("remiss.pdf", rh.pdf_bytes(), "application/pdf"))]}),
    ("GET", "/api/v1/referrals"): lambda e: (
        rh.env_referral(e) and f"/api/v1/referrals?status=all&q={e.family_name}", {}),
    ("GET", "/api/v1/referrals/{referral_id}"): lambda e: (
        f"/api/v1/referrals/{rh.env_referral(e)[0]}", {}),
    ("GET", "/api/v1/referrals/{referral_id}/attachments/{attachment_id}"): lambda e: (
        "/api/v1/referrals/{}/attachments/{}".format(*rh.env_referral(e)), {}),
    ("POST", "/api/v1/referrals/{referral_id}/confirm"): lambda e: (
        f"/api/v1/referrals/{rh.env_referral(e, confirm=False)[0]}/confirm", {}),
    ("POST", "/api/v1/referrals/{referral_id}/start"): lambda e: (
        f"/api/v1/referrals/{rh.env_referral(e)[0]}/start", {"as_user": e.world.clinician_id}),
    ("POST", "/api/v1/referrals/{referral_id}/accept"): lambda e: (
        f"/api/v1/referrals/{rh.env_referral(e)[0]}/accept",
        {"json": {"note": ""}, "as_user": e.world.clinician_id}),
    ("POST", "/api/v1/referrals/{referral_id}/reject"): lambda e: (
        f"/api/v1/referrals/{rh.env_referral(e)[0]}/reject",
        {"json": {"reason": "Primärvården"}, "as_user": e.world.clinician_id}),
    ("POST", "/api/v1/referrals/{referral_id}/forward"): lambda e: (
        f"/api/v1/referrals/{rh.env_referral(e)[0]}/forward",
        {"json": {"to_name": "Ortopeden", "to_hsa_id": "SE2321000016-ORTO", "reason": "Knä"},
         "as_user": e.world.clinician_id}),
    ("POST", "/api/v1/referrals/{referral_id}/request-information"): lambda e: (
        f"/api/v1/referrals/{rh.env_referral(e)[0]}/request-information",
        {"json": {"question": "EKG?"}, "as_user": e.world.clinician_id}),
    ("POST", "/api/v1/referrals/{referral_id}/answer"): lambda e: (
        f"/api/v1/referrals/{rh.env_asked(e)}/answer", {"data": {"text": "EKG bifogas"}}),
    ("POST", "/api/v1/referrals/{referral_id}/handover"): lambda e: (
        f"/api/v1/referrals/{rh.env_referral(e)[0]}/handover",
        {"json": {"to_user_id": None, "reason": "Semester"}}),
    ("POST", "/api/v1/referrals/{referral_id}/cancel"): lambda e: (
        f"/api/v1/referrals/{rh.env_referral(e)[0]}/cancel", {"json": {"reason": "Dubblett"}}),
    ("POST", "/api/v1/referrals/outgoing"): lambda e: ("/api/v1/referrals/outgoing", {"json": {
        "patient_id": e.patient_id, "receiver_name": "Kardiologen",
        "receiver_hsa_id": "SE2321000016-KARD", "question": "Ablation?",
        "author_id": e.world.clinician_id}}),
    ("GET", "/api/v1/referrals/outgoing"): lambda e: (
        rh.env_outgoing(e) and f"/api/v1/referrals/outgoing?status=all&q={e.family_name}", {}),
    ("GET", "/api/v1/referrals/outgoing/{outgoing_id}"): lambda e: (
        f"/api/v1/referrals/outgoing/{rh.env_outgoing(e)[0]}", {}),
    ("PATCH", "/api/v1/referrals/outgoing/{outgoing_id}"): lambda e: (
        f"/api/v1/referrals/outgoing/{rh.env_outgoing(e)[0]}", {"json": {"body": "Ny text"}}),
    ("POST", "/api/v1/referrals/outgoing/{outgoing_id}/send"): lambda e: (
        f"/api/v1/referrals/outgoing/{rh.env_outgoing(e)[0]}/send", {}),
    ("POST", "/api/v1/referrals/outgoing/{outgoing_id}/reply"): lambda e: (
        f"/api/v1/referrals/outgoing/{rh.env_outgoing(e, 'sent')[0]}/reply",
        {"data": {"text": "Svar"}}),
    ("POST", "/api/v1/referrals/outgoing/{outgoing_id}/cancel"): lambda e: (
        f"/api/v1/referrals/outgoing/{rh.env_outgoing(e)[0]}/cancel",
        {"json": {"reason": "Fel mottagare"}}),
    ("GET", "/api/v1/referrals/outgoing/{outgoing_id}/attachments/{attachment_id}"): lambda e: (
        "/api/v1/referrals/outgoing/{}/attachments/{}".format(*rh.env_outgoing(e, "replied")), {}),
    # waiting list (wh.env_* put the Env's patient on the list)
    ("GET", "/vantelista"): lambda e: (wh.env_entry(e) and "/vantelista?status=all", {}),
    ("GET", "/vantelista.csv"): lambda e: (wh.env_entry(e) and "/vantelista.csv", {}),
    ("POST", "/vantelista/ny"): lambda e: ("/vantelista/ny", {"data": {
        "identifier": wh.env_identifier(e), "wait_kind": "first_visit",
        "clock_start": wh.local_today().isoformat(), "priority": "normal"}}),
    ("GET", "/vantelista/{entry_id}"): lambda e: (f"/vantelista/{wh.env_entry(e)}", {}),
    ("POST", "/vantelista/{entry_id}/erbjudande"): lambda e: (
        f"/vantelista/{wh.env_entry(e)}/erbjudande", {"data": {
            "offered_on": wh.local_today().isoformat(),
            "offer_visit_date": wh.local_today().isoformat(), "informed": "1"}}),
    ("POST", "/vantelista/{entry_id}/erbjudande/{offer_id}/svar"): lambda e: (
        "/vantelista/{}/erbjudande/{}/svar".format(*wh.env_offer(e)), {"data": {"answer": "declined"}}),
    ("POST", "/vantelista/{entry_id}/period"): lambda e: (
        f"/vantelista/{wh.env_entry(e)}/period", {"data": {
            "reason": "medical", "start": wh.local_today().isoformat(), "note": "Infektion"}}),
    ("POST", "/vantelista/{entry_id}/period/{period_id}/avsluta"): lambda e: (
        "/vantelista/{}/period/{}/avsluta".format(*wh.env_period(e)),
        {"data": {"period_end": wh.local_today().isoformat()}}),
    ("POST", "/vantelista/{entry_id}/period/{period_id}/ta-bort"): lambda e: (
        "/vantelista/{}/period/{}/ta-bort".format(*wh.env_period(e)),
        {"data": {"period_reason": "Fel datum"}}),
    ("POST", "/vantelista/{entry_id}/avsluta"): lambda e: (
        f"/vantelista/{wh.env_entry(e)}/avsluta", {"data": {
            "status": "booked", "visit_date": wh.local_today().isoformat()}}),
    ("POST", "/vantelista/{entry_id}/ateroppna"): lambda e: (
        f"/vantelista/{wh.env_entry(e, 'booked')}/ateroppna", {"data": {"reopen_reason": "Inställt"}}),
    ("POST", "/vantelista/{entry_id}/ta-bort"): lambda e: (
        f"/vantelista/{wh.env_entry(e)}/ta-bort", {"data": {"remove_reason": "Vård annanstans"}}),
    ("GET", "/patienter/{patient_id}/vantelista"): lambda e: (f"/patienter/{e.patient_id}/vantelista", {}),
    # Record requests (issue 12): the Env's patient's request, received today.
    ("GET", "/journalkopior"): lambda e: (rch.env_request(e) and "/journalkopior", {}),
    ("GET", "/journalkopior.csv"): lambda e: (rch.env_request(e) and "/journalkopior.csv", {}),
    ("POST", "/journalkopior/ny"): lambda e: ("/journalkopior/ny", {"data": {
        "identifier": rch.env_identifier(e), "received_on": date.today().isoformat(),
        "channel": "phone", "kind": "copy", "requester_kind": "patient", "scope": "whole",
        "delivery": "post"}}),
    ("GET", "/journalkopior/{request_id}"): lambda e: (f"/journalkopior/{rch.env_request(e)}", {}),
    ("GET", "/journalkopior/{request_id}/samtycke"): lambda e: (
        f"/journalkopior/{rch.env_request(e, consent=True)}/samtycke", {}),
    ("POST", "/journalkopior/{request_id}/aterkalla"): lambda e: (
        f"/journalkopior/{rch.env_request(e)}/aterkalla", {"data": {"reason": "Ångrat"}}),
    ("POST", "/journalkopior/{request_id}/overklagande"): lambda e: (
        f"/journalkopior/{rch.env_request(e, decided=True)}/overklagande",
        {"data": {"appeal_received_on": date.today().isoformat()}}),
    ("GET", "/api/v1/record-requests"): lambda e: (
        rch.env_request(e) and "/api/v1/record-requests", {}),
    ("POST", "/api/v1/record-requests"): lambda e: ("/api/v1/record-requests", {"json": {
        "patient_id": e.patient_id, "received_on": date.today().isoformat(), "channel": "email"}}),
    ("GET", "/api/v1/record-requests/{request_id}"): lambda e: (
        f"/api/v1/record-requests/{rch.env_request(e)}", {}),
    ("POST", "/api/v1/record-requests/{request_id}/withdraw"): lambda e: (
        f"/api/v1/record-requests/{rch.env_request(e)}/withdraw", {"json": {"reason": "Ångrat"}}),
    ("POST", "/api/v1/record-requests/{request_id}/appeals"): lambda e: (
        f"/api/v1/record-requests/{rch.env_request(e, decided=True)}/appeals",
        {"json": {"received_on": date.today().isoformat()}}),
    ("GET", "/api/v1/waitlist"): lambda e: (wh.env_entry(e) and "/api/v1/waitlist", {}),
    ("POST", "/api/v1/waitlist"): lambda e: ("/api/v1/waitlist", {"json": {
        "patient_id": e.patient_id, "wait_kind": "treatment",
        "clock_start": wh.local_today().isoformat()}}),
    ("GET", "/api/v1/waitlist/{entry_id}"): lambda e: (f"/api/v1/waitlist/{wh.env_entry(e)}", {}),
    ("POST", "/api/v1/waitlist/{entry_id}/offers"): lambda e: (
        f"/api/v1/waitlist/{wh.env_entry(e)}/offers", {"json": {
            "offered_on": wh.local_today().isoformat(), "visit_date": wh.local_today().isoformat(),
            "informed": True}}),
    ("POST", "/api/v1/waitlist/{entry_id}/offers/{offer_id}/answer"): lambda e: (
        "/api/v1/waitlist/{}/offers/{}/answer".format(*wh.env_offer(e)),
        {"json": {"response": "declined"}}),
    ("POST", "/api/v1/waitlist/{entry_id}/excluded-periods"): lambda e: (
        f"/api/v1/waitlist/{wh.env_entry(e)}/excluded-periods", {"json": {
            "reason": "medical", "start": wh.local_today().isoformat(), "note": "Infektion"}}),
    ("POST", "/api/v1/waitlist/{entry_id}/excluded-periods/{period_id}/end"): lambda e: (
        "/api/v1/waitlist/{}/excluded-periods/{}/end".format(*wh.env_period(e)),
        {"json": {"end": wh.local_today().isoformat()}}),
    ("POST", "/api/v1/waitlist/{entry_id}/excluded-periods/{period_id}/remove"): lambda e: (
        "/api/v1/waitlist/{}/excluded-periods/{}/remove".format(*wh.env_period(e)),
        {"json": {"reason": "Fel datum"}}),
    ("POST", "/api/v1/waitlist/{entry_id}/end"): lambda e: (
        f"/api/v1/waitlist/{wh.env_entry(e)}/end", {"json": {
            "status": "done", "visit_date": wh.local_today().isoformat()}}),
    ("POST", "/api/v1/waitlist/{entry_id}/reopen"): lambda e: (
        f"/api/v1/waitlist/{wh.env_entry(e, 'booked')}/reopen", {"json": {"reason": "Inställt"}}),
    ("POST", "/api/v1/waitlist/{entry_id}/remove"): lambda e: (
        f"/api/v1/waitlist/{wh.env_entry(e)}/remove", {"json": {"reason": "Vård annanstans"}}),
    ("GET", "/api/v1/patients/{patient_id}/waitlist"): lambda e: (
        f"/api/v1/patients/{e.patient_id}/waitlist", {}),

    # results and referral replies (res.env_* make a result about the Env's patient)
    ("GET", "/provsvar"): lambda e: (res.env_result(e) and "/provsvar?scope=all", {}),
    ("POST", "/provsvar/importera"): lambda e: ("/provsvar/importera", {
        "data": {}, "files": {"file": ("svar.csv", res.env_csv(e), "text/csv")}}),
    ("GET", "/provsvar/{result_id}"): lambda e: (f"/provsvar/{res.env_result(e)}", {}),
    ("POST", "/provsvar/{result_id}/vidimera"): lambda e: (
        f"/provsvar/{res.env_result(e)}/vidimera",
        {"data": {"follow_up": "visit"}, "as_user": e.world.clinician_id}),
    ("POST", "/provsvar/{result_id}/lamna-over"): lambda e: (
        f"/provsvar/{res.env_result(e)}/lamna-over", {"data": {"to_user_id": "", "reason": "Semester"}}),
    ("POST", "/provsvar/{result_id}/matcha"): lambda e: (
        f"/provsvar/{res.env_unmatched(e)}/matcha", {"data": {"identifier": res.env_identity(e)}}),
    ("POST", "/api/v1/results"): lambda e: ("/api/v1/results", {"json": res.env_fhir(e)}),
    ("POST", "/api/v1/results/csv"): lambda e: (
        "/api/v1/results/csv", {"files": {"file": ("svar.csv", res.env_csv(e), "text/csv")}}),
    ("POST", "/api/v1/results/bulk"): lambda e: ("/api/v1/results/bulk", {
        "content": res.env_lines(e), "headers": {"content-type": "application/x-ndjson"}}),
    ("GET", "/api/v1/results"): lambda e: (res.env_result(e) and "/api/v1/results?scope=all", {}),
    ("GET", "/api/v1/results/{result_id}"): lambda e: (f"/api/v1/results/{res.env_result(e)}", {}),
    ("POST", "/api/v1/results/{result_id}/sign"): lambda e: (
        f"/api/v1/results/{res.env_result(e)}/sign",
        {"json": {"follow_up": "call"}, "as_user": e.world.clinician_id}),
    ("POST", "/api/v1/results/{result_id}/handover"): lambda e: (
        f"/api/v1/results/{res.env_result(e)}/handover", {"json": {"reason": "Semester"}}),
    ("POST", "/api/v1/results/{result_id}/match"): lambda e: (
        f"/api/v1/results/{res.env_unmatched(e)}/match", {"json": {"identifier": res.env_identity(e)}}),
    # letters (lh.env_* write a letter about the Env's patient)
    ("GET", "/brev"): lambda e: (lh.env_letter(e) and "/brev?status=all", {}),
    ("GET", "/brev/nytt"): lambda e: (f"/brev/nytt?patient_id={e.patient_id}", {}),
    ("POST", "/brev/nytt"): lambda e: ("/brev/nytt", {"data": {
        "patient_id": str(e.patient_id), "kind": "result", "undersokning": "prover",
        "meddelande": "Bra"}}),
    ("GET", "/brev/{letter_id}"): lambda e: (f"/brev/{lh.env_letter(e)}", {}),
    ("GET", "/brev/{letter_id}/pdf"): lambda e: (f"/brev/{lh.env_letter(e)}/pdf", {}),
    ("POST", "/brev/{letter_id}/andra"): lambda e: (
        f"/brev/{lh.env_letter(e, 'draft')}/andra", {"data": {"subject": "Svar", "body": "Hej"}}),
    ("POST", "/brev/{letter_id}/atgard/{op}"): lambda e: (f"/brev/{lh.env_letter(e)}/atgard/sent", {}),
    ("POST", "/brev/{letter_id}/digital"): lambda e: (f"/brev/{lh.env_letter(e)}/digital", {}),
    ("GET", "/brev/patient/{patient_id}"): lambda e: (f"/brev/patient/{e.patient_id}", {}),
    ("POST", "/brev/patient/{patient_id}/sms"): lambda e: (
        f"/brev/patient/{e.patient_id}/sms", {"data": {"opt_out": "1"}}),
    ("GET", "/brev/utskrift"): lambda e: (lh.env_letter(e) and "/brev/utskrift", {}),
    ("POST", "/brev/utskrift"): lambda e: (lh.env_letter(e) and "/brev/utskrift", {"data": {"datum": ""}}),
    ("GET", "/brev/utskrift/{batch_id}"): lambda e: (f"/brev/utskrift/{lh.env_batch(e)}", {}),
    ("GET", "/brev/utskrift/{batch_id}/pdf"): lambda e: (f"/brev/utskrift/{lh.env_batch(e)}/pdf", {}),
    ("POST", "/brev/utskrift/{batch_id}/bekrafta"): lambda e: (
        f"/brev/utskrift/{lh.env_batch(e)}/bekrafta", {}),
    ("GET", "/api/v1/letters"): lambda e: (lh.env_letter(e) and "/api/v1/letters?status=all", {}),
    ("POST", "/api/v1/letters"): lambda e: ("/api/v1/letters", {"json": {
        "patient_id": e.patient_id, "kind": "result",
        "fields": {"undersokning": "prover", "meddelande": "Bra"}}}),
    ("GET", "/api/v1/letters/{letter_id}"): lambda e: (f"/api/v1/letters/{lh.env_letter(e)}", {}),
    ("GET", "/api/v1/letters/{letter_id}/pdf"): lambda e: (f"/api/v1/letters/{lh.env_letter(e)}/pdf", {}),
    ("PATCH", "/api/v1/letters/{letter_id}"): lambda e: (
        f"/api/v1/letters/{lh.env_letter(e, 'draft')}", {"json": {"subject": "Svar", "body": "Hej"}}),
    ("POST", "/api/v1/letters/{letter_id}/ready"): lambda e: (
        f"/api/v1/letters/{lh.env_letter(e, 'draft')}/ready", {}),
    ("POST", "/api/v1/letters/{letter_id}/draft"): lambda e: (
        f"/api/v1/letters/{lh.env_letter(e)}/draft", {}),
    ("POST", "/api/v1/letters/{letter_id}/sent"): lambda e: (
        f"/api/v1/letters/{lh.env_letter(e)}/sent", {}),
    ("POST", "/api/v1/letters/{letter_id}/returned"): lambda e: (
        f"/api/v1/letters/{lh.env_letter(e, 'sent')}/returned", {"json": {"reason": "Okänd adress"}}),
    ("POST", "/api/v1/letters/{letter_id}/cancel"): lambda e: (
        f"/api/v1/letters/{lh.env_letter(e)}/cancel", {"json": {"reason": "Fel patient"}}),
    ("POST", "/api/v1/letters/{letter_id}/mailbox"): lambda e: (
        f"/api/v1/letters/{lh.env_letter(e)}/mailbox", {}),
    ("POST", "/api/v1/letters/print-batches"): lambda e: (
        lh.env_letter(e) and "/api/v1/letters/print-batches",
        {"json": {"day": lh.today().isoformat()}}),
    ("GET", "/api/v1/letters/print-batches/{batch_id}"): lambda e: (
        f"/api/v1/letters/print-batches/{lh.env_batch(e)}", {}),
    ("GET", "/api/v1/letters/print-batches/{batch_id}/pdf"): lambda e: (
        f"/api/v1/letters/print-batches/{lh.env_batch(e)}/pdf", {}),
    ("POST", "/api/v1/letters/print-batches/{batch_id}/confirm"): lambda e: (
        f"/api/v1/letters/print-batches/{lh.env_batch(e)}/confirm", {}),
    ("GET", "/api/v1/letters/sms-opt-out/{patient_id}"): lambda e: (
        f"/api/v1/letters/sms-opt-out/{e.patient_id}", {}),
    ("PUT", "/api/v1/letters/sms-opt-out/{patient_id}"): lambda e: (
        f"/api/v1/letters/sms-opt-out/{e.patient_id}", {"json": {"opted_out": True}}),
    # booking (bh.env_* make slots and visits for the Env's patient)
    ("GET", "/tidbok/resurs/{resource_id}"): lambda e: (bh.env_day(e), {}),
    ("GET", "/tidbok/sok"): lambda e: (f"/tidbok/sok?patient_id={e.patient_id}", {}),
    ("GET", "/tidbok/boka"): lambda e: (
        f"/tidbok/boka?slot_id={bh.env_slots(e)[0]}&patient_id={e.patient_id}", {}),
    ("POST", "/tidbok/boka"): lambda e: ("/tidbok/boka", {"data": {
        "slot_id": str(bh.env_slots(e)[0]), "patient_id": str(e.patient_id)}}),
    ("POST", "/tidbok/boka/kallelse"): lambda e: ("/tidbok/boka/kallelse", {"data": {
        "slot_id": str(bh.env_slots(e)[0]), "patient_id": str(e.patient_id),
        "patient_message": "Ta med din läkemedelslista."}}),
    ("GET", "/tidbok/besok/{appointment_id}"): lambda e: (f"/tidbok/besok/{bh.env_appointment(e)}", {}),
    ("GET", "/tidbok/besok/{appointment_id}/omboka"): lambda e: (
        f"/tidbok/besok/{bh.env_appointment(e)}/omboka?slot_id={bh.env_slots(e)[0]}", {}),
    ("POST", "/tidbok/besok/{appointment_id}/omboka"): lambda e: (
        f"/tidbok/besok/{bh.env_appointment(e)}/omboka", {"data": {"slot_id": str(bh.env_slots(e)[0])}}),
    ("POST", "/tidbok/besok/{appointment_id}/avboka"): lambda e: (
        f"/tidbok/besok/{bh.env_appointment(e)}/avboka", {"data": {"by": "patient", "reason": "Sjuk"}}),
    ("POST", "/tidbok/besok/{appointment_id}/uteblev"): lambda e: (
        f"/tidbok/besok/{bh.env_appointment(e, started=True)}/uteblev", {"data": {"reason": ""}}),
    ("GET", "/tidbok/patient/{patient_id}"): lambda e: (f"/tidbok/patient/{e.patient_id}", {}),
    ("POST", "/api/v1/appointments"): lambda e: ("/api/v1/appointments", {"json": {
        "slot_id": bh.env_slots(e)[0], "patient_id": e.patient_id}}),
    ("GET", "/api/v1/appointments/{appointment_id}"): lambda e: (
        f"/api/v1/appointments/{bh.env_appointment(e)}", {}),
    ("GET", "/api/v1/appointments/{appointment_id}/fhir"): lambda e: (
        f"/api/v1/appointments/{bh.env_appointment(e)}/fhir", {}),
    ("POST", "/api/v1/appointments/{appointment_id}/rebook"): lambda e: (
        f"/api/v1/appointments/{bh.env_appointment(e)}/rebook", {"json": {"slot_id": bh.env_slots(e)[0]}}),
    ("POST", "/api/v1/appointments/{appointment_id}/cancel"): lambda e: (
        f"/api/v1/appointments/{bh.env_appointment(e)}/cancel",
        {"json": {"by": "clinic", "reason": "Stängt"}}),
    ("POST", "/api/v1/appointments/{appointment_id}/no-show"): lambda e: (
        f"/api/v1/appointments/{bh.env_appointment(e, started=True)}/no-show", {"json": {}}),
    ("GET", "/api/v1/patients/{patient_id}/appointments"): lambda e: (
        f"/api/v1/patients/{e.patient_id}/appointments", {}),
}

SCHEDULES = "schedule planning (schedules, visit types, sessions, slots): no patient"
EXCEPTIONS = ("; booked visits an exception collides with become worklist items, whose creation "
              "worklist.create_item audits; the answer shows no patient")
LOG_REVIEW = "the unit manager's review of the access log (PDL log follow-up, not care access)"
# Routes that touch no patient's data, and why.
NO_PATIENT_DATA: dict[tuple[str, str], str] = {
    ("GET", "/"): "redirect to the worklist",
    ("GET", "/login"): "login form",
    ("POST", "/login"): "login",
    ("GET", "/login/oidc"): "OpenID login: redirect to the identity provider",
    ("GET", "/login/oidc/callback"): "OpenID login: the provider's answer",
    ("GET", "/login/enhet"): "OpenID login: the units to choose from",
    ("POST", "/login/enhet"): "OpenID login: the chosen unit",
    ("POST", "/logout"): "logout",
    ("GET", "/konto/losenord"): "own password form",
    ("POST", "/konto/losenord"): "own password change",
    ("POST", "/enhet/byt"): "switch care unit",
    ("GET", "/enhet/regler"): "the unit's due-time rules",
    ("POST", "/enhet/regler"): "the unit's due-time rules",
    ("GET", "/patienter/ny"): "empty registration form",
    ("GET", "/api/v1/kinds"): "the registry of work item kinds",
    ("GET", "/api/v1/work-items/counts"): "counts per kind, no patient shown",
    ("GET", "/api/v1/openapi.json"): "API description",
    ("GET", "/api/docs"): "API documentation page",
    ("GET", "/logg"): LOG_REVIEW,
    ("GET", "/logg.csv"): LOG_REVIEW,
    ("GET", "/logg/stickprov"): LOG_REVIEW,
    ("POST", "/logg/stickprov"): LOG_REVIEW,
    ("GET", "/logg/stickprov/{sample_id}"): LOG_REVIEW,
    ("GET", "/logg/nodatkomst"): LOG_REVIEW,
    ("POST", "/logg/nodatkomst/{access_id}/granska"): LOG_REVIEW,
    ("GET", "/logg/vardrelationer"): LOG_REVIEW,
    ("POST", "/logg/vardrelationer/{event_id}/granska"): LOG_REVIEW,
    ("GET", "/logg/{event_id}"): LOG_REVIEW,
    ("POST", "/logg/{event_id}/granska"): LOG_REVIEW,
    ("GET", "/api/v1/audit-events"): LOG_REVIEW,
    ("GET", "/api/v1/emergency-accesses"): LOG_REVIEW,
    ("GET", "/api/v1/note-types"): "the unit's note types and their templates",
    ("GET", "/api/v1/glossary"): "the unit's glossary of medical terms",
    ("POST", "/api/v1/glossary"): "the unit's glossary of medical terms",
    ("DELETE", "/api/v1/glossary/{term_id}"): "the unit's glossary of medical terms",
    ("GET", "/diktat/taligenkanning"): "draft job states of the unit's dictations (no patient shown)",
    ("GET", "/diktat/kvalitet"): "the unit's dictation figures per month: aggregates, no patient",
    ("GET", "/diktat/kvalitet.csv"): "the unit's dictation figures per month: aggregates, no patient",
    ("GET", "/diktat/kvalitet-taligenkanning.csv"): "review time with and without the draft: aggregates",
    ("GET", "/oversikt"): "the unit's work figures per kind and day: aggregates, no patient",
    ("GET", "/oversikt.csv"): "the unit's work figures per kind and day: aggregates, no patient",
    ("GET", "/oversikt/domaner.csv"): "the domains' counts for the overview: aggregates, no patient",
    ("GET", "/oversikt/bemanning"): "the unit's staffing figure per month: aggregates, no patient",
    ("GET", "/oversikt/bemanning.csv"): "the unit's staffing figure per month: aggregates, no patient",
    ("GET", "/oversikt/bemanning/underlag"): "the unit's standard times and staffed hours",
    ("POST", "/oversikt/bemanning/underlag/standardtider"): "the unit's standard times and staffed hours",
    ("POST", "/oversikt/bemanning/underlag/timmar"): "the unit's standard times and staffed hours",
    ("GET", "/remisser/ny"): "empty referral registration form",
    ("GET", "/remisser/mallar"): "the unit's outgoing referral templates",
    ("POST", "/remisser/mallar"): "the unit's outgoing referral templates",
    ("GET", "/api/v1/referrals/templates"): "the unit's outgoing referral templates",
    ("GET", "/vantelista/ny"): "empty waiting-list form (an identifier in the query is only echoed)",
    ("GET", "/vantelista/sammanstallning.csv"): "waiting-time figures per kind: counts, no patient",
    ("GET", "/vantelista/installningar"): "the unit's care-guarantee limits and region",
    ("POST", "/vantelista/installningar"): "the unit's care-guarantee limits and region",
    ("GET", "/journalkopior/ny"): "empty record-request form (an identifier in the query is only echoed)",
    ("GET", "/journalkopior/installningar"): "the unit's record-request clock and fee table",
    ("POST", "/journalkopior/installningar"): "the unit's record-request clock and fee table",
    ("GET", "/journalkopior/statistik"): "record-request figures per month and unit: counts, no patient",
    ("GET", "/journalkopior/statistik.csv"): "record-request figures per month and unit: counts, no patient",
    ("GET", "/api/v1/record-requests/figures"): "record-request figures as JSON: counts, no patient",
    ("GET", "/api/v1/record-requests/fee-quote"): "a fee from the unit's table: no patient",
    ("GET", "/api/v1/waitlist/limits"): "the unit's care-guarantee limits and region",
    ("PUT", "/api/v1/waitlist/limits"): "the unit's care-guarantee limits and region",
    ("GET", "/provsvar/importera"): "the empty CSV upload form for results",
    ("GET", "/brev/mallar"): "the unit's letter texts (templates, no patient)",
    ("GET", "/brev/mallar/{kind}"): "the unit's letter texts (templates, no patient)",
    ("POST", "/brev/mallar/{kind}"): "the unit's letter texts (templates, no patient)",
    ("POST", "/brev/mallar/{kind}/aterstall"): "the unit's letter texts (templates, no patient)",
    ("GET", "/api/v1/letters/templates"): "the unit's letter texts (templates, no patient)",
    ("PUT", "/api/v1/letters/templates/{kind}"): "the unit's letter texts (templates, no patient)",
    ("DELETE", "/api/v1/letters/templates/{kind}"): "the unit's letter texts (templates, no patient)",
    ("GET", "/tidbok"): "the unit's week of schedules: slot times and statuses, no patient",
    ("GET", "/tidbok/scheman"): SCHEDULES,
    ("POST", "/tidbok/scheman/resurs"): SCHEDULES,
    ("POST", "/tidbok/scheman/besokstyp"): SCHEDULES,
    ("POST", "/tidbok/scheman/stangt"): SCHEDULES + EXCEPTIONS,
    ("POST", "/tidbok/scheman/generera"): SCHEDULES,
    ("GET", "/tidbok/scheman/{resource_id}"): SCHEDULES,
    ("POST", "/tidbok/scheman/{resource_id}/pass"): SCHEDULES,
    ("POST", "/tidbok/scheman/pass/{template_id}/ta-bort"): SCHEDULES,
    ("POST", "/tidbok/scheman/{resource_id}/undantag"): SCHEDULES + EXCEPTIONS,
    ("POST", "/tidbok/scheman/undantag/{exception_id}/ta-bort"): SCHEDULES,
    ("GET", "/api/v1/schedules"): SCHEDULES,
    ("POST", "/api/v1/schedules"): SCHEDULES,
    ("GET", "/api/v1/schedules/{resource_id}"): SCHEDULES,
    ("GET", "/api/v1/schedules/{resource_id}/fhir"): SCHEDULES,
    ("POST", "/api/v1/schedules/{resource_id}/templates"): SCHEDULES,
    ("DELETE", "/api/v1/schedule-templates/{template_id}"): SCHEDULES,
    ("POST", "/api/v1/schedule-exceptions"): SCHEDULES + EXCEPTIONS,
    ("DELETE", "/api/v1/schedule-exceptions/{exception_id}"): SCHEDULES,
    ("GET", "/api/v1/visit-types"): SCHEDULES,
    ("POST", "/api/v1/visit-types"): SCHEDULES,
    ("GET", "/api/v1/holidays"): "computed Swedish public holidays",
    ("POST", "/api/v1/slots/generate"): SCHEDULES,
    ("GET", "/api/v1/slots"): "free slots: times, schedules and visit types, no patient",
    ("GET", "/api/v1/slots/fhir"): "free slots: times, schedules and visit types, no patient",
    ("GET", "/api/v1/slots/{slot_id}/fhir"): "one slot: time, schedule and status, no patient",
    ("GET", "/behorigheter"): "counts of the unit's access orders, introductions and reviews",
}
# rreview (issue 12): the secrecy review, decision, delivery and the delegation table.
PATIENT_ROUTES.update(review_routes.PATIENT_ROUTES)
PATIENT_ROUTES.update(rpdf_routes.PATIENT_ROUTES)
NO_PATIENT_DATA.update(review_routes.NO_PATIENT_DATA)
NO_PATIENT_DATA.update(register_routes.NO_PATIENT_DATA)
UNIT_ROUTES.update(review_routes.UNIT_ROUTES)
# signals (issue 13 item 6): the risk signals, their review and the unit's watch list.
PATIENT_ROUTES.update(signal_routes.PATIENT_ROUTES)
NO_PATIENT_DATA.update(signal_routes.NO_PATIENT_DATA)
UNIT_ROUTES.update(signal_routes.UNIT_ROUTES)
AUDIT_LOG_READS.update(signal_routes.AUDIT_LOG_READS)
UNIT_ROUTES.update(register_routes.UNIT_ROUTES)
# intro (issue 13 item 4): introductions and their checklists, staff data.
NO_PATIENT_DATA.update(intro_routes.NO_PATIENT_DATA)
UNIT_ROUTES.update(intro_routes.UNIT_ROUTES)
# reviews (issue 13 item 5): the periodic access review and the accounts without a login.
NO_PATIENT_DATA.update(access_review_routes.NO_PATIENT_DATA)
UNIT_ROUTES.update(access_review_routes.UNIT_ROUTES)
# orders (issue 13 item 3): access orders, staff data.
NO_PATIENT_DATA.update(access_orders.NO_PATIENT_DATA)
UNIT_ROUTES.update(access_orders.UNIT_ROUTES)
# profiles (issue 13 item 2): the access-rights catalogue, its profiles and analyses.
NO_PATIENT_DATA.update(profiles_routes.NO_PATIENT_DATA)
UNIT_ROUTES.update(profiles_routes.UNIT_ROUTES)
NO_PATIENT_DATA.update(codes_routes.NO_PATIENT_DATA)  # code systems (issue 14)
# contacts (issue 14 items 2, 3, 7): the coding pages and API, booking's visit done.
PATIENT_ROUTES.update(coding_routes.PATIENT_ROUTES)
NO_PATIENT_DATA.update(coding_routes.NO_PATIENT_DATA)
# regexport (issue 14 items 5, 6): the patient-register report, a contact as FHIR.
PATIENT_ROUTES.update(report_routes.PATIENT_ROUTES)
NO_PATIENT_DATA.update(report_routes.NO_PATIENT_DATA)
UNIT_ROUTES.update(report_routes.UNIT_ROUTES)
NO_PATIENT_DATA.update(region_routes.NO_PATIENT_DATA)  # region (issue 15 items 6, 9)
# team (issue 15 item 3): the team's load, my week, absences and moving an absent one's items.
PATIENT_ROUTES.update(team_routes.PATIENT_ROUTES)
NO_PATIENT_DATA.update(team_routes.NO_PATIENT_DATA)
# report (issue 15 item 5): the monthly report to leadership.
NO_PATIENT_DATA.update(stats_report_routes.NO_PATIENT_DATA)
UNIT_ROUTES.update(stats_report_routes.UNIT_ROUTES)


ID_PARAM = re.compile(r"\{\w+_id\}")


def _normal(path: str) -> str:
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


def test_every_route_is_classified(app: FastAPI) -> None:
    routes = [(m, _normal(p)) for m, p in app_routes(app)]
    assert len(routes) > 30
    unclassified = [r for r in routes if r not in PATIENT_ROUTES and r not in NO_PATIENT_DATA]
    assert not unclassified, f"classify these routes in {__file__}: {unclassified}"
    for method, path in routes:
        params = set(re.findall(r"\{(\w+)\}", path))
        if params & PATIENT_PARAMS:
            assert (method, path) in PATIENT_ROUTES, f"{method} {path} takes a patient: add a call"
    stale = [r for r in [*PATIENT_ROUTES, *NO_PATIENT_DATA, *UNIT_ROUTES, *AUDIT_LOG_READS]
             if r not in routes]
    assert not stale, f"these classified routes no longer exist: {stale}"
    # A record id in the path: another unit's user must be refused, and that refusal logged.
    untested = [r for r in NO_PATIENT_DATA if ID_PARAM.search(r[1]) and r not in UNIT_ROUTES]
    assert not untested, f"add a call to tests/web/unit_routes.py UNIT_ROUTES: {untested}"
    reads = [r for r in routes if r[0] == "GET" and r[1].startswith(LOG_READ_PREFIXES)]
    unlogged = [r for r in reads if r not in AUDIT_LOG_READS]
    assert not unlogged, f"add a call to tests/web/unit_routes.py AUDIT_LOG_READS: {unlogged}"


@pytest.fixture()
def env(app: FastAPI, database: Database, world: factories.World) -> Env:
    family = factories.unique("Audit")
    with database.session() as s:
        patient = factories.make_patient(s, world.unit_id, family=family)
        return Env(database=database, world=world, patient_id=patient.id, family_name=family,
                   data_dir=app.state.settings.data_dir)


def _audit_count(database: Database, *, user_id: int, patient_id: int | None = None,
                 outcome: str | None = None) -> int:
    with database.session() as s:
        stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.user_id == user_id)
        if patient_id is not None:
            stmt = stmt.where(AuditEvent.patient_id == patient_id)
        if outcome is not None:
            stmt = stmt.where(AuditEvent.outcome == outcome)
        return s.scalar(stmt) or 0


@pytest.mark.parametrize("route", sorted(PATIENT_ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
def test_patient_route_writes_an_audit_row(route: tuple[str, str], app: FastAPI,
                                           database: Database, env: Env) -> None:
    method, _path = route
    url, kwargs = PATIENT_ROUTES[route](env)
    user_id = kwargs.pop("as_user", env.world.secretary_id)
    registers_new = route in {("POST", "/patienter/ny"), ("POST", "/api/v1/patients")}
    before = _audit_count(database, user_id=user_id,
                          patient_id=None if registers_new else env.patient_id)
    with TestClient(app) as client:
        csrf = login_client(client, database, user_id)
        if "data" in kwargs:
            kwargs["data"] = {**kwargs["data"], "csrf_token": csrf}
        response = client.request(method, url, follow_redirects=False, **kwargs)
    assert response.status_code < 400, (response.status_code, response.text[:500])
    after = _audit_count(database, user_id=user_id,
                         patient_id=None if registers_new else env.patient_id)
    assert after > before, f"{method} {url} wrote no audit row"


def _call(app: FastAPI, database: Database, user_id: int, method: str, url: str,
          kwargs: dict[str, Any]) -> Any:
    with TestClient(app) as client:
        csrf = login_client(client, database, user_id)
        if "data" in kwargs:
            kwargs["data"] = {**kwargs["data"], "csrf_token": csrf}
        return client.request(method, url, follow_redirects=False, **kwargs)


# Every route with the id of a unit-scoped record (a patient, or a record of a unit). Emergency
# access is the one way in without a care relation; its own tests cover it.
CALLS: dict[tuple[str, str], Call] = {**PATIENT_ROUTES, **UNIT_ROUTES}
STRANGER_ROUTES = sorted(r for r in CALLS if ID_PARAM.search(r[1])
                         and not r[1].endswith(("/nodatkomst", "/emergency-access")))


@pytest.mark.parametrize("route", sorted(UNIT_ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
def test_unit_route_serves_its_own_unit(route: tuple[str, str], app: FastAPI,
                                        database: Database, env: Env) -> None:
    # The calls are right: the refusals below are about the unit, not a bad request.
    url, kwargs = UNIT_ROUTES[route](env)
    user_id = kwargs.pop("as_user", env.world.secretary_id)
    response = _call(app, database, user_id, route[0], url, kwargs)
    assert response.status_code < 400, (response.status_code, response.text[:500])


@pytest.mark.parametrize("route", STRANGER_ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_stranger_is_refused_and_the_refusal_logged(route: tuple[str, str], app: FastAPI,
                                                   database: Database, env: Env) -> None:
    method, path = route
    url, kwargs = CALLS[route](env)
    with database.session() as s:
        # Another unit's user in the role that may use the route (the refusal is the unit's).
        role = s.get(User, kwargs.pop("as_user", env.world.secretary_id)).role  # type: ignore[union-attr]
        stranger = factories.make_user(s, env.world.other_unit_id, role).id
    response = _call(app, database, stranger, method, url, kwargs)
    assert response.status_code in (403, 404), (response.status_code, response.text[:300])
    assert _audit_count(database, user_id=stranger, outcome="denied") >= 1, \
        f"{method} {url} refused without a denied audit row"
    if "{patient_id}" in path:
        assert _audit_count(database, user_id=stranger, patient_id=env.patient_id,
                            outcome="denied") >= 1
    # Nothing but the denied row is stored for the stranger.
    assert _audit_count(database, user_id=stranger, outcome="allowed") == 0


RECORD_ROUTES = [r for r in STRANGER_ROUTES if "{patient_id}" not in r[1]]


@pytest.mark.parametrize("route", RECORD_ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_another_unit_caring_for_the_patient_is_refused_the_record(
        route: tuple[str, str], app: FastAPI, database: Database, env: Env) -> None:
    # The patient is the other unit's too: the record (an item, a letter, a visit...) is not.
    method, _path = route
    url, kwargs = CALLS[route](env)
    with database.session() as s:
        role = s.get(User, kwargs.pop("as_user", env.world.secretary_id)).role  # type: ignore[union-attr]
        stranger = factories.make_user(s, env.world.other_unit_id, role).id
        s.add(CareRelation(unit_id=env.world.other_unit_id, patient_id=env.patient_id,
                           created_by_id=stranger))
    response = _call(app, database, stranger, method, url, kwargs)
    assert response.status_code in (403, 404), (response.status_code, response.text[:300])
    assert _audit_count(database, user_id=stranger, outcome="denied") >= 1, \
        f"{method} {url} refused without a denied audit row"
    assert _audit_count(database, user_id=stranger, outcome="allowed") == 0


@pytest.mark.parametrize("route", sorted(AUDIT_LOG_READS), ids=lambda r: f"{r[0]} {r[1]}")
def test_every_read_of_the_access_log_is_logged(route: tuple[str, str], app: FastAPI,
                                                database: Database, env: Env) -> None:
    url, kwargs = AUDIT_LOG_READS[route](env)
    manager_id = env.world.manager_id

    def reads() -> int:
        with database.session() as s:
            return s.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.user_id == manager_id, AuditEvent.object_type == "audit_log")) or 0

    before = reads()
    response = _call(app, database, manager_id, route[0], url, kwargs)
    assert response.status_code == 200, (response.status_code, response.text[:300])
    assert reads() == before + 1, f"{url}: one audit_log row per read"
