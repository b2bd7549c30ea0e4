"""API tokens: stored hashed, revoked by a password change or on demand, last use recorded."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from kulisser.db import Database, utcnow
from kulisser.staff import service as staff
from kulisser.staff.models import ApiToken, User
from tests.factories import PASSWORD, World


def _token(database: Database, user_id: int, label: str = "") -> tuple[str, int]:
    with database.session() as s:
        user = s.get(User, user_id)
        assert user is not None
        token = staff.create_api_token(s, user=user, label=label)
        s.flush()
        row = s.scalar(select(ApiToken).where(ApiToken.token_hash == staff.token_hash(token)))
        assert row is not None
        return token, row.id


def _get(client: TestClient, token: str) -> int:
    return client.get("/api/v1/work-items", headers={"Authorization": f"Bearer {token}"}).status_code


def test_only_a_hash_of_the_token_is_stored(database: Database, world: World) -> None:
    token, token_id = _token(database, world.secretary_id)
    with database.session() as s:
        row = s.get(ApiToken, token_id)
        assert row is not None and token not in row.token_hash and len(row.token_hash) == 64


def test_a_password_change_revokes_the_users_tokens(client: TestClient, database: Database,
                                                   world: World) -> None:
    token, token_id = _token(database, world.clinician_id)
    colleague, _ = _token(database, world.secretary_id)
    assert _get(client, token) == 200
    with database.session() as s:
        user = s.get(User, world.clinician_id)
        assert user is not None
        name = user.username
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    client.post("/login", data={"username": name, "password": PASSWORD,
                                "csrf_token": csrf.group(1)})
    form = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/konto/losenord").text)
    assert form
    done = client.post("/konto/losenord", data={"csrf_token": form.group(1),
                                                "current_password": PASSWORD,
                                                "new_password": "ett-helt-nytt-losenord",
                                                "repeat_password": "ett-helt-nytt-losenord"})
    assert done.status_code == 200
    client.cookies.clear()
    assert _get(client, token) == 401
    assert _get(client, colleague) == 200  # another user's token is untouched
    with database.session() as s:
        row = s.get(ApiToken, token_id)
        assert row is not None and row.revoked_at is not None


def test_a_revoked_token_is_refused_and_kept_in_the_listing(client: TestClient, database: Database,
                                                            world: World) -> None:
    first, first_id = _token(database, world.manager_id, label="integration")
    second, _ = _token(database, world.manager_id)
    with database.session() as s:
        staff.revoke_api_token(s, token_id=first_id)
    assert _get(client, first) == 401
    assert _get(client, second) == 200
    with database.session() as s:
        user = s.get(User, world.manager_id)
        assert user is not None
        listing = staff.list_api_tokens(s, username=user.username)
        first_row = listing[0]
        assert (first_row.id, first_row.label, first_row.revoked_at is not None) == (
            first_id, "integration", True)
        assert len(listing) == 2 and listing[1].last_used_at is not None
        assert staff.revoke_user_tokens(s, user_id=world.manager_id) == 1
    assert _get(client, second) == 401


def test_last_use_is_written_at_most_once_a_minute(database: Database, world: World) -> None:
    token, token_id = _token(database, world.secretary2_id)
    start = utcnow()
    with database.session() as s:
        assert staff.load_api_token(s, token=token, now=start) is not None
    for seconds, expected in ((30, start), (59, start), (61, start + timedelta(seconds=61))):
        with database.session() as s:
            found = staff.load_api_token(s, token=token, now=start + timedelta(seconds=seconds))
            assert found is not None
            # Within the minute the row is not even dirty: a read stays a read.
            assert (found[0] in s.dirty) == (seconds > 60)
        with database.session() as s:
            row = s.get(ApiToken, token_id)
            assert row is not None and row.last_used_at == expected
