"""Production defaults: API docs behind login (open in demo), vendored under the CSP, HSTS,
and the client address from trusted proxies only (audit rows, login throttling)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from kulisser.app import STATIC, create_app
from kulisser.audit.models import AuditEvent
from kulisser.db import Database
from kulisser.staff.models import LoginAttempt
from tests import conftest
from tests.factories import World, login_client, unique

AppFor = Callable[..., TestClient]
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


@pytest.fixture()
def app_for(database: Database) -> Iterator[AppFor]:
    """A client of an app on the run's database with other settings (and a client address)."""
    opened: list[TestClient] = []

    def make(address: str = "testclient", **overrides: object) -> TestClient:
        app: FastAPI = create_app(conftest.test_settings(database.url, **overrides), database)
        client = TestClient(app, base_url="http://testserver", client=(address, 40000))
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for c in opened:
        c.__exit__(None, None, None)


@pytest.mark.parametrize("mode", ["production", "test"])
def test_api_docs_need_a_login_outside_demo(app_for: AppFor, database: Database, world: World,
                                            mode: str) -> None:
    client = app_for(mode=mode)
    assert client.get("/api/v1/openapi.json").status_code == 401
    page = client.get("/api/docs", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/api/docs"
    login_client(client, database, world.secretary_id)
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200 and "/api/v1/work-items" in spec.json()["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    # "Try it out" from this browser sends the session's CSRF token (api-docs.js).
    assert f'data-csrf-token="{client.csrf}"' in docs.text  # type: ignore[attr-defined]


def test_api_docs_are_open_in_demo_mode(app_for: AppFor) -> None:
    client = app_for(mode="demo")
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/docs").status_code == 200


def test_the_docs_page_loads_only_vendored_files_under_the_common_csp(app_for: AppFor) -> None:
    client = app_for(mode="demo")
    page = client.get("/api/docs")
    assert page.headers["content-security-policy"] == CSP
    assert "<script>" not in page.text and "cdn" not in page.text.lower()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert {s for s in sources if not s.startswith("/api/")} == {
        "/static/favicon.svg", "/static/vendor/swagger-ui/swagger-ui.css",
        "/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/api-docs.js"}
    for source in sources:
        assert client.get(source).status_code == 200, source
    vendored = STATIC / "vendor" / "swagger-ui"
    notes = (vendored / "README.md").read_text(encoding="utf-8")
    assert "swagger-ui-dist" in notes and "Apache-2.0" in notes and (vendored / "LICENSE").exists()


def test_fastapis_own_docs_routes_are_gone(app_for: AppFor) -> None:
    client = app_for(mode="demo")
    for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
        assert client.get(path).status_code == 404, path


def test_hsts_whenever_cookies_are_secure(app_for: AppFor) -> None:
    secure = app_for(mode="production", cookie_secure=None)  # production default: secure
    for path in ("/login", "/static/app.css", "/api/v1/work-items"):
        assert secure.get(path).headers["strict-transport-security"] == (
            "max-age=31536000; includeSubDomains"), path
    assert "strict-transport-security" not in app_for(mode="demo").get("/login").headers
    assert "strict-transport-security" in app_for(mode="demo", cookie_secure=True).get("/login").headers


def test_every_answer_carries_the_security_headers_once(app_for: AppFor) -> None:
    client = app_for(mode="production")
    for path in ("/login", "/api/v1/work-items", "/static/app.css", "/finns-inte"):
        response = client.get(path)
        for name, value in (("x-content-type-options", "nosniff"), ("x-frame-options", "DENY"),
                            ("referrer-policy", "same-origin"), ("content-security-policy", CSP)):
            assert response.headers.get_list(name) == [value], (path, name)
        # Pages and API answers name patients: never cached; the static files may be.
        expected = [] if path.startswith("/static/") else ["no-store"]
        assert response.headers.get_list("cache-control") == expected, path
    # A body over the limit is refused outside the app's routes: the same headers still.
    refused = client.post("/api/v1/patients", content=b"x" * (3 * 1024 * 1024),
                          headers={"content-type": "application/json"})
    assert refused.status_code == 413
    assert refused.headers.get_list("x-content-type-options") == ["nosniff"]


def _failed_login_ip(client: TestClient, database: Database) -> str:
    username = unique("nobody")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post("/login", headers={"X-Forwarded-For": "203.0.113.77"},
                data={"username": username, "password": "x" * 12, "csrf_token": token.group(1)})
    with database.session() as s:
        ip = s.scalar(select(LoginAttempt.ip).where(LoginAttempt.username == username))
        assert ip is not None
        return ip


def _audit_ip(client: TestClient, database: Database, world: World) -> str | None:
    login_client(client, database, world.secretary_id)
    patient = world.patient_ids[0]
    assert client.get(f"/api/v1/patients/{patient}",
                      headers={"X-Forwarded-For": "1.2.3.4, 203.0.113.77"}).status_code == 200
    with database.session() as s:
        return s.scalar(select(AuditEvent.ip).where(AuditEvent.user_id == world.secretary_id,
                                                    AuditEvent.patient_id == patient)
                        .order_by(AuditEvent.id.desc()).limit(1))


def test_forwarded_for_from_a_trusted_proxy_names_the_client(app_for: AppFor, database: Database,
                                                            world: World) -> None:
    proxy = app_for("10.9.8.7", trusted_proxies="10.0.0.0/8")
    assert _failed_login_ip(proxy, database) == "203.0.113.77"
    assert _audit_ip(proxy, database, world) == "203.0.113.77"


def test_forwarded_for_is_not_believed_from_anyone_else(app_for: AppFor, database: Database,
                                                       world: World) -> None:
    direct = app_for("192.0.2.50", trusted_proxies="10.0.0.0/8")
    assert _failed_login_ip(direct, database) == "192.0.2.50"
    assert _audit_ip(direct, database, world) == "192.0.2.50"
    default = app_for("10.9.8.7")  # no trusted proxies configured: the peer, whatever it says
    assert _failed_login_ip(default, database) == "10.9.8.7"
