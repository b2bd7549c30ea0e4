"""In Chromium, on the demo as `make demo` seeds it (issue 14's "done when"): the secretary
starts in the appointment book, marks one of the day's visits done and sees its coding item in
the unit's queue, then opens the coding item of a visit done, takes a suggestion from its signed note,
enters a wrong code and sees the check's message at the field, fixes it and finishes; then
exports last month's patient-register file and sees the contacts with errors listed apart."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from kulisser import workdays
from kulisser.booking.models import Appointment, Resource
from kulisser.coding.demo_report import WRONG
from kulisser.coding.models import CareContact, Suggestion
from kulisser.db import Database, utcnow
from kulisser.worklist.models import WorkItem
from tests.browser.conftest import Live, login, screenshot

pytestmark = pytest.mark.browser


def _diabetes_visit(database: Database) -> tuple[int, int]:
    """The demo's visit of the last days whose signed note suggests E11.9, and its item."""
    with database.session() as s:
        first = workdays.local_today().replace(day=1)
        contact_id = s.scalar(
            select(CareContact.id).join(Suggestion, Suggestion.contact_id == CareContact.id)
            .where(CareContact.status == "uncoded", CareContact.note_id.is_not(None),
                   CareContact.contact_date >= first, Suggestion.code == "E119"))
        assert contact_id is not None, "the demo seeds the day's visits with their notes"
        item_id = s.scalar(select(WorkItem.id).where(
            WorkItem.ref_type == "care_contact", WorkItem.ref_id == contact_id,
            WorkItem.status == "requested"))
        assert item_id is not None
        return contact_id, item_id


def _open_visit(database: Database) -> tuple[int, int, str]:
    """The latest of the day's started visits with a doctor that waits to be marked done: its
    id, its doctor's resource and its day (the other browser walk takes the earliest)."""
    with database.session() as s:
        now = utcnow()
        found = s.execute(
            select(Appointment.id, Appointment.resource_id, Appointment.start_at)
            .join(Resource, Resource.id == Appointment.resource_id)
            .where(Appointment.status == "booked", Resource.kind == "clinician",
                   Appointment.start_at <= now - timedelta(minutes=15),
                   Appointment.start_at >= now - timedelta(days=5))
            .order_by(Appointment.start_at.desc()).limit(1)).first()
        assert found is not None, "the demo leaves some of the day's visits to mark done"
        appt_id, resource_id, start = found
        return appt_id, resource_id, start.astimezone(workdays.TZ).date().isoformat()


def test_code_the_days_visit_and_report_last_month(page: Page, live: Live) -> None:
    database = Database(live.database_url)
    contact_id, item_id = _diabetes_visit(database)
    appt_id, resource_id, day = _open_visit(database)
    login(page, live.url, "sekreterare")
    # The day in the appointment book: the visits done, and one marked done now.
    page.goto(f"{live.url}/tidbok/resurs/{resource_id}?datum={day}")
    expect(page.locator("#day-slots")).to_contain_text("Genomförd")
    page.click(f"[data-fulfil='{appt_id}']")
    page.wait_for_url(re.compile(rf".*/tidbok/resurs/{resource_id}\?datum={day}$"))
    expect(page.locator(f"[data-fulfil='{appt_id}']")).to_have_count(0)
    screenshot(page, "coding-demo-day")
    with database.session() as s:
        made = s.scalar(select(CareContact.id).where(CareContact.source == "visit",
                                                     CareContact.source_id == appt_id))
        assert made is not None, "the visit done made its care contact"
        new_item = s.scalar(select(WorkItem.id).where(
            WorkItem.ref_type == "care_contact", WorkItem.ref_id == made,
            WorkItem.status == "requested"))
        assert new_item is not None
    page.goto(f"{live.url}/arbetslista?scope=queue&kind=coding")
    expect(page.locator(f"#item-{new_item}")).to_be_visible()
    # A visit done earlier waits in the unit's queue with its signed note; its item leads to it.
    page.click(f"#item-{item_id} a")
    page.wait_for_url(re.compile(rf".*/arenden/{item_id}$"))
    page.click("#care-contact-detail + p a")
    page.wait_for_url(re.compile(rf".*/kodning/{contact_id}$"))
    expect(page.locator("#note-text")).to_contain_text("diabetes mellitus typ 2")
    # A suggestion taken fills the main diagnosis; nothing is stored yet.
    page.click("#suggestions li[data-code=E119] button")
    expect(page.locator("#f-main")).to_have_value(re.compile(r"^E11\.?9$"))
    # A secondary diagnosis typed as its category: the check says so at that field.
    page.fill("#f-secondary-1", "E78")
    page.click("#finish")
    expect(page.locator("#coding-message")).to_contain_text("inte kodad")
    field = page.locator(".field.has-error", has=page.locator("#f-secondary-1"))
    expect(field.locator("[data-rule=non_terminal]")).to_be_visible()
    expect(page.locator("#contact-status")).to_have_text("Ej kodad")
    screenshot(page, "coding-demo-error")
    page.fill("#f-secondary-1", "E78.0")
    page.click("#finish")
    page.wait_for_url(re.compile(r".*/kodning(/\d+|\?kodad=1)$"))
    with database.session() as s:
        contact = s.get(CareContact, contact_id)
        assert contact is not None and contact.status == "coded"
        assert sorted((c.role, c.code, c.from_suggestion) for c in contact.codes) == [
            ("main", "E119", True), ("secondary", "E780", False)]
        item = s.get(WorkItem, item_id)
        assert item is not None and item.status == "completed"
    # Last month's report (the page's default month): the file, and the errors apart.
    page.goto(f"{live.url}/kodning/rapport")
    page.click("#export button[type=submit]")
    page.wait_for_url(re.compile(r".*/kodning/rapport\?manad=\d{4}-\d{2}&korning=\d+$"))
    held = page.locator("#held-back tbody tr")
    expect(held).to_have_count(len(WRONG) + 2)  # and the one without residence codes
    expect(page.locator("#held-back")).to_contain_text("Vårdkontakten är inte markerad som kodad.")
    expect(page.locator("#held-back")).to_contain_text("Patientens län och kommun saknas")
    screenshot(page, "coding-demo-report")
    link = page.locator("#export a", has_text="Ladda ner").first
    reported = int(page.locator("#export tbody tr").first.locator("td").nth(2).inner_text())
    answer = page.request.get(live.url + (link.get_attribute("href") or ""))
    assert answer.status == 200
    lines = answer.text().strip().splitlines()
    assert len(lines) == reported + 1 and reported >= 10  # the header and one line a contact
    held_ids = {row.split(";")[0] for row in lines[1:]} & {
        t.strip() for t in held.locator("td:first-child").all_inner_texts()}
    assert not held_ids, "a contact with an error is not in the file"
    database.engine.dispose()
