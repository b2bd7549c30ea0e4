"""In Chromium: a lab result arrives through the API, the clinician signs it with a follow-up."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from kulisser import demo
from kulisser.db import Database
from kulisser.patients.models import CareRelation, Patient
from kulisser.staff import service as staff
from kulisser.staff.models import CareUnit, User
from tests.browser.conftest import Live, login, screenshot
from tests.results.helpers import observation, report

pytestmark = pytest.mark.browser
REVIEW = "#counts li:has-text('Provsvar att vidimera') span:nth-child(2)"


def _arrange(live: Live) -> tuple[str, str]:
    """A bearer token for the demo secretary (the lab integration) and a patient's number."""
    db = Database(live.database_url)
    try:
        with db.session() as s:
            user = s.scalar(select(User).where(User.username == "sekreterare"))
            unit = s.scalar(select(CareUnit).where(CareUnit.hsa_id == demo.UNIT_HSA))
            assert user is not None and unit is not None
            token = staff.create_api_token(s, user=user, unit_id=unit.id, label="labb")
            ident = s.scalar(select(Patient.id_value).join(
                CareRelation, CareRelation.patient_id == Patient.id).where(
                CareRelation.unit_id == unit.id, Patient.protected_identity.is_(False))
                .order_by(Patient.id).limit(1))
            assert ident is not None
            return token, ident
    finally:
        db.engine.dispose()


def _count(page: Page, live: Live) -> int:
    page.goto(live.url + "/arbetslista")
    return int(page.locator(REVIEW).inner_text())


def test_a_result_arrives_and_the_clinician_signs_it_with_a_follow_up(page: Page, live: Live) -> None:
    token, ident = _arrange(live)
    login(page, live.url, "lakare")
    before = _count(page, live)
    body = report(ident, orderer="lakare", title="Elektrolyter",
                  values=[observation("k", name="Kalium", value=5.9, unit="mmol/L", low=3.5,
                                      high=4.4, flag="H")])
    sent = httpx.post(live.url + "/api/v1/results", json=body,
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert sent.status_code == 201, sent.text
    result_id = sent.json()["outcomes"][0]["result_id"]
    assert _count(page, live) == before + 1

    # The clinician's list of results to sign has it; the result page shows the high value.
    page.goto(live.url + "/provsvar")
    row = page.locator(f"tbody tr[data-href='/provsvar/{result_id}']")
    expect(row).to_contain_text("Elektrolyter")
    expect(row).to_contain_text("Avvikande")
    row.locator("a").first.click()
    page.wait_for_url(f"**/provsvar/{result_id}")
    expect(page.locator("table.values")).to_contain_text("Högt")
    expect(page.locator("table.values")).to_contain_text("3,5–4,4")
    page.check("input[name=follow_up][value=visit]")
    page.fill("#f-note", "Nytt kalium om en vecka")
    page.click("#sign-button")
    expect(page.locator("#signed-notice")).to_be_visible()
    expect(page.locator("#result-status")).to_have_text("Vidimerat")
    expect(page.locator("#result-signed")).to_contain_text("Karl Berg")
    follow = page.locator("#follow-up-link").get_attribute("href")
    assert follow and re.fullmatch(r"/arenden/\d+", follow)
    screenshot(page, "result-signed")

    # The worklist's count drops back, and the follow-up is in the unit's queue.
    assert _count(page, live) == before
    page.goto(live.url + f"/arbetslista?scope=queue&kind=task&q={ident}")
    expect(page.locator(f"tbody tr[data-href='{follow}']")).to_contain_text("Boka besök")
    page.goto(live.url + follow)
    expect(page.locator("h1")).to_contain_text("Boka besök")
    expect(page.locator("main")).to_contain_text("Nytt kalium om en vecka")
    screenshot(page, "result-follow-up")
