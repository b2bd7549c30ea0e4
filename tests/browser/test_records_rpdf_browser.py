"""In Chromium: on a record copy's compile page a passage is picked, selected with the mouse
and masked; the stored range is the passage's place in the stored text (code points, also
past an emoji), the preview and the PDF leave it out, and the page fits at 390 and 1280 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from kulisser.db import Database
from kulisser.patients.models import CareRelation
from kulisser.records.models import RecordRequest
from kulisser.staff.models import UnitMembership, User
from tests.browser.conftest import Live, login, screenshot
from tests.browser.test_layout_browser import _MEASURE
from tests.records.rpdf_helpers import make_request, signed_note

pytestmark = pytest.mark.browser

SECRET = "Systern Åsa bär på samma anlag."
TEXT = f"Samtal om ärftlighet 🧬 i familjen. {SECRET} Uppföljning om ett år."


def _arrange(database_url: str) -> tuple[int, int]:
    db = Database(database_url)
    with db.session() as s:
        secretary = s.scalar(select(User).where(User.username == "sekreterare"))
        doctor = s.scalar(select(User).where(User.username == "lakare"))
        assert secretary is not None and doctor is not None
        unit_id = s.scalar(select(UnitMembership.unit_id).where(
            UnitMembership.user_id == secretary.id))
        assert unit_id is not None
        patient_id = s.scalar(select(CareRelation.patient_id).where(
            CareRelation.unit_id == unit_id).order_by(CareRelation.id).limit(1))
        assert patient_id is not None
        note = signed_note(s, unit_id=unit_id, patient_id=patient_id, author_id=doctor.id,
                           text=TEXT)
        request_id = make_request(s, unit_id=unit_id, patient_id=patient_id).id
    db.engine.dispose()
    return request_id, note.id


_SELECT = """(passage) => {
  const box = document.querySelector("[data-mask-text]");
  const node = box.firstChild;
  const at = node.textContent.indexOf(passage);
  const range = document.createRange();
  range.setStart(node, at);
  range.setEnd(node, at + passage.length);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  box.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
}"""


def test_a_passage_selected_with_the_mouse_is_masked_at_its_place(
        page: Page, browser: Browser, live: Live) -> None:
    request_id, note_id = _arrange(live.database_url)
    login(page, live.url, "sekreterare")
    page.goto(f"{live.url}/journalkopior/{request_id}/sammanstall")
    # This note's row (the demo's patient has other notes, some signed later than it).
    row = page.locator(f"tr[data-candidate^='note-{note_id}-']")
    row.get_by_role("button", name=re.compile("^Välj")).click()
    expect(page.locator("#request-status")).to_have_text("Sammanställs")
    page.evaluate(_SELECT, SECRET)
    expect(page.locator("[data-mask-selection]")).to_contain_text("Systern Åsa")
    page.locator("[data-mask-form] button[type=submit]").click()
    expect(page.locator("#compile-notice")).to_have_text("Maskerade 1 ställe.")
    expect(page.locator("[data-mask-text] mark")).to_have_text(SECRET)
    db = Database(live.database_url)
    with db.session() as s:
        request = s.get(RecordRequest, request_id)
        assert request is not None
        doc = request.documents[0]
        start = doc.text.index(SECRET)  # Python counts code points: the emoji is one
        assert [(m.start_at, m.end_at) for m in doc.masks] == [(start, start + len(SECRET))]
    db.engine.dispose()
    page.goto(f"{live.url}/journalkopior/{request_id}/forhandsgranska")
    expect(page.locator("[data-masked]")).to_have_text("[Maskerat – OSL 25 kap.]")
    assert "Systern Åsa" not in page.content()
    for width in (390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="sv-SE",
                                      storage_state=page.context.storage_state())
        sized = context.new_page()
        sized.goto(f"{live.url}/journalkopior/{request_id}/sammanstall")
        sized.wait_for_load_state("networkidle")
        assert list(sized.evaluate(_MEASURE)) == []
        screenshot(sized, f"layout-record-compile-{width}")
        context.close()
