"""The report's page and API (/kodning/rapport, /api/v1/coding/reports) and a coded contact as
FHIR (/api/v1/coding/contacts/{id}/fhir), parsed back with fhir.resources."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulisser import workdays
from kulisser.audit.models import AuditEvent
from kulisser.coding import fhir
from kulisser.coding import register_layout as layout
from kulisser.coding import service as coding
from kulisser.coding.contact_codes import CodeEntry
from kulisser.db import Database, utcnow
from kulisser.worklist.service import TransitionError
from tests import factories
from tests.coding.codes_fixtures import swedish_tables
from tests.coding.report_routes import last_month


def _contact(db: Session, world: factories.World, *entries: CodeEntry, days_ago: int = 0,
             patient: int = 0) -> int:
    actor = factories.actor(db, world.secretary_id)
    day = workdays.local_today() - timedelta(days=days_ago)
    c = coding.create_contact(db, actor=actor, patient_id=world.patient_ids[patient],
                              kind="doctor_visit", contact_date=day,
                              clinician_id=world.clinician_id)
    if entries:
        coding.set_codes(db, actor=actor, contact_id=c.id, entries=list(entries), finish=True,
                         now=utcnow())
    return c.id


def _month_day(n: int) -> int:
    """Days ago of the n-th day of last month."""
    first = workdays.local_today().replace(day=1) - timedelta(days=1)
    return (workdays.local_today() - first.replace(day=n)).days


def test_the_api_exports_a_month_and_gives_the_file_back(
        db: Session, world: factories.World, secretary_client: TestClient) -> None:
    good = _contact(db, world, CodeEntry(role="main", code="I10"), days_ago=_month_day(2))
    bad = _contact(db, world, days_ago=_month_day(3), patient=1)
    db.commit()
    month = last_month()
    r = secretary_client.post("/api/v1/coding/reports", json={"month": month})
    assert r.status_code == 201, r.text
    run = r.json()
    assert (run["month"], run["reported"], run["listed"], run["version"]) == (month, 1, 1, 1)
    assert [h["contact_id"] for h in run["errors"]] == [bad]
    f = secretary_client.get(run["file_url"])
    assert f.status_code == 200 and "attachment" in f.headers["content-disposition"]
    assert hashlib.sha256(f.content).hexdigest() == run["sha256"]
    assert [int(x["KONTAKT_ID"]) for x in layout.parse(f.text)] == [good]
    listed = secretary_client.get("/api/v1/coding/reports", params={"month": month}).json()
    assert [x["id"] for x in listed] == [run["id"]] and listed[0]["errors"] is None
    figures = secretary_client.get("/api/v1/coding/reports/completeness",
                                   params={"month": month}).json()
    assert [(x["clinician_id"], x["total"], x["coded"], x["share"]) for x in figures] == [
        (world.clinician_id, 2, 1, 0.5)]
    for body in ({"month": "2026-13"}, {"month": f"{workdays.local_today():%Y-%m}"}, {"month": "x"}):
        assert secretary_client.post("/api/v1/coding/reports", json=body).status_code == 422


def test_the_page_runs_the_export_and_lists_the_errors(
        db: Session, world: factories.World, client_as: object, database: Database) -> None:
    bad = _contact(db, world, days_ago=_month_day(4))
    db.commit()
    client = client_as(world.secretary_id)  # type: ignore[operator]
    month = last_month()
    page = client.get("/kodning/rapport", params={"manad": month})
    assert page.status_code == 200 and "Rapport till patientregistret" in page.text
    assert "Exportera månaden" in page.text
    done = client.post("/kodning/rapport", data={"manad": month}, follow_redirects=False)
    assert done.status_code == 303
    shown = client.get(done.headers["location"])
    assert f'href="/kodning/{bad}"' in shown.text and "Huvuddiagnos saknas." in shown.text
    run_id = int(done.headers["location"].rsplit("=", 1)[1])
    csv = client.get(f"/kodning/rapport/{run_id}/fel.csv")
    assert csv.status_code == 200 and f"{bad};" in csv.text.replace(",", ";")
    assert client.post("/kodning/rapport", data={"manad": "13-2026"}).status_code == 422
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.object_type == "register_export", AuditEvent.object_id == str(run_id),
            AuditEvent.action == "export")) == 1


def test_a_coded_contact_as_fhir_with_the_who_fallback(
        db: Session, world: factories.World, secretary_client: TestClient) -> None:
    cid = _contact(db, world, CodeEntry(role="main", code="J45.9"),
                   CodeEntry(role="secondary", code="I10"),
                   CodeEntry(role="procedure", code="AF021"))
    uncoded = _contact(db, world, patient=1)
    db.commit()
    r = secretary_client.get(f"/api/v1/coding/contacts/{cid}/fhir")
    assert r.status_code == 200 and r.headers["content-type"].startswith(fhir.FHIR_JSON)
    b = Bundle.model_validate_json(r.text)
    kinds = [e.resource.get_resource_type() for e in b.entry]
    assert kinds == ["Encounter", "Condition", "Condition", "Procedure"]
    enc = b.entry[0].resource
    assert enc.status == "finished" and enc.class_fhir.code == "AMB"
    assert [d.rank for d in enc.diagnosis] == [1, 2]
    conditions = [(c.system, c.code) for e in b.entry[1:3] for c in e.resource.code.coding]
    assert conditions == [(fhir.WHO_ICD10_SYSTEM, "J45.9"), (fhir.WHO_ICD10_SYSTEM, "I10")]
    proc = b.entry[3].resource
    assert [(c.system, c.code) for c in proc.code.coding] == [(fhir.KVA_SYSTEM, "AF021")]
    assert all(e.resource.encounter.reference == b.entry[0].fullUrl for e in b.entry[1:])
    assert secretary_client.get(f"/api/v1/coding/contacts/{uncoded}/fhir").status_code == 409


@pytest.fixture()
def se(database: Database) -> Iterator[Session]:
    yield from swedish_tables(database)


def test_a_coded_contact_as_fhir_in_icd10se(se: Session) -> None:
    world = factories.make_world(se)
    cid = _contact(se, world, CodeEntry(role="main", code="J45.9"),
                   CodeEntry(role="procedure", code="AF021"))
    b = fhir.bundle(se, actor=factories.actor(se, world.secretary_id), contact_id=cid)
    b = Bundle.model_validate_json(b.model_dump_json())
    condition, procedure = b.entry[1].resource, b.entry[2].resource
    assert [(c.system, c.code, c.display) for c in condition.code.coding] == [
        (fhir.ICD10SE_SYSTEM, "J459", "Astma, ospecificerad")]
    assert [(c.system, c.code) for c in procedure.code.coding] == [(fhir.KVA_SYSTEM, "AF021")]
    stranger = factories.make_user(se, world.other_unit_id)
    with pytest.raises(Exception) as refused:
        fhir.bundle(se, actor=factories.actor(se, stranger.id), contact_id=cid)
    assert type(refused.value).__name__ in {"AccessDenied", "DeniedNotFound"}
    with pytest.raises(TransitionError):
        fhir.bundle(se, actor=factories.actor(se, world.secretary_id),
                    contact_id=_contact(se, world, patient=1))


ODD = {"/kodning/rapport?manad=9999-12": 422, "/kodning/rapport?manad=abc": 422,
       "/kodning/rapport?korning=2147483647": 404, "/kodning/rapport/2147483647/fil": 404,
       "/api/v1/coding/reports?month=9999-12": 422,
       "/api/v1/coding/reports/completeness?month=0000-00": 422,
       "/api/v1/coding/reports/2147483647": 404, "/api/v1/coding/contacts/2147483647/fhir": 404}


@pytest.mark.parametrize("url", sorted(ODD))
def test_odd_input_is_answered_below_500(url: str, secretary_client: TestClient) -> None:
    r = secretary_client.get(url)
    assert r.status_code == ODD[url], (r.status_code, r.text[:300])
