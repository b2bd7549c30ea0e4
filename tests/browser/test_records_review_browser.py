"""rreview in Chromium: the decider reviews and decides on the review page, and the delegation
table and review page fit a phone and a desktop screen."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from kulisser.db import Database
from kulisser.patients.models import CareRelation
from kulisser.records.models import RecordRequest
from kulisser.staff.models import UnitMembership, User
from tests.browser.conftest import Live, login, screenshot
from tests.browser.test_layout_browser import _MEASURE
from tests.records.review_helpers import compiled_request, delegate, now

pytestmark = pytest.mark.browser


def _arrange(live: Live) -> int:
    """A request in review for a demo patient, decided by `lakare` (delegation by `chef`)."""
    from kulisser.records import review
    from tests import factories

    database = Database(live.database_url)
    try:
        with database.session() as s:
            ids = {u.username: u.id for u in s.scalars(select(User).where(
                User.username.in_(("chef", "lakare", "sekreterare"))))}
            unit_id = s.scalar(select(UnitMembership.unit_id).where(
                UnitMembership.user_id == ids["sekreterare"]))
            patient_id = s.scalar(select(CareRelation.patient_id).where(
                CareRelation.unit_id == unit_id).limit(1))
            world = SimpleNamespace(unit_id=unit_id, patient_ids=[patient_id],
                                    secretary_id=ids["sekreterare"], manager_id=ids["chef"],
                                    clinician_id=ids["lakare"])
            delegate(s, world, user_id=ids["lakare"])  # type: ignore[arg-type]
            request = compiled_request(s, world)  # type: ignore[arg-type]
            review.submit(s, actor=factories.actor(s, ids["sekreterare"]),
                          request_id=request.id, decider_id=ids["lakare"], now=now())
            return request.id
    finally:
        database.engine.dispose()


def test_the_decider_reviews_and_decides_and_the_pages_fit(browser: Browser, live: Live) -> None:
    request_id = _arrange(live)
    for width in (390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="sv-SE")
        page = context.new_page()
        login(page, live.url, "chef")
        page.goto(live.url + "/journalkopior/delegering")
        expect(page.locator("#delegations")).to_contain_text("Gäller nu")
        assert page.evaluate(_MEASURE)[:6] == [], f"delegation page at {width} px"
        screenshot(page, f"layout-record-delegation-{width}")
        context.close()
    context = browser.new_context(viewport={"width": 390, "height": 900}, locale="sv-SE")
    page = context.new_page()
    login(page, live.url, "lakare")
    page.goto(f"{live.url}/journalkopior/{request_id}/provning")
    assert page.evaluate(_MEASURE)[:6] == [], "review page at 390 px"
    screenshot(page, "layout-record-review-390")
    rows = page.locator("tr[data-document]")
    expect(rows).to_have_count(2)
    # The first document is withheld: without a ground the form says so and keeps the reason.
    first = rows.nth(0)
    first.locator("select[name=verdict]").select_option("withhold")
    first.locator("textarea[name=reason]").fill("Uppgifter om anhörig")
    with page.expect_navigation():
        first.locator("button[type=submit]").click()
    first = page.locator("tr[data-document]").nth(0)
    expect(first).to_contain_text("Ange lagrum för maskering eller sekretess.")
    expect(first.locator("textarea[name=reason]")).to_have_value("Uppgifter om anhörig")
    first.locator("select[name=legal_ground]").select_option("osl_25_1")
    with page.expect_navigation():
        first.locator("button[type=submit]").click()
    # The redirect goes to the request's page (rcore's); the review page shows the verdicts.
    page.goto(f"{live.url}/journalkopior/{request_id}/provning")
    second = page.locator("tr[data-document]").nth(1)
    second.locator("select[name=verdict]").select_option("release")
    with page.expect_navigation():
        second.locator("button[type=submit]").click()
    page.goto(f"{live.url}/journalkopior/{request_id}/provning")
    with page.expect_navigation():
        page.locator("#decision button[type=submit]").click()
    page.goto(f"{live.url}/journalkopior/{request_id}/provning")
    expect(page.locator("#outcome")).to_have_attribute("data-outcome", "partial")
    expect(page.locator("#decision")).to_contain_text("Skriftligt beslut")
    context.close()
    database = Database(live.database_url)
    with database.session() as s:
        request = s.get(RecordRequest, request_id)
        assert request is not None and request.decision_letter_id is not None
    database.engine.dispose()
