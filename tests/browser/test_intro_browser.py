"""In Chromium, on the demo: the secretary opens the newcomer's introduction from the overview and
marks a first-week task done from the keyboard; the overview, the introduction and the
manager's checklist fit a phone (390 px) and a desktop (1280 px) without sideways scrolling."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


def _wide(page: Page) -> int:
    """How far the document reaches past the viewport (0: it does not scroll sideways)."""
    return int(page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def _intro_path(page: Page, base: str) -> str:
    page.goto(base + "/behorigheter/introduktion")
    link = page.locator("#introductions a", has_text="Sara Nyberg")
    expect(link).to_have_count(1)
    href = link.get_attribute("href")
    assert href is not None and re.fullmatch(r"/behorigheter/introduktion/\d+", href)
    return href


def test_a_task_is_marked_done_from_the_keyboard(browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    page = context.new_page()
    login(page, live_server, "sekreterare")
    page.goto(live_server + _intro_path(page, live_server))
    expect(page.locator("#intro-progress")).to_contain_text("6/9")
    note = page.locator("section", has_text="Första veckan").locator("textarea").first
    note.focus()
    page.keyboard.type("Gått igenom journalsystemet tillsammans")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#intro-progress")).to_contain_text("7/9")
    expect(page.locator("main")).to_contain_text("Gått igenom journalsystemet tillsammans")
    context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_pages_fit_the_screen(browser: Browser, live_server: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="sv-SE")
    page = context.new_page()
    login(page, live_server, "chef")
    intro = _intro_path(page, live_server)
    page.goto(live_server + "/behorigheter/introduktion/checklistor")
    checklist = page.locator("#intro-profiles a").first.get_attribute("href")
    assert checklist is not None
    for name, path in (("overview", "/behorigheter/introduktion"), ("page", intro),
                       ("checklist", checklist), ("new", "/behorigheter/introduktion/ny")):
        response = page.goto(live_server + path)
        assert response is not None and response.status == 200, path
        screenshot(page, f"intro-{name}-{width}")
        assert _wide(page) <= 0, f"{path} scrolls sideways at {width} px"
    context.close()
