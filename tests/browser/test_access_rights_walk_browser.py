"""Issue 13's "done when", walked in Chromium on the demo: the manager adds a newcomer to the
staff register and orders access for her by profile (her own order waits for the second
manager: four eyes), approves the secretary's order for a colleague; the secretary carries out
the resulting items from the worklist and the orders, and marks an introduction task done; the
manager attests the overdue six-monthly review and reviews a risk signal.

On a demo of its own (`serve_demo`): the walk changes the demo data that other browser tests
read as seeded."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from kulisser.access_rights.demo_catalogue import SECRETARY_PROFILE
from kulisser.workdays import local_today
from tests.browser.conftest import Live, login, screenshot, serve_demo

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A demo of this module's own."""
    with serve_demo(tmp_path_factory, "walk") as served:
        yield served


def _as(browser: Browser, base: str, username: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    page = context.new_page()
    login(page, base, username)
    return context, page


def _submit(page: Page, button: str, scope: str = "main") -> None:
    with page.expect_navigation():
        page.locator(scope).get_by_role("button", name=button).first.click()


def _order_by_profile(page: Page, base: str) -> str:
    """The manager registers a newcomer and orders access for her by profile."""
    page.goto(base + "/personal/ny")
    page.fill("#f-full_name", "Nora Nykvist")
    page.fill("#f-hsa_id", "SE2321000016-NYK1")
    page.fill("#f-profession", "Medicinsk sekreterare")
    _submit(page, "Spara", "form[action='/personal/ny']")
    expect(page.locator("h1")).to_have_text("Nora Nykvist")
    with page.expect_navigation():
        page.get_by_role("link", name="Beställ behörighet").click()
    expect(page.locator("#f-person_id option:checked")).to_contain_text("Nora Nykvist")
    expect(page.locator("input[name=kind][value=new]")).to_be_checked()
    page.fill("#f-effective_on", (local_today() + timedelta(days=14)).isoformat())
    page.select_option("#f-profile_id", label=SECRETARY_PROFILE)
    _submit(page, "Skicka för godkännande", "#new-order")
    assert re.search(r"/behorigheter/bestallningar/\d+$", page.url), page.url
    expect(page.locator("#order-status")).to_have_text("Väntar på godkännande")
    # Her own order: no approval button, but the four-eyes note.
    expect(page.locator("#four-eyes")).to_be_visible()
    expect(page.locator("#decision")).to_have_count(0)
    expect(page.locator("#order-lines tbody tr")).to_have_count(8)
    return page.url.removeprefix(base)


def _approve(page: Page, base: str, order_path: str) -> None:
    page.goto(base + order_path)
    page.fill("#decision textarea", "Godkänt enligt profilen.")
    _submit(page, "Godkänn", "#decision")
    expect(page.locator("#order-status")).to_have_text("Godkänd, utförs")


def _approve_colleagues_order(page: Page, base: str) -> str:
    """The manager approves the order the secretary made; returns its path."""
    page.goto(base + "/behorigheter/bestallningar?status=awaiting_approval")
    row = page.locator("tr", has_text="Ändring").first
    with page.expect_navigation():
        row.locator("a").first.click()
    path = page.url.removeprefix(base)
    _approve(page, base, path)
    return path


def _carry_out(page: Page, base: str, order_path: str, person: str) -> None:
    """The secretary takes the person's first line from the worklist, the rest on the order."""
    page.goto(base + "/arbetslista?kind=access-order-line")
    first = page.locator("#worklist tbody tr a").filter(has_text=f"– {person}").first
    with page.expect_navigation():
        first.click()
    page.fill("#f-line-note", "Upplagt i HSA-katalogen.")
    _submit(page, "Markera raden som utförd", "#line-done")
    page.goto(base + order_path)
    forms = page.locator("#order-lines form")
    remaining = forms.count()
    assert remaining >= 1
    for _ in range(remaining):
        form = page.locator("#order-lines form").first
        form.locator("textarea").fill("Utfört.")
        with page.expect_navigation():
            form.get_by_role("button", name="Markera som utförd").click()
    expect(page.locator("#order-lines form")).to_have_count(0)
    expect(page.locator("#order-status")).to_have_text("Klar")


def _introduction_task(page: Page, base: str) -> None:
    """The secretary marks a task of the newcomer's introduction done."""
    page.goto(base + "/behorigheter/introduktion")
    with page.expect_navigation():
        page.locator("#introductions a", has_text="Sara Nyberg").click()
    before = page.locator("#intro-progress").inner_text()
    done = int(before.split("/")[0])
    form = page.locator("form[action$='/klar']").first
    form.locator("textarea").fill("Visat arbetsplatsen och larmrutinerna.")
    with page.expect_navigation():
        form.get_by_role("button", name="Klarmarkera").click()
    expect(page.locator("#intro-progress")).to_contain_text(f"{done + 1}/")


def _review(page: Page, base: str) -> None:
    """The manager attests every remaining line of the overdue review."""
    page.goto(base + "/behorigheter/uppfoljning")
    with page.expect_navigation():
        page.locator("#reviews tr.overdue a").first.click()
    expect(page.locator("main")).to_contain_text("försenad")
    for _ in range(200):  # one person or one line per round; the demo has far fewer
        keep_all = page.get_by_role("button", name="Behåll alla återstående")
        attest = page.locator("#review-lines").get_by_role("button", name="Attestera")
        if keep_all.count():
            target = keep_all.first
        elif attest.count():
            target = attest.first
        else:
            break
        with page.expect_navigation():
            target.click()
    expect(page.locator("main strong").first).to_have_text("Klar")


def _signal(page: Page, base: str) -> None:
    """The manager reviews the risk signal of the secretary who read her relative."""
    page.goto(base + "/logg/signaler")
    heading = page.locator("#pending-h")
    waiting = int(re.findall(r"\d+", heading.inner_text())[0])
    row = page.locator("#pending tr", has_text="Samma efternamn").first
    row.locator("select").select_option("unjustified")
    row.locator("textarea").fill("Läste sin sambos journal; samtal hållet, anmält.")
    with page.expect_navigation():
        row.get_by_role("button", name="Spara granskningen").click()
    expect(heading).to_contain_text(f"({waiting - 1})")
    expect(page.locator("#done")).to_contain_text("Läste sin sambos journal")


def test_the_access_work_of_issue_13_from_order_to_signal(browser: Browser, walk: Live) -> None:
    base = walk.url
    manager, page = _as(browser, base, "chef")
    newcomers_order = _order_by_profile(page, base)
    colleagues_order = _approve_colleagues_order(page, base)
    second, second_page = _as(browser, base, "chef2")
    _approve(second_page, base, newcomers_order)
    second.close()
    secretary, spage = _as(browser, base, "sekreterare")
    _carry_out(spage, base, newcomers_order, "Nora Nykvist")
    _carry_out(spage, base, colleagues_order, "")
    _introduction_task(spage, base)
    _review(page, base)
    _signal(page, base)
    screenshot(page, "access-rights-walk")
    secretary.close()
    manager.close()
