"""In Chromium: the demo secretary works the worklist with the keyboard and the mouse."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


def test_secretary_claims_and_completes_an_item(page: Page, live_server: str) -> None:
    login(page, live_server, "sekreterare")
    expect(page.locator("h1")).to_contain_text("Arbetslista")
    # The unit's queue: unassigned items carry a "Ta" (claim) button.
    page.select_option("#f-scope", "queue")
    page.wait_for_load_state("networkidle")
    # A call-back: the worklist completes it itself (a domain's item is completed by its record).
    page.goto(live_server + "/arbetslista?scope=queue&kind=callback")
    first = page.locator("tbody tr[data-href]").first
    expect(first).to_be_visible()
    title = first.locator("td a").first.inner_text()
    href = first.get_attribute("data-href")
    assert href and re.fullmatch(r"/arenden/\d+", href)
    page.goto(live_server + href)
    # An item put back in the queue was claimed once before (the demo hands a few back).
    claims = page.locator("#history li[data-event=claimed]").count()
    page.click("button[data-op=claim]")
    expect(page.locator("#item-owner")).to_have_text("Anna Lind")
    expect(page.locator("#item-status")).to_have_text("Mottagen")
    page.click("button[data-op=complete]")
    expect(page.locator("#item-status")).to_have_text("Klar")
    history = page.locator("#history")
    expect(history.locator("li[data-event=claimed]")).to_have_count(claims + 1)
    expect(history).to_contain_text("Mottagen → Klar")
    expect(history).to_contain_text("Anna Lind")
    screenshot(page, "worklist-item-completed")
    # Back on the list, the completed item is no longer among the open ones.
    page.goto(live_server + "/arbetslista?scope=mine")
    expect(page.locator(f"tbody tr[data-href='{href}']")).to_have_count(0)
    assert title


def test_keyboard_navigation_opens_the_selected_item(page: Page, live_server: str) -> None:
    login(page, live_server, "sekreterare2")
    rows = page.locator("tbody tr[data-href]")
    expect(rows.nth(1)).to_be_visible()
    second = rows.nth(1).get_attribute("data-href")
    page.locator("body").press("j")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bsel\b"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{second}")
    expect(page.locator("#history")).to_be_visible()


def test_narrow_screen_keeps_the_worklist_usable(page: Page, live_server: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, "sekreterare3")
    table = page.locator("table").first
    expect(table).to_be_visible()
    # The filters stack instead of overflowing the viewport.
    width = page.evaluate("document.querySelector('form.filters').getBoundingClientRect().width")
    assert width <= 390
    screenshot(page, "worklist-narrow")
