"""Issue 15 item 3 in Chromium on the demo: the manager sees the secretary who is away this week
with her items left, marks another secretary away (days in the wrong order are refused in
Swedish first) and hands all her open items to a colleague in one action; the worklist shows
the absent secretary as away. On a demo of its own: the walk moves demo items."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from kulisser.workdays import local_today
from tests.browser.conftest import Live, login, screenshot, serve_demo

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def team_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A demo of this module's own."""
    with serve_demo(tmp_path_factory, "team") as served:
        yield served


def _page(browser: Browser, base: str, username: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE").new_page()
    login(page, base, username)
    return page


def _submit(page: Page, scope: str, button: str) -> None:
    with page.expect_navigation():
        page.locator(scope).get_by_role("button", name=button).click()


def _absent(page: Page, name: str) -> Locator:
    """The absences table's row of the person (other rows name her in their pick lists)."""
    return page.locator("#table-absences tbody tr").filter(has=page.locator("th", has_text=name))


def _count(text: str) -> int:
    found = re.search(r"\d+", text.replace("\u00a0", ""))
    assert found, text
    return int(found.group())


def test_mark_away_and_hand_her_items_to_a_colleague(browser: Browser, team_demo: Live) -> None:
    base = team_demo.url
    page = _page(browser, base, "chef")
    page.goto(base + "/oversikt")
    section = page.locator("#team-section")
    expect(section).to_contain_text("Kvar hos frånvarande")
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("Visa teamet")).click()
    # The demo's secretary away this week, with her items left.
    maja = _absent(page, "Maja Ek")
    expect(maja).to_contain_text("Borta nu")
    expect(maja).to_contain_text("kvar hos frånvarande")
    assert _count(page.locator("#left-with-absent").inner_text()) > 0
    today = local_today()
    # Days in the wrong order: a Swedish error, nothing stored.
    form = page.locator("#mark-away")
    form.locator("#f-user_id").select_option(label="Sara Holm")
    page.fill("#f-first_day", (today + timedelta(days=2)).isoformat())
    page.fill("#f-last_day", today.isoformat())
    _submit(page, "#mark-away", "Markera som frånvarande")
    expect(page.locator("#e-last_day")).to_have_text("Sista dagen kan inte vara före första dagen.")
    expect(_absent(page, "Sara Holm")).to_have_count(0)
    page.locator("#f-user_id").select_option(label="Sara Holm")
    page.fill("#f-first_day", today.isoformat())
    page.fill("#f-last_day", (today + timedelta(days=2)).isoformat())
    _submit(page, "#mark-away", "Markera som frånvarande")
    sara = _absent(page, "Sara Holm")
    expect(sara).to_contain_text("Borta nu")
    left = _count(sara.locator("td").nth(2).inner_text())
    assert left > 0
    # What Anna was handed this week before (the demo's own hand-overs count too).
    anna = _page(browser, base, "sekreterare")
    anna.goto(base + "/oversikt/min-vecka")
    before = int(re.search(r"Till mig\s*(\d+)", anna.locator("#week-handovers").inner_text())[1])
    sara.locator("select[name=to]").select_option(label="Anna Lind")
    with page.expect_navigation():
        sara.get_by_role("button", name="Lämna över").click()
    expect(page.locator("#moved")).to_contain_text(f"{left} ärenden lämnades över.")
    sara = _absent(page, "Sara Holm")
    expect(sara.locator("td").nth(2)).to_have_text("0 kvar hos frånvarande")
    screenshot(page, "team")
    # The worklist shows the absent secretaries as away; Sara's items are now Anna's.
    page.goto(base + "/arbetslista?scope=unit")
    expect(page.locator("#f-owner")).to_contain_text("Maja Ek (frånvarande)")
    expect(page.locator("[data-away]").first).to_be_visible()
    anna.goto(base + "/oversikt/min-vecka")
    expect(anna.locator("#week-handovers")).to_contain_text(f"Till mig{before + left}")
    screenshot(anna, "my-week")
    anna.goto(base + "/oversikt/team")
    expect(anna.locator("#table-people tbody tr[data-person]")).to_have_count(1)
