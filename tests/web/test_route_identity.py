"""Every route that takes an identity number or a patient's details: a unit without a care
relation learns nothing from it.

The route walk of tests/web/test_route_coverage.py proves that each patient route audits and
refuses a stranger. This one walks the routes that take an identity number (or a name typed
with one): the world's secretary types the number of a patient registered by another unit,
then an unknown number. Before a reason starts a care relation, the answer never shows the
registered name, address or phone, and it is the same answer as for the unknown number, so
it does not even tell that the number is on file. A route that takes such input and is in
neither table below fails `test_every_identity_route_is_walked`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fastapi.routing as fr
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import func, select

from kulisser.audit.models import AuditEvent
from kulisser.db import Database
from kulisser.dictation.storage import AudioStore
from kulisser.patients.models import CareRelation, Patient
from tests import factories
from tests.booking import helpers as bh
from tests.coding import coding_routes
from tests.dictation import helpers as dictation_helpers
from tests.dictation.audio import unique_tone
from tests.factories import login_client
from tests.referrals import helpers as rh
from tests.results import helpers as res
from tests.waitlist import helpers as wh
from tests.web import codes_routes, signal_routes

INPUT_NAMES = {"identifier", "q", "given_name", "family_name"}
TYPED_GIVEN, TYPED_FAMILY = "Typad", "Gissadsson"


@dataclass
class Known:
    """A patient registered by another unit (no relation with the world's unit): what is secret."""

    database: Database
    world: factories.World
    data_dir: Path
    patient_id: int
    given: str
    family: str
    address: str
    city: str
    phone: str
    made: dict[str, int] = field(default_factory=dict)  # records both calls use, made once

    def once(self, name: str, make: Callable[[], int]) -> int:
        """A record made on first use, so the known and the unknown number meet the same one."""
        if name not in self.made:
            self.made[name] = make()
        return self.made[name]

    def secrets(self) -> list[str]:
        """The registered details that must not leak before a reason is given."""
        return [self.given, self.family, self.address, self.city, self.phone]


Call = Callable[[Known, str], tuple[str, dict[str, Any]]]


def _dictation(k: Known) -> int:
    def make() -> int:
        with k.database.session() as s:
            return dictation_helpers.upload(s, k.world, store=AudioStore(data_dir=k.data_dir),
                                            patient_id=k.world.patient_ids[0]).id
    return k.once("dictation", make)


def _slot(k: Known) -> int:
    return k.once("slot", lambda: bh.env_slots(k)[0])


def _referral_form(number: str) -> dict[str, str]:
    # No names: the form asks for them for a patient new to the unit, known number or not.
    return {"sender_name": "VC Norr", "sender_hsa_id": rh.HSA,
            "issued_on": rh.today().isoformat(), "received_on": rh.today().isoformat(),
            "question": "Bedömning?", "priority": "normal", "identifier": number}


# How to send a number (as the world's secretary unless "as_user" says otherwise).
IDENTITY_ROUTES: dict[tuple[str, str], Call] = {
    ("POST", "/patienter/ny"): lambda k, n: ("/patienter/ny", {"data": {
        "identifier": n, "given_name": TYPED_GIVEN, "family_name": TYPED_FAMILY}}),
    ("POST", "/api/v1/patients"): lambda k, n: ("/api/v1/patients", {"json": {
        "identifier": n, "given_name": TYPED_GIVEN, "family_name": TYPED_FAMILY}}),
    ("POST", "/remisser/ny"): lambda k, n: ("/remisser/ny", {"data": _referral_form(n)}),
    ("POST", "/api/v1/referrals"): lambda k, n: ("/api/v1/referrals", {
        "data": _referral_form(n), "files": [("files", ("r.pdf", rh.pdf_bytes(), "application/pdf"))]}),
    ("GET", "/vantelista/ny"): lambda k, n: (f"/vantelista/ny?identifier={n}", {}),
    ("POST", "/vantelista/ny"): lambda k, n: ("/vantelista/ny", {"data": {
        "identifier": n, "wait_kind": "first_visit", "clock_start": wh.local_today().isoformat(),
        "priority": "normal"}}),
    ("POST", "/arbetslista/ny"): lambda k, n: ("/arbetslista/ny", {"data": {
        "kind": "task", "title": "Ring tillbaka", "priority": "normal", "identifier": n}}),
    ("POST", "/diktat/ny"): lambda k, n: ("/diktat/ny", {
        "data": {"identifier": n, "note_type": "visit", "author_id": str(k.world.clinician_id)},
        "files": {"file": ("diktat.wav", unique_tone(), "audio/wav")}}),
    ("POST", "/diktat/{dictation_id}/uppgifter"): lambda k, n: (
        f"/diktat/{_dictation(k)}/uppgifter", {"data": {"identifier": n}}),
    ("GET", "/brev/nytt"): lambda k, n: (f"/brev/nytt?identifier={n}", {}),
    ("POST", "/brev/nytt"): lambda k, n: ("/brev/nytt", {"data": {
        "kind": "result", "identifier": n, "undersokning": "prover", "meddelande": "Bra"}}),
    ("POST", "/remisser/utgaende/ny"): lambda k, n: ("/remisser/utgaende/ny", {"data": {
        "identifier": n, "receiver_name": "Kardiologen", "receiver_hsa_id": "SE2321000016-KARD",
        "question": "Ablation?", "author_id": str(k.world.clinician_id)}}),
    ("POST", "/tidbok/boka"): lambda k, n: ("/tidbok/boka", {"data": {
        "slot_id": str(_slot(k)), "identifier": n}}),
    ("POST", "/api/v1/appointments"): lambda k, n: ("/api/v1/appointments", {"json": {
        "slot_id": _slot(k), "identifier": n}}),
    ("GET", "/journalkopior/ny"): lambda k, n: (f"/journalkopior/ny?identifier={n}", {}),
    ("POST", "/journalkopior/ny"): lambda k, n: ("/journalkopior/ny", {"data": {
        "identifier": n, "kind": "copy", "received_on": wh.local_today().isoformat(),
        "channel": "phone", "requester_kind": "patient", "scope": "whole", "delivery": "post"}}),
    # searches: only the unit's own patients are ever found
    ("GET", "/patienter"): lambda k, n: (f"/patienter?q={n}", {}),
    ("GET", "/api/v1/patients"): lambda k, n: (f"/api/v1/patients?q={n}", {}),
    ("GET", "/reception"): lambda k, n: (f"/reception?q={n}", {}),
    ("GET", "/arbetslista"): lambda k, n: (f"/arbetslista?scope=queue&q={n}", {}),
    ("GET", "/api/v1/work-items"): lambda k, n: (f"/api/v1/work-items?scope=queue&q={n}", {}),
    ("GET", "/api/v1/work-items/counts"): lambda k, n: (f"/api/v1/work-items/counts?q={n}", {}),
    ("GET", "/remisser"): lambda k, n: (f"/remisser?status=all&q={n}", {}),
    ("GET", "/api/v1/referrals"): lambda k, n: (f"/api/v1/referrals?status=all&q={n}", {}),
    ("GET", "/remisser/utgaende"): lambda k, n: (f"/remisser/utgaende?status=all&q={n}", {}),
    ("GET", "/api/v1/referrals/outgoing"): lambda k, n: (
        f"/api/v1/referrals/outgoing?status=all&q={n}", {}),
}

IDENTITY_ROUTES.update(signal_routes.IDENTITY_ROUTES)  # the watch list (issue 13 item 6)
IDENTITY_ROUTES.update(codes_routes.IDENTITY_ROUTES)  # code search (issue 14)
IDENTITY_ROUTES.update(coding_routes.IDENTITY_ROUTES)  # a contact by hand (issue 14)

# Routes that take such input but are covered elsewhere, and why.
ELSEWHERE: dict[tuple[str, str], str] = {
    ("POST", "/patienter/{patient_id}/redigera"): "a patient id: refused to a stranger "
                                                  "(test_route_coverage.STRANGER_ROUTES)",
    ("PATCH", "/api/v1/patients/{patient_id}"): "a patient id: refused to a stranger "
                                                "(test_route_coverage.STRANGER_ROUTES)",
    ("POST", "/provsvar/{result_id}/matcha"): "matching the unit's own result: the relation "
                                              "starts for that reason, flagged (test below)",
    ("POST", "/api/v1/results/{result_id}/match"): "matching the unit's own result: the "
                                                   "relation starts for that reason, flagged",
    ("POST", "/logg/stickprov"): "the manager's log review: rows of the manager's units only",
    ("GET", "/api/v1/audit-events"): "the manager's log review: rows of the manager's units only",
}


def _input_names(dependant: Any, out: set[str]) -> set[str]:
    for p in [*dependant.query_params, *dependant.body_params]:
        out.add(p.name)
        annotation = getattr(p.field_info, "annotation", None)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out.update(annotation.model_fields)
    for sub in dependant.dependencies:
        _input_names(sub, out)
    return out


def _normal(path: str) -> str:
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


def test_every_identity_route_is_walked(app: FastAPI) -> None:
    taking = set()
    for ctx in fr.iter_route_contexts(app.routes):  # type: ignore[attr-defined]
        dependant = getattr(ctx.route, "dependant", None)
        if dependant is not None and _input_names(dependant, set()) & INPUT_NAMES:
            taking.update((m, _normal(ctx.path)) for m in ctx.methods or ())
    missing = sorted(taking - IDENTITY_ROUTES.keys() - ELSEWHERE.keys())
    assert not missing, f"walk these routes in {__file__}: {missing}"
    assert len(taking) > 20


@pytest.fixture()
def known(app: FastAPI, database: Database, world: factories.World) -> Known:
    rng = random.Random()
    phone = f"073-{rng.randrange(100, 999)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}"
    with database.session() as s:
        p = factories.make_patient(s, world.other_unit_id, given=factories.unique("Hemlig"),
                                   family=factories.unique("Registrerad"),
                                   address=factories.unique("Dolda gränd"))
        p.city, p.phone = factories.unique("Gömstad"), phone
        s.flush()
        return Known(database=database, world=world, data_dir=app.state.settings.data_dir,
                     patient_id=p.id, given=p.given_name, family=p.family_name,
                     address=p.address, city=p.city, phone=phone)


def _typed(value: str) -> str:
    return f"{value[:8]}-{value[8:]}"


def _number(database: Database, patient_id: int) -> str:
    with database.session() as s:
        p = s.get(Patient, patient_id)
        assert p is not None
        return p.id_value


def _call(app: FastAPI, database: Database, route: tuple[str, str], k: Known,
          number: str) -> tuple[int, str]:
    url, kwargs = IDENTITY_ROUTES[route](k, _typed(number))
    user_id = kwargs.pop("as_user", k.world.secretary_id)
    with TestClient(app) as client:
        csrf = login_client(client, database, user_id)
        if "data" in kwargs:
            kwargs["data"] = {**kwargs["data"], "csrf_token": csrf}
        r = client.request(route[0], url, follow_redirects=False, **kwargs)
    body = r.text + " " + r.headers.get("location", "")
    # The number as typed and as stored, and the session's own tokens, are the caller's input.
    for form in (_typed(number), number, csrf):
        body = body.replace(form, "<input>")
    return r.status_code, body


def _relation(database: Database, unit_id: int, patient_id: int) -> bool:
    with database.session() as s:
        return s.scalar(select(CareRelation.id).where(CareRelation.unit_id == unit_id,
                                                      CareRelation.patient_id == patient_id,
                                                      CareRelation.ended_at.is_(None))) is not None


@pytest.mark.parametrize("route", sorted(IDENTITY_ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
def test_a_known_number_without_a_relation_tells_nothing(route: tuple[str, str], app: FastAPI,
                                                         database: Database, known: Known) -> None:
    known_status, known_body = _call(app, database, route, known,
                                     _number(database, known.patient_id))
    leaked = [s for s in known.secrets() if s in known_body]
    assert not leaked, (route, known_status, leaked)
    assert not _relation(database, known.world.unit_id, known.patient_id), route
    # The same answer as for a number nobody registered (where the route stores nothing).
    unknown_status, unknown_body = _call(app, database, route, known, factories.new_personnummer())
    assert known_status == unknown_status, (known_body[:400], unknown_body[:400])
    if known_status >= 400 or route[0] == "GET":
        assert known_body == unknown_body


def test_with_a_reason_the_relation_starts_flagged_and_the_name_warns(
        app: FastAPI, database: Database, known: Known) -> None:
    number = _number(database, known.patient_id)
    manager = known.world.manager_id
    with TestClient(app) as client:
        login_client(client, database, known.world.secretary_id)
        r = client.post("/api/v1/patients", json={
            "identifier": _typed(number), "given_name": TYPED_GIVEN, "family_name": TYPED_FAMILY,
            "care_reason": "other", "care_reason_text": "Ja"})
        assert r.status_code == 422 and set(r.json()["errors"]) == {"care_reason_text"}
        assert not any(s in r.text for s in known.secrets())
        r = client.post("/api/v1/patients", json={
            "identifier": _typed(number), "given_name": TYPED_GIVEN, "family_name": TYPED_FAMILY,
            "care_reason": "seeks_care"})
        # Now the unit takes part in the care: the record is shown, with the name warning.
        assert r.status_code == 201, r.text
        body = r.json()
        assert (body["id"], body["given_name"], body["phone"]) == (
            known.patient_id, known.given, known.phone)
        assert len(body["warnings"]) == 1 and "skiljer sig" in body["warnings"][0]
    assert _relation(database, known.world.unit_id, known.patient_id)
    with database.session() as s:
        [flagged] = s.scalars(select(AuditEvent).where(AuditEvent.patient_id == known.patient_id,
                                                       AuditEvent.outcome == "relation"))
        assert (flagged.unit_id, flagged.user_id, flagged.reason) == (
            known.world.unit_id, known.world.secretary_id, "Patienten söker vård här")
    # The manager sees it awaiting follow-up until the review is documented.
    with TestClient(app) as client:
        login_client(client, database, manager)
        page = client.get("/logg/vardrelationer")
        assert page.status_code == 200
        pending = page.text.split('id="pending"')[1].split('id="done"')[0]
        assert known.family in pending and "Patienten söker vård här" in pending
        assert "1 ny vårdrelation väntar på uppföljning" in client.get("/logg").text
        listed = client.get("/api/v1/audit-events", params={"outcome": "relation",
                                                            "unreviewed": "true"}).json()
        assert [e["id"] for e in listed["items"]] == [flagged.id]
        empty = client.post(f"/logg/vardrelationer/{flagged.id}/granska", data={"comment": " "},
                            follow_redirects=False)
        assert empty.status_code == 422
        done = client.post(f"/logg/vardrelationer/{flagged.id}/granska",
                           data={"comment": "Patienten bokad hos oss, skälet stämmer."},
                           follow_redirects=False)
        assert done.status_code == 303
        page = client.get("/logg/vardrelationer").text
        assert known.family not in page.split('id="pending"')[1].split('id="done"')[0]
        assert "skälet stämmer" in page.split('id="done"')[1]
        again = client.post(f"/logg/vardrelationer/{flagged.id}/granska",
                            data={"comment": "En gång till"}, follow_redirects=False)
        assert again.status_code == 422 and "redan uppföljd" in again.text


def test_the_registration_page_warns_about_the_name_only_after_the_relation(
        app: FastAPI, database: Database, known: Known) -> None:
    number = _typed(_number(database, known.patient_id))
    form = {"identifier": number, "given_name": TYPED_GIVEN, "family_name": TYPED_FAMILY}
    with TestClient(app) as client:
        csrf = login_client(client, database, known.world.secretary_id)
        before = client.post("/patienter/ny", data={**form, "csrf_token": csrf})
        assert before.status_code == 422 and "skiljer sig" not in before.text
        assert 'name="care_reason"' in before.text and "skälet till att patienten" in before.text
        after = client.post("/patienter/ny", data={**form, "csrf_token": csrf,
                                                   "care_reason": "referral"})
        assert after.status_code == 200 and str(after.url).endswith(
            f"/patienter/{known.patient_id}?namn=avviker")
        assert "skiljer sig från det registrerade namnet" in after.text and known.family in after.text
        # The register's own name gives no warning.
        same = client.post("/patienter/ny", data={**form, "given_name": known.given,
                                                  "family_name": known.family, "csrf_token": csrf})
        assert same.status_code == 200 and "skiljer sig" not in same.text


IMPORTS: dict[str, Callable[[Known], dict[str, Any]]] = {
    "/api/v1/results/csv": lambda k: {"files": {"file": ("svar.csv", res.env_csv(k), "text/csv")}},
    "/api/v1/results": lambda k: {"json": res.env_fhir(k)},
    "/api/v1/results/bulk": lambda k: {"content": res.env_lines(k),
                                       "headers": {"content-type": "application/x-ndjson"}},
    "/provsvar/importera": lambda k: {"files": {"file": ("svar.csv", res.env_csv(k), "text/csv")}},
}


@pytest.mark.parametrize("url", sorted(IMPORTS))
def test_an_import_for_a_known_patient_shows_nothing_and_flags_the_start(
        url: str, app: FastAPI, database: Database, known: Known) -> None:
    kwargs = IMPORTS[url](known)
    with TestClient(app) as client:
        csrf = login_client(client, database, known.world.secretary_id)
        if url.startswith("/provsvar"):
            kwargs["data"] = {"csrf_token": csrf}
        r = client.post(url, follow_redirects=True, **kwargs)
    assert r.status_code < 400, r.text
    assert not any(s in r.text for s in known.secrets())
    with database.session() as s:
        [flagged] = s.scalars(select(AuditEvent).where(AuditEvent.patient_id == known.patient_id,
                                                       AuditEvent.outcome == "relation"))
        assert flagged.unit_id == known.world.unit_id and "Provsvar" in (flagged.reason or "")


def _denied_lookups(database: Database, user_id: int, patient_id: int) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.user_id == user_id, AuditEvent.patient_id == patient_id,
            AuditEvent.object_type == "identity_lookup", AuditEvent.outcome == "denied")) or 0


@pytest.mark.parametrize("route", [("POST", "/api/v1/appointments"), ("POST", "/tidbok/boka"),
                                   ("POST", "/brev/nytt"), ("POST", "/remisser/utgaende/ny")],
                         ids=lambda r: f"{r[0]} {r[1]}")
def test_a_refused_lookup_is_logged_although_the_answer_stores_nothing(
        route: tuple[str, str], app: FastAPI, database: Database, known: Known) -> None:
    # The answer is a 4xx, so the request's work is rolled back: the denied row must outlive it.
    status, _body = _call(app, database, route, known, _number(database, known.patient_id))
    assert status >= 400
    assert _denied_lookups(database, known.world.secretary_id, known.patient_id) == 1
