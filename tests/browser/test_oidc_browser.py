"""In Chromium: login through the test OpenID provider (tests/oidc), the care unit chosen after
login among the register's assignments, an unknown person and an ended assignment refused."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import screenshot
from tests.conftest import migrated_database_url
from tests.oidc import harness
from tests.oidc.harness import TASKS, UNIT_1, UNIT_2, OidcLive

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def oidc_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcLive]:
    """The test provider and a Kulisser server that logs in only through it."""
    tmp = tmp_path_factory.mktemp("oidc-browser")
    url, drop = migrated_database_url(tmp, "oidcbrowser")
    with harness.running(tmp, url) as running:
        yield running
    drop()  # type: ignore[operator]


def _provider_login(page: Page, live: OidcLive, account: str) -> None:
    """From Kulisser's login page through the provider's own form."""
    page.goto(live.app + "/login")
    page.get_by_role("link", name="Logga in med e-tjänstekort").click()
    page.wait_for_url(live.issuer + "/interaction/**")
    page.fill("#login", account)
    page.fill("#password", "vad-som-helst")
    page.click("button[type=submit]")


def test_two_assignments_choose_a_unit_and_see_its_worklist(
        browser: Browser, page: Page, oidc_live: OidcLive) -> None:
    _provider_login(page, oidc_live, "tva-uppdrag")
    page.wait_for_url(oidc_live.app + "/login/enhet")
    expect(page.get_by_role("heading", name="Välj vårdenhet")).to_be_visible()
    screenshot(page, "oidc-choose-1280")
    page.get_by_label(UNIT_2[1]).check()
    page.get_by_role("button", name="Fortsätt").click()
    page.wait_for_url(oidc_live.app + "/arbetslista**")
    expect(page.get_by_text(TASKS[UNIT_2[0]])).to_be_visible()
    expect(page.get_by_text(TASKS[UNIT_1[0]])).to_have_count(0)
    expect(page.locator("#unit-switch option:checked")).to_have_text(UNIT_2[1])
    screenshot(page, "oidc-worklist-1280")


def test_unknown_person_is_refused_on_a_phone(browser: Browser, oidc_live: OidcLive) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="sv-SE")
    page = context.new_page()
    try:
        _provider_login(page, oidc_live, "okand")
        page.wait_for_url(oidc_live.app + "/login/oidc/callback**")
        expect(page.get_by_role("heading", name="Inloggningen nekades")).to_be_visible()
        expect(page.get_by_role("alert")).to_contain_text("Du finns inte som användare i Kulisser")
        # Nothing reaches past a phone's screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "oidc-refused-390")
        page.goto(oidc_live.app + "/arbetslista")
        assert urlparse(page.url).path == "/login"  # no session was started
    finally:
        context.close()


def test_an_ended_assignment_is_refused_with_its_last_day(browser: Browser, page: Page,
                                                         oidc_live: OidcLive) -> None:
    _provider_login(page, oidc_live, "avslutat-uppdrag")
    page.wait_for_url(oidc_live.app + "/login/oidc/callback**")
    expect(page.get_by_role("alert")).to_contain_text(
        "Medarbetaruppdraget SE2321000016-UA01 gäller inte längre")
    page.goto(oidc_live.app + "/arbetslista")
    assert urlparse(page.url).path == "/login"
