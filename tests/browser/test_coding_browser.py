"""In Chromium: a visit is marked done, its coding item appears, the secretary takes a
suggestion from the signed note, adds a procedure, fixes the error the check shows, and the
item closes (issue 14's browser proof), on the demo data."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from kulisser.booking.models import Appointment, Resource
from kulisser.coding.models import CareContact
from kulisser.db import Database, utcnow
from kulisser.dictation import service as dictations
from kulisser.dictation.storage import AudioStore
from kulisser.staff import service as staff
from kulisser.staff.models import User
from kulisser.worklist.models import WorkItem
from tests.browser.conftest import Live, login, screenshot
from tests.dictation.audio import unique_tone

pytestmark = pytest.mark.browser
NOTE = "Anamnes: känd essential hypertension. Status: blodtryck 150/95. Bedömning: hypertension."


def _started_visit(database: Database) -> tuple[int, int]:
    """A booked demo visit with Karl Berg, moved to have begun five minutes ago."""
    with database.session() as s:
        appt = s.scalar(select(Appointment).join(Resource, Resource.id == Appointment.resource_id)
                        .join(User, User.id == Resource.user_id)
                        .where(Appointment.status == "booked", User.username == "lakare")
                        .order_by(Appointment.start_at).limit(1))
        assert appt is not None
        length = appt.end_at - appt.start_at
        appt.start_at = utcnow() - timedelta(minutes=5)
        appt.end_at = appt.start_at + length
        return appt.id, appt.patient_id


def _sign_note(database: Database, data_dir: Path, patient_id: int) -> None:
    """Karl Berg's note about the visit, written and signed (behind the server)."""
    with database.session() as s:
        clinician = s.scalar(select(User).where(User.username == "lakare"))
        secretary = s.scalar(select(User).where(User.username == "sekreterare"))
        assert clinician is not None and secretary is not None
        author = staff.make_actor(clinician, unit_id=clinician.memberships[0].unit_id)
        writer = staff.make_actor(secretary, unit_id=author.unit_id)
        d = dictations.upload_dictation(s, actor=author, store=AudioStore(data_dir=data_dir),
                                        audio=io.BytesIO(unique_tone()), filename="d.wav",
                                        patient_id=patient_id, note_type="visit")
        dictations.save_text(s, actor=writer, dictation_id=d.id, text=NOTE)
        dictations.send_for_signature(s, actor=writer, dictation_id=d.id)
        dictations.sign(s, actor=author, dictation_id=d.id)


def test_code_a_visit_from_its_note(page: Page, live: Live, tmp_path: Path) -> None:
    database = Database(live.database_url)
    appt_id, patient_id = _started_visit(database)
    login(page, live.url, "sekreterare")
    page.goto(f"{live.url}/tidbok/besok/{appt_id}")
    page.click("#fulfil")
    expect(page.locator("#appointment-status")).to_have_text("Genomförd")
    with database.session() as s:
        contact = s.scalar(select(CareContact).where(CareContact.source == "visit",
                                                     CareContact.source_id == appt_id))
        assert contact is not None
        contact_id = contact.id
    _sign_note(database, tmp_path, patient_id)
    # The coding item is in the unit's queue.
    page.goto(f"{live.url}/arbetslista?scope=queue&kind=coding")
    expect(page.locator("main")).to_contain_text("Koda läkarbesök")
    page.goto(f"{live.url}/kodning")
    page.click(f"#contact-{contact_id} a")
    page.wait_for_url(re.compile(rf".*/kodning/{contact_id}$"))
    expect(page.locator("#note-text")).to_contain_text("essential hypertension")
    # Take the suggestion: it fills the main diagnosis, nothing is stored yet.
    page.click("#suggestions li[data-code=I10] button")
    expect(page.locator("#f-main")).to_have_value("I10")
    # A secondary diagnosis typed as its category (an error) and a procedure with its day.
    page.fill("#f-secondary-1", "J45")
    page.fill("#f-procedure-1", "DT016")
    page.fill("#f-procedure-date-1", page.locator("#f-procedure-date-1").input_value() or
              utcnow().date().isoformat())
    page.click("#finish")
    expect(page.locator("#coding-message")).to_contain_text("inte kodad")
    expect(page.locator("[data-rule=non_terminal]")).to_be_visible()
    expect(page.locator("#contact-status")).to_have_text("Ej kodad")
    screenshot(page, "coding-error")
    page.fill("#f-secondary-1", "J45.9")
    page.click("#finish")
    page.wait_for_url(re.compile(r".*/kodning(/\d+|\?kodad=1)$"))
    with database.session() as s:
        contact = s.get(CareContact, contact_id)
        assert contact is not None and contact.status == "coded"
        assert sorted((c.role, c.code, c.from_suggestion) for c in contact.codes) == [
            ("main", "I10", True), ("procedure", "DT016", False), ("secondary", "J459", False)]
        items = s.scalars(select(WorkItem).where(WorkItem.ref_type == "care_contact",
                                                 WorkItem.ref_id == contact_id)).all()
        assert [i.status for i in items] == ["completed"]
    database.engine.dispose()
