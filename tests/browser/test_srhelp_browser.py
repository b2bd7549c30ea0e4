"""In Chromium: the review editor sends an activity heartbeat while the secretary types (no
text in it), and "Börja från tom text" asks before discarding typed text, then restarts from
the headings with the draft kept to insert (issue 15 item 8)."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Dialog, Page, expect
from sqlalchemy import select

from kulisser.booking.models import Appointment, Resource
from kulisser.db import Database, utcnow
from kulisser.dictation import catalog
from kulisser.dictation.models import Dictation, ReviewActivity
from kulisser.staff.models import User
from tests.browser.conftest import Live, login, screenshot

pytestmark = pytest.mark.browser
DRAFT = "Patienten söker för hosta sedan två veckor. Lungorna är fria."


def _drafted(database: Database) -> int:
    """A dictation with a draft ready, made behind the server (no recognizer run needed)."""
    with database.session() as s:
        clinician = s.scalar(select(User).where(User.username == "lakare"))
        assert clinician is not None
        unit_id = clinician.memberships[0].unit_id
        patient_id = s.scalar(select(Appointment.patient_id)
                              .join(Resource, Resource.id == Appointment.resource_id)
                              .where(Resource.user_id == clinician.id).limit(1))
        assert patient_id is not None
        now = utcnow()
        d = Dictation(unit_id=unit_id, patient_id=patient_id, author_id=clinician.id,
                      note_type_id=catalog.default_note_type(s, unit_id=unit_id).id,
                      audio_sha256=secrets.token_hex(32), audio_format="wav",
                      audio_media_type="audio/wav", audio_duration_s=30.0, audio_size=1000,
                      uploaded_by_id=clinician.id, uploaded_at=now, updated_at=now)
        s.add(d)
        s.flush()
        d.store_draft(text=DRAFT, words=[], model="fake", language="sv", now=now)
        s.commit()
        return d.id


def _kinds(database: Database, did: int) -> list[str]:
    with database.session() as s:
        return list(s.scalars(select(ReviewActivity.kind).where(ReviewActivity.dictation_id == did)
                              .order_by(ReviewActivity.at)))


def test_heartbeat_while_typing_and_start_from_empty(page: Page, live: Live) -> None:
    database = Database(live.database_url)
    did = _drafted(database)
    login(page, live.url, "sekreterare")
    page.goto(f"{live.url}/diktat/{did}")
    area = page.locator("#note-text")
    expect(area).to_have_value(re.compile("hosta"))
    # Typing sends one heartbeat at once, with nothing of the text in it.
    with page.expect_request(lambda r: r.url.endswith(f"/diktat/{did}/aktivitet")) as sent:
        area.press("End")
        area.type(" Tillägg")
    request = sent.value
    assert request.method == "POST" and "Tillägg" not in (request.post_data or "")
    assert request.response() is not None and request.response().status == 204  # type: ignore[union-attr]
    expect(page.locator("#save-status")).to_contain_text("Sparat", timeout=15_000)
    assert "key" in _kinds(database, did)

    # Declining the question keeps the typed text and the draft's way.
    messages: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.click("#empty-button")
    assert messages and "ersätts" in messages[0]
    expect(area).to_have_value(re.compile("Tillägg"))
    assert page.url.endswith(f"/diktat/{did}")

    # Accepting it restarts from the headings; the draft stays to insert.
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("#empty-button")
    expect(area).to_have_value(re.compile(r"^Anamnes:\n\nStatus:"))
    expect(page.locator("#empty-button")).to_have_count(0)
    expect(page.locator("#insert-draft")).to_be_visible()
    screenshot(page, "dictation-started-empty")
    with database.session() as s:
        d = s.get(Dictation, did)
        assert d is not None and d.review_mode == "empty" and d.draft_text == DRAFT
    assert _kinds(database, did)[-1] == "empty"
    # Taking the draft back counts the review as one from the draft again.
    page.click("#insert-draft")
    expect(area).to_have_value(re.compile("hosta"))
    deadline = utcnow().timestamp() + 10
    while _kinds(database, did)[-1] != "restore":
        assert utcnow().timestamp() < deadline, _kinds(database, did)
        page.wait_for_timeout(100)
    with database.session() as s:
        d = s.get(Dictation, did)
        assert d is not None and d.review_mode == "draft"
