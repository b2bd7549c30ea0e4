"""The monthly report to leadership (issue 15 item 5): the PDF read back with pdftotext, the
monthly job (once per month however often it runs), new versions on demand, sending once per
recipient, who may make it, the region's report, and clear errors for bad input."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kulisser.audit.models import AuditEvent
from kulisser.db import Database, utcnow
from kulisser.letters import jobs as letter_jobs
from kulisser.staff.models import CareUnit, Role, User
from kulisser.stats import aggregate, report, report_send, staffing
from kulisser.stats.report_jobs import due_month, run_monthly
from kulisser.stats.report_models import MonthlyReport, ReportSend
from kulisser.stats.report_sections import month_name
from tests import conftest, factories
from tests.conftest import Client
from tests.stats.report_helpers import DONE, INCOMING, RecordingMailbox, pdf_text, seed_month

TEXT = "Vi behöver två sekreterare till före sommaren.\n\nKön av diktat växte i oktober."


def _reports(database: Database, scope_key: str) -> list[MonthlyReport]:
    with database.session() as s:
        return list(s.scalars(select(MonthlyReport).where(MonthlyReport.scope_key == scope_key)
                              .order_by(MonthlyReport.id)))


def test_due_month_is_the_month_before_from_the_2nd_at_three() -> None:
    def at(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=aggregate.TZ)

    assert due_month(at("2026-12-02T02:59")).isoformat() == "2026-10-01"
    assert due_month(at("2026-12-02T03:00")).isoformat() == "2026-11-01"
    assert due_month(at("2026-12-31T23:59")).isoformat() == "2026-11-01"
    assert due_month(at("2027-01-05T08:00")).isoformat() == "2026-12-01"
    assert due_month(at("2027-01-01T10:00")).isoformat() == "2026-11-01"


def test_the_pdf_reads_back_with_title_volumes_and_the_managers_text(
        database: Database, world: factories.World, tmp_path: Path) -> None:
    with database.session() as s:
        seeded = seed_month(s, world)
        manager = factories.actor(s, world.manager_id)
        # The staffing gap: the month's 7 tasks at 60 minutes need 7 h against 4 h staffed.
        staffing.set_standard_times(s, actor=manager, values={"task": 60})
        staffing.set_staffed(s, actor=manager, values={seeded.month: 4 * 60})
        made = report.make(s, data_dir=tmp_path, scope=report.unit_scope(s, world.unit_id),
                           month=seeded.month, now=utcnow(), actor=manager, text=TEXT)
        pdf = report.read_pdf(tmp_path, made)
    text = pdf_text(pdf)
    assert f"Sekreterarnas arbete, {month_name(seeded.month)}" in text
    assert re.search(r"(januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|"
                     r"november|december) \d{4}", month_name(seeded.month))
    # The volumes: the tasks' row of the volumes table (incoming, the month before, change, done).
    assert re.search(rf"Uppgifter\s+{INCOMING}\s+1\s+\+600 %\s+{DONE}\s+0", text), text
    assert "Vi behöver två sekreterare till före sommaren." in text
    assert "Kön av diktat växte i oktober." in text
    assert "Chefens kommentar" in text and "Tolv månader" in text
    assert "Ledtid" in text and "5 tim" in text  # the done tasks' median turnaround
    # The other parts' sections: the chain, the domains' shares and the staffing gap.
    assert "Diktatkedjan" in text and "Inte i journalen efter 2 dagar" in text
    assert "Vårdgaranti och andra mål" in text and "Återuppringningar inom utsatt tid" in text
    flat = " ".join(text.split())
    assert "Bemanningsgapet" in flat and "behövdes 7,0 timmar" in flat and "bemannat 4,0" in flat
    assert "Gapet: 3,0 timmar, 0,02 årsarbetare" in flat
    assert "Hjälper taligenkänningen?" in text and "Skrivna utan utkast" in text
    assert made.sha256 and made.size == len(pdf) and made.version == 1 and made.text == TEXT


def test_monthly_job_twice_makes_one_report_and_sends_once(
        database: Database, world: factories.World, tmp_path: Path) -> None:
    settings = conftest.test_settings(database.url, data_dir=tmp_path, outbox_dir=tmp_path / "out")
    now = utcnow()
    with database.session() as s:
        seed_month(s, world, now=now)
        first = run_monthly(s, settings=settings, now=now, unit_ids=[world.unit_id], region=False)
    with database.session() as s:
        second = run_monthly(s, settings=settings, now=now, unit_ids=[world.unit_id], region=False)
    assert len(first) == 1 and second == []
    rows = _reports(database, f"unit:{world.unit_id}")
    assert len(rows) == 1 and rows[0].created_by_id is None and rows[0].job_key
    with database.session() as s:
        sends = list(s.scalars(select(ReportSend).where(ReportSend.report_id == rows[0].id)))
        manager = s.get(User, world.manager_id)
        assert manager is not None
        assert [x.recipient for x in sends] == [f"user:{manager.username}"]
    envelopes = list((tmp_path / "out" / "mailbox").glob("rapport-*.json"))
    assert len(envelopes) == 1 and envelopes[0].with_suffix(".pdf").is_file()


def test_on_demand_makes_a_new_version_and_keeps_the_old(
        client_as: Client, database: Database, world: factories.World) -> None:
    with database.session() as s:
        seeded = seed_month(s, world)
    client = client_as(world.manager_id)
    month = f"{seeded.month:%Y-%m}"
    one = client.post("/oversikt/rapporter", data={"manad": month, "text": "Första texten."},
                      follow_redirects=False)
    assert one.status_code == 303, one.text
    two = client.post("/oversikt/rapporter", data={"manad": month, "text": "Andra texten."},
                      follow_redirects=False)
    assert two.status_code == 303
    rows = _reports(database, f"unit:{world.unit_id}")
    assert [(r.version, r.text) for r in rows] == [(1, "Första texten."), (2, "Andra texten.")]
    page = client.get(f"/oversikt/rapporter?manad={month}")
    assert page.status_code == 200 and page.text.count("/pdf\" download") == 2
    assert "Andra texten." in page.text  # the month's text, as last kept
    for row, words in ((rows[0], "Första texten."), (rows[1], "Andra texten.")):
        pdf = client.get(f"/oversikt/rapporter/{row.id}/pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert words in pdf_text(pdf.content)


def test_saving_the_text_first_prints_it_in_the_report(
        client_as: Client, database: Database, world: factories.World, tmp_path: Path) -> None:
    with database.session() as s:
        seeded = seed_month(s, world)
    client = client_as(world.manager_id)
    month = f"{seeded.month:%Y-%m}"
    saved = client.post("/oversikt/rapporter/text", data={"manad": month, "text": "Sparad text."},
                        follow_redirects=False)
    assert saved.status_code == 303 and not _reports(database, f"unit:{world.unit_id}")
    settings = conftest.test_settings(database.url, data_dir=tmp_path, outbox_dir=tmp_path / "out")
    with database.session() as s:
        made = run_monthly(s, settings=settings, now=utcnow(), unit_ids=[world.unit_id],
                           region=False)
        assert made[0].text == "Sparad text."
        assert "Sparad text." in pdf_text(report.read_pdf(tmp_path, made[0]))


def test_secretaries_read_but_cannot_make_or_send(
        client_as: Client, database: Database, world: factories.World) -> None:
    with database.session() as s:
        seeded = seed_month(s, world)
    month = f"{seeded.month:%Y-%m}"
    secretary = client_as(world.secretary_id)
    refused = secretary.post("/oversikt/rapporter", data={"manad": month, "text": "x"})
    assert refused.status_code == 403 and "enhetschefen" in refused.text
    assert secretary.post("/oversikt/rapporter/text", data={"manad": month}).status_code == 403
    assert _reports(database, f"unit:{world.unit_id}") == []
    client_as(world.manager_id).post("/oversikt/rapporter", data={"manad": month})
    row = _reports(database, f"unit:{world.unit_id}")[0]
    page = secretary.get("/oversikt/rapporter")
    assert page.status_code == 200 and "Skapa rapporten nu" not in page.text
    assert secretary.get(f"/oversikt/rapporter/{row.id}/pdf").status_code == 200
    assert secretary.post(f"/oversikt/rapporter/{row.id}/skicka").status_code == 403
    clinician = client_as(world.clinician_id)
    assert clinician.get("/oversikt/rapporter").status_code == 403


def test_the_send_is_recorded_once_per_recipient(
        client_as: Client, database: Database, world: factories.World) -> None:
    with database.session() as s:
        seeded = seed_month(s, world)
        other_manager = factories.make_user(s, world.unit_id, Role.MANAGER)
        second, second_name = other_manager.username, other_manager.full_name
    client = client_as(world.manager_id)
    client.post("/oversikt/rapporter", data={"manad": f"{seeded.month:%Y-%m}"})
    row = _reports(database, f"unit:{world.unit_id}")[0]
    mailbox = RecordingMailbox()
    letter_jobs.configure(mailbox=mailbox)
    try:
        first = client.post(f"/oversikt/rapporter/{row.id}/skicka", follow_redirects=False)
        again = client.post(f"/oversikt/rapporter/{row.id}/skicka", follow_redirects=False)
    finally:
        letter_jobs.configure()
    assert first.status_code == 303 and "skickad=2" in first.headers["location"]
    assert again.status_code == 303 and "skickad=0" in again.headers["location"]
    assert len(mailbox.documents) == 2
    assert {d["envelope"]["recipient"]["username"] for d in mailbox.documents} >= {second}
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(ReportSend)
                        .where(ReportSend.report_id == row.id)) == 2
    page = client.get(f"/oversikt/rapporter?manad={seeded.month:%Y-%m}")
    assert second_name in page.text  # under "Skickad till"


def test_the_region_report_puts_the_units_side_by_side(
        client_as: Client, database: Database, world: factories.World, tmp_path: Path) -> None:
    with database.session() as s:
        seeded = seed_month(s, world)
        unit = s.get(CareUnit, world.unit_id)
        assert unit is not None
        unit.name = unit_name = factories.unique("Regionrapportenheten")  # one word: never wraps
        admin = factories.make_user(s, world.unit_id, Role.ADMIN).id
    month = f"{seeded.month:%Y-%m}"
    manager = client_as(world.manager_id)
    assert manager.get(f"/oversikt/rapporter?omfang=region&manad={month}").status_code == 403
    made = client_as(admin).post("/oversikt/rapporter", follow_redirects=False,
                                 data={"manad": month, "omfang": "region", "text": "Regionen."})
    assert made.status_code == 303 and "omfang=region" in made.headers["location"]
    row = _reports(database, "region")[-1]
    assert row.unit_id is None
    pdf = client_as(admin).get(f"/oversikt/rapporter/{row.id}/pdf")
    text = pdf_text(pdf.content)
    assert "Vårdenheterna sida vid sida" in text and "Regionen: alla vårdenheter" in text
    assert unit_name in text and "Regionen." in text
    # A unit's manager is not shown the region's report: not found, the refusal logged.
    refused = manager.get(f"/oversikt/rapporter/{row.id}/pdf")
    assert refused.status_code == 404
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.user_id == world.manager_id, AuditEvent.object_type == "stats_report",
            AuditEvent.outcome == "denied")) == 1
    # The region's recipients come from the settings, each sent to once.
    settings = conftest.test_settings(database.url, data_dir=Path(manager.app.state.settings.data_dir),  # type: ignore[attr-defined]
                             report_recipients="ledning@region.se; hsa@region.se, ledning@region.se")
    mailbox = RecordingMailbox()
    letter_jobs.configure(mailbox=mailbox)
    try:
        with database.session() as s:
            got = s.get(MonthlyReport, row.id)
            assert got is not None
            first = report_send.send(s, settings=settings, report_row=got, now=utcnow())
            again = report_send.send(s, settings=settings, report_row=got, now=utcnow())
    finally:
        letter_jobs.configure()
    assert [x.recipient_name for x in first] == ["ledning@region.se", "hsa@region.se"]
    assert again == [] and len(mailbox.documents) == 2


def test_another_units_report_is_not_found_and_logged(
        client_as: Client, database: Database, world: factories.World) -> None:
    with database.session() as s:
        seeded = seed_month(s, world)
        stranger = factories.make_user(s, world.other_unit_id, Role.MANAGER).id
    client_as(world.manager_id).post("/oversikt/rapporter", data={"manad": f"{seeded.month:%Y-%m}"})
    row = _reports(database, f"unit:{world.unit_id}")[0]
    other = client_as(stranger)
    assert other.get(f"/oversikt/rapporter/{row.id}/pdf").status_code == 404
    assert other.post(f"/oversikt/rapporter/{row.id}/skicka").status_code == 404
    assert other.get("/oversikt/rapporter/999999999/pdf").status_code == 404


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"manad": "2026-13"}, "manad", "ÅÅÅÅ-MM"),
    ({"manad": "nästa"}, "manad", "ÅÅÅÅ-MM"),
    ({"manad": "2999-12"}, "manad", "inte slut än"),
    ({"manad": "LAST", "text": "å" * 4001}, "text", "högst 4000 tecken"),
])
def test_bad_input_is_a_swedish_422_with_nothing_stored(
        client_as: Client, database: Database, world: factories.World,
        data: dict[str, str], field: str, message: str) -> None:
    client = client_as(world.manager_id)
    if data["manad"] == "LAST":
        data = {**data, "manad": f"{report.last_month():%Y-%m}"}
    for url in ("/oversikt/rapporter", "/oversikt/rapporter/text"):
        res = client.post(url, data=data)
        assert res.status_code == 422 and message in res.text, (url, res.text[:400])
        if field == "text":
            assert "å" * 50 in res.text  # the typed text is kept in the form
    assert _reports(database, f"unit:{world.unit_id}") == []
    with database.session() as s:
        assert report.draft_text(s, scope=report.unit_scope(s, world.unit_id),
                                 month=report.last_month()) == ""


def test_the_overview_links_to_the_reports(client_as: Client, world: factories.World) -> None:
    page = client_as(world.secretary_id).get("/oversikt")
    assert page.status_code == 200
    assert 'href="/oversikt/rapporter"' in page.text and "Månadsrapporter" in page.text


def test_the_file_drop_keeps_a_document_once_under_a_safe_name(tmp_path: Path) -> None:
    from kulisser.letters.mailbox import FileDropMailbox

    box = FileDropMailbox(tmp_path)
    envelope = {"document": "stats_report", "recipient": {"kind": "address", "address": "a@b.se"}}
    assert box.send_document(reference="rapport-1-abc", pdf=b"%PDF-1", envelope=envelope) == \
        "rapport-1-abc"
    box.send_document(reference="rapport-1-abc", pdf=b"%PDF-2 changed", envelope=envelope)
    assert (tmp_path / "rapport-1-abc.pdf").read_bytes() == b"%PDF-1"  # handed over once
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rapport-1-abc.json", "rapport-1-abc.pdf"]
    with pytest.raises(ValueError):
        box.send_document(reference="../letter-1", pdf=b"%PDF-1", envelope=envelope)


def test_the_region_administrator_reads_and_makes_the_regions_report_only(
        client_as: Client, database: Database, world: factories.World) -> None:
    """She reaches the region's report from her gate, never her login unit's reports."""
    with database.session() as s:
        admin = factories.make_user(s, world.unit_id, role=Role.REGION_ADMIN)
        s.commit()
        admin_id = admin.id
    client = client_as(admin_id)
    page = client.get("/oversikt/rapporter")
    assert page.status_code == 200 and "Regionen" in page.text
    month = report.last_month()
    made = client.post("/oversikt/rapporter", data={"manad": f"{month:%Y-%m}", "text": ""},
                       follow_redirects=False)
    assert made.status_code == 303
    with database.session() as s:
        rows = s.scalars(select(MonthlyReport).where(MonthlyReport.created_by_id == admin_id)).all()
        assert [r.unit_id for r in rows] == [None]  # the region's, not her unit's
        region_id = rows[0].id
    assert client.get(f"/oversikt/rapporter/{region_id}/pdf").status_code == 200
    assert client.get("/oversikt/region").status_code == 200
