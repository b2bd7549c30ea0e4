"""The `kulisser` command, run for real as a subprocess against a fresh database (SQLite or PostgreSQL)."""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select

from kulisser.app import create_app
from kulisser.cli import build_parser
from kulisser.db import Database
from kulisser.staff.models import ApiToken, CareUnit, UnitMembership, User
from tests import conftest

SECRET = secrets.token_urlsafe(36)
PASSWORD = "ett-langt-losenord"
HSA = "SE2321000016-CLI1"


@dataclass
class Cli:
    """Runs `python -m kulisser.cli` on one fresh database with a clean KULISSER_* environment."""

    url: str
    cwd: Path

    def run(self, *args: str, stdin: str = "", mode: str | None = "production",
            secret: str | None = SECRET, **env: str) -> subprocess.CompletedProcess[str]:
        """Run a command; mode/secret None leave KULISSER_MODE/KULISSER_SECRET_KEY unset."""
        environ = {k: v for k, v in os.environ.items() if not k.startswith("KULISSER_")}
        environ["KULISSER_DATABASE_URL"] = self.url
        if mode is not None:
            environ["KULISSER_MODE"] = mode
        if secret is not None:
            environ["KULISSER_SECRET_KEY"] = secret
        environ.update(env)
        return subprocess.run([sys.executable, "-m", "kulisser.cli", *args], input=stdin,
                              capture_output=True, text=True, env=environ, cwd=self.cwd,
                              timeout=180, check=False)

    def ok(self, *args: str, **kwargs: Any) -> str:
        """Run a command that must succeed; return its stdout."""
        done = self.run(*args, **kwargs)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout

    def count(self, model: type) -> int:
        """Rows of a model in the database."""
        db = Database(self.url)
        try:
            with db.session() as s:
                return s.scalar(select(func.count()).select_from(model)) or 0
        finally:
            db.engine.dispose()

    def tables(self) -> set[str]:
        """The tables that exist in the database."""
        db = Database(self.url)
        try:
            return set(inspect(db.engine).get_table_names())
        finally:
            db.engine.dispose()


@pytest.fixture()
def cli(tmp_path: Path) -> Iterator[Cli]:
    url, drop = conftest.fresh_database_url(tmp_path, "cli")
    yield Cli(url=url, cwd=tmp_path)
    drop()  # type: ignore[operator]


def _login(url: str, username: str, password: str) -> int:
    """Log in through the web app on the CLI's database; return the response status."""
    database = Database(url)
    try:
        with TestClient(create_app(conftest.test_settings(url), database)) as client:
            page = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token
            r = client.post("/login", data={"username": username, "password": password,
                                            "csrf_token": token.group(1)}, follow_redirects=False)
            return r.status_code
    finally:
        database.engine.dispose()


def test_migrate_in_production_creates_the_schema_and_no_accounts(cli: Cli) -> None:
    out = cli.ok("migrate")
    assert "migrerad" in out
    assert {"app_user", "patient", "work_item", "audit_event", "alembic_version"} <= cli.tables()
    # Production has no default accounts and no demo unit: someone must create them on purpose.
    assert cli.count(User) == 0
    assert cli.count(CareUnit) == 0
    cli.ok("migrate")  # running it again is harmless
    assert cli.count(User) == 0


def test_unit_and_user_add_make_a_user_who_can_log_in(cli: Cli) -> None:
    cli.ok("migrate")
    assert "är skapad" in cli.ok("unit", "add", HSA, "Mottagning CLI", "--address",
                                 "Storgatan 1, 111 22 Småstad", "--phone", "010-123 45 00")
    out = cli.ok("user", "add", "Anna.Test", "--name", "Anna Test", "--role", "secretary",
                 "--unit", HSA, "--password-stdin", stdin=PASSWORD + "\n")
    assert "anna.test" in out
    db = Database(cli.url)
    try:
        with db.session() as s:
            user = s.scalar(select(User).where(User.username == "anna.test"))
            assert user is not None
            assert (user.full_name, user.role, user.active) == ("Anna Test", "secretary", True)
            assert user.password_hash.startswith("$argon2id$")
            assert PASSWORD not in user.password_hash
            assert PasswordHasher().verify(user.password_hash, PASSWORD)
            unit = s.scalar(select(CareUnit).where(CareUnit.hsa_id == HSA))
            assert unit is not None  # the letterhead's address and phone
            assert (unit.address, unit.phone) == ("Storgatan 1, 111 22 Småstad", "010-123 45 00")
            unit_hsa = s.scalars(select(CareUnit.hsa_id).join(
                UnitMembership, UnitMembership.unit_id == CareUnit.id).where(
                UnitMembership.user_id == user.id)).all()
            assert unit_hsa == [HSA]
    finally:
        db.engine.dispose()
    assert _login(cli.url, "anna.test", PASSWORD) == 303
    assert _login(cli.url, "anna.test", PASSWORD + "x") == 401


def test_user_add_refuses_a_short_password_or_an_unknown_unit(cli: Cli) -> None:
    cli.ok("migrate")
    cli.ok("unit", "add", HSA, "Mottagning CLI")
    short = cli.run("user", "add", "kort", "--name", "Kort Lösen", "--role", "secretary",
                    "--unit", HSA, "--password-stdin", stdin="kort\n")
    assert short.returncode != 0
    assert "Lösenordet måste ha minst 10 tecken" in short.stderr
    unknown = cli.run("user", "add", "okand", "--name", "Okänd Enhet", "--role", "secretary",
                      "--unit", "SE2321000016-FINNSEJ", "--password-stdin", stdin=PASSWORD + "\n")
    assert unknown.returncode != 0
    assert "okänd vårdenhet SE2321000016-FINNSEJ" in unknown.stderr
    bad_role = cli.run("user", "add", "roll", "--name", "Fel Roll", "--role", "superuser",
                       "--unit", HSA, "--password-stdin", stdin=PASSWORD + "\n")
    assert bad_role.returncode != 0
    assert cli.count(User) == 0
    assert cli.count(UnitMembership) == 0


def test_token_create_prints_a_working_bearer_token(cli: Cli) -> None:
    cli.ok("migrate")
    cli.ok("unit", "add", HSA, "Mottagning CLI")
    cli.ok("user", "add", "api.user", "--name", "Api User", "--role", "secretary", "--unit", HSA,
           "--password-stdin", stdin=PASSWORD + "\n")
    token = cli.ok("token", "create", "api.user", "--label", "integration").strip()
    assert re.fullmatch(r"kul_[A-Za-z0-9_-]{40,}", token), token
    assert cli.count(ApiToken) == 1
    database = Database(cli.url)
    try:
        with TestClient(create_app(conftest.test_settings(cli.url), database)) as client:
            ok = client.get("/api/v1/work-items", headers={"Authorization": f"Bearer {token}"})
            assert ok.status_code == 200 and ok.json()["items"] == []
            bad = client.get("/api/v1/work-items", headers={"Authorization": f"Bearer {token}x"})
            assert bad.status_code == 401
    finally:
        database.engine.dispose()
    unknown = cli.run("token", "create", "nobody")
    assert unknown.returncode != 0 and "okänd användare" in unknown.stderr
    assert cli.count(ApiToken) == 1


def _status(url: str, token: str) -> int:
    database = Database(url)
    try:
        with TestClient(create_app(conftest.test_settings(url), database)) as client:
            return client.get("/api/v1/work-items",
                              headers={"Authorization": f"Bearer {token}"}).status_code
    finally:
        database.engine.dispose()


def _listed(out: str) -> dict[int, list[str]]:
    """`token list` rows by id: the columns split on runs of two or more spaces."""
    rows = {}
    for line in out.splitlines()[1:]:
        cells = re.split(r"\s{2,}", line.strip())
        if cells[0].isdigit():
            rows[int(cells[0])] = cells
    return rows


def test_token_list_and_revoke(cli: Cli) -> None:
    cli.ok("migrate")
    cli.ok("unit", "add", HSA, "Mottagning CLI")
    for name in ("api.one", "api.two"):
        cli.ok("user", "add", name, "--name", name, "--role", "secretary", "--unit", HSA,
               "--password-stdin", stdin=PASSWORD + "\n")
    first = cli.ok("token", "create", "api.one", "--label", "lab").strip()
    second = cli.ok("token", "create", "api.one").strip()
    other = cli.ok("token", "create", "api.two").strip()
    assert _status(cli.url, first) == 200
    listing = cli.ok("token", "list")
    assert first not in listing and "användare" in listing.splitlines()[0]
    rows = _listed(listing)
    assert sorted(rows) == [1, 2, 3]
    # id, user, unit, created, last used, revoked, label
    assert rows[1][1:3] == ["api.one", HSA] and rows[1][4] != "-" and rows[1][5:] == ["-", "lab"]
    assert rows[2][4] == "-" and rows[2][5] == "-"
    assert sorted(_listed(cli.ok("token", "list", "api.two"))) == [3]
    assert "återkallad" in cli.ok("token", "revoke", "1")
    assert _status(cli.url, first) == 401 and _status(cli.url, second) == 200
    assert _listed(cli.ok("token", "list"))[1][5] != "-"
    again = cli.run("token", "revoke", "1")
    assert again.returncode != 0 and "redan återkallad" in again.stderr
    unknown = cli.run("token", "revoke", "99")
    assert unknown.returncode != 0 and "ingen API-nyckel" in unknown.stderr
    assert cli.run("token", "revoke").returncode != 0  # an id or --user is required
    assert "1 API-nycklar" in cli.ok("token", "revoke", "--user", "api.one")
    assert _status(cli.url, second) == 401 and _status(cli.url, other) == 200


def test_demo_seeds_and_prints_the_logins(cli: Cli) -> None:
    out = cli.ok("demo", "--no-serve", mode="demo", secret=None)
    assert "Kulisser demo" in out
    for username in ("sekreterare", "chef"):
        assert re.search(rf"^\s+{username}\s+demo-losenord\s", out, re.MULTILINE), out
    assert cli.count(User) >= 6
    assert _login(cli.url, "sekreterare", "demo-losenord") == 303
    again = cli.ok("demo", "--no-serve", mode="demo", secret=None)
    assert "nya demodata" not in again  # seeding twice adds nothing
    assert "sekreterare" in again


def test_demo_refuses_outside_demo_mode(cli: Cli) -> None:
    done = cli.run("demo", "--no-serve", mode="production")
    assert done.returncode != 0
    assert "KULISSER_MODE" in done.stderr and "demo" in done.stderr
    assert "demo-losenord" not in done.stdout
    # Refused before anything was touched: not even migrated.
    assert "app_user" not in cli.tables()


def test_worker_burst_exits_when_there_is_nothing_to_do(cli: Cli) -> None:
    cli.ok("migrate")
    out = cli.ok("worker", "--burst")
    assert "0 jobb körda" in out


def test_check_on_a_fresh_database_finds_nothing(cli: Cli) -> None:
    cli.ok("migrate")
    out = cli.ok("check", "--quiet")
    assert "Inga avvikelser" in out


COMMANDS: list[tuple[str, ...]] = [
    ("migrate",),
    ("serve", "--port", "0"),
    ("worker", "--burst"),
    ("check", "--quiet"),
    ("unit", "add", HSA, "Mottagning"),
    ("user", "add", "someone", "--name", "Some One", "--role", "secretary", "--unit", HSA,
     "--password-stdin"),
    ("token", "create", "someone"),
    ("token", "list"),
    ("token", "revoke", "1"),
    ("demo", "--no-serve"),
    ("import-dictations", ".", "--as", "someone", "--quiet"),
    ("import-results", ".", "--as", "someone", "--quiet"),
    ("stats", "rebuild", "--from", "2026-01-01", "--to", "2026-01-31", "--quiet"),
    ("codes", "import", "who", "--quiet"),
]


def test_every_command_is_in_the_secret_check() -> None:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == {args[0] for args in COMMANDS}


# Unset KULISSER_MODE means production, except for `demo`, which defaults to demo mode.
SECRETLESS = [(args, mode) for args in COMMANDS for mode in ("production", None)
              if not (args[0] == "demo" and mode is None)]


@pytest.mark.parametrize(("args", "mode"), SECRETLESS,
                         ids=[f"{' '.join(a[:2])}-{m or 'mode-unset'}" for a, m in SECRETLESS])
def test_production_without_a_secret_refuses_every_command(cli: Cli, args: tuple[str, ...],
                                                           mode: str | None) -> None:
    done = cli.run(*args, mode=mode, secret=None, stdin=PASSWORD + "\n")
    assert done.returncode != 0, done.stdout
    assert "KULISSER_SECRET_KEY" in done.stderr
    assert "Traceback" not in done.stderr  # a clear message, not a crash
    assert "alembic_version" not in cli.tables()


def test_a_short_secret_is_refused_too(cli: Cli) -> None:
    done = cli.run("migrate", secret="only-twenty-chars-xx")
    assert done.returncode != 0 and "KULISSER_SECRET_KEY" in done.stderr
    assert "alembic_version" not in cli.tables()
