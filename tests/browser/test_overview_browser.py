"""The proof of issue 15 in Chromium: the manager opens the overview, changes the period, opens a
chart's table, downloads the CSV, and makes and downloads the monthly PDF (read back with
pdftotext: the Swedish month in the title, the volumes and her text)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from kulisser.stats import report
from kulisser.stats.report_sections import month_name
from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser
TEXT = "Sekreterarna hann ikapp kön under månaden; vi behöver en vikarie i sommar."


def test_manager_reads_the_overview_and_downloads_csv_and_the_monthly_pdf(
        page: Page, live_server: str, tmp_path: Path) -> None:
    login(page, live_server, "chef")
    page.goto(live_server + "/oversikt")
    expect(page.locator("h1")).to_have_text("Översikt: enhetens arbete")

    # Change the period: a quarter is drawn per week.
    page.select_option("select[name=period]", "kvartal")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    assert "period=kvartal" in page.url
    expect(page.locator("#table-flow thead th").first).to_have_text("Vecka")

    # A chart's numbers one click away, then as CSV.
    table = page.locator("#table-flow")
    expect(table).to_be_hidden()
    page.locator("section[aria-labelledby=h-flow] summary").click()
    expect(table).to_be_visible()
    with page.expect_download() as csv_download:
        page.locator("section[aria-labelledby=h-flow] details a.button").click()
    csv_text = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0] == "Vecka från;Inkommande;Klara"
    # The CSV holds the table's rows: one per week of the quarter so far.
    assert len(csv_text.splitlines()) - 1 == table.locator("tbody tr").count() >= 1

    # The monthly report: from the overview's section to the reports page, her text, made now.
    page.locator("#monthly-reports a[href='/oversikt/rapporter']").click()
    expect(page.locator("h1")).to_contain_text("Månadsrapporter")
    page.fill("#f-text", TEXT)
    with page.expect_navigation():
        page.click("#make-report")
    expect(page.locator("#report-notice")).to_have_text("Rapporten är skapad.")
    screenshot(page, "overview-reports")
    month = month_name(report.last_month())
    row = page.locator("#reports tbody tr", has_text=month).first
    with page.expect_download() as pdf_download:
        row.locator("a", has_text="Ladda ner PDF").click()
    pdf = Path(pdf_download.value.path()).read_bytes()
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode("utf-8")
    assert f"Sekreterarnas arbete, {month}" in text
    assert "Volymer per typ av arbete" in text and re.search(r"Alla typer\s+\d", text)
    assert "vi behöver en vikarie i sommar" in " ".join(text.split())
