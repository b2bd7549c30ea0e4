"""Log review pages and the audit API: filters, samples, reviews, emergency follow-up, CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.audit import service as audit
from kulisser.audit.models import AuditEvent, AuditReview, AuditSample, EmergencyAccess
from kulisser.db import Database
from kulisser.patients.models import Patient
from kulisser.staff.models import User
from tests import factories
from tests.factories import World

TZ = ZoneInfo("Europe/Stockholm")


def at(y: int, mo: int, d: int, h: int = 12, mi: int = 0) -> datetime:
    """A Stockholm wall-clock time as UTC."""
    return datetime(y, mo, d, h, mi, tzinfo=TZ).astimezone(UTC)


def access(database: Database, user_id: int, patient_id: int, when: datetime,
           action: str = "read") -> int:
    """Run the real access check (allowed, emergency or denied) and return the audit row's id."""
    with database.session() as s:
        actor = factories.actor(s, user_id)
        try:
            audit.check_access(s, actor=actor, patient_id=patient_id, action=action,
                               object_type="patient", object_id=patient_id, now=when)
        except audit.AccessDenied as denied:
            audit.write_denied(s, denied)
        s.flush()
        eid = s.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.user_id == user_id,
                                                            AuditEvent.at == when))
        assert eid is not None
        return eid


def grant(database: Database, user_id: int, patient_id: int, reason: str,
          when: datetime | None = None) -> int:
    """Grant emergency access (which writes its own audit row); return the grant's id."""
    with database.session() as s:
        g = audit.grant_emergency_access(s, actor=factories.actor(s, user_id),
                                         patient_id=patient_id, reason=reason, minutes=30, now=when)
        return g.id


def pnr(database: Database, patient_id: int) -> str:
    with database.session() as s:
        p = s.get(Patient, patient_id)
        assert p is not None
        return p.display_id


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def test_non_manager_gets_403_on_pages_and_api(secretary_client: TestClient) -> None:
    for path in ("/logg", "/logg/nodatkomst", "/logg/stickprov", "/logg.csv"):
        assert secretary_client.get(path).status_code == 403, path
    r = secretary_client.post("/logg/stickprov", data={"n": "5"})
    assert r.status_code == 403
    for path in ("/api/v1/audit-events", "/api/v1/emergency-accesses?reviewed=false"):
        r = secretary_client.get(path)
        assert r.status_code == 403 and r.json()["error"] == "forbidden", path


def test_filters_return_exactly_the_matching_rows(manager_client: TestClient, database: Database,
                                                  world: World) -> None:
    a, b, _c = world.patient_ids
    e1 = access(database, world.secretary_id, a, at(2024, 3, 10, 9))
    e2 = access(database, world.secretary2_id, b, at(2024, 3, 10, 23, 30))
    e3 = access(database, world.secretary_id, b, at(2024, 3, 11, 0, 30))  # 23:30 UTC on the 10th
    e4 = access(database, world.clinician_id, a, at(2024, 3, 12, 8))
    denied = access(database, world.secretary_id, world.stranger_patient_id, at(2024, 3, 11, 10))
    # A row of another unit: never part of this manager's log.
    with database.session() as s:
        outsider = factories.make_user(s, world.other_unit_id).id
    access(database, outsider, world.stranger_patient_id, at(2024, 3, 11, 11))

    api = "/api/v1/audit-events?date_from=2024-03-01&date_to=2024-03-31"
    assert ids(manager_client.get(api)) == {e1, e2, e3, e4, denied}
    assert ids(manager_client.get(f"{api}&user_id={world.secretary_id}")) == {e1, e3, denied}
    assert ids(manager_client.get(f"{api}&patient_id={b}")) == {e2, e3}
    assert ids(manager_client.get(api, params={"identifier": pnr(database, a)})) == {e1, e4}
    assert ids(manager_client.get(f"{api}&outcome=denied")) == {denied}
    # Local days: 00:30 on the 11th in Stockholm belongs to the 11th, 23:30 on the 10th to the 10th.
    day = "/api/v1/audit-events?date_from=2024-03-11&date_to=2024-03-11"
    assert ids(manager_client.get(day)) == {e3, denied}
    assert ids(manager_client.get("/api/v1/audit-events?date_from=2024-03-10&date_to=2024-03-10")
               ) == {e1, e2}
    items = manager_client.get(f"{api}&user_id={world.secretary_id}").json()["items"]
    assert [i["id"] for i in items] == [denied, e3, e1]  # newest first
    assert "address" not in items[0] and items[0]["patient_identifier"]

    page = manager_client.get("/logg", params={"user_id": world.secretary2_id, "visa": "rader",
                                               "date_from": "2024-03-01", "date_to": "2024-03-31"})
    assert page.status_code == 200
    assert re.findall(r'<tr id="e(\d+)"', page.text) == [str(e2)]
    page = manager_client.get("/logg", params={"identifier": pnr(database, b), "visa": "rader",
                                               "date_from": "2024-03-01", "date_to": "2024-03-31"})
    assert sorted(map(int, re.findall(r'<tr id="e(\d+)"', page.text))) == sorted([e2, e3])
    assert f'value="{pnr(database, b)}"' in page.text  # the form shows the patient's number


def test_keyset_pages_cover_the_filter_once(manager_client: TestClient, database: Database,
                                            world: World) -> None:
    made = [access(database, world.secretary_id, world.patient_ids[0], at(2023, 5, 1, 8 + i))
            for i in range(5)]
    url = "/api/v1/audit-events?date_from=2023-05-01&date_to=2023-05-01&limit=2"
    seen: list[int] = []
    cursor = ""
    for _ in range(5):
        body = manager_client.get(url + (f"&cursor={cursor}" if cursor else "")).json()
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(made))
    page = manager_client.get("/logg?date_from=2023-05-01&date_to=2023-05-01")
    assert "Nästa sida" not in page.text  # 5 rows fit one page of 50
    assert manager_client.get(url + "&cursor=garbage").status_code == 422


def test_bad_identity_number_is_422_and_keeps_the_typed_text(manager_client: TestClient) -> None:
    r = manager_client.get("/logg", params={"identifier": "19121212-1213"})
    assert r.status_code == 422
    assert 'value="19121212-1213"' in r.text
    assert "Kontrollsiffran stämmer inte." in r.text and 'id="e-identifier"' in r.text
    r = manager_client.get("/logg", params={"date_from": "2024-05-02", "date_to": "2024-05-01"})
    assert r.status_code == 422 and "Slutdatumet ligger före startdatumet." in r.text
    api = manager_client.get("/api/v1/audit-events", params={"identifier": "19121212-1213"})
    assert api.status_code == 422 and "identifier" in api.json()["errors"]


def test_drawing_a_sample_stores_n_distinct_rows_within_the_filter(
        manager_client: TestClient, database: Database, world: World) -> None:
    for i in range(30):
        access(database, world.secretary_id, world.patient_ids[i % 3], at(2022, 2, 1 + i % 20, 10, i))
        access(database, world.clinician_id, world.patient_ids[i % 3], at(2022, 2, 1 + i % 20, 11, i))
    form = {"user_id": str(world.secretary_id), "date_from": "2022-02-01",
            "date_to": "2022-02-28", "n": "12"}
    r = manager_client.post("/logg/stickprov", data=form, follow_redirects=False)
    assert r.status_code == 303
    sample_id = int(r.headers["location"].rsplit("/", 1)[1])
    with database.session() as s:
        sample = s.get(AuditSample, sample_id)
        assert sample is not None and sample.drawn_by_id == world.manager_id
        drawn = audit.sample_event_ids(sample)
        rows = s.scalars(select(AuditEvent).where(AuditEvent.id.in_(drawn))).all()
        user = s.get(User, world.secretary_id)
        assert user is not None
        name = user.full_name
    assert len(drawn) == 12 and len(set(drawn)) == 12 and len(rows) == 12
    assert all(e.user_id == world.secretary_id and e.unit_id == world.unit_id for e in rows)
    assert all(datetime(2022, 2, 1, tzinfo=UTC) <= e.at < datetime(2022, 3, 1, tzinfo=UTC)
               for e in rows)
    assert name in sample.criteria and "12 av 30" in sample.criteria
    listing = manager_client.get("/logg/stickprov")
    assert f'href="/logg/stickprov/{sample_id}"' in listing.text and "0 av 12" in listing.text
    for bad in ("0", "201", "x"):
        r = manager_client.post("/logg/stickprov", data={**form, "n": bad})
        assert r.status_code == 422 and "Ange ett antal mellan 1 och 200." in r.text
    r = manager_client.post("/logg/stickprov", data={**form, "date_from": "2021-01-01",
                                                     "date_to": "2021-01-02"})
    assert r.status_code == 422 and "Inga loggrader matchar urvalet." in r.text


def test_reviewing_a_sample_row_is_stored_and_shown(manager_client: TestClient,
                                                    database: Database, world: World) -> None:
    made = [access(database, world.secretary2_id, world.patient_ids[1], at(2021, 6, 3, 9 + i))
            for i in range(3)]
    r = manager_client.post("/logg/stickprov", data={"date_from": "2021-06-03",
                                                     "date_to": "2021-06-03", "n": "3"},
                            follow_redirects=False)
    sample_url = r.headers["location"]
    sample_id = int(sample_url.rsplit("/", 1)[1])
    page = manager_client.get(sample_url)
    assert "0 av 3" in page.text and page.text.count("Ej granskad") == 3
    target = made[1]
    bad = manager_client.post(f"/logg/{target}/granska", data={"comment": "  ",
                                                               "sample_id": str(sample_id)})
    assert bad.status_code == 422 and "Skriv vad granskningen visade." in bad.text
    long = manager_client.post(f"/logg/{target}/granska", data={"comment": "x" * 2001,
                                                                "sample_id": str(sample_id)})
    assert long.status_code == 422 and "Högst 2000 tecken." in long.text
    ok = manager_client.post(f"/logg/{target}/granska",
                             data={"comment": "Befogad: patientens remiss.", "sample_id": str(sample_id)},
                             follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"].startswith(sample_url)
    with database.session() as s:
        reviews = s.scalars(select(AuditReview).where(AuditReview.audit_event_id == target)).all()
    assert [(v.reviewer_id, v.sample_id, v.comment) for v in reviews] == [
        (world.manager_id, sample_id, "Befogad: patientens remiss.")]
    page = manager_client.get(sample_url)
    assert "1 av 3" in page.text and page.text.count("Ej granskad") == 2
    row = page.text.split(f'<tr id="e{target}"', 1)[1].split("</tr>", 1)[0]
    assert "Granskad" in row and "Befogad: patientens remiss." in row
    log = manager_client.get("/logg?date_from=2021-06-03&date_to=2021-06-03&unreviewed=1&visa=rader")
    assert set(map(int, re.findall(r'<tr id="e(\d+)"', log.text))) == set(made) - {target}
    # A row outside the manager's units cannot be reviewed.
    other = access(database, world.secretary_id, world.stranger_patient_id, at(2021, 6, 4))
    with database.session() as s:
        outsider = factories.make_user(s, world.other_unit_id, full_name="Utomstående").id
    foreign = access(database, outsider, world.stranger_patient_id, at(2021, 6, 4, 13))
    assert manager_client.post(f"/logg/{foreign}/granska", data={"comment": "x"}).status_code == 404
    assert manager_client.get(f"/logg/{foreign}").status_code == 404
    direct = manager_client.post(f"/logg/{other}/granska", data={"comment": "Nekad, ok."},
                                 follow_redirects=False)
    assert direct.status_code == 303 and "Nekad, ok." in manager_client.get(f"/logg/{other}").text


def test_emergency_access_is_listed_until_followed_up(manager_client: TestClient,
                                                      database: Database, world: World) -> None:
    gid = grant(database, world.secretary_id, world.stranger_patient_id, "Akut inläggning natt")
    pending = manager_client.get("/logg/nodatkomst")
    assert pending.status_code == 200
    assert f'id="a{gid}"' in pending.text.split('id="done"')[0]
    assert "Akut inläggning natt" in pending.text
    assert "1 nödåtkomst väntar på uppföljning" in manager_client.get("/logg").text
    api = manager_client.get("/api/v1/emergency-accesses?reviewed=false").json()["items"]
    assert [i["id"] for i in api] == [gid] and api[0]["reason"] == "Akut inläggning natt"

    assert manager_client.post(f"/logg/nodatkomst/{gid}/granska",
                               data={"comment": ""}).status_code == 422
    r = manager_client.post(f"/logg/nodatkomst/{gid}/granska",
                            data={"comment": "Befogad, patienten vårdades akut."},
                            follow_redirects=False)
    assert r.status_code == 303
    after = manager_client.get("/logg/nodatkomst").text
    pending_part, done_part = after.split('id="done"')
    assert f'id="a{gid}"' not in pending_part and f'id="a{gid}"' in done_part
    assert "Befogad, patienten vårdades akut." in done_part
    assert manager_client.get("/api/v1/emergency-accesses?reviewed=false").json()["items"] == []
    done = manager_client.get("/api/v1/emergency-accesses?reviewed=true").json()["items"]
    assert done[0]["id"] == gid and done[0]["reviewer_id"] == world.manager_id
    with database.session() as s:
        g = s.get(EmergencyAccess, gid)
        assert g is not None and g.reviewed_at is not None and g.reviewer_id == world.manager_id
    again = manager_client.post(f"/logg/nodatkomst/{gid}/granska", data={"comment": "Igen"})
    assert again.status_code == 422 and "redan uppföljd" in again.text


def test_csv_export_is_excel_ready_and_injection_safe(manager_client: TestClient,
                                                      database: Database, world: World) -> None:
    when = at(2020, 1, 15, 10)
    grant(database, world.clinician_id, world.stranger_patient_id,
          '=HYPERLINK("http://evil.example","klick")', when=when)
    access(database, world.clinician_id, world.stranger_patient_id, when + timedelta(minutes=1))
    access(database, world.clinician_id, world.patient_ids[0], when + timedelta(minutes=2))
    r = manager_client.get("/logg.csv", params={"user_id": world.clinician_id, "visa": "rader",
                                                "date_from": "2020-01-15", "date_to": "2020-01-15"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert re.search(r'filename="kulisser-logg-\d{4}-\d{2}-\d{2}\.csv"',
                     r.headers["content-disposition"])
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Tid", "Användarnamn", "Namn"] and "Utfall" in rows[0]
    assert len(rows) == 4  # header + grant + emergency read + allowed read
    outcome = rows[0].index("Utfall")
    assert sorted(row[outcome] for row in rows[1:]) == ["Nödåtkomst", "Nödåtkomst", "Tillåten"]
    reason = rows[0].index("Skäl")
    assert "'=HYPERLINK(\"http://evil.example\",\"klick\")" in [row[reason] for row in rows[1:]]
    assert not any(cell.startswith("=") for row in rows for cell in row)
    assert rows[1][0] == "2020-01-15 10:02:00"  # local time, newest first


def test_script_in_reason_and_comment_is_escaped(manager_client: TestClient, database: Database,
                                                 world: World) -> None:
    evil = "<script>alert(1)</script>"
    gid = grant(database, world.secretary2_id, world.stranger_patient_id, "Nöd " + evil)
    page = manager_client.get("/logg/nodatkomst")
    assert evil not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    log = manager_client.get("/logg", params={"user_id": world.secretary2_id, "visa": "rader"})
    assert evil not in log.text and "&lt;script&gt;" in log.text
    with database.session() as s:
        eid = s.scalar(select(AuditEvent.id).where(AuditEvent.emergency_access_id == gid))
    manager_client.post(f"/logg/{eid}/granska", data={"comment": evil})
    detail = manager_client.get(f"/logg/{eid}")
    assert evil not in detail.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in detail.text
    manager_client.post(f"/logg/nodatkomst/{gid}/granska", data={"comment": evil})
    assert evil not in manager_client.get("/logg/nodatkomst").text


def test_forms_without_csrf_token_are_refused(manager_client: TestClient, database: Database,
                                              world: World) -> None:
    eid = access(database, world.secretary_id, world.patient_ids[2], at(2019, 9, 9))
    gid = grant(database, world.secretary_id, world.stranger_patient_id, "Akut, utan relation")
    del manager_client.headers["X-CSRF-Token"]
    assert manager_client.post("/logg/stickprov", data={"n": "5"}).status_code == 403
    assert manager_client.post(f"/logg/{eid}/granska", data={"comment": "ok"}).status_code == 403
    assert manager_client.post(f"/logg/nodatkomst/{gid}/granska",
                               data={"comment": "ok"}).status_code == 403
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditReview)
                        .where(AuditReview.audit_event_id == eid)) == 0
        g = s.get(EmergencyAccess, gid)
        assert g is not None and g.reviewed_at is None
        assert s.scalar(select(func.count()).select_from(AuditSample)
                        .where(AuditSample.drawn_by_id == world.manager_id)) == 0
    # With the page's own token the same form works.
    token = factories.csrf_from(manager_client.get(f"/logg/{eid}").text)
    ok = manager_client.post(f"/logg/{eid}/granska", data={"comment": "ok", "csrf_token": token},
                             follow_redirects=False)
    assert ok.status_code == 303


def test_log_page_draws_a_bar_chart_per_day(manager_client: TestClient, database: Database,
                                            world: World) -> None:
    access(database, world.secretary_id, world.patient_ids[0], at(2018, 4, 2, 9))
    access(database, world.secretary_id, world.patient_ids[1], at(2018, 4, 2, 23, 45))
    access(database, world.secretary_id, world.stranger_patient_id, at(2018, 4, 4, 0, 15))
    page = manager_client.get("/logg?date_from=2018-04-01&date_to=2018-04-05")
    assert page.status_code == 200
    svg = page.text.split("<svg", 1)[1].split("</svg>", 1)[0]
    bars = re.findall(r"<rect [^>]*><title>([^<]+)</title>", svg)
    assert sorted(bars) == ["2018-04-02: Tillåten 2", "2018-04-04: Nekad 1"]
    assert "Totalt 3 rader." in svg
    assert "<script" not in svg


def test_log_review_routes_only_read_and_add_reviews(app: FastAPI) -> None:
    import fastapi.routing as fr

    # Newer FastAPI nests included routers: walk them the way the framework does.
    walk = getattr(fr, "iter_route_contexts", None)
    routes = walk(app.routes) if walk else app.routes
    found = {(m, getattr(r, "path", "")) for r in routes for m in (getattr(r, "methods", None) or set())
             if getattr(r, "path", "").startswith(("/logg", "/api/v1/audit", "/api/v1/emergency-acc"))}
    assert found == {
        ("GET", "/logg"), ("GET", "/logg.csv"), ("GET", "/logg/stickprov"),
        ("POST", "/logg/stickprov"), ("GET", "/logg/stickprov/{sample_id:int}"),
        ("GET", "/logg/nodatkomst"), ("POST", "/logg/nodatkomst/{access_id:int}/granska"),
        ("GET", "/logg/vardrelationer"), ("POST", "/logg/vardrelationer/{event_id:int}/granska"),
        ("GET", "/logg/{event_id:int}"), ("POST", "/logg/{event_id:int}/granska"),
        ("GET", "/api/v1/audit-events"), ("GET", "/api/v1/emergency-accesses"),
        # The risk signals: read, and a review added to a signal (never to or of a log row).
        ("GET", "/logg/signaler"), ("GET", "/logg/signaler.csv"),
        ("POST", "/logg/signaler/{signal_id:int}/granska"), ("GET", "/api/v1/audit/signals"),
        ("POST", "/api/v1/audit/signals/{signal_id}/review"),
        # The unit's watch list and its settings: a removal ends a watch and keeps its row.
        ("GET", "/logg/bevakning"), ("POST", "/logg/bevakning"),
        ("POST", "/logg/bevakning/installningar"), ("POST", "/logg/bevakning/{watch_id:int}/ta-bort"),
        ("GET", "/api/v1/audit/watch-list"), ("POST", "/api/v1/audit/watch-list"),
        ("DELETE", "/api/v1/audit/watch-list/{watch_id}")}


def test_first_visit_shows_the_last_30_days_and_empty_dates_show_all(
        manager_client: TestClient, database: Database, world: World) -> None:
    old = access(database, world.clinician_id, world.patient_ids[1], at(2017, 8, 1))
    recent = access(database, world.clinician_id, world.patient_ids[1],
                    datetime.now(UTC) - timedelta(days=2))
    page = manager_client.get("/logg", params={"user_id": world.clinician_id, "visa": "rader"})
    assert re.findall(r'<tr id="e(\d+)"', page.text) == [str(recent)]
    assert re.search(r'name="date_from" type="date" value="\d{4}-\d{2}-\d{2}"', page.text)
    everything = manager_client.get("/logg", params={"user_id": world.clinician_id, "visa": "rader",
                                                     "date_from": "", "date_to": ""})
    assert re.findall(r'<tr id="e(\d+)"', everything.text) == [str(recent), str(old)]


def test_protected_identity_address_never_appears(manager_client: TestClient,
                                                  database: Database, world: World) -> None:
    with database.session() as s:
        hidden = factories.make_patient(s, world.unit_id, protected=True,
                                        address="Hemliga vägen 7").id
    access(database, world.secretary2_id, hidden, at(2016, 3, 3))
    grant(database, world.secretary2_id, hidden, "Akut, skyddad patient", when=at(2016, 3, 3, 13))
    q = {"user_id": world.secretary2_id, "date_from": "2016-03-03", "date_to": "2016-03-03"}
    responses = [manager_client.get("/logg", params=q), manager_client.get("/logg.csv", params=q),
                 manager_client.get("/api/v1/audit-events", params=q),
                 manager_client.get("/logg/nodatkomst"),
                 manager_client.get("/api/v1/emergency-accesses")]
    for r in responses:
        assert r.status_code == 200
        assert "Hemliga" not in r.text
    assert pnr(database, hidden) in responses[0].text  # the row itself is shown
