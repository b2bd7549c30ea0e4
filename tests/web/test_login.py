"""Login, logout, throttling, password change and the CSRF guard on the login form."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from kulisser.db import Database
from kulisser.staff.models import User
from tests.factories import PASSWORD, World


def _username(database: Database, user_id: int) -> str:
    with database.session() as s:
        user = s.get(User, user_id)
        assert user is not None
        return user.username


def _login(client: TestClient, username: str, password: str):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token.group(1), "next": "/arbetslista"},
                       follow_redirects=False)


def test_login_and_logout(client: TestClient, database: Database, world: World) -> None:
    name = _username(database, world.secretary_id)
    r = _login(client, name, PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/arbetslista"
    cookie = r.headers["set-cookie"]
    assert "kulisser_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    page = client.get("/konto/losenord")
    assert page.status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    out = client.post("/logout", data={"csrf_token": csrf.group(1)}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/konto/losenord", follow_redirects=False).status_code == 303


def test_wrong_password_is_refused_and_keeps_username(client: TestClient, database: Database,
                                                      world: World) -> None:
    name = _username(database, world.secretary_id)
    r = _login(client, name, "wrong-password")
    assert r.status_code == 401
    assert "Fel användarnamn eller lösenord" in r.text
    assert f'value="{name}"' in r.text
    assert "kulisser_session" not in r.headers.get("set-cookie", "")


def test_login_is_throttled_after_repeated_failures(client: TestClient, database: Database,
                                                    world: World) -> None:
    name = _username(database, world.secretary2_id)
    for _ in range(5):
        assert _login(client, name, "nope-nope-nope").status_code == 401
    r = _login(client, name, PASSWORD)  # even the right password waits out the window
    assert r.status_code == 429
    assert "För många misslyckade inloggningar" in r.text


def test_login_without_form_token_is_refused(client: TestClient, database: Database,
                                            world: World) -> None:
    name = _username(database, world.secretary_id)
    r = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": "forged"},
                    follow_redirects=False)
    assert r.status_code == 403
    assert "kulisser_session" not in r.headers.get("set-cookie", "")


def test_open_redirect_is_refused(client: TestClient, database: Database, world: World) -> None:
    name = _username(database, world.secretary_id)
    page = client.get("/login?next=https://evil.example/")
    assert "evil.example" not in page.text
    assert _login(client, name, PASSWORD).headers["location"] == "/arbetslista"


def test_password_change_ends_other_sessions(client: TestClient, app, database: Database,  # type: ignore[no-untyped-def]
                                             world: World) -> None:
    name = _username(database, world.clinician_id)
    assert _login(client, name, PASSWORD).status_code == 303
    with TestClient(app) as other:
        assert _login(other, name, PASSWORD).status_code == 303
        page = client.get("/konto/losenord")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf
        bad = client.post("/konto/losenord", data={"csrf_token": csrf.group(1),
                                                   "current_password": PASSWORD,
                                                   "new_password": "short", "repeat_password": "short"})
        assert bad.status_code == 422 and "minst 10 tecken" in bad.text
        ok = client.post("/konto/losenord", data={"csrf_token": csrf.group(1),
                                                  "current_password": PASSWORD,
                                                  "new_password": "a-new-long-password",
                                                  "repeat_password": "a-new-long-password"})
        assert ok.status_code == 200 and "Lösenordet är bytt" in ok.text
        # The other browser's session is gone; this one got a fresh session.
        assert other.get("/konto/losenord", follow_redirects=False).status_code == 303
        assert client.get("/konto/losenord").status_code == 200
    with database.session() as s:
        user = s.scalar(select(User).where(User.username == name))
        assert user is not None and user.password_hash.startswith("$argon2id$")
