"""In Chromium: every refusal is shown, and two secretaries cannot take one item unseen."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from kulisser.db import Database, utcnow
from kulisser.staff.models import User
from kulisser.worklist import service as worklist
from tests import factories
from tests.browser.conftest import Live, login, screenshot

pytestmark = pytest.mark.browser


def _queue_item(live: Live) -> int:
    """A new unowned item in the demo unit's queue, overdue so that it heads the list."""
    db = Database(live.database_url)
    try:
        with db.session() as s:
            user = s.scalar(select(User).where(User.username == "chef"))
            assert user is not None
            item = worklist.create_item(s, actor=factories.actor_for(user), kind="task",
                                        title=factories.unique("Ring tillbaka "),
                                        due_at=utcnow() - timedelta(days=30))
            return item.id
    finally:
        db.engine.dispose()


def test_item_page_shows_an_over_long_comment_and_a_stale_claim(
        browser: Browser, page: Page, live: Live) -> None:
    item_id = _queue_item(live)
    login(page, live.url, "sekreterare")
    page.goto(f"{live.url}/arenden/{item_id}")
    # An over-long comment: 422, the message where she typed, her text still there.
    text = "Patienten ringde. " * 230  # over 4000 characters
    page.fill("#f-comment", text)
    page.click("form[hx-post$='/kommentar'] button[type=submit]")
    expect(page.locator("#item-body")).to_contain_text("Kommentaren får vara högst 4000 tecken.")
    assert page.input_value("#f-comment") == text
    # A colleague takes the item while the page is open; then her own "Ta ärendet".
    other = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    try:
        colleague = other.new_page()
        login(colleague, live.url, "sekreterare2")
        colleague.goto(f"{live.url}/arenden/{item_id}")
        colleague.click("button[data-op=claim]")
        expect(colleague.locator("#item-owner")).to_have_text("Maja Ek")
    finally:
        other.close()
    page.click("button[data-op=claim]")
    expect(page.locator(".error-summary")).to_contain_text(
        re.compile(r"Ärendet togs av Maja Ek \d\d:\d\d"))
    expect(page.locator("#item-owner")).to_have_text("Maja Ek")
    expect(page.locator("#history li[data-event=claimed]")).to_have_count(1)
    screenshot(page, "refusal-stale-claim-item")


def test_two_secretaries_one_item_the_second_claim_refreshes_the_row(
        browser: Browser, live: Live) -> None:
    item_id = _queue_item(live)
    contexts = [browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
                for _ in range(2)]
    try:
        anna, maja = (c.new_page() for c in contexts)
        for pg, user in ((anna, "sekreterare"), (maja, "sekreterare2")):
            login(pg, live.url, user)
            pg.goto(f"{live.url}/arbetslista?scope=queue")
            expect(pg.locator(f"#item-{item_id} button", has_text="Ta")).to_be_visible()
        maja.locator(f"#item-{item_id} button", has_text="Ta").click()
        expect(maja.locator(f"#item-{item_id}")).to_contain_text("Maja Ek")
        expect(maja.locator(f"#item-{item_id} [data-row-message]")).to_have_text("Du har tagit ärendet.")
        # Anna's list still shows the item as unowned; her "Ta" comes a moment too late.
        anna.locator(f"#item-{item_id} button", has_text="Ta").click()
        row = anna.locator(f"#item-{item_id}")
        expect(row.locator("[role=alert]")).to_have_text(re.compile(r"Ärendet togs av Maja Ek \d\d:\d\d\."))
        expect(row).to_contain_text("Maja Ek")  # the row as it is now: her owner column
        expect(row.locator("button", has_text="Ta")).to_have_count(0)
        assert anna.url.endswith("/arbetslista?scope=queue")  # no navigation: the row was swapped
        screenshot(anna, "refusal-stale-claim-list")
    finally:
        for c in contexts:
            c.close()


def test_a_generic_refusal_is_shown_at_the_form_and_keeps_the_text(page: Page, live: Live) -> None:
    item_id = _queue_item(live)
    login(page, live.url, "sekreterare")
    page.goto(f"{live.url}/arenden/{item_id}")
    # An expired form (the CSRF token no longer valid): the app's generic 403 error page.
    page.evaluate("""() => {
        document.body.setAttribute("hx-headers", '{"X-CSRF-Token": "utgangen"}');
        document.querySelectorAll("input[name=csrf_token]").forEach(i => { i.value = "utgangen"; });
    }""")
    page.fill("#f-comment", "Ringde patienten, ingen svarade.")
    form = page.locator("form[hx-post$='/kommentar']")
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-htmx-error]")).to_contain_text("Formuläret har gått ut.")
    assert page.input_value("#f-comment") == "Ringde patienten, ingen svarade."
    expect(page.locator("#history li[data-event=commented]")).to_have_count(0)
