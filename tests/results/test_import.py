"""Importing results against a real database: matching, routing, idempotence, nothing lost."""

from __future__ import annotations

import json
import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser.audit.models import AuditEvent
from kulisser.db import Database
from kulisser.identity import SAMORDNINGSNUMMER_SYSTEM, generate_personnummer
from kulisser.patients.models import CareRelation, Patient
from kulisser.results import bulk
from kulisser.results import service as results
from kulisser.results.models import Result, ResultObservation
from kulisser.staff.models import Role, User
from kulisser.worklist.models import WorkItem
from tests import factories
from tests.results.helpers import (
    csv_drop,
    import_one,
    items_of,
    patient,
    report,
    sender_id,
    username,
)


def _count(session: Session, model: type, **where: object) -> int:
    stmt = select(func.count()).select_from(model)
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    return session.scalar(stmt) or 0


def test_known_patient_and_orderer_go_to_the_clinician(db: Session, world: factories.World) -> None:
    result = import_one(db, world)
    assert result.status == "to_sign" and result.patient_id == world.patient_ids[0]
    assert result.ordering_clinician_id == world.clinician_id and not result.abnormal
    [item] = items_of(db, result.id)
    assert (item.kind, item.owner_id, item.priority, item.status) == (
        "result-review", world.clinician_id, "normal", "requested")
    assert item.patient_id == world.patient_ids[0] and item.unit_id == world.unit_id
    assert [e.type for e in item.events] == ["created", "assigned"]
    assert [o.name for o in result.observations] == ["Hemoglobin"]
    # One audit row for the import, by the importer, about the patient.
    rows = db.scalars(select(AuditEvent).where(AuditEvent.object_type == "result",
                                               AuditEvent.object_id == str(result.id))).all()
    assert [(r.user_id, r.patient_id, r.action) for r in rows] == [
        (world.secretary_id, world.patient_ids[0], "create")]


def test_unknown_orderer_goes_to_the_unit_queue(db: Session, world: factories.World) -> None:
    ident = patient(db, world.patient_ids[0]).id_value
    secretary = username(db, world.secretary_id)  # a member, but not a clinician
    for orderer in ("okand-lakare", secretary, None):
        outcome = results.import_fhir(db, actor=factories.actor(db, world.secretary_id),
                                      payload=report(ident, orderer=orderer)).outcomes[0]
        [item] = items_of(db, outcome.result_id or 0)
        assert item.kind == "result-review" and item.owner_id is None, orderer
        assert "enhetens kö" in outcome.message


def test_orderer_by_hsa_id(db: Session, world: factories.World) -> None:
    clinician = db.get(User, world.clinician_id)
    assert clinician is not None
    clinician.hsa_id = factories.unique("SE2321000016-H")
    db.flush()
    ident = patient(db, world.patient_ids[1]).id_value
    outcome = results.import_fhir(db, actor=factories.actor(db, world.secretary_id),
                                  payload=report(ident, orderer=clinician.hsa_id.lower())).outcomes[0]
    assert items_of(db, outcome.result_id or 0)[0].owner_id == world.clinician_id


def test_unknown_patient_goes_to_the_queue_unmatched_with_the_raw_data(
        db: Session, world: factories.World) -> None:
    unknown = factories.new_personnummer()  # valid, but nobody registered it
    body = report(unknown, orderer=username(db, world.clinician_id))
    outcome = results.import_fhir(db, actor=factories.actor(db, world.secretary_id),
                                  payload=body).outcomes[0]
    assert outcome.status == "unmatched" and "Ingen patient" in outcome.message
    result = db.get(Result, outcome.result_id)
    assert result is not None and result.status == "unmatched" and result.patient_id is None
    assert json.loads(result.raw)["subject"]["identifier"]["value"] == unknown  # kept, never dropped
    assert result.ordering_clinician_id == world.clinician_id  # routes there once matched
    [item] = items_of(db, result.id)
    assert (item.kind, item.owner_id, item.patient_id) == ("result-unmatched", None, None)
    assert "Ingen patient" in item.description and unknown not in item.title


def test_missing_or_bad_identity_number_is_unmatched_too(db: Session, world: factories.World) -> None:
    good = patient(db, world.patient_ids[0]).id_value
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    for ident, why in ((bad, "Kontrollsiffran"), (None, "saknas"), ("abc", "Ange 10 eller 12")):
        outcome = results.import_fhir(db, actor=factories.actor(db, world.secretary_id),
                                      payload=report(ident)).outcomes[0]
        assert outcome.status == "unmatched" and why in outcome.message, outcome


def test_samordningsnummer_matches_exactly(db: Session, world: factories.World) -> None:
    snr = generate_personnummer(random.Random(), samordningsnummer=True)
    p = Patient(id_kind=snr.kind.value, id_value=snr.value)
    p.set_name(given_name="Sam", family_name="Ordning")
    db.add(p)
    db.flush()
    # The ten-digit form ("+" for someone a hundred or older) matches the twelve stored digits.
    body = report(snr.short())
    body["subject"]["identifier"]["system"] = SAMORDNINGSNUMMER_SYSTEM
    actor = factories.actor(db, world.secretary_id)
    outcome = results.import_fhir(db, actor=actor, payload=body).outcomes[0]
    assert outcome.status == "imported"
    assert db.get(Result, outcome.result_id).patient_id == p.id  # type: ignore[union-attr]
    # Sent as a personnummer, it is not one: unmatched, with the reason.
    body = report(snr.value)
    outcome = results.import_fhir(db, actor=actor, payload=body).outcomes[0]
    assert outcome.status == "unmatched" and "samordningsnummer" in outcome.message


def test_the_same_result_twice_creates_nothing_new(db: Session, world: factories.World) -> None:
    ident = patient(db, world.patient_ids[0]).id_value
    body = report(ident, source=sender_id(), orderer=username(db, world.clinician_id))
    actor = factories.actor(db, world.secretary_id)
    first = results.import_fhir(db, actor=actor, payload=body).outcomes[0]
    counts = [_count(db, m) for m in (Result, ResultObservation, WorkItem, AuditEvent)]
    again = results.import_fhir(db, actor=actor, payload=body).outcomes[0]
    assert again.status == "duplicate" and again.result_id == first.result_id
    assert [_count(db, m) for m in (Result, ResultObservation, WorkItem, AuditEvent)] == counts
    # Twice in one payload: one result.
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": report(ident, source="TWICE-" + sender_id())}] * 2}
    statuses = [o.status for o in results.import_fhir(db, actor=actor, payload=bundle).outcomes]
    assert statuses == ["imported", "duplicate"]


def test_a_race_between_two_imports_is_settled_by_the_unique_key(
        database: Database, world: factories.World) -> None:
    source = sender_id()
    with database.session() as s1:
        ident = patient(s1, world.patient_ids[0]).id_value
        body = report(ident, source=source)
        actor = factories.actor(s1, world.secretary_id)
        # The second import checked before the first committed, so only the insert can tell.
        with database.session() as s2:
            results.import_fhir(s2, actor=actor, payload=body)
        known = bulk._known
        bulk._known = lambda *_a, **_k: {}  # type: ignore[assignment]
        try:
            outcome = results.import_fhir(s1, actor=actor, payload=body).outcomes[0]
        finally:
            bulk._known = known  # type: ignore[assignment]
        assert outcome.status == "duplicate"
    with database.session() as s:
        assert _count(s, Result, source_id=source) == 1
        rid = s.scalar(select(Result.id).where(Result.source_id == source))
        assert len(items_of(s, rid or 0)) == 1


def test_abnormal_is_high_and_critical_is_acute(db: Session, world: factories.World) -> None:
    normal = import_one(db, world)
    low = import_one(db, world, value=95, flag="L")
    unflagged = import_one(db, world, value=200)
    critical = import_one(db, world, value=40, flag="LL")
    got = [(r.abnormal, r.critical, r.priority, items_of(db, r.id)[0].priority)
           for r in (normal, low, unflagged, critical)]
    assert got == [(False, False, "normal", "normal"), (True, False, "high", "high"),
                   (True, False, "high", "high"), (True, True, "acute", "acute")]
    titles = [items_of(db, r.id)[0].title for r in (normal, low, critical)]
    assert titles[0].startswith("Provsvar:") and titles[1].startswith("Avvikande")
    assert titles[2].startswith("Kritiskt")
    # Due times follow the kind's hours per priority: acute within 2 h, normal within 3 days.
    due = {r.priority: items_of(db, r.id)[0].due_at - r.received_at for r in (normal, critical)}
    assert due["acute"].total_seconds() == 2 * 3600 and due["normal"].days == 3


def test_the_ordering_unit_gets_a_care_relation(db: Session, world: factories.World) -> None:
    outsider = factories.make_patient(db, world.other_unit_id)  # only the other unit cares for them
    result = import_one(db, world, patient_id=outsider.id)
    assert result.status == "to_sign"
    relation = db.scalar(select(CareRelation).where(CareRelation.unit_id == world.unit_id,
                                                    CareRelation.patient_id == outsider.id))
    assert relation is not None and relation.ended_at is None
    assert relation.created_by_id == world.secretary_id


def test_csv_bad_identity_number_row_is_reported_and_the_rest_imported(
        db: Session, world: factories.World) -> None:
    good = patient(db, world.patient_ids[0]).id_value
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    doctor = username(db, world.clinician_id)
    ids = [sender_id() for _ in range(4)]
    data = csv_drop(f"{ids[0]};{good};{doctor};718-7;Hemoglobin;140;g/L;117-153;N;2026-11-20 10:00;",
                    f"{ids[1]};{bad};{doctor};718-7;Hemoglobin;95;g/L;117-153;L;2026-11-20 10:00;",
                    f";{good};{doctor};K;Kalium;4,1;mmol/L;3,5-4,4;;;",
                    f"{ids[3]};{good};{doctor};K;Kalium;6,9;mmol/L;3,5-4,4;HH;;")
    report_ = results.import_csv(db, actor=factories.actor(db, world.secretary_id), data=data)
    by_row = {o.row: o for o in report_.outcomes}
    assert [by_row[r].status for r in (2, 3, 4, 5)] == ["imported", "unmatched", "error", "imported"]
    assert "Rad 3" in report_.summary() and "Kontrollsiffran" in by_row[3].message
    assert bad not in report_.summary()  # the report never repeats the identity number
    # Nothing lost: the bad row is stored for matching, with its raw row.
    unmatched = db.get(Result, by_row[3].result_id)
    assert unmatched is not None and json.loads(unmatched.raw)["identity_number"] == bad
    assert [i.kind for i in items_of(db, unmatched.id)] == ["result-unmatched"]
    assert db.get(Result, by_row[5].result_id).critical  # type: ignore[union-attr]
    again = results.import_csv(db, actor=factories.actor(db, world.secretary_id), data=data)
    assert [o.status for o in again.outcomes] == ["duplicate", "duplicate", "error", "duplicate"]


def test_json_lines_mixed_flat_and_fhir(db: Session, world: factories.World) -> None:
    ident = patient(db, world.patient_ids[2]).id_value
    lines = [json.dumps({"sender_id": sender_id(), "identity_number": ident, "test_name": "CRP",
                         "value": 160, "reference_range": "<5",
                         "ordering_clinician": username(db, world.clinician_id)}),
             "",
             json.dumps(report(ident)),
             '{"resourceType": "Observation"}',
             "{broken"]
    report_ = results.import_lines(db, actor=factories.actor(db, world.secretary_id), lines=lines)
    assert [(o.row, o.status) for o in report_.outcomes] == [
        (1, "imported"), (3, "imported"), (4, "error"), (5, "error")]
    assert "Observation.code" in report_.outcomes[2].message
    crp = db.get(Result, report_.outcomes[0].result_id)
    assert crp is not None and crp.abnormal and crp.source_format == "jsonl"


def test_clinician_role_of_another_unit_is_not_the_orderer(db: Session, world: factories.World) -> None:
    elsewhere = factories.make_user(db, world.other_unit_id, Role.CLINICIAN)
    ident = patient(db, world.patient_ids[0]).id_value
    outcome = results.import_fhir(db, actor=factories.actor(db, world.secretary_id),
                                  payload=report(ident, orderer=elsewhere.username)).outcomes[0]
    assert items_of(db, outcome.result_id or 0)[0].owner_id is None
