"""In Chromium: a letter appears on /brev and its PDF opens (application/pdf).

Two ways in: a patient is booked from the waiting list (the calling letter is made by the
booking hook), and a secretary writes a result letter on the pages (no booking needed).
Booking's own pages are not there yet, so the booking is made through booking's service on the
live server's database (the same code a booking page runs); the rest happens in the browser.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from kulisser import demo
from kulisser.db import Database, utcnow
from kulisser.letters.merge import TZ
from kulisser.patients.models import CareRelation, Patient
from kulisser.staff import service as staff
from kulisser.staff.models import CareUnit, User
from tests.browser.conftest import Live, login, screenshot
from tests.letters.conftest import pdf_text

pytestmark = pytest.mark.browser


def _pdf_opens(page: Page, href: str) -> bytes:
    """Fetch the PDF with the page's own session, as a click would; return its bytes."""
    response = page.request.get(href)
    assert response.status == 200, response.status
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF-")
    return body


def test_a_result_letter_is_written_appears_in_the_list_and_its_pdf_opens(
        page: Page, live_server: str) -> None:
    login(page, live_server, "sekreterare")
    page.click("nav >> text=Brev")
    expect(page.locator("h1")).to_have_text("Brev")
    # Write a result letter for a demo patient (the first one the patient search finds).
    page.goto(live_server + "/patienter?q=Andersson")
    patient_href = page.locator("tbody tr[data-href^='/patienter/']").first.get_attribute("data-href")
    assert patient_href and re.fullmatch(r"/patienter/\d+", patient_href)
    patient_id = patient_href.rsplit("/", 1)[1]
    page.goto(f"{live_server}/brev/nytt?patient_id={patient_id}")
    page.fill("#f-undersokning", "dina blodprover")
    page.fill("#f-meddelande", "Alla värden var normala. Välkommen åter!")
    page.click("button:has-text('Skriv brevet')")
    page.wait_for_url(re.compile(r".*/brev/\d+$"))
    letter_path = "/" + page.url.split("/", 3)[3]
    expect(page.locator("#letter-status")).to_have_text("Utkast")
    expect(page.locator("article.paper")).to_contain_text("Alla värden var normala.")
    page.click("button[data-op=ready]")
    expect(page.locator("#letter-status")).to_have_text("Klart att skicka")
    screenshot(page, "letter-ready")
    # The letter is on the list of letters to send, and its PDF opens.
    page.goto(live_server + "/brev?status=ready")
    row = page.locator(f"tbody tr[data-href='{letter_path}']")
    expect(row).to_have_count(1)
    row.locator("a").click()
    page.wait_for_url(f"**{letter_path}")
    href = page.locator("#pdf-link").get_attribute("href")
    assert href == f"{letter_path}/pdf"
    _pdf_opens(page, live_server + href)


def _book_from_waiting_list(database_url: str) -> tuple[str, str]:
    """Put a demo patient on the waiting list and book them into a free slot from the entry.

    Returns the patient's name and identity number as written.
    """
    from kulisser.booking import service as booking
    from kulisser.waitlist import service as waitlist

    db = Database(database_url)
    try:
        with db.session() as s:
            unit = s.scalar(select(CareUnit).where(CareUnit.hsa_id == demo.UNIT_HSA))
            secretary = s.scalar(select(User).where(User.username == "sekreterare"))
            assert unit is not None and secretary is not None
            actor = staff.make_actor(secretary, unit_id=unit.id)
            patient = s.scalars(select(Patient).join(CareRelation, CareRelation.patient_id == Patient.id)
                                .where(CareRelation.unit_id == unit.id, Patient.protected_identity.is_(False),
                                       Patient.address != "").order_by(Patient.id.desc())).first()
            assert patient is not None
            today = utcnow().astimezone(TZ).date()
            entry = waitlist.add_entry(s, actor=actor, patient_id=patient.id, wait_kind="first_visit",
                                       clock_start=today - timedelta(days=20))
            room = booking.create_resource(s, actor=actor, kind="room", name="Brevtestets rum")
            visit_type = booking.create_visit_type(s, actor=actor, code="brevtest", name="Nybesök brev",
                                                   minutes=30)
            first = today + timedelta(days=7)
            booking.add_template(s, actor=actor, resource_id=room.id, visit_type_id=visit_type.id,
                                 weekdays="1234567", start_time=time(9, 0), end_time=time(12, 0),
                                 valid_from=first)
            booking.generate_slots(s, actor=actor, start=first, end=first + timedelta(days=6),
                                   resource_id=room.id, public_holidays=False)
            slot = booking.find_free_slots(s, actor=actor, resource_id=room.id, start=first,
                                           end=first + timedelta(days=6))[0]
            booking.book(s, actor=actor, slot_id=slot.id, waitlist_entry_id=entry.id)
            return patient.full_name, patient.display_id
    finally:
        db.engine.dispose()


def test_booking_from_the_waiting_list_makes_a_calling_letter_whose_pdf_opens(
        page: Page, live: Live, tmp_path: Path) -> None:
    name, identity = _book_from_waiting_list(live.database_url)
    login(page, live.url, "sekreterare")
    page.click("nav >> text=Brev")
    page.select_option("#f-kind", "calling")
    row = page.locator("tbody tr[data-href]", has_text=identity).filter(has_text="Kallelse")
    expect(row).to_have_count(1)
    row.locator("a").click()
    page.wait_for_url(re.compile(r".*/brev/\d+$"))
    expect(page.locator("#letter-status")).to_have_text("Klart att skicka")
    paper = page.locator("article.paper")
    expect(paper).to_contain_text("Kallelse till besök")
    expect(paper).to_contain_text("Brevtestets rum")
    screenshot(page, "calling-letter")
    href = page.locator("#pdf-link").get_attribute("href")
    assert href and href.endswith("/pdf")
    text = pdf_text(_pdf_opens(page, live.url + href), tmp_path)
    assert "Kallelse till besök" in text and name in text and "Brevtestets rum" in text
