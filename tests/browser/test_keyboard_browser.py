"""In Chromium: the keyboard reaches the results from the desk search and the list after a filter."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_arrow_keys_move_from_the_desk_search_into_the_results(page: Page, live_server: str) -> None:
    login(page, live_server, "sekreterare")
    page.goto(live_server + "/reception")
    search = page.locator("#desk-q")
    expect(search).to_be_focused()
    # Typed without the ring: the accent-blind search finds the demo's Åbergs.
    search.type("aberg")
    rows = page.locator("#desk-results tbody tr[data-href]")
    expect(rows.first).to_contain_text("Åberg")
    assert rows.count() >= 2, "the demo has several patients named Åberg"
    page.keyboard.press("ArrowDown")
    expect(rows.nth(0).locator("a").first).to_be_focused()
    expect(rows.nth(0)).to_have_class(re.compile(r"\bsel\b"))
    page.keyboard.press("ArrowDown")
    expect(rows.nth(1).locator("a").first).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(search).to_be_focused()
    page.keyboard.press("ArrowDown")
    href = rows.nth(0).get_attribute("data-href")
    assert href
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/reception\?patient_id=\d+"))
    expect(page.locator("form[action='/reception/meddelande'] input[name=patient_id]")).to_have_count(1)


def test_a_wrong_check_digit_says_invalid_at_the_desk(page: Page, live_server: str) -> None:
    login(page, live_server, "sekreterare")
    page.goto(live_server + "/reception")
    page.locator("#desk-q").type("19121212-1213")
    expect(page.locator("#desk-invalid")).to_contain_text("Kontrollsiffran stämmer inte")


def test_focus_returns_to_the_list_after_a_filter_changes(page: Page, live_server: str) -> None:
    login(page, live_server, "sekreterare2")
    page.select_option("#f-scope", "unit")
    rows = page.locator("#worklist tbody tr[data-href]")
    expect(rows.first.locator("a").first).to_be_focused()
    # j and k work at once, without a click into the list.
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bsel\b"))
    expect(rows.nth(1).locator("a").first).to_be_focused()
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class(re.compile(r"\bsel\b"))
    # The same after the checkbox filter.
    page.locator("input[name=overdue]").check()
    expect(page).to_have_url(re.compile(r"overdue=1"))
    expect(rows.first.locator("a").first).to_be_focused()
