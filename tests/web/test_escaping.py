"""Every string a user can enter is escaped on every page that shows it.

One world where every user-enterable field holds a script payload with its own marker; then
every page (whole and htmx partial) is fetched as the secretary and as the manager. A page
passes when no payload is raw, each field it should show is there escaped (so a field that
vanished fails too), and the Content-Security-Policy allows no inline script.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select

from kulisser.audit import service as audit
from kulisser.audit.models import AuditEvent
from kulisser.db import Database
from kulisser.patients import service as patients
from kulisser.reception import service as reception
from kulisser.staff.models import Role
from kulisser.worklist import service as worklist
from tests import factories
from tests.factories import login_client

RAW = ("<script>alert(", "<img src=x onerror")
HTMX = {"HX-Request": "true"}
FIELDS = ("given", "family", "address", "city", "caller", "message", "title", "descr", "comment",
          "hold", "handover", "due", "cancel", "error", "complete", "ea", "ea2", "review",
          "followup", "user", "manager", "unit", "search")
# Spreadsheet formulas in fields that the CSV export writes (OWASP CSV injection).
FORMULA_USER = "@Formel Användare"
FORMULA_GIVEN = '=HYPERLINK("http://evil.example/","klicka")'
FORMULA_REASON = "+1+1 ringde från växeln"
CSV_RISKY = ("=", "+", "-", "@", "\t", "\r")


def payload(field: str) -> str:
    """The hostile text stored in one field; the marker names the field."""
    return f'<script>alert("xss-{field}")</script><img src=x onerror=alert(1)>'


P = {f: payload(f) for f in FIELDS}


@dataclass
class Hostile:
    """The ids of the hostile world."""

    unit_id: int
    secretary_id: int
    manager_id: int
    patient_id: int
    pnr: str
    item_a: int  # title, description, comment, hold, hand-over and due-change reasons
    item_b: int  # cancelled
    item_c: int  # entered in error
    item_d: int  # completed with a note
    callback: int  # from a phone message
    event_id: int  # the emergency access's audit row, reviewed
    sample_id: int = 0

    def fill(self, path: str) -> str:
        """Put the world's ids into a path template."""
        return path.format(item_a=self.item_a, item_b=self.item_b, item_c=self.item_c,
                           item_d=self.item_d, callback=self.callback, patient=self.patient_id,
                           pnr=self.pnr, event=self.event_id, sample=self.sample_id,
                           search=quote(P["search"]), secretary=self.secretary_id)


def _build(database: Database) -> Hostile:
    with database.session() as s:
        unit = factories.make_unit(s, name=P["unit"])
        secretary = factories.make_user(s, unit, Role.SECRETARY, full_name=P["user"])
        manager = factories.make_user(s, unit, Role.MANAGER, full_name=P["manager"])
        formula_user = factories.make_user(s, unit, Role.SECRETARY, full_name=FORMULA_USER)
        sec, man = factories.actor_for(secretary), factories.actor_for(manager)
        pnr = factories.new_personnummer()
        patient = patients.register_patient(s, actor=sec, data=patients.PatientData(
            identifier=pnr, given_name=P["given"], family_name=P["family"], address=P["address"],
            postal_code="123 45", city=P["city"], phone="070-123 45 67"),
            care_reason="seeks_care")

        def item(title: str = "Vanligt ärende", description: str = "") -> int:
            return worklist.create_item(s, actor=sec, kind="task", title=title,
                                        description=description, patient_id=patient.id).id

        a = item(P["title"], P["descr"])
        worklist.perform(s, actor=sec, item_id=a, operation="claim")
        worklist.perform(s, actor=sec, item_id=a, operation="hold", reason=P["hold"])
        worklist.perform(s, actor=sec, item_id=a, operation="resume")
        worklist.perform(s, actor=sec, item_id=a, operation="handover", reason=P["handover"],
                         to_user_id=manager.id)
        worklist.add_comment(s, actor=sec, item_id=a, text=P["comment"])
        item_a = worklist.get_item(s, actor=sec, item_id=a)
        worklist.change_due(s, actor=sec, item_id=a, due_at=item_a.due_at, reason=P["due"])
        b, c, d = item(), item(), item()
        worklist.perform(s, actor=sec, item_id=b, operation="cancel", reason=P["cancel"])
        worklist.perform(s, actor=sec, item_id=c, operation="error", reason=P["error"])
        worklist.perform(s, actor=sec, item_id=d, operation="claim")
        worklist.perform(s, actor=sec, item_id=d, operation="complete", reason=P["complete"])
        _msg, callback = reception.take_message(s, actor=sec, data=reception.MessageData(
            caller_name=P["caller"], caller_relation="relative", phone="070-111 22 33",
            message=P["message"], patient_id=patient.id))

        grant = audit.grant_emergency_access(s, actor=sec, patient_id=patient.id, reason=P["ea"],
                                             minutes=60)
        done = audit.grant_emergency_access(s, actor=sec, patient_id=patient.id, reason=P["ea2"],
                                            minutes=60)
        audit.follow_up_emergency(s, actor=man, access_id=done.id, comment=P["followup"])
        event_id = s.scalar(select(AuditEvent.id).where(AuditEvent.emergency_access_id == grant.id,
                                                        AuditEvent.action == "emergency"))
        assert event_id is not None
        audit.review_event(s, actor=man, event_id=event_id, comment=P["review"])

        # Rows whose CSV cells would start a spreadsheet formula.
        formula_patient = factories.make_patient(s, unit, given=FORMULA_GIVEN, family="Formelsson")
        audit.grant_emergency_access(s, actor=factories.actor_for(formula_user),
                                     patient_id=formula_patient.id, reason=FORMULA_REASON, minutes=5)
        return Hostile(unit_id=unit.id, secretary_id=secretary.id, manager_id=manager.id,
                       patient_id=patient.id, pnr=pnr, item_a=a, item_b=b, item_c=c, item_d=d,
                       callback=callback.id, event_id=event_id)


@pytest.fixture(scope="module")
def hostile(app: FastAPI, database: Database) -> Hostile:
    """The hostile world, with a spot-check sample drawn through the log page."""
    world = _build(database)
    with TestClient(app) as client:
        csrf = login_client(client, database, world.manager_id)
        r = client.post("/logg/stickprov", follow_redirects=False, data={
            "csrf_token": csrf, "n": "200", "outcome": "emergency",
            "user_id": str(world.secretary_id), "date_from": "", "date_to": ""})
        assert r.status_code == 303, r.text[:500]
        world.sample_id = int(r.headers["location"].rsplit("/", 1)[1])
    return world


@pytest.fixture()
def as_role(app: FastAPI, database: Database, hostile: Hostile) -> Iterator[Any]:
    """A factory: a client logged in as the hostile world's secretary or manager."""
    clients: list[TestClient] = []

    def make(role: str) -> TestClient:
        client = TestClient(app)
        clients.append(client)
        login_client(client, database,
                     hostile.secretary_id if role == "secretary" else hostile.manager_id)
        return client

    yield make
    for c in clients:
        c.close()


def script_sources(csp: str) -> list[str]:
    """The sources a Content-Security-Policy allows for scripts (script-src, else default-src)."""
    directives = {parts[0]: parts[1:] for d in csp.split(";") if (parts := d.split())}
    sources = directives.get("script-src", directives.get("default-src"))
    assert sources is not None, f"no script-src or default-src in {csp!r}"
    return sources


def check_html(r: Any, fields: set[str], where: str, status: int = 200) -> None:
    """The page's status and CSP, no raw payload, and every expected field escaped."""
    assert r.status_code == status, (where, r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("text/html"), where
    sources = script_sources(r.headers.get("content-security-policy", ""))
    assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources, (where, sources)
    assert r.headers["x-content-type-options"] == "nosniff"
    leaked = sorted(set(re.findall(r'<script>alert\("xss-(\w+)"\)', r.text)))
    assert not leaked, f"{where}: unescaped {leaked}"
    for raw in RAW:
        assert raw not in r.text, f"{where}: raw {raw!r}"
    missing = [f for f in sorted(fields) if str(escape(P[f])) not in r.text]
    assert not missing, f"{where}: these fields are not shown (escaped): {missing}"
    # The CSP forbids inline scripts, so the app must not depend on any.
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", r.text)
    assert not inline, f"{where}: inline script {inline}"


# (path, fields shown, htmx) for pages both the secretary and the manager use.
ITEM_A = {"title", "descr", "given", "family", "comment", "hold", "handover", "due", "user",
          "manager"}
LIST_ALL = {"title", "given", "family", "caller", "user", "manager"}
COMMON: list[tuple[str, set[str], bool]] = [
    ("/arbetslista", {"caller"}, False),
    ("/arbetslista?scope=unit&status=all", LIST_ALL, False),
    ("/arbetslista?scope=unit&status=all", LIST_ALL, True),
    ("/arbetslista?scope=unit&status=open&kind=callback", {"caller", "given", "family"}, False),
    ("/arbetslista?scope=mine&status=all", set(), False),
    ("/arbetslista?scope=queue", {"caller"}, True),
    ("/arbetslista?scope=unit&q={pnr}", {"title", "given", "family"}, False),
    ("/arbetslista?scope=unit&q={pnr}", {"title", "given", "family"}, True),
    ("/arbetslista?scope=unit&q={search}", {"search"}, False),
    ("/arenden/{item_a}", ITEM_A, False),
    ("/arenden/{item_a}", ITEM_A, True),
    ("/arenden/{callback}", {"caller", "message", "given", "family"}, False),
    ("/arenden/{item_b}", {"cancel", "given", "family"}, False),
    ("/arenden/{item_c}", {"error"}, False),
    ("/arenden/{item_d}", {"complete", "user"}, False),
    ("/patienter?q={pnr}", {"given", "family"}, False),
    ("/patienter?q={pnr}", {"given", "family"}, True),
    ("/patienter?q={search}", {"search"}, False),
    ("/patienter/{patient}", {"given", "family", "address", "city", "title", "caller"}, False),
    ("/patienter/{patient}/redigera", {"given", "family", "address", "city"}, False),
    ("/reception?q={pnr}&patient_id={patient}", {"given", "family", "title", "caller"}, False),
    ("/reception?q={pnr}", {"given", "family", "title", "caller"}, True),
    ("/reception?q={search}", {"search"}, False),
    ("/arbetslista/ny?patient_id={patient}", {"given", "family"}, False),
]
# (path, fields shown, htmx, status) for the manager's log review.
AUDIT: list[tuple[str, set[str], bool, int]] = [
    ("/logg", {"user", "manager", "given", "family"}, False, 200),
    ("/logg?outcome=emergency&date_from=&visa=rader", {"ea", "ea2", "given", "family", "user"},
     False, 200),
    ("/logg?outcome=emergency&date_from=&visa=rader", {"ea", "ea2", "given", "family", "user"},
     True, 200),
    ("/logg?outcome=emergency&date_from=", {"given", "family", "user"}, True, 200),  # grouped
    ("/logg?user_id={secretary}&date_from=", {"user", "given", "family"}, False, 200),
    ("/logg/{event}", {"ea", "review", "manager", "given", "family", "user"}, False, 200),
    ("/logg/stickprov", {"user", "manager"}, False, 200),
    ("/logg/stickprov/{sample}", {"ea", "ea2", "review", "given", "family", "user", "manager"},
     False, 200),
    ("/logg/nodatkomst", {"ea", "ea2", "followup", "given", "family", "user", "manager"}, False, 200),
    ("/logg?identifier={search}", {"search"}, False, 422),
]
HEADER = {"secretary": {"user", "unit"}, "manager": {"manager", "unit"}}


@pytest.mark.parametrize("role", ["secretary", "manager"])
@pytest.mark.parametrize(("path", "fields", "htmx"), COMMON,
                         ids=[f"{p}{' htmx' if h else ''}" for p, _f, h in COMMON])
def test_common_pages_escape_every_field(role: str, path: str, fields: set[str], htmx: bool,
                                         hostile: Hostile, as_role: Any) -> None:
    client = as_role(role)
    url = hostile.fill(path)
    r = client.get(url, headers=HTMX if htmx else {})
    # Whole pages carry the header with the user's name and unit; htmx partials do not.
    expected = fields if htmx else fields | HEADER[role]
    check_html(r, expected, f"{role} GET {url}{' (htmx)' if htmx else ''}")


@pytest.mark.parametrize(("path", "fields", "htmx", "status"), AUDIT,
                         ids=[f"{p}{' htmx' if h else ''}" for p, _f, h, _s in AUDIT])
def test_log_review_pages_escape_every_field(path: str, fields: set[str], htmx: bool, status: int,
                                             hostile: Hostile, as_role: Any) -> None:
    client = as_role("manager")
    url = hostile.fill(path)
    r = client.get(url, headers=HTMX if htmx else {})
    expected = fields if htmx else fields | HEADER["manager"]
    check_html(r, expected, f"manager GET {url}{' (htmx)' if htmx else ''}", status=status)


def test_forms_shown_again_escape_what_was_typed(hostile: Hostile, as_role: Any) -> None:
    client = as_role("secretary")
    r = client.post("/patienter/ny", data={
        "identifier": "inte-ett-nummer", "given_name": P["given"], "family_name": P["family"],
        "address": P["address"], "city": P["city"], "csrf_token": client.csrf})
    check_html(r, {"given", "family", "address", "city"}, "POST /patienter/ny", status=422)
    r = client.post("/reception/meddelande", data={
        "caller_name": P["caller"], "caller_relation": "other", "phone": "", "message": P["message"],
        "priority": "normal", "csrf_token": client.csrf})
    check_html(r, {"caller", "message"}, "POST /reception/meddelande", status=422)
    r = client.post(f"/arenden/{hostile.item_a}/forfallotid", data={
        "due_at": "snart", "due_reason": P["due"], "csrf_token": client.csrf})
    check_html(r, {"due", "title"}, "POST /arenden/.../forfallotid", status=422)
    r = client.post(f"/arenden/{hostile.item_a}/atgard/resume", data={
        "reason": P["hold"], "csrf_token": client.csrf})  # not on hold: refused, shown again
    check_html(r, {"hold", "title"}, "POST /arenden/.../atgard/resume", status=409)


def _json(r: Any) -> Any:
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"] == "application/json"
    assert r.headers["x-content-type-options"] == "nosniff"
    return r.json()


@pytest.mark.parametrize("role", ["secretary", "manager"])
def test_api_returns_the_text_as_plain_json_strings(role: str, hostile: Hostile,
                                                    as_role: Any) -> None:
    client = as_role(role)
    item = _json(client.get(f"/api/v1/work-items/{hostile.item_a}"))
    assert (item["title"], item["description"]) == (P["title"], P["descr"])
    assert item["patient"]["name"] == f"{P['given']} {P['family']}"
    assert item["owner"]["name"] == P["manager"]
    reasons = {e["reason"] for e in item["events"]}
    assert {P["hold"], P["handover"], P["comment"], P["due"]} <= reasons
    assert {e["actor"]["name"] for e in item["events"]} == {P["user"]}
    call = _json(client.get(f"/api/v1/work-items/{hostile.callback}"))
    assert call["phone_message"]["caller_name"] == P["caller"]
    assert call["phone_message"]["message"] == P["message"] == call["description"]
    patient = _json(client.get(f"/api/v1/patients/{hostile.patient_id}"))
    assert (patient["given_name"], patient["family_name"], patient["address"], patient["city"]) == (
        P["given"], P["family"], P["address"], P["city"])
    found = _json(client.get(f"/api/v1/patients?q={hostile.pnr}"))["items"]
    assert [p["family_name"] for p in found] == [P["family"]]
    listed = _json(client.get("/api/v1/work-items?scope=unit&status=all"))["items"]
    assert P["title"] in {i["title"] for i in listed}


def test_audit_api_returns_the_text_as_plain_json_strings(hostile: Hostile, as_role: Any) -> None:
    client = as_role("manager")
    rows = _json(client.get(f"/api/v1/audit-events?outcome=emergency&user_id={hostile.secretary_id}"))
    assert {r["reason"] for r in rows["items"]} == {P["ea"], P["ea2"]}
    assert {r["user_name"] for r in rows["items"]} == {P["user"]}
    assert {r["unit_name"] for r in rows["items"]} == {P["unit"]}
    grants = _json(client.get("/api/v1/emergency-accesses?reviewed=true"))["items"]
    done = [g for g in grants if g["reason"] == P["ea2"]]
    assert len(done) == 1
    assert (done[0]["review_comment"], done[0]["reviewer_name"]) == (P["followup"], P["manager"])


def test_csv_export_neutralises_formulas(hostile: Hostile, as_role: Any) -> None:
    client = as_role("manager")
    grouped = client.get("/logg.csv?date_from=")
    assert grouped.status_code == 200 and grouped.text.lstrip("\ufeff").startswith("Dag;")
    group_cells = [cell for row in csv.reader(io.StringIO(grouped.text.lstrip("\ufeff")),
                                              delimiter=";") for cell in row]
    assert not [cell for cell in group_cells if cell.startswith(CSV_RISKY)]
    assert "'" + FORMULA_USER in group_cells and f"'{FORMULA_GIVEN} Formelsson" in group_cells
    r = client.get("/logg.csv?date_from=&visa=rader")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["x-content-type-options"] == "nosniff"
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff")), delimiter=";"))
    cells = [cell for row in rows[1:] for cell in row]
    risky = [cell for cell in cells if cell.startswith(CSV_RISKY)]
    assert not risky, f"cells a spreadsheet would run: {risky[:5]}"
    # The formulas are there, defused with a leading apostrophe (and nothing else changed).
    assert "'" + FORMULA_USER in cells
    assert f"'{FORMULA_GIVEN} Formelsson" in cells
    assert "'" + FORMULA_REASON in cells
    # CSV is not HTML: the other fields are exported as typed, for the spreadsheet to show.
    assert P["ea"] in cells and P["user"] in cells and P["unit"] in cells
    assert f"{P['given']} {P['family']}" in cells
