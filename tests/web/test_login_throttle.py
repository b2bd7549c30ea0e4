"""Login throttling that an attacker cannot turn against a colleague (known-device cookie).

Each client here has an address of its own, so the per-address limit of other tests in the
run does not interfere.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from kulisser.db import Database
from kulisser.staff.devices import DEVICE_COOKIE
from kulisser.staff.models import LoginAttempt, User
from tests.factories import PASSWORD, World

_addresses = (f"198.51.100.{n}" for n in itertools.count(1))
ATTACKER_TRIES = 5  # Settings.login_max_failures


@pytest.fixture()
def clients() -> Iterator[list[TestClient]]:
    """The test's clients (made by new_client), closed at the end."""
    opened: list[TestClient] = []
    yield opened
    for c in opened:
        c.__exit__(None, None, None)


def new_client(app: FastAPI, opened: list[TestClient], address: str | None = None) -> TestClient:
    """A browser from an address of its own (or the one given)."""
    c = TestClient(app, base_url="http://testserver", client=(address or next(_addresses), 40000))
    c.__enter__()
    opened.append(c)
    return c


def login(client: TestClient, username: str, password: str) -> httpx.Response:
    """Post the login form as a browser would."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token.group(1)}, follow_redirects=False)


def username(database: Database, user_id: int) -> str:
    with database.session() as s:
        user = s.get(User, user_id)
        assert user is not None
        return user.username


def test_an_attackers_failures_do_not_lock_the_user_out_of_her_known_device(
        app: FastAPI, database: Database, world: World, clients: list[TestClient]) -> None:
    name = username(database, world.secretary_id)
    her = new_client(app, clients)
    assert login(her, name, PASSWORD).status_code == 303  # her browser becomes a known device
    her.cookies.delete("kulisser_session")
    attacker = new_client(app, clients)
    for _ in range(ATTACKER_TRIES):
        assert login(attacker, name, "guess-guess-guess").status_code == 401
    # The attacker is throttled, even with the right password, and so is any unknown device.
    assert login(attacker, name, PASSWORD).status_code == 429
    assert login(new_client(app, clients), name, PASSWORD).status_code == 429
    # She logs in from her known device as usual.
    assert login(her, name, PASSWORD).status_code == 303
    assert her.get("/arbetslista", follow_redirects=False).status_code == 200


def test_a_known_device_has_its_own_limit(app: FastAPI, database: Database, world: World,
                                          clients: list[TestClient]) -> None:
    name = username(database, world.clinician_id)
    her = new_client(app, clients)
    assert login(her, name, PASSWORD).status_code == 303
    for _ in range(ATTACKER_TRIES):
        assert login(her, name, "mistyped-password").status_code == 401
    # A stolen device cookie gives no more guesses than anyone else gets.
    assert login(her, name, PASSWORD).status_code == 429
    with database.session() as s:
        failed = s.scalars(select(LoginAttempt.device).where(
            LoginAttempt.username == name, LoginAttempt.success.is_(False))).all()
    assert len(failed) == ATTACKER_TRIES and len(set(failed)) == 1 and failed[0]


def test_a_device_cookie_of_another_user_or_forged_does_not_pass_the_lock(
        app: FastAPI, database: Database, world: World, clients: list[TestClient]) -> None:
    victim = username(database, world.manager_id)
    other = username(database, world.secretary2_id)
    browser = new_client(app, clients)
    assert login(browser, other, PASSWORD).status_code == 303  # known for `other` only
    attacker = new_client(app, clients)
    for _ in range(ATTACKER_TRIES):
        assert login(attacker, victim, "guess-guess-guess").status_code == 401
    assert login(browser, victim, PASSWORD).status_code == 429
    forged = new_client(app, clients)
    entry = browser.cookies.get(DEVICE_COOKIE, path="/login")
    assert entry
    forged.cookies.set(DEVICE_COOKIE, entry.replace(entry.split(".")[0], str(world.manager_id), 1),
                       path="/login")
    assert login(forged, victim, PASSWORD).status_code == 429


def test_the_per_address_limit_still_holds_for_a_known_device(
        app: FastAPI, database: Database, world: World, clients: list[TestClient]) -> None:
    name = username(database, world.secretary_id)
    address = next(_addresses)
    her = new_client(app, clients, address)
    assert login(her, name, PASSWORD).status_code == 303
    sprayer = new_client(app, clients, address)
    for n in range(30):  # Settings.login_max_failures_per_ip, spread over many accounts
        assert login(sprayer, f"nobody{n}", "guess-guess-guess").status_code == 401
    assert login(her, name, PASSWORD).status_code == 429


def test_the_device_cookie_goes_to_the_login_form_only(app: FastAPI, database: Database,
                                                       world: World,
                                                       clients: list[TestClient]) -> None:
    her = new_client(app, clients)
    response = login(her, username(database, world.secretary2_id), PASSWORD)
    cookie = next(v for v in response.headers.get_list("set-cookie") if v.startswith(DEVICE_COOKIE))
    assert "HttpOnly" in cookie and "Path=/login" in cookie and "samesite=strict" in cookie.lower()
