"""The waiting-list pages over HTTP: list by urgency, forms that keep typed values, escaping,
access from another unit, the CSV export, the limits page and the patient page section."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from kulisser.db import Database, utcnow
from kulisser.patients.models import Patient
from kulisser.staff.models import Role
from kulisser.waitlist import service as waitlist
from kulisser.waitlist.models import WaitlistEntry, local_today
from tests import factories
from tests.factories import World
from tests.waitlist.helpers import add, audit_rows, work_items

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _entry(database: Database, world: World, *, days_ago: int, patient_id: int | None = None,
           **kw: object) -> int:
    """An entry whose clock started days_ago days before today (real time)."""
    with database.session() as s:
        start = local_today() - timedelta(days=days_ago)
        return add(s, world, patient_id=patient_id, clock_start=start, now=utcnow(), **kw).id


def _patient(database: Database, unit_id: int, **kw: object) -> tuple[int, str, str]:
    with database.session() as s:
        p = factories.make_patient(s, unit_id, **kw)  # type: ignore[arg-type]
        return p.id, p.full_name, p.display_id


def test_list_puts_breached_first_with_markers_and_logs(secretary_client: TestClient,
                                                        database: Database, world: World) -> None:
    calm = _entry(database, world, days_ago=5, patient_id=world.patient_ids[0])
    breached = _entry(database, world, days_ago=100, patient_id=world.patient_ids[1])
    risky = _entry(database, world, days_ago=80, patient_id=world.patient_ids[2])
    page = secretary_client.get("/vantelista")
    assert page.status_code == 200
    order = [int(m) for m in re.findall(r'<tr data-href="/vantelista/(\d+)"', page.text)]
    assert order == [breached, risky, calm]
    row = page.text.split(f'id="entry-{breached}"')[1].split("</tr>")[0]
    assert 'data-mark="breached"' in row and "10 dagar över" in row
    row = page.text.split(f'id="entry-{risky}"')[1].split("</tr>")[0]
    assert 'data-mark="at-risk"' in row and "10 dagar kvar" in row
    assert "1 överskridna" in page.text and "1 i riskzonen" in page.text
    with database.session() as s:
        assert audit_rows(s, patient_id=world.patient_ids[1], user_id=world.secretary_id,
                          action="list", object_type="waitlist") == 1
    # Filters: due within 20 days (past ones included); htmx gets the table only.
    part = secretary_client.get("/vantelista", params={"risk_days": "20"},
                                headers={"HX-Request": "true"})
    assert "<html" not in part.text
    assert [int(m) for m in re.findall(r'data-href="/vantelista/(\d+)"', part.text)] == [breached, risky]
    bad = secretary_client.get("/vantelista", params={"risk_days": "snart"})
    assert bad.status_code == 422 and 'value="snart"' in bad.text and "Ange ett antal dagar" in bad.text


def test_new_entry_by_identity_number(secretary_client: TestClient, database: Database,
                                      world: World) -> None:
    pid, name, display = _patient(database, world.unit_id)
    issued = (local_today() - timedelta(days=12)).isoformat()
    r = secretary_client.post("/vantelista/ny", data={
        "identifier": display, "wait_kind": "first_visit", "clock_start": issued,
        "priority": "high", "note": "Remiss från vårdcentralen"}, follow_redirects=False)
    assert r.status_code == 303
    with database.session() as s:
        entry = s.scalar(select(WaitlistEntry).where(WaitlistEntry.patient_id == pid))
        assert entry is not None
        assert (entry.clock_start.isoformat(), entry.priority, entry.unit_id) == (
            issued, "high", world.unit_id)
    assert r.headers["location"] == f"/vantelista/{entry.id}"
    page = secretary_client.get(r.headers["location"])
    assert 'id="days-counted"><strong>12</strong> av 90' in page.text
    # From the entry straight to the booking search, which books for this wait.
    assert f'id="book-entry" href="/tidbok/sok?entry_id={entry.id}"' in page.text
    search = secretary_client.get(f"/tidbok/sok?entry_id={entry.id}")
    assert search.status_code == 200 and name in search.text


def test_new_entry_refusals_keep_what_was_typed(secretary_client: TestClient,
                                                world: World) -> None:
    data = {"identifier": "19121212-1213", "wait_kind": "follow_up", "clock_start": "2026-13-01",
            "priority": "normal", "medical_target_date": "", "note": SCRIPT}
    r = secretary_client.post("/vantelista/ny", data=data)
    assert r.status_code == 422
    assert 'value="19121212-1213"' in r.text and 'value="2026-13-01"' in r.text
    assert "Ogiltigt datum" in r.text and "Kontrollera uppgifterna" in r.text
    assert ESCAPED in r.text and SCRIPT not in r.text
    assert '<option value="follow_up" selected>' in r.text
    nobody = factories.new_personnummer()
    unknown = secretary_client.post("/vantelista/ny", data={**data, "identifier": nobody,
                                                            "clock_start": "2026-01-01"})
    assert unknown.status_code == 422
    assert "Ingen patient med det numret hos din enhet. Registrera patienten först" in unknown.text
    assert f'value="{nobody}"' in unknown.text


def test_follow_up_without_target_date_is_refused(secretary_client: TestClient, database: Database,
                                                  world: World) -> None:
    _pid, _name, display = _patient(database, world.unit_id)
    r = secretary_client.post("/vantelista/ny", data={
        "identifier": display, "wait_kind": "follow_up", "clock_start": local_today().isoformat(),
        "priority": "normal"})
    assert r.status_code == 422 and "Ange det medicinska måldatumet för återbesöket." in r.text
    assert f'value="{display}"' in r.text


def test_patient_chosen_period_without_qualifying_decline_is_refused_with_explanation(
        secretary_client: TestClient, database: Database, world: World) -> None:
    entry = _entry(database, world, days_ago=60)
    start = (local_today() - timedelta(days=20)).isoformat()
    # The patient declined, but had not been told about the guarantee.
    r = secretary_client.post(f"/vantelista/{entry}/erbjudande", data={
        "offered_on": start, "offer_visit_date": start, "response": "declined"},
        follow_redirects=False)
    assert r.status_code == 303
    r = secretary_client.post(f"/vantelista/{entry}/period", data={
        "reason": "patient", "start": start, "end": "", "offer_id": "", "note": "Bortrest"})
    assert r.status_code == 422
    assert "Patientvald väntan räknas bara när patienten har informerats om vårdgarantin" in r.text
    assert "inte fått information om vårdgarantin" in r.text
    form = r.text.split('action="/vantelista/')[-1]
    assert f'value="{start}"' in r.text and "Bortrest" in form
    assert "<details open><summary>Registrera period som inte räknas" in r.text
    with database.session() as s:
        stored = s.get(WaitlistEntry, entry)
        assert stored is not None and stored.periods == []


def test_offer_and_period_forms_move_the_guarantee_date(secretary_client: TestClient,
                                                        database: Database, world: World) -> None:
    entry = _entry(database, world, days_ago=60)
    offered = (local_today() - timedelta(days=30)).isoformat()
    visit = (local_today() - timedelta(days=20)).isoformat()
    bad = secretary_client.post(f"/vantelista/{entry}/erbjudande", data={
        "offered_on": offered, "offer_visit_date": "imorgon", "informed": "1",
        "response": "declined", "offer_note": SCRIPT})
    assert bad.status_code == 422 and 'value="imorgon"' in bad.text and ESCAPED in bad.text
    ok = secretary_client.post(f"/vantelista/{entry}/erbjudande", data={
        "offered_on": offered, "offer_visit_date": visit, "informed": "1", "response": "declined"},
        follow_redirects=False)
    assert ok.status_code == 303
    end = (local_today() - timedelta(days=21)).isoformat()
    ok = secretary_client.post(f"/vantelista/{entry}/period", data={
        "reason": "patient", "start": offered, "end": end, "note": SCRIPT}, follow_redirects=False)
    assert ok.status_code == 303
    page = secretary_client.get(f"/vantelista/{entry}")
    assert 'id="days-patient">10 dagar' in page.text and "flyttat 10 dagar" in page.text
    assert ESCAPED in page.text and SCRIPT not in page.text
    guarantee = (local_today() - timedelta(days=60) + timedelta(days=100)).isoformat()
    assert f'id="guarantee-date">{guarantee}' in page.text
    medical = secretary_client.post(f"/vantelista/{entry}/period", data={
        "reason": "medical", "start": offered, "end": "", "note": ""})
    assert medical.status_code == 422 and "Ange den medicinska orsaken." in medical.text


def test_end_reopen_and_remove_forms(secretary_client: TestClient, database: Database,
                                     world: World) -> None:
    entry = _entry(database, world, days_ago=30)
    visit = (local_today() + timedelta(days=5)).isoformat()
    r = secretary_client.post(f"/vantelista/{entry}/avsluta", data={"status": "done", "visit_date": visit})
    assert r.status_code == 422 and "kan inte ligga i framtiden" in r.text and f'value="{visit}"' in r.text
    r = secretary_client.post(f"/vantelista/{entry}/avsluta", data={"status": "booked", "visit_date": visit},
                              follow_redirects=False)
    assert r.status_code == 303
    r = secretary_client.post(f"/vantelista/{entry}/ateroppna", data={"reopen_reason": ""})
    assert r.status_code == 422 and "Ange varför besöket inte blir av." in r.text
    r = secretary_client.post(f"/vantelista/{entry}/ateroppna", data={"reopen_reason": "Sjuk läkare"},
                              follow_redirects=False)
    assert r.status_code == 303
    r = secretary_client.post(f"/vantelista/{entry}/ta-bort", data={"remove_reason": "Opererad privat"},
                              follow_redirects=False)
    assert r.status_code == 303
    again = secretary_client.post(f"/vantelista/{entry}/ta-bort", data={"remove_reason": "Igen"})
    assert again.status_code == 409 and "redan avslutad" in again.text
    with database.session() as s:
        stored = s.get(WaitlistEntry, entry)
        assert stored is not None and stored.status == "removed"
        assert [e.type for e in stored.events] == ["created", "booked", "reopened", "removed"]


def test_names_are_escaped_on_the_list(secretary_client: TestClient, database: Database,
                                       world: World) -> None:
    pid, _name, _display = _patient(database, world.unit_id, given=SCRIPT)
    _entry(database, world, days_ago=3, patient_id=pid)
    page = secretary_client.get("/vantelista")
    assert ESCAPED in page.text and SCRIPT not in page.text


def test_another_units_secretary_is_refused_and_logged(app: FastAPI, database: Database,
                                                       world: World) -> None:
    entry = _entry(database, world, days_ago=10)
    with database.session() as s:
        stranger = factories.make_user(s, world.other_unit_id, Role.SECRETARY).id
    with TestClient(app) as client:
        factories.login_client(client, database, stranger)
        for method, url, data in [
            ("GET", f"/vantelista/{entry}", None),
            ("POST", f"/vantelista/{entry}/erbjudande", {"offered_on": local_today().isoformat(),
                                                          "offer_visit_date": local_today().isoformat()}),
            ("POST", f"/vantelista/{entry}/ta-bort", {"remove_reason": "Nej"}),
        ]:
            r = client.request(method, url, data=data, follow_redirects=False)
            assert r.status_code == 403, (url, r.status_code)
            assert "Åtkomsten är loggad" in r.text
        listed = client.get("/vantelista")
        assert f"/vantelista/{entry}" not in listed.text
    with database.session() as s:
        assert audit_rows(s, patient_id=world.patient_ids[0], user_id=stranger, outcome="denied",
                          object_type="waitlist_entry") == 3
        stored = s.get(WaitlistEntry, entry)
        assert stored is not None and stored.status == "waiting" and stored.offers == []


def test_csv_gives_figures_with_excluded_days_apart(secretary_client: TestClient,
                                                    database: Database, world: World) -> None:
    entry = _entry(database, world, days_ago=40)
    start = (local_today() - timedelta(days=30)).isoformat()
    end = (local_today() - timedelta(days=26)).isoformat()
    r = secretary_client.post(f"/vantelista/{entry}/period", data={
        "reason": "medical", "start": start, "end": end, "note": "=HYPERLINK(1)"},
        follow_redirects=False)
    assert r.status_code == 303
    follow = _entry(database, world, days_ago=100, patient_id=world.patient_ids[1],
                    wait_kind="follow_up", medical_target_date=local_today() - timedelta(days=3))
    r = secretary_client.get("/vantelista.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text[1:].split("\r\n")
    header = lines[0].split(";")
    assert header[11:15] == ["Väntat (dagar)", "Medicinskt orsakad väntan (dagar)",
                             "Patientvald väntan (dagar)", "Räknade dagar"]
    rows = {int(c[2]): c for c in (line.split(";") for line in lines[1:] if line)}
    with database.session() as s:
        p = s.get(Patient, world.patient_ids[0])
        assert p is not None
        display = p.display_id
    row = rows[entry]
    assert row[3] == display and row[4] == "Nybesök" and row[9] == "90"
    assert row[11:15] == ["40", "5", "0", "35"] and row[18] == "Ja"
    assert rows[follow][9] == "" and rows[follow][17] == "-3" and rows[follow][18] == ""
    assert not any("HYPERLINK" in line for line in lines)  # notes never leave in the export
    with database.session() as s:
        assert audit_rows(s, patient_id=world.patient_ids[0], user_id=world.secretary_id,
                          action="list", object_type="waitlist_export") == 1


def test_summary_csv_per_kind_has_no_patients_in_it(app: FastAPI, database: Database) -> None:
    with database.session() as s:
        world = factories.make_world(s, patients=4)
    breached = _entry(database, world, days_ago=100, patient_id=world.patient_ids[0])
    _entry(database, world, days_ago=10, patient_id=world.patient_ids[1])
    _entry(database, world, days_ago=30, patient_id=world.patient_ids[2], wait_kind="treatment")
    medical_start = (local_today() - timedelta(days=50)).isoformat()
    medical_end = (local_today() - timedelta(days=46)).isoformat()
    with TestClient(app) as client:
        factories.login_client(client, database, world.secretary_id)
        r = client.post(f"/vantelista/{breached}/period", data={
            "reason": "medical", "start": medical_start, "end": medical_end, "note": "Feber"},
            follow_redirects=False)
        assert r.status_code == 303
        text = client.get("/vantelista/sammanstallning.csv").content.decode("utf-8")
    lines = [line.split(";") for line in text[1:].split("\r\n") if line]
    assert lines[0][2:] == ["Väntetyp", "Poster", "Väntande", "Inom vårdgarantin",
                            "Andel inom vårdgarantin (%)", "Median räknade dagar",
                            "Medicinskt orsakad väntan (dagar)", "Patientvald väntan (dagar)",
                            "Poster med medicinskt orsakad väntan", "Poster med patientvald väntan"]
    rows = {row[2]: row[3:] for row in lines[1:]}
    # First visits: 95 and 10 counted days, one of two within 90 days; 5 days medically caused.
    assert rows["Nybesök"] == ["2", "2", "1", "50,0", "52,5", "5", "0", "1", "0"]
    assert rows["Behandling"] == ["1", "1", "1", "100,0", "30", "0", "0", "0", "0"]
    assert rows["Återbesök"][:3] == ["0", "0", ""]
    with database.session() as s:
        for pid in world.patient_ids:
            assert audit_rows(s, patient_id=pid, object_type="waitlist_export") == 0
            assert audit_rows(s, patient_id=pid, action="list") == 0


def test_settings_page_is_for_managers(manager_client: TestClient, secretary_client: TestClient,
                                       database: Database, world: World) -> None:
    assert secretary_client.get("/vantelista/installningar").status_code == 403
    page = manager_client.get("/vantelista/installningar")
    assert page.status_code == 200 and "Region Stockholm" in page.text
    bad = manager_client.post("/vantelista/installningar", data={
        "region": "stockholm", "at_risk_days": "14", "days_first_visit": "trettio",
        "days_treatment": ""})
    assert bad.status_code == 422 and 'value="trettio"' in bad.text
    ok = manager_client.post("/vantelista/installningar", data={
        "region": "stockholm", "at_risk_days": "10", "days_first_visit": "",
        "days_treatment": "60"}, follow_redirects=False)
    assert ok.status_code == 303
    page = manager_client.get("/vantelista/installningar?sparat=1")
    assert "Inställningarna är sparade." in page.text
    with database.session() as s:
        assert waitlist.limit_for(s, unit_id=world.unit_id, wait_kind="first_visit") == 30
        assert waitlist.limit_for(s, unit_id=world.unit_id, wait_kind="treatment") == 60
        assert waitlist.setting(s, unit_id=world.unit_id).at_risk_days == 10


def test_patient_page_section_and_item_page(secretary_client: TestClient, database: Database,
                                            world: World) -> None:
    pid = world.patient_ids[0]
    entry = _entry(database, world, days_ago=20, patient_id=pid)
    patient_page = secretary_client.get(f"/patienter/{pid}")
    assert f'hx-get="/patienter/{pid}/vantelista"' in patient_page.text
    part = secretary_client.get(f"/patienter/{pid}/vantelista", headers={"HX-Request": "true"})
    assert "<html" not in part.text and f'href="/vantelista/{entry}"' in part.text
    assert "Nybesök" in part.text and "70 dagar kvar" in part.text
    with database.session() as s:
        item_id = work_items(s, entry)[0].id
    item = secretary_client.get(f"/arenden/{item_id}")
    assert item.status_code == 200 and 'id="guarantee-date"' in item.text
    assert f'href="/vantelista/{entry}"' in item.text
