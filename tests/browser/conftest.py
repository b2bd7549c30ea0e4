"""Browser tests: the real app in a uvicorn process on demo data, driven in Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from kulisser import demo
from kulisser.db import Database
from tests.conftest import migrated_database_url

CHROMIUM = os.environ.get("KULISSER_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Live:
    """The live server's base URL and the URL of its database (to arrange data behind it)."""

    url: str
    database_url: str


@pytest.fixture(scope="session")
def live_server(live: Live) -> str:
    """The app serving freshly seeded demo data: its base URL."""
    return live.url


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The app serving freshly seeded demo data; yields its base URL and database URL."""
    with serve_demo(tmp_path_factory, "browser") as served:
        yield served


@contextmanager
def serve_demo(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Live]:
    """A fresh database with the demo seeded, served by the app in a uvicorn process (for a
    module whose walk changes the demo data, so that the shared `live` stays as seeded)."""
    url, drop = migrated_database_url(tmp_path_factory.mktemp("live"), name)
    db = Database(url)
    with db.session() as session:
        demo.seed(session)
    db.engine.dispose()
    port = _free_port()
    env = {**os.environ, "KULISSER_DATABASE_URL": url, "KULISSER_MODE": "demo",
           "KULISSER_JOBS": "embedded", "KULISSER_COOKIE_SECURE": "false"}
    log = (tmp_path_factory.mktemp("server") / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "kulisser.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/login", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("the app did not start; see " + log.name)
    try:
        yield Live(url=base, database_url=url)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        drop()  # type: ignore[operator]


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium (Playwright's own browser download does not work here).

    Package scope: Playwright's sync API keeps an asyncio loop marked running in the main
    thread while it lives; stopped after the browser tests, the later tests that run an
    event loop of their own (the load test, the line's tests) find none.
    """
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run `make system-deps` (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            # The dictation recorder: a fake microphone, granted without a prompt.
            "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"])
        yield b
        b.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context and page at 1280 px."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    pg = context.new_page()
    yield pg
    context.close()


def login(page: Page, base: str, username: str) -> None:
    """Log in through the login form as a demo user."""
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", demo.DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    error = page.locator(".error-summary")
    assert error.count() == 0, error.inner_text()
    assert urlparse(page.url).path == "/arbetslista", page.url


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}-{os.environ.get('KULISSER_TEST_DATABASE', 'sqlite')}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
