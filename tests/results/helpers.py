"""Builders for result tests: FHIR reports, CSV drops, and one routed result in a unit."""

from __future__ import annotations

import itertools
import random
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.audit.models import AuditEvent
from kulisser.identity import PERSONNUMMER_SYSTEM
from kulisser.patients.models import Patient
from kulisser.results import service as results
from kulisser.results.models import Result
from kulisser.staff.models import User
from kulisser.worklist.models import WorkItem
from tests import factories

_seq = itertools.count(1)
LAB = "urn:oid:1.2.752.99.1"
CSV_HEADER = ("sender_id;identity_number;ordering_clinician;test_code;test_name;value;unit;"
              "reference_range;abnormal_flag;issued;text")


def sender_id() -> str:
    """A sender id no other test uses."""
    return f"LAB-{next(_seq)}-{random.randrange(10**9)}"


def observation(oid: str = "o1", *, name: str = "Hemoglobin", value: float = 140,
                unit: str = "g/L", low: float | None = 117, high: float | None = 153,
                flag: str | None = None) -> dict[str, Any]:
    """A contained Observation with a quantity, a reference range and an optional flag."""
    obs: dict[str, Any] = {"resourceType": "Observation", "id": oid, "status": "final",
                           "code": {"coding": [{"system": "http://loinc.org", "code": "718-7",
                                                "display": name}]},
                           "valueQuantity": {"value": value, "unit": unit}}
    ref: dict[str, Any] = {}
    if low is not None:
        ref["low"] = {"value": low}
    if high is not None:
        ref["high"] = {"value": high}
    if ref:
        obs["referenceRange"] = [ref]
    if flag:
        obs["interpretation"] = [{"coding": [{"code": flag}]}]
    return obs


def report(identifier: str | None, *, orderer: str | None = None, source: str | None = None,
           title: str = "Blodstatus", values: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A DiagnosticReport with contained Observations (and a ServiceRequest naming the orderer)."""
    values = values if values is not None else [observation()]
    body: dict[str, Any] = {
        "resourceType": "DiagnosticReport", "status": "final",
        "identifier": [{"system": LAB, "value": source or sender_id()}],
        "code": {"text": title}, "issued": "2026-11-20T10:00:00+01:00",
        "result": [{"reference": f"#{v['id']}"} for v in values], "contained": list(values)}
    if identifier is not None:
        body["subject"] = {"identifier": {"system": PERSONNUMMER_SYSTEM, "value": identifier}}
    if orderer is not None:
        body["contained"].append({"resourceType": "ServiceRequest", "id": "order", "status": "active",
                                  "intent": "order", "subject": {"display": "patienten"},
                                  "requester": {"identifier": {"value": orderer}}})
        body["basedOn"] = [{"reference": "#order"}]
    return body


def csv_drop(*rows: str) -> bytes:
    """A CSV file with the English header and the given data rows."""
    return ("\n".join([CSV_HEADER, *rows]) + "\n").encode("utf-8")


def patient(session: Session, patient_id: int) -> Patient:
    """Load a patient."""
    found = session.get(Patient, patient_id)
    assert found is not None
    return found


def username(session: Session, user_id: int) -> str:
    """A user's username."""
    user = session.get(User, user_id)
    assert user is not None
    return user.username


def import_one(session: Session, world: factories.World, *, patient_id: int | None = None,
               orderer: bool = True, flag: str | None = None, value: float = 140,
               now: datetime | None = None, actor_id: int | None = None) -> Result:
    """Import one result for a patient of the world (routed to its clinician); return it."""
    ident = patient(session, patient_id or world.patient_ids[0]).id_value
    body = report(ident, orderer=username(session, world.clinician_id) if orderer else None,
                  values=[observation(value=value, flag=flag)])
    actor = factories.actor(session, actor_id or world.secretary_id)
    outcome = results.import_fhir(session, actor=actor, payload=body, now=now).outcomes[0]
    assert outcome.result_id is not None, outcome
    found = session.get(Result, outcome.result_id)
    assert found is not None
    return found


def items_of(session: Session, result_id: int) -> list[WorkItem]:
    """Every work item pointing at the result, oldest first."""
    return list(session.scalars(select(WorkItem).where(
        WorkItem.ref_type == "result", WorkItem.ref_id == result_id).order_by(WorkItem.id)))


def audit_rows(session: Session, *, user_id: int, object_id: int | None = None,
               outcome: str | None = None) -> list[AuditEvent]:
    """The user's audit rows about results (of one result, with one outcome)."""
    stmt = select(AuditEvent).where(AuditEvent.user_id == user_id,
                                    AuditEvent.object_type.in_(("result", "result_list")))
    if object_id is not None:
        stmt = stmt.where(AuditEvent.object_id == str(object_id))
    if outcome is not None:
        stmt = stmt.where(AuditEvent.outcome == outcome)
    return list(session.scalars(stmt.order_by(AuditEvent.id)))


# -- for tests/web/test_route_coverage.py (its Env: database, world, patient_id) ---------------

def env_identity(env: Any) -> str:
    """The identity number of the Env's patient."""
    with env.database.session() as s:
        return patient(s, env.patient_id).id_value


def env_result(env: Any) -> int:
    """A result about the Env's patient, routed to the world's clinician."""
    with env.database.session() as s:
        return import_one(s, env.world, patient_id=env.patient_id).id


def env_unmatched(env: Any) -> int:
    """An unmatched result in the Env's unit (a mistyped identity number)."""
    with env.database.session() as s:
        actor = factories.actor(s, env.world.secretary_id)
        outcome = results.import_fhir(s, actor=actor, payload=report("19121212-1213")).outcomes[0]
        assert outcome.result_id is not None
        return outcome.result_id


def env_csv(env: Any) -> bytes:
    """A one-row CSV drop about the Env's patient."""
    return csv_drop(f"{sender_id()};{env_identity(env)};;718-7;Hb;140;g/L;117-153;;;")


def env_fhir(env: Any) -> dict[str, Any]:
    """A FHIR report about the Env's patient."""
    return report(env_identity(env))


def env_lines(env: Any) -> bytes:
    """One flat JSON line about the Env's patient."""
    import json

    return json.dumps({"sender_id": sender_id(), "identity_number": env_identity(env),
                       "test_name": "CRP", "value": "3"}).encode()
