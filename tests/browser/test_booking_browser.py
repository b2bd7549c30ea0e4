"""In Chromium: a secretary books a waiting-list patient into a clinician's schedule, then rebooks.

All through the pages on the demo data: Tidbok → Sök ledig tid → the waiting list → a free
slot in Karl Berg's schedule → Boka. The visit page shows the booking; the waiting-list entry
is booked; the calling letter (made by the letters package's booking hook) appears on /brev
and its PDF opens; then the visit is moved to another time and the history shows both.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


def _letter_appears_and_its_pdf_opens(page: Page, base: str, patient_name: str, kind: str) -> None:
    """Follow-up hook for the letters: the booking's letter is on /brev and its PDF opens."""
    page.goto(base + "/brev?status=all")
    row = page.locator("tbody tr[data-letter]", has_text=patient_name).filter(has_text=kind).first
    expect(row).to_be_visible()
    row.locator("a").first.click()
    page.wait_for_url(re.compile(r".*/brev/\d+$"))
    href = page.locator("#pdf-link").get_attribute("href")
    assert href and href.endswith("/pdf")
    response = page.request.get(base + href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")


def test_book_a_waiting_list_patient_then_rebook(page: Page, live_server: str) -> None:
    login(page, live_server, "sekreterare")
    page.click("nav >> text=Tidbok")
    expect(page.locator("h1")).to_contain_text("Tidbok vecka")
    expect(page.locator("table.week")).to_contain_text("Karl Berg")
    page.click("text=Sök ledig tid")
    # The waiting list, most urgent first: pick the first patient.
    entry = page.locator("#waitlist-panel a[data-entry]").first
    expect(entry).to_be_visible()
    entry_id = entry.get_attribute("data-entry")
    entry.click()
    page.wait_for_url(re.compile(rf".*/tidbok/sok\?entry_id={entry_id}$"))
    expect(page.locator("#search-for")).to_contain_text("Bokning från väntelistan")
    patient_name = page.locator("#search-for a").first.inner_text()
    # Only Karl Berg's new-visit slots.
    page.select_option("#f-resource_id", label="Karl Berg")
    page.select_option("#f-visit_type_id", label="Nybesök (30 min)")
    page.click("form[role=search] button[type=submit]")
    first = page.locator("#slot-results tbody tr").first
    expect(first).to_contain_text("Karl Berg")
    first.locator("a.button").click()
    page.wait_for_url(re.compile(r".*/tidbok/boka\?slot_id=\d+&entry_id=\d+$"))
    expect(page.locator("#search-for")).to_contain_text(patient_name)
    # Two plainly labelled texts: one for staff, one printed to the patient.
    expect(page.get_by_label("Intern anteckning – skrivs inte ut")).to_be_visible()
    page.get_by_label("Intern anteckning – skrivs inte ut").fill("Behöver tolk (arabiska).")
    # Before booking, the calling letter as it will be printed follows the typed message.
    form_preview = page.locator("#book-letter-preview")
    expect(form_preview).to_contain_text("Kallelse till besök")
    expect(form_preview).not_to_contain_text("Ta med din läkemedelslista.")
    page.get_by_label("Meddelande till patienten – står i kallelsen").fill("Ta med din läkemedelslista.")
    expect(form_preview).to_contain_text("Ta med din läkemedelslista.")
    expect(form_preview).not_to_contain_text("tolk")
    expect(page.get_by_label("Meddelande till patienten – står i kallelsen")).to_be_focused()
    screenshot(page, "booking-form-letter-preview")
    page.click("#book-button")
    page.wait_for_url(re.compile(r".*/tidbok/besok/\d+\?bokad=1$"))
    expect(page.locator("#appointment-notice")).to_have_text("Besöket är bokat.")
    expect(page.locator("#appointment-status")).to_have_text("Bokad")
    expect(page.locator("dl.facts")).to_contain_text("Från väntelistan")
    expect(page.locator("#history li[data-event=booked]")).to_have_count(1)
    expect(page.locator("#internal-note")).to_contain_text("Behöver tolk (arabiska).")
    # The calling letter as it will be printed: the message is there, the internal note is not.
    preview = page.locator("#letter-preview")
    expect(preview).to_contain_text("Kallelse till besök")
    expect(preview).to_contain_text("Ta med din läkemedelslista.")
    expect(preview).not_to_contain_text("tolk")
    visit_url = page.url.split("?")[0]
    first_time = page.locator("#appointment-time").inner_text()
    screenshot(page, "booking-booked-from-waitlist")
    # The entry's wait has ended: it is booked (the guarantee counts to the visit date).
    page.goto(f"{live_server}/vantelista/{entry_id}")
    expect(page.locator("main")).to_contain_text("Bokad")
    _letter_appears_and_its_pdf_opens(page, live_server, patient_name, "Kallelse")
    # Rebook to another free time.
    page.goto(visit_url)
    page.click("#rebook-link")
    page.wait_for_url(re.compile(r".*/tidbok/sok\?rebook=\d+.*"))
    page.locator("#slot-results tbody tr a.button").nth(2).click()
    expect(page.locator("#new-time")).to_be_visible()
    page.fill("#f-reason", "Patienten ringde och bad om en annan tid")
    page.click("#rebook-button")
    page.wait_for_url(re.compile(r".*/tidbok/besok/\d+\?ombokad=1$"))
    expect(page.locator("#appointment-notice")).to_have_text("Besöket är ombokat.")
    expect(page.locator("#appointment-time")).not_to_have_text(first_time)
    history = page.locator("#history")
    expect(history.locator("li[data-event=rebooked]")).to_contain_text("Patienten ringde")
    expect(history.locator("li[data-event=rebooked]")).to_contain_text(first_time.split("–")[0])
    screenshot(page, "booking-rebooked")
