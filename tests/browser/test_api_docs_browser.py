"""In Chromium: the API docs page works from vendored files under the site's CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


def test_api_docs_render_under_the_csp_without_leaving_the_site(page: Page, live_server: str) -> None:
    violations: list[str] = []
    page.on("console", lambda m: _note(m, violations))
    page.on("pageerror", lambda e: violations.append(f"pageerror: {e}"))
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(live_server) or r.url.startswith("data:")
            else outside.append(r.url))
    login(page, live_server, "sekreterare")
    page.goto(live_server + "/api/docs")
    # The operations are listed, grouped, from the OpenAPI document.
    expect(page.locator(".opblock-summary-path[data-path='/api/v1/work-items']").first).to_be_visible()
    expect(page.locator(".information-container .title")).to_contain_text("Kulisser")
    # Opening an operation and "Try it out" work (a GET, through the logged-in session).
    page.locator(".opblock-get .opblock-summary-path[data-path='/api/v1/kinds']").first.click()
    page.locator(".try-out__btn").first.click()
    with page.expect_response(lambda r: r.url.endswith("/api/v1/kinds")) as answer:
        page.locator(".execute").first.click()
    assert answer.value.status == 200
    expect(page.locator(".live-responses-table tbody .response-col_status").first).to_contain_text("200")
    screenshot(page, "api-docs")
    assert outside == [], outside
    assert violations == [], violations


def _note(message: ConsoleMessage, into: list[str]) -> None:
    if message.type == "error" and ("Content Security Policy" in message.text
                                    or "Refused to" in message.text):
        into.append(message.text)
