"""Issue 12's proof in Chromium, and its "Done when" in the demo: a request taken by phone, three
documents compiled, a passage masked (typed: the keyboard way), reviewed by the clinician with
delegation who withholds one document (a partial refusal with its written decision), the
decision letter sent and the copy delivered by post; the items close, the release is on the
patient's record, its PDF lacks the masked text and the withheld document, and the figures
page counts the request as handled within target."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from kulisser.db import Database
from kulisser.letters.models import Letter
from kulisser.patients.models import CareRelation, Patient
from kulisser.records.models import RecordRelease, RecordRequest
from kulisser.staff.models import UnitMembership, User
from kulisser.worklist.models import WorkItem
from tests.browser.conftest import Live, login
from tests.records.rpdf_helpers import pdf_text, signed_note

pytestmark = pytest.mark.browser

SECRET = "Modern Gunhild vårdas för samma sjukdom."


def _arrange(database_url: str) -> tuple[str, int]:
    """Three signed notes for a demo patient of the secretary's unit; the patient's number and
    the clinician's id."""
    db = Database(database_url)
    with db.session() as s:
        ids = {u.username: u.id for u in s.scalars(select(User).where(
            User.username.in_(("sekreterare", "lakare"))))}
        unit_id = s.scalar(select(UnitMembership.unit_id).where(
            UnitMembership.user_id == ids["sekreterare"]))
        patient = s.scalar(select(Patient).join(CareRelation, CareRelation.patient_id == Patient.id)
                           .where(CareRelation.unit_id == unit_id,
                                  Patient.protected_identity.is_(False))
                           .order_by(Patient.id.desc()).limit(1))
        assert unit_id is not None and patient is not None
        for text in ("Nybesök. Inga besvär.", f"Anhöriganamnes. {SECRET} Övrigt utan anmärkning.",
                     "Återbesök. Fortsatt bra."):
            signed_note(s, unit_id=unit_id, patient_id=patient.id, author_id=ids["lakare"],
                        text=text)
        number = patient.display_id
    db.engine.dispose()
    return number, ids["lakare"]


def test_phone_request_compiled_masked_decided_and_delivered(page: Page, live: Live,
                                                             tmp_path: Path) -> None:
    number, clinician_id = _arrange(live.database_url)
    login(page, live.url, "sekreterare")
    page.goto(live.url + "/journalkopior/ny")
    page.fill("#f-identifier", number)
    page.select_option("#f-kind", "copy")
    page.select_option("#f-channel", "phone")
    page.select_option("#f-requester_kind", "patient")
    page.fill("#f-requester_name", "Patienten själv")
    page.select_option("#f-scope", "whole")
    page.select_option("#f-delivery", "post")
    with page.expect_navigation():
        page.click("button:has-text('Registrera')")
    assert re.search(r"/journalkopior/\d+$", page.url), page.url
    request_id = int(page.url.rsplit("/", 1)[1])
    page.click("#kopians-handlingar >> text=Sammanställ kopian")
    # Three of the patient's documents: the notes arranged above.
    for n in range(3):
        row = page.locator("tr[data-candidate^='note-']").filter(
            has=page.get_by_role("button", name=re.compile("^Välj"))).first
        with page.expect_navigation():
            row.get_by_role("button", name=re.compile("^Välj")).click()
        expect(page.locator("#valda h2")).to_contain_text(f"({n + 1})")
    doc = page.locator("article.picked").filter(has_text="Anhöriganamnes")
    doc.locator("[data-mask-passage]").fill(SECRET)
    with page.expect_navigation():
        doc.locator("[data-mask-passage]").press("Enter")
    expect(page.locator("#compile-notice")).to_have_text("Maskerade 1 ställe.")
    page.goto(f"{live.url}/journalkopior/{request_id}")
    page.select_option("#review select[name=decider_id]", str(clinician_id))
    with page.expect_navigation():
        page.click("#review button:has-text('Skicka för sekretessprövning')")

    page.context.clear_cookies()
    login(page, live.url, "lakare")
    page.goto(f"{live.url}/journalkopior/{request_id}/provning")
    rows = page.locator("tr[data-document]")
    expect(rows).to_have_count(3)
    masks = [rows.nth(i).locator("td").nth(1).inner_text().strip() == "1" for i in range(3)]
    withheld = max(i for i in range(3) if not masks[i])  # one unmasked document withheld
    for i in range(3):
        row = page.locator("tr[data-document]").nth(i)
        verdict = ("release_masked" if masks[i] else "withhold" if i == withheld else "release")
        row.locator("select[name=verdict]").select_option(verdict)
        if verdict != "release":
            row.locator("select[name=legal_ground]").select_option("osl_25_1")
            row.locator("textarea[name=reason]").fill("Uppgift om anhörig")
        with page.expect_navigation():
            row.locator("button[type=submit]").click()
        page.goto(f"{live.url}/journalkopior/{request_id}/provning")
    with page.expect_navigation():
        page.locator("#decision button[type=submit]").click()
    page.goto(f"{live.url}/journalkopior/{request_id}/provning")
    expect(page.locator("#outcome")).to_have_attribute("data-outcome", "partial")

    page.context.clear_cookies()
    login(page, live.url, "sekreterare")
    page.goto(f"{live.url}/journalkopior/statistik")
    within_before = _within_target(page)
    # The written decision goes out: the secretary opens the letter and marks it sent.
    page.goto(f"{live.url}/journalkopior/{request_id}")
    decision = page.locator("#decision")
    expect(decision).to_contain_text("inte skickat än")
    with page.expect_navigation():
        decision.locator("a[href^='/brev/']").click()
    with page.expect_navigation():
        page.click("button[data-op=sent]")
    page.goto(f"{live.url}/journalkopior/{request_id}")
    expect(page.locator("#decision")).to_contain_text("(skickat)")
    page.select_option("#delivery select[name=how]", "post")
    with page.expect_navigation():
        page.click("#delivery button:has-text('Lämna ut')")
    expect(page.locator("#delivered")).to_be_visible()

    db = Database(live.database_url)
    with db.session() as s:
        request = s.get(RecordRequest, request_id)
        assert request is not None and request.status == "delivered"
        release = s.scalar(select(RecordRelease).where(RecordRelease.request_id == request_id))
        assert release is not None and request.page_count == release.page_count
        items = list(s.scalars(select(WorkItem).where(WorkItem.ref_type == "record_request",
                                                      WorkItem.ref_id == request_id)))
        assert items and all(item.status in ("completed", "cancelled") for item in items)
        body = release.pdf
        patient_id = request.patient_id
        assert request.outcome == "partial" and request.handled_on is not None
        assert request.handled_on <= request.target_date
        letter = s.get(Letter, request.decision_letter_id)
        assert letter is not None and letter.kind == "record_decision" and letter.status == "sent"
        kept = next(d.text for d in request.documents if d.verdict == "withhold")
    db.engine.dispose()
    text = pdf_text(body, tmp_path)
    assert "Gunhild" not in text and "Maskerat – OSL 25 kap." in text
    assert kept.split(".")[0] not in text  # the withheld document stays out of the copy
    page.goto(f"{live.url}/patienter/{patient_id}")
    expect(page.locator("body")).to_contain_text("Journalkopia lämnad ut")
    page.goto(f"{live.url}/journalkopior/statistik")
    assert _within_target(page) == within_before + 1


def _within_target(page: Page) -> int:
    """The figures page's count of requests handled within target, all months together."""
    cells = page.locator("#months tbody tr td:nth-child(7)").all_inner_texts()
    return sum(int(c.split()[0]) for c in cells if c.strip())
