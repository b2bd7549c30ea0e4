"""Error behaviour: 404/405/422/500 as Swedish pages or JSON, logged-out callers, and what is logged."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.app import create_app
from kulisser.db import Database
from kulisser.patients import service as patients
from kulisser.patients.models import Patient
from kulisser.staff.models import UserSession
from kulisser.web.deps import CurrentCtx
from kulisser.worklist.models import WorkItem
from tests import conftest, factories
from tests.factories import World, login_client

HTMX = {"HX-Request": "true"}
CRASH_TEXT = "hemlig-detalj 19121212-1212 ur undantaget"


def _is_html(r: object) -> bool:
    return r.headers["content-type"].startswith("text/html")  # type: ignore[attr-defined]


def _is_json(r: object) -> bool:
    return r.headers["content-type"].startswith("application/json")  # type: ignore[attr-defined]


# -- unknown pages and API paths ------------------------------------------------------------

@pytest.mark.parametrize("logged_in", [True, False])
def test_unknown_page_is_a_swedish_404_page(app: FastAPI, database: Database, world: World,
                                            logged_in: bool) -> None:
    with TestClient(app) as client:
        if logged_in:
            login_client(client, database, world.secretary_id)
        r = client.get("/finns-inte/alls")
    assert r.status_code == 404 and _is_html(r)
    assert '<html lang="sv">' in r.text
    assert "Sidan finns inte." in r.text
    assert "Not Found" not in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]


def test_unknown_api_path_is_a_json_404(secretary_client: TestClient) -> None:
    r = secretary_client.get("/api/v1/finns-inte")
    assert r.status_code == 404 and _is_json(r)
    assert r.json()["error"] == "http"


def test_missing_records_are_404_in_swedish(secretary_client: TestClient) -> None:
    page = secretary_client.get("/arenden/987654321")
    assert page.status_code == 404 and _is_html(page)
    assert "Ärendet finns inte." in page.text
    api = secretary_client.get("/api/v1/work-items/987654321")
    assert api.status_code == 404 and api.json()["error"] == "not_found"
    assert secretary_client.get("/patienter/987654321").status_code == 404


def test_wrong_method_is_405_in_swedish(secretary_client: TestClient) -> None:
    r = secretary_client.get("/logout")
    assert r.status_code == 405 and "Metoden stöds inte." in r.text


def test_switching_to_a_unit_one_does_not_work_in_is_403_not_500(
        secretary_client: TestClient, database: Database, world: World) -> None:
    r = secretary_client.post("/enhet/byt", data={"unit_id": str(world.other_unit_id)},
                              follow_redirects=False)
    assert r.status_code == 403 and _is_html(r)
    assert "Du hör inte till den vårdenheten." in r.text
    with database.session() as s:
        units = s.scalars(select(UserSession.unit_id)
                          .where(UserSession.user_id == world.secretary_id)).all()
    assert units and set(units) == {world.unit_id}


# -- bad input -----------------------------------------------------------------------------

def _items_by(database: Database, user_id: int) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(WorkItem)
                        .where(WorkItem.created_by_id == user_id)) or 0


def test_api_malformed_json_is_a_json_422_with_errors(secretary_client: TestClient,
                                                      database: Database, world: World) -> None:
    before = _items_by(database, world.secretary_id)
    r = secretary_client.post("/api/v1/work-items", content=b'{"kind": "task", "title": ',
                              headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and _is_json(r)
    body = r.json()
    assert body["error"] == "validation"
    assert isinstance(body["errors"], dict) and body["errors"]
    missing = secretary_client.post("/api/v1/work-items", json={"kind": "task"})
    assert missing.status_code == 422 and "title" in missing.json()["errors"]
    wrong_type = secretary_client.get("/api/v1/work-items?limit=many")
    assert wrong_type.status_code == 422 and "limit" in wrong_type.json()["errors"]
    assert _items_by(database, world.secretary_id) == before


def test_page_with_a_malformed_path_parameter_is_a_422_page(secretary_client: TestClient) -> None:
    r = secretary_client.get("/arenden/inte-ett-nummer")
    assert r.status_code == 422 and _is_html(r)
    assert "Ogiltig begäran." in r.text


# -- unhandled exceptions ------------------------------------------------------------------

@pytest.fixture()
def crashing_app(database: Database) -> FastAPI:
    """A fresh app with routes that register a patient and then fail."""
    app = create_app(conftest.test_settings(database.url), database)

    def crash(family: str, ctx: CurrentCtx) -> None:
        patients.register_patient(ctx.db, actor=ctx.actor, data=patients.PatientData(
            identifier=factories.new_personnummer(), given_name="Krasch", family_name=family),
            care_reason="seeks_care")
        ctx.db.flush()  # the row is written in the transaction: only the commit is missing
        raise RuntimeError(CRASH_TEXT)

    app.add_api_route("/krasch", crash, methods=["POST"])
    app.add_api_route("/api/v1/krasch", crash, methods=["POST"])
    return app


def _patients_named(database: Database, family: str) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(Patient)
                        .where(Patient.family_name == family)) or 0


@pytest.mark.parametrize("path", ["/krasch", "/api/v1/krasch"])
def test_unhandled_exception_is_a_500_without_details_and_stores_nothing(
        crashing_app: FastAPI, database: Database, world: World, path: str,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="kulisser")
    family = factories.unique("Krasch")
    with TestClient(crashing_app, raise_server_exceptions=False) as client:
        login_client(client, database, world.secretary_id)
        r = client.post(f"{path}?family={family}")
        assert r.status_code == 500
        for secret in (CRASH_TEXT, "19121212", "RuntimeError", "Traceback"):
            assert secret not in r.text
        if path.startswith("/api/"):
            assert _is_json(r) and r.json()["error"] == "internal"
            assert r.json()["detail"] == "Något gick fel. Ingen ändring sparades."
        else:
            assert _is_html(r) and "Något gick fel. Ingen ändring sparades." in r.text
        # The app still works after the crash (the session was given back).
        assert client.get("/arbetslista").status_code == 200
    assert _patients_named(database, family) == 0
    logged = [rec for rec in caplog.records if rec.name.startswith("kulisser")]
    assert any("unhandled RuntimeError" in rec.getMessage() for rec in logged)
    assert not any(CRASH_TEXT in rec.getMessage() or family in rec.getMessage() for rec in logged)


# -- logged out ----------------------------------------------------------------------------

@pytest.fixture()
def anonymous(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.mark.parametrize(("path", "target"), [
    ("/arbetslista?q=19121212-1212", "/login?next=/arbetslista"),
    ("/patienter/12", "/login?next=/patienter/12"),
    ("/logg?identifier=19121212-1212", "/login?next=/logg"),
    ("/", "/arbetslista"),  # the start page redirects before anyone is asked to log in
])
def test_logged_out_page_redirects_to_login_without_the_query(anonymous: TestClient, path: str,
                                                              target: str) -> None:
    r = anonymous.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == target  # a search (personnummer) never rides along


def test_logged_out_form_post_redirects_to_login(anonymous: TestClient) -> None:
    r = anonymous.post("/arbetslista/ny", data={"title": "x"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/arbetslista/ny"


def test_unknown_session_cookie_counts_as_logged_out(anonymous: TestClient) -> None:
    anonymous.cookies.set("kulisser_session", "forged-or-expired")
    r = anonymous.get("/arbetslista", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/arbetslista"


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v1/work-items"), ("GET", "/api/v1/patients?q=1912"),
    ("POST", "/api/v1/work-items"), ("GET", "/api/v1/audit-events"),
])
def test_logged_out_api_is_a_json_401(anonymous: TestClient, method: str, path: str) -> None:
    r = anonymous.request(method, path, json={})
    assert r.status_code == 401 and _is_json(r)
    assert r.json()["error"] == "unauthenticated"
    assert "location" not in r.headers


def test_bad_bearer_token_is_a_json_401(anonymous: TestClient) -> None:
    r = anonymous.get("/api/v1/work-items", headers={"Authorization": "Bearer kul_not-a-token"})
    assert r.status_code == 401 and r.json()["error"] == "unauthenticated"


def test_logged_out_htmx_request_gets_401_and_hx_redirect(anonymous: TestClient) -> None:
    r = anonymous.get("/arbetslista?scope=queue", headers=HTMX, follow_redirects=False)
    assert r.status_code == 401
    assert r.headers["HX-Redirect"] == "/login?next=/arbetslista"
    assert "location" not in r.headers


# -- what gets logged ----------------------------------------------------------------------

def _forms(pnr: str) -> list[str]:
    """The ways a 12-digit personnummer can be written."""
    return [pnr, f"{pnr[:8]}-{pnr[8:]}", pnr[2:], f"{pnr[2:8]}-{pnr[8:]}"]


def test_personnummer_and_note_text_never_reach_the_log(
        secretary_client: TestClient, database: Database, world: World,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="kulisser")
    pnr, api_pnr = factories.new_personnummer(), factories.new_personnummer()
    family = factories.unique("Loggfri")
    note = "Hemlig anteckning om ryggont " + factories.unique("n")
    dashed = f"{pnr[:8]}-{pnr[8:]}"
    c = secretary_client

    r = c.post("/patienter/ny", data={"identifier": dashed, "given_name": "Lova",
                                      "family_name": family, "care_reason": "seeks_care"},
               follow_redirects=False)
    assert r.status_code == 303
    patient_id = int(r.headers["location"].rsplit("/", 1)[1])
    assert c.post("/api/v1/patients", json={"identifier": api_pnr, "given_name": "Api",
                                            "family_name": family,
                                            "care_reason": "seeks_care"}).status_code == 201
    # A registration that fails (the number again, with a wrong check digit) and one that
    # repeats a known number.
    wrong = f"{pnr[:11]}{(int(pnr[11]) + 1) % 10}"
    assert c.post("/patienter/ny", data={"identifier": wrong, "given_name": "Lova",
                                         "family_name": family}).status_code == 422
    assert c.post("/reception/meddelande", data={
        "caller_name": "Lova", "caller_relation": "patient", "phone": "070-111 22 33",
        "message": note, "priority": "normal", "patient_id": str(patient_id)},
        follow_redirects=False).status_code == 303
    assert c.post("/arbetslista/ny", data={"kind": "task", "title": "Skicka kopia",
                                           "description": note, "identifier": dashed,
                                           "priority": "normal"},
                  follow_redirects=False).status_code == 303
    for q in (dashed, pnr, pnr[2:], family):
        for path in (f"/arbetslista?scope=unit&q={q}", f"/patienter?q={q}", f"/reception?q={q}"):
            assert c.get(path).status_code == 200, path
            assert c.get(path, headers=HTMX).status_code == 200, path
        found = c.get(f"/api/v1/work-items?scope=unit&q={q}")
        assert found.status_code == 200 and found.json()["items"], q
    page = c.get(f"/arbetslista?scope=unit&q={dashed}")
    assert note not in page.text and family in page.text  # the search found the items

    records = [rec for rec in caplog.records if rec.name.startswith("kulisser")]
    access = [rec.getMessage() for rec in records if rec.name == "kulisser.access"]
    # The access log did record these requests (so the check below looks at real records) ...
    assert any(m.startswith("GET /arbetslista 200") for m in access), access[:5]
    assert any(m.startswith("POST /patienter/ny 303") for m in access)
    assert not any("?" in m for m in access)
    # ... and nothing the app logged holds the numbers or the note.
    hidden = [*_forms(pnr), *_forms(api_pnr), wrong, note]
    for rec in records:
        text = rec.getMessage() + repr(rec.args) + (rec.exc_text or "")
        leaked = [s for s in hidden if s in text]
        assert not leaked, (rec.name, text)
