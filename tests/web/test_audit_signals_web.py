"""The risk signals through HTTP: the manager's page, review, CSV, the API, the watch list and
the manager's work item (issue 13 item 6)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from fastapi.testclient import TestClient
from sqlalchemy import select

from kulisser.audit.jobs import signals_task
from kulisser.audit.models import AuditEvent, AuditSignal, AuditWatch
from kulisser.audit.signal_rules import TZ, find_signals
from kulisser.db import Database
from kulisser.worklist.models import WorkItem
from tests.conftest import Client
from tests.factories import World
from tests.integration.test_audit_signals import TUESDAY, log


def _emergency_signal(database: Database, world: World) -> int:
    """An emergency access by the world's secretary on Tuesday, found by the rules."""
    with database.session() as db:
        when = datetime.combine(TUESDAY, time(10), TZ).astimezone(UTC)
        log(db, unit_id=world.unit_id, user_id=world.secretary_id,
            patient_id=world.patient_ids[0], when=when, outcome="emergency")
        find_signals(db, day=TUESDAY)
        sid = db.scalar(select(AuditSignal.id).where(AuditSignal.unit_id == world.unit_id,
                                                     AuditSignal.rule == "emergency"))
        assert sid is not None
        return sid


def test_the_api_lists_a_signal_with_why_and_records_its_review(
        manager_client: TestClient, database: Database, world: World) -> None:
    sid = _emergency_signal(database, world)
    [item] = [s for s in manager_client.get("/api/v1/audit/signals").json() if s["id"] == sid]
    assert item["rule_label"] == "Nödåtkomst"
    assert item["why"] == "Nödåtkomst till 1 patient den 2026-11-10 (1 loggrad)."
    bad = manager_client.post(f"/api/v1/audit/signals/{sid}/review",
                              json={"verdict": "maybe", "comment": "x"})
    assert bad.status_code == 422
    r = manager_client.post(f"/api/v1/audit/signals/{sid}/review",
                            json={"verdict": "justified", "comment": "Akut besök, befogat."})
    assert r.status_code == 200, r.text
    assert (r.json()["verdict_label"], r.json()["comment"]) == ("Befogad åtkomst",
                                                                "Akut besök, befogat.")
    again = manager_client.post(f"/api/v1/audit/signals/{sid}/review",
                                json={"verdict": "unjustified", "comment": "Ändrar mig."})
    assert again.status_code == 422
    assert sid not in [s["id"] for s in manager_client.get("/api/v1/audit/signals").json()]
    with database.session() as db:
        s = db.get(AuditSignal, sid)
        assert s is not None and (s.verdict, s.reviewer_id) == ("justified", world.manager_id)


def test_another_units_manager_cannot_see_or_review_the_signal(
        client_as: Client, database: Database, world: World) -> None:
    sid = _emergency_signal(database, world)
    from tests import factories
    with database.session() as db:
        other_manager = factories.make_user(db, world.other_unit_id, "manager").id
    other = client_as(other_manager)
    assert sid not in [s["id"] for s in other.get("/api/v1/audit/signals").json()]
    r = other.post(f"/api/v1/audit/signals/{sid}/review",
                   json={"verdict": "justified", "comment": "Nej."})
    assert r.status_code == 404
    with database.session() as db:
        denied = db.scalar(select(AuditEvent).where(AuditEvent.user_id == other_manager,
                                                    AuditEvent.object_type == "audit_signal"))
        assert denied is not None and denied.outcome == "denied"
        assert db.get(AuditSignal, sid).reviewed_at is None  # type: ignore[union-attr]


def test_a_secretary_gets_no_signals(secretary_client: TestClient) -> None:
    assert secretary_client.get("/api/v1/audit/signals").status_code == 403


def test_the_page_reviews_a_signal_and_the_csv_lists_it(
        manager_client: TestClient, database: Database, world: World) -> None:
    sid = _emergency_signal(database, world)
    page = manager_client.get("/logg/signaler")
    assert page.status_code == 200
    assert "Nödåtkomst till 1 patient den 2026-11-10 (1 loggrad)." in page.text
    empty = manager_client.post(f"/logg/signaler/{sid}/granska", data={"verdict": "justified"})
    assert empty.status_code == 422 and "Skriv vad granskningen visade." in empty.text
    done = manager_client.post(f"/logg/signaler/{sid}/granska",
                               data={"verdict": "unjustified", "comment": "Samtal bokat."},
                               follow_redirects=False)
    assert done.status_code == 303
    csv = manager_client.get("/logg/signaler.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert "Ej befogad – åtgärdas;Samtal bokat." in csv.text


def test_the_watch_list_form_adds_a_patient_whose_next_read_fires(
        manager_client: TestClient, database: Database, world: World) -> None:
    from kulisser.patients.models import Patient
    with database.session() as db:
        patient = db.get(Patient, world.patient_ids[1])
        assert patient is not None
        number = patient.id_value
    missing = manager_client.post("/logg/bevakning", data={"identifier": number, "reason": ""})
    assert missing.status_code == 422 and "Skriv varför patienten bevakas." in missing.text
    r = manager_client.post("/logg/bevakning", data={"identifier": number,
                                                     "reason": "Anhörig till personal"},
                            follow_redirects=False)
    assert r.status_code == 303
    page = manager_client.get("/logg/bevakning")
    assert "Anhörig till personal" in page.text
    with database.session() as db:
        watch = db.scalar(select(AuditWatch).where(AuditWatch.unit_id == world.unit_id))
        assert watch is not None
        today = datetime.now(TZ).date()
        log(db, unit_id=world.unit_id, user_id=world.secretary_id, patient_id=patient.id,
            when=datetime.now(UTC))
        find_signals(db, day=today)
        assert db.scalar(select(AuditSignal).where(AuditSignal.unit_id == world.unit_id,
                                                   AuditSignal.rule == "watched")) is not None


def test_the_job_opens_the_managers_item_and_the_last_review_completes_it(
        manager_client: TestClient, database: Database, world: World) -> None:
    from kulisser.jobs.context import JobContext
    with database.session() as db:
        log(db, unit_id=world.unit_id, user_id=world.secretary_id,
            patient_id=world.patient_ids[0], when=datetime.now(UTC), outcome="emergency")
    settings = manager_client.app.state.settings  # type: ignore[attr-defined]
    for _run in range(2):  # twice: nothing new the second time
        with database.session() as db:
            signals_task(JobContext(session=db, settings=settings))
    with database.session() as db:
        items = list(db.scalars(select(WorkItem).where(WorkItem.unit_id == world.unit_id,
                                                       WorkItem.kind == "audit-signals")))
        assert len(items) == 1 and items[0].owner_id == world.manager_id
        open_ids = list(db.scalars(select(AuditSignal.id).where(
            AuditSignal.unit_id == world.unit_id, AuditSignal.reviewed_at.is_(None))))
    # The emergency access, and (depending on the hour the test runs) one outside opening hours.
    assert 1 <= len(open_ids) <= 2
    for sid in open_ids[:-1]:
        manager_client.post(f"/api/v1/audit/signals/{sid}/review",
                            json={"verdict": "justified", "comment": "Befogat."})
    with database.session() as db:
        item = db.scalar(select(WorkItem).where(WorkItem.unit_id == world.unit_id,
                                                WorkItem.kind == "audit-signals"))
        assert item is not None and item.status != "completed"
    manager_client.post(f"/api/v1/audit/signals/{open_ids[-1]}/review",
                        json={"verdict": "justified", "comment": "Befogat."})
    with database.session() as db:
        item = db.scalar(select(WorkItem).where(WorkItem.unit_id == world.unit_id,
                                                WorkItem.kind == "audit-signals"))
        assert item is not None and item.status == "completed"


def test_the_units_hours_and_limits_are_checked_and_stored(
        manager_client: TestClient, database: Database, world: World) -> None:
    form = {"open_from": "18:00", "open_until": "07:00", "rate_patients": "50",
            "rate_minutes": "60", "refusals": "5", "refusal_minutes": "10"}
    bad = manager_client.post("/logg/bevakning/installningar", data=form)
    assert bad.status_code == 422 and "Öppettiden måste sluta efter att den börjar." in bad.text
    zero = manager_client.post("/logg/bevakning/installningar",
                               data={**form, "open_from": "06:00", "open_until": "22:00",
                                     "refusals": "0"})
    assert zero.status_code == 422 and "Ett heltal från 1 till 10000." in zero.text
    ok = manager_client.post("/logg/bevakning/installningar",
                             data={**form, "open_from": "06:00", "open_until": "22:00",
                                   "weekends_open": "1"}, follow_redirects=False)
    assert ok.status_code == 303
    from kulisser.audit.models import AuditSignalSetting
    with database.session() as db:
        row = db.get(AuditSignalSetting, world.unit_id)
        assert row is not None and (row.open_from, row.open_until, row.weekends_open) == (
            360, 1320, True)
