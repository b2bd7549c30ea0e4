"""The log review groups per user, patient and day, folds list views away one click from view,
speaks Swedish about actions and objects, and its CSV follows the chosen view."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from html import unescape
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select

from kulisser.audit import service as audit
from kulisser.audit.models import AuditEvent
from kulisser.db import Database
from tests import factories
from tests.factories import World

TZ = ZoneInfo("Europe/Stockholm")
DAY = {"date_from": "2019-04-01", "date_to": "2019-04-02"}


def at(d: int, h: int, mi: int = 0) -> datetime:
    """A Stockholm wall-clock time in April 2019 as UTC."""
    return datetime(2019, 4, d, h, mi, tzinfo=TZ).astimezone(UTC)


def seed(database: Database, world: World) -> None:
    """Secretary: patient A three times on the 1st (one of them an update), once on the 2nd
    (00:30 local, still the 2nd), patient B once, and two list views; clinician: a signature.
    Each call is its own transaction, as separate requests are."""
    a, b = world.patient_ids[0], world.patient_ids[1]
    calls = [(world.secretary_id, a, "read", "patient", a, at(1, 9)),
             (world.secretary_id, a, "read", "letter_pdf", 55, at(1, 10)),
             (world.secretary_id, a, "update", "patient", a, at(1, 11, 30)),
             (world.secretary_id, a, "read", "patient", a, at(2, 0, 30)),
             (world.secretary_id, b, "read", "patient", b, at(1, 12)),
             (world.clinician_id, b, "sign", "result", 9, at(1, 13))]
    for uid, pid, action, object_type, oid, when in calls:
        with database.session() as s:
            audit.check_access(s, actor=factories.actor(s, uid), patient_id=pid, action=action,
                               object_type=object_type, object_id=oid, now=when)
    for when in (at(1, 8), at(1, 14)):
        with database.session() as s:
            audit.log_listing(s, actor=factories.actor(s, world.secretary_id), patient_ids=[a, b],
                              object_type="worklist", now=when)


def group_rows(html: str) -> list[list[str]]:
    """The cells of the grouped table, as text."""
    body = html.split('<div id="audit-table">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S)
    return [[re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", c))).strip()
             for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]


def test_the_default_view_groups_per_user_patient_and_day(
        manager_client: TestClient, database: Database, world: World) -> None:
    seed(database, world)
    page = manager_client.get("/logg", params=DAY)
    assert page.status_code == 200
    rows = group_rows(page.text)
    # day, user, role, patient, count, first, last, actions, objects, outcomes, link
    summary = [(r[0], r[4], r[5], r[6]) for r in rows]
    assert summary == [("2019-04-02", "1", "00:30:00", "00:30:00"),
                       ("2019-04-01", "1", "13:00:00", "13:00:00"),
                       ("2019-04-01", "1", "12:00:00", "12:00:00"),
                       ("2019-04-01", "3", "09:00:00", "11:30:00")]
    assert rows[3][7] == "Läsning (2), Ändring (1)"
    assert rows[3][8] == "Patient (2), Brev (PDF) (1)"
    assert rows[1][7] == "Signering (1)" and rows[1][8] == "Provsvar (1)"
    assert "4 grupper med 6 loggrader." in page.text
    # The list views are folded away, one click from view.
    assert "Visa även 4 visningar i listor" in page.text
    link = re.search(r'<a href="([^"]+)" id="lists-toggle"', page.text)
    assert link is not None
    with_lists = manager_client.get(unescape(link.group(1)))
    assert "4 grupper med 10 loggrader." in with_lists.text
    first_day = next(r for r in group_rows(with_lists.text) if r[0] == "2019-04-01" and r[4] == "5")
    assert first_day[7] == "Visad i lista (2), Läsning (2), Ändring (1)"
    assert first_day[5] == "08:00:00" and first_day[6] == "14:00:00"
    assert "Dölj visningar i listor" in with_lists.text


def test_a_group_links_to_exactly_its_rows(manager_client: TestClient, database: Database,
                                           world: World) -> None:
    seed(database, world)
    page = manager_client.get("/logg", params=DAY)
    links = re.findall(r'<a href="(/logg\?[^"]+)">Visa raderna', page.text)
    assert len(links) == 4
    three = manager_client.get(unescape(links[3]))  # the secretary on patient A, the 1st
    assert three.status_code == 200 and "Varje loggrad" in three.text
    with database.session() as s:
        expected = set(s.scalars(select(AuditEvent.id).where(
            AuditEvent.user_id == world.secretary_id,
            AuditEvent.patient_id == world.patient_ids[0], AuditEvent.action != "list",
            AuditEvent.at >= at(1, 0), AuditEvent.at < at(2, 0))))
    assert set(map(int, re.findall(r'<tr id="e(\d+)"', three.text))) == expected
    assert len(expected) == 3
    # Objects and actions in Swedish words on the rows too, with the object's number.
    assert "Brev (PDF) nr 55" in three.text and "letter_pdf" not in three.text
    assert ">Ändring<" in three.text


def test_the_csv_follows_the_view(manager_client: TestClient, database: Database,
                                  world: World) -> None:
    seed(database, world)

    def rows(params: dict[str, str]) -> list[list[str]]:
        r = manager_client.get("/logg.csv", params=params)
        assert r.status_code == 200 and r.content.startswith("\ufeff".encode())
        return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))

    grouped = rows(DAY)
    assert grouped[0][:2] == ["Dag", "Användarnamn"] and "Antal rader" in grouped[0]
    assert len(grouped) == 1 + 4
    counts = sorted(int(r[grouped[0].index("Antal rader")]) for r in grouped[1:])
    assert counts == [1, 1, 1, 3]
    actions = grouped[0].index("Åtgärder")
    assert "Signering (1)" in [r[actions] for r in grouped[1:]]
    assert sum(int(r[6]) for r in rows({**DAY, "listor": "1"})[1:]) == 10
    plain = rows({**DAY, "visa": "rader"})
    assert plain[0][0] == "Tid" and len(plain) == 1 + 6
    assert {r[plain[0].index("Åtgärd")] for r in plain[1:]} == {"Läsning", "Ändring", "Signering"}
    assert len(rows({**DAY, "visa": "rader", "listor": "1"})) == 1 + 10


def test_reading_the_grouped_log_is_itself_logged(manager_client: TestClient, database: Database,
                                                  world: World) -> None:
    seed(database, world)
    manager_client.get("/logg", params=DAY)
    with database.session() as s:
        row = s.scalars(select(AuditEvent).where(AuditEvent.user_id == world.manager_id,
                                                 AuditEvent.object_type == audit.AUDIT_LOG)
                        .order_by(AuditEvent.id.desc()).limit(1)).one()
    assert row.reason is not None
    assert "grupperat per användare, patient och dag" in row.reason
    assert "utan visningar i listor" in row.reason and row.reason.endswith("; 6 rader")


def test_the_api_gives_swedish_labels_beside_the_codes(
        manager_client: TestClient, database: Database, world: World) -> None:
    seed(database, world)
    items = manager_client.get("/api/v1/audit-events", params=DAY).json()["items"]
    assert len(items) == 10  # the API leaves nothing out: list views included, ungrouped
    by_code = {(i["action"], i["object_type"]): i for i in items}
    pdf = by_code[("read", "letter_pdf")]
    assert (pdf["action_label"], pdf["object_label"], pdf["outcome_label"]) == (
        "Läsning", "Brev (PDF) nr 55", "Tillåten")
    assert by_code[("sign", "result")]["action_label"] == "Signering"
    assert by_code[("list", "worklist")]["object_label"] == "Arbetslista"


def test_one_view_of_a_patient_page_writes_no_identical_rows(
        secretary_client: TestClient, database: Database, world: World) -> None:
    pid = world.patient_ids[2]
    with database.session() as s:
        before = s.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
    htmx = {"HX-Request": "true"}
    for path, headers in ((f"/patienter/{pid}", {}), (f"/patienter/{pid}/vantelista", htmx),
                          (f"/tidbok/patient/{pid}", htmx), (f"/brev/patient/{pid}", htmx)):
        assert secretary_client.get(path, headers=headers).status_code == 200, path
    with database.session() as s:
        rows = [tuple(r) for r in s.execute(select(
            AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id, AuditEvent.outcome)
            .where(AuditEvent.id > before, AuditEvent.user_id == world.secretary_id,
                   AuditEvent.patient_id == pid)).all()]
    assert len(rows) == len(set(rows)), rows
    assert sorted(o for _a, o, _i, _r in rows) == [
        "patient", "patient_letters", "patient_visits", "waitlist"]
