"""The test OpenID provider (tests/oidc/provider.mjs, the npm package `oidc-provider`) and a
Kulisser server that logs in through it, each a process on 127.0.0.1 with a free port.

`npm ci` in tests/oidc installs the provider (`make test` does it); without node_modules the
fixtures fail with that advice rather than skip.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from kulisser import migrate
from kulisser.db import Database
from kulisser.staff import register
from kulisser.staff import service as staff
from kulisser.staff.service import Role
from kulisser.worklist import service as worklist
from tests.conftest import TEST_SECRET

HERE = Path(__file__).resolve().parent
DATA: dict[str, Any] = json.loads((HERE / "accounts.json").read_text(encoding="utf-8"))
ACCOUNTS: dict[str, dict[str, Any]] = DATA["accounts"]
CLIENT_ID = "kulisser-test"
CLIENT_SECRET = "kulisser-test-secret-0123456789"  # the test provider's client
UNIT_1 = ("SE2321000016-OIDC1", "Hjärtmottagningen")
UNIT_2 = ("SE2321000016-OIDC2", "Lungmottagningen")
# A task in each unit, so that a test can tell whose worklist it sees.
TASKS = {UNIT_1[0]: "Ring tillbaka om hjärtfilen", UNIT_2[0]: "Boka spirometri för lungkliniken"}


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{url} did not answer; see {log}")


# Each login's register entry: the provider account and its assignments (commission HSA-id,
# index into UNITS, whether it ended yesterday). Built through the register's own functions.
PEOPLE: dict[str, tuple[str, tuple[tuple[str, int, bool], ...]]] = {
    # Two valid assignments, both named by the claim: she chooses after login.
    "tove": ("tva-uppdrag", (("SE2321000016-UT01", 0, False), ("SE2321000016-UT02", 1, False))),
    # Valid assignments in both units; the claim names the first.
    "elsa": ("ett-uppdrag", (("SE2321000016-UE01", 0, False), ("SE2321000016-UE02", 1, False))),
    # The claim names an assignment that ended yesterday; her other one is valid but not named.
    "alva": ("avslutat-uppdrag", (("SE2321000016-UA01", 0, True), ("SE2321000016-UA02", 1, False))),
    # A valid assignment of his own, but the claim names Tove's.
    "axel": ("annans-uppdrag", (("SE2321000016-UX01", 0, False),)),
}
UNITS = (UNIT_1, UNIT_2)
PASSWORD = "oanvant-losenord-123"  # local passwords are off in the harness


def seed(database_url: str) -> dict[str, int]:
    """Two units; the register's people of PEOPLE with their assignments, linked to logins;
    Ulla a login with an HSA-id but no register entry; a task in each unit. The unknown
    account has neither."""
    db = Database(database_url)
    migrate.upgrade(db.engine)
    ids: dict[str, int] = {}
    with db.session() as session:
        units = [staff.create_unit(session, hsa_id=hsa, name=name) for hsa, name in UNITS]
        unit_ids = [u.id for u in units]
        keeper = staff.create_user(session, username="registrator", full_name="Rut Registrator",
                                   role=Role.ADMIN, password=PASSWORD, unit_ids=unit_ids)
        actor = staff.make_actor(keeper, unit_id=unit_ids[0])
        today = staff.local_today()
        for username, (login, lines) in PEOPLE.items():
            account = ACCOUNTS[login]
            user = staff.create_user(session, username=username, full_name=account["name"],
                                     role=Role.SECRETARY, password=PASSWORD,
                                     unit_ids=[unit_ids[0]])
            ids[username] = user.id
            person = register.create_person(session, actor=actor, username=username, values={
                "full_name": account["name"], "hsa_id": account["employeeHsaId"],
                "profession": "Medicinsk sekreterare"})
            for commission, unit, ended in lines:
                register.add_assignment(
                    session, actor=actor, person_id=person.id, unit_id=unit_ids[unit],
                    purpose="care", role=Role.SECRETARY.value, commission_hsa_id=commission,
                    valid_from=today - timedelta(days=100),
                    valid_to=today - timedelta(days=1) if ended else None)
        ulla = staff.create_user(session, username="ulla", full_name=ACCOUNTS["utan-register"]["name"],
                                 role=Role.SECRETARY, password=PASSWORD, unit_ids=unit_ids,
                                 hsa_id=ACCOUNTS["utan-register"]["employeeHsaId"])
        ids["ulla"] = ulla.id
        for unit in units:
            worklist.create_item(session, actor=staff.make_actor(keeper, unit_id=unit.id),
                                 kind="task", title=TASKS[unit.hsa_id])
        ids.update({hsa: u.id for (hsa, _name), u in zip(UNITS, units, strict=True)})
        session.commit()
    db.engine.dispose()
    return ids


@dataclass(frozen=True)
class OidcLive:
    """The provider's issuer URL, the app's base URL, its database URL and the seeded ids."""

    issuer: str
    app: str
    database_url: str
    ids: dict[str, int]


@contextmanager
def running(tmp: Path, database_url: str, **env: str) -> Iterator[OidcLive]:
    """Seed the database, start the provider and a Kulisser server that logs in through it."""
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError("the test OpenID provider is not installed: run `npm ci` in tests/oidc "
                           "(make test does)")
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node (20.19 or later) is needed for the test OpenID provider")
    ids = seed(database_url)
    op_port, app_port = free_port(), free_port()
    issuer, app = f"http://127.0.0.1:{op_port}", f"http://127.0.0.1:{app_port}"
    op_log, app_log = tmp / "provider.log", tmp / "app.log"
    op = subprocess.Popen(
        [node, str(HERE / "provider.mjs")], cwd=HERE,
        env={**os.environ, "OIDC_PORT": str(op_port), "OIDC_CLIENT_ID": CLIENT_ID,
             "OIDC_CLIENT_SECRET": CLIENT_SECRET,
             "OIDC_REDIRECT_URIS": app + "/login/oidc/callback",
             "OIDC_POST_LOGOUT_URIS": app + "/login"},
        stdout=op_log.open("wb"), stderr=subprocess.STDOUT)
    server = None
    try:
        _wait(issuer + "/.well-known/openid-configuration", op, op_log)
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "kulisser.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(app_port), "--log-level", "warning"],
            env={**os.environ, "KULISSER_DATABASE_URL": database_url, "KULISSER_MODE": "test",
                 "KULISSER_SECRET_KEY": TEST_SECRET, "KULISSER_JOBS": "worker",
                 "KULISSER_COOKIE_SECURE": "false", "KULISSER_DATA_DIR": str(tmp / "data"),
                 "KULISSER_OIDC_ISSUER": issuer, "KULISSER_OIDC_CLIENT_ID": CLIENT_ID,
                 "KULISSER_OIDC_CLIENT_SECRET": CLIENT_SECRET, "KULISSER_LOCAL_LOGIN": "0",
                 **env},
            stdout=app_log.open("wb"), stderr=subprocess.STDOUT)
        _wait(app + "/login", server, app_log)
        yield OidcLive(issuer=issuer, app=app, database_url=database_url, ids=ids)
    finally:
        for proc in (server, op):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)
