"""`kulisser demo` with its OpenID login: the test provider (tests/oidc) started as the demo's
child with the demo accounts, the login page's button, a login through it for every demo
account, the provider stopped with the demo; and the demo without Node.js, on passwords."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy import select

from kulisser import demo_oidc
from kulisser.db import Database
from kulisser.staff import demo as staff_demo
from kulisser.staff.models import UserSession
from tests.conftest import fresh_database_url
from tests.oidc.harness import free_port

TWO_UNITS = "sekreterare3"  # the demo person with assignments in both demo units
OTHER_UNIT = "Ortopedmottagningen, Kulissernas sjukhus"


@dataclass
class DemoRun:
    """A `kulisser demo` process, its base URL, its output so far and its database URL."""

    process: subprocess.Popen[str]
    app: str
    database_url: str
    out: list[str]


def _start_demo(tmp: Path, database_url: str, *, path: str | None = None) -> DemoRun:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KULISSER_")}
    env.update({"KULISSER_MODE": "demo", "KULISSER_DATABASE_URL": database_url,
                "KULISSER_DATA_DIR": str(tmp / "var"), "PYTHONUNBUFFERED": "1"})
    if path is not None:
        env["PATH"] = path
    process = subprocess.Popen(
        [sys.executable, "-m", "kulisser.cli", "demo", "--port", str(port)], cwd=tmp, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    run = DemoRun(process=process, app=f"http://127.0.0.1:{port}", database_url=database_url,
                  out=[])
    deadline = time.monotonic() + 120
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        run.out.append(line)
        if "Uvicorn running" in line or "Application startup complete" in line:
            return run
    process.kill()
    raise AssertionError("kulisser demo did not start:\n" + "".join(run.out))


def _stop(run: DemoRun) -> None:
    if run.process.poll() is None:
        run.process.send_signal(signal.SIGINT)  # Ctrl-C, as an operator stops the demo
        try:
            run.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            run.process.kill()
            run.process.wait(timeout=10)
    assert run.process.stdout is not None
    run.out.append(run.process.stdout.read())


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    """`kulisser demo` on a fresh database, with the test provider installed."""
    if demo_oidc.missing():
        raise RuntimeError("the demo's OpenID provider cannot start here: " + demo_oidc.missing())
    tmp = tmp_path_factory.mktemp("demo-oidc")
    url, drop = fresh_database_url(tmp, "demooidc")
    run = _start_demo(tmp, url)
    yield run
    _stop(run)
    drop()  # type: ignore[operator]


def _issuer(run: DemoRun) -> str:
    found = re.search(r"testleverantören på (http://127\.0\.0\.1:\d+)", "".join(run.out))
    assert found, "".join(run.out)
    return found.group(1)


def _provider_login(client: httpx.Client, run: DemoRun, account: str) -> httpx.Response:
    """From the demo's login button through the provider's form, every redirect followed."""
    login = client.get(run.app + "/login")
    assert "Logga in med SITHS-kort (demo)" in login.text
    form = client.get(run.app + "/login/oidc")
    assert urlparse(str(form.url)).port == urlparse(_issuer(run)).port, form.text[:300]
    action = re.search(r'<form[^>]*action="([^"]*)"', form.text)
    assert action, form.text[:500]
    return client.post(httpx.URL(str(form.url)).join(action.group(1)),
                       data={"login": account, "password": "vad-som-helst"})


def test_every_demo_account_logs_in_through_the_demo_provider(demo_run: DemoRun) -> None:
    accounts = staff_demo.demo_accounts()["accounts"]
    for account in accounts:
        if account in (TWO_UNITS, staff_demo.LOCUM):
            continue
        with httpx.Client(follow_redirects=True, timeout=20) as client:
            page = _provider_login(client, demo_run, account)
            assert urlparse(str(page.url)).path == "/arbetslista", (account, page.text[-600:])
    db = Database(demo_run.database_url)
    with db.session() as session:
        methods = set(session.scalars(select(UserSession.login_method)))
    db.engine.dispose()
    assert methods == {"oidc acr=http://id.sambi.se/loa/loa3 amr=tls-client-cert"}


def test_the_demo_person_with_two_assignments_chooses_the_other_unit(demo_run: DemoRun) -> None:
    with httpx.Client(follow_redirects=True, timeout=20) as client:
        page = _provider_login(client, demo_run, TWO_UNITS)
        assert urlparse(str(page.url)).path == "/login/enhet"
        assert OTHER_UNIT in page.text and "Medicinmottagningen" in page.text
        units = dict((name.strip(), uid) for uid, name in re.findall(
            r'name="unit_id" value="(\d+)"[^>]*> ([^<]+)</label>', page.text))
        assert set(units) == {OTHER_UNIT, "Medicinmottagningen, Kulissernas sjukhus"}, page.text
        done = client.post(demo_run.app + "/login/enhet",
                           data={"csrf_token": _csrf(page), "unit_id": units[OTHER_UNIT]})
        assert urlparse(str(done.url)).path == "/arbetslista"
    db = Database(demo_run.database_url)
    with db.session() as session:
        unit_ids = set(session.scalars(select(UserSession.unit_id)))
    db.engine.dispose()
    assert int(units[OTHER_UNIT]) in unit_ids


def test_the_locum_without_a_login_is_refused(demo_run: DemoRun) -> None:
    with httpx.Client(follow_redirects=True, timeout=20) as client:
        page = _provider_login(client, demo_run, staff_demo.LOCUM)
        assert page.status_code == 403
        assert "ingen aktiv inloggning i Kulisser" in page.text


def test_passwords_still_work_beside_the_provider(demo_run: DemoRun) -> None:
    login = httpx.get(demo_run.app + "/login")
    assert 'name="password"' in login.text


def test_the_provider_stops_when_the_demo_stops(demo_run: DemoRun) -> None:
    # Last of the module's run (it ends it): Ctrl-C on the demo ends the provider too.
    issuer = _issuer(demo_run)
    assert httpx.get(issuer + "/.well-known/openid-configuration").status_code == 200
    _stop(demo_run)
    assert demo_run.process.returncode is not None
    with pytest.raises(httpx.ConnectError):
        httpx.get(issuer + "/.well-known/openid-configuration", timeout=5)


def test_a_killed_demo_takes_the_provider_with_it(tmp_path: Path) -> None:
    # The demo's end closes the provider's stdin whatever way it ends (SIGKILL included).
    provider, why = demo_oidc.start(app_hosts=("127.0.0.1",), app_port=free_port(),
                                    log_dir=tmp_path)
    assert provider is not None, why
    try:
        assert provider.process.stdin is not None
        provider.process.stdin.close()
        assert provider.process.wait(timeout=15) == 0
    finally:
        provider.stop()


def test_without_node_the_demo_runs_on_passwords_and_says_why(tmp_path: Path) -> None:
    url, drop = fresh_database_url(tmp_path, "demonode")
    # A PATH with Python's folder but no node.
    run = _start_demo(tmp_path, url, path=str(Path(sys.executable).parent))
    try:
        said = "".join(run.out)
        assert "OpenID-inloggning i demon är av" in said and "Node.js" in said
        login = httpx.get(run.app + "/login")
        assert "SITHS-kort" not in login.text and 'name="password"' in login.text
        answer = httpx.post(run.app + "/login", data={
            "username": "sekreterare", "password": "demo-losenord",
            "csrf_token": _csrf(login)}, cookies=login.cookies)
        assert answer.status_code == 303
    finally:
        _stop(run)
        drop()  # type: ignore[operator]


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)
